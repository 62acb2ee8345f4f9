"""Credentials: Basic, Bearer (Okta's HTTP Header mode) or none for SCIM; the admin rule for
``/__admin``; and who may create a dynamic tenant. ``init_app`` checks every SCIM request."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import urlsplit

from flask import Flask
from flask import request

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.errors import Forbidden
from mockscim.errors import Unauthorized
from mockscim.profiles import Profile
from mockscim.server.inspection import is_scim
from mockscim.server.state import TENANT_KEY
from mockscim.server.state import get_state
from mockscim.server.state import tenants

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
    """True for ``Bearer <token>``, or the bare token when the profile allows (docs/okta-reference.md §2.3)."""
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


def require_admin() -> None:
    """The admin API's rule for the current tenant: ``--admin-token`` when set, else its SCIM credentials."""
    state = get_state()
    check_admin(state.credentials, state.settings.profile, state.settings.admin_token)


def refuse_cross_site() -> None:
    """A browser that has cached Basic credentials must not let another site change state.

    Browsers mark requests from other sites (``Sec-Fetch-Site``, ``Origin``); curl and the
    runner send neither, so scripted use is unaffected. Read-only calls stay allowed.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    site = request.headers.get("Sec-Fetch-Site", "")
    origin = request.headers.get("Origin")
    foreign_origin = origin is not None and urlsplit(origin).netloc != request.host
    if site in ("cross-site", "same-site") or foreign_origin:
        raise Forbidden("cross-site requests may not change mockscim's state; use the dashboard or curl")


def _authenticate_new_tenant(settings: Settings) -> None:
    """Only an authenticated request may create a dynamic tenant, so anonymous requests cannot
    fill ``--max-tenants``. A tenant that does not exist yet has the server's credentials (or
    the admin token, on the admin API)."""
    name = request.environ.get(TENANT_KEY)
    if name is None or any(state.name == name for state in tenants().all()):
        return
    if is_scim(settings):
        check_credentials(settings.auth, settings.profile)
    else:
        check_admin(settings.auth, settings.profile, settings.admin_token)


def init_app(app: Flask, settings: Settings) -> None:
    """Resolve the tenant (creating a dynamic one only for valid credentials), then check them."""

    @app.before_request
    def _authenticate() -> None:
        _authenticate_new_tenant(settings)
        state = get_state()  # refuses an unknown tenant in static mode
        # Everything under the SCIM base path needs credentials, unknown paths included, so a
        # wrong credential is always a 401 and never reveals which endpoints exist.
        if is_scim(settings):
            check_credentials(state.credentials, settings.profile)
