"""Credential check for every SCIM request: Basic, Bearer (Okta HTTP Header) or none."""

from __future__ import annotations

import base64
import binascii
import hmac

from flask import request

from mockscim.config import AuthConfig
from mockscim.errors import Unauthorized
from mockscim.profiles import Profile

REALM = "mockscim"


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison, so timing does not reveal how much of a secret matched."""
    return hmac.compare_digest(given.encode(), expected.encode())


def _basic_ok(header: str, auth: AuthConfig) -> bool:
    """True when ``header`` is ``Basic base64(user:token)`` with the configured values."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, sep, token = decoded.partition(":")
    user_ok = _same(user, auth.user)
    token_ok = _same(token, auth.token)
    return bool(sep) and user_ok and token_ok


def _bearer_ok(header: str, auth: AuthConfig, profile: Profile) -> bool:
    """True for ``Bearer <token>``, or the bare token when the profile allows (wire ref §2.3)."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer":
        return _same(token.strip(), auth.token)
    return profile.accept_bare_bearer and _same(header.strip(), auth.token)


def _doubled_bearer(header: str, auth: AuthConfig) -> bool:
    """True for ``Bearer Bearer <token>``: the token was pasted with its prefix into Okta's field."""
    words = header.split()
    return (
        len(words) == 3
        and [w.lower() for w in words[:2]] == ["bearer", "bearer"]
        and _same(words[2], auth.token)
    )


def check_credentials(auth: AuthConfig, profile: Profile) -> None:
    """Raise Unauthorized (401 with a challenge) unless the request carries valid credentials."""
    if auth.mode == "none":
        return
    header = request.headers.get("Authorization")
    scheme = "Basic" if auth.mode == "basic" else "Bearer"
    if header and (
        (auth.mode == "basic" and _basic_ok(header, auth))
        or (auth.mode == "bearer" and _bearer_ok(header, auth, profile))
    ):
        return
    if not header:
        detail = f"missing Authorization header; send {scheme} credentials (the values printed when mockscim started)"
    elif auth.mode == "bearer" and _doubled_bearer(header, auth):
        detail = (
            "the Authorization header reads 'Bearer Bearer <token>': Okta's HTTP Header field adds "
            "'Bearer ' itself (docs/okta-reference.md §2.3), so paste the token alone in Okta"
        )
    else:
        detail = f"wrong credentials; this server expects {scheme} authentication with the values printed when mockscim started"
    raise Unauthorized(detail, headers={"WWW-Authenticate": f'{scheme} realm="{REALM}"'})


def check_admin_token(token: str) -> None:
    """Raise Unauthorized unless the request carries ``Authorization: Bearer <token>`` (--admin-token)."""
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not _same(given, token):
        raise Unauthorized(
            "the admin API needs 'Authorization: Bearer <admin token>' (--admin-token)",
            headers={"WWW-Authenticate": 'Bearer realm="mockscim-admin"'},
        )


def check_admin(auth: AuthConfig, profile: Profile, admin_token: str | None) -> None:
    """The admin API's check: ``--admin-token`` when set, else the SCIM credentials."""
    if admin_token is None:
        check_credentials(auth, profile)
    else:
        check_admin_token(admin_token)
