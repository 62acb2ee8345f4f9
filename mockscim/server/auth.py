"""Credentials: Basic, Bearer (Okta's HTTP Header mode) or none for SCIM; the admin rule for
``/__admin``; and who may create a dynamic tenant. ``init_app`` checks every SCIM request."""

from __future__ import annotations

import base64
import hmac
from urllib.parse import urlsplit

from flask import Flask

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.errors import Forbidden
from mockscim.errors import Unauthorized
from mockscim.profiles import Profile
from mockscim.server.context import current_request
from mockscim.server.context import scope
from mockscim.server.inspection import is_scim
from mockscim.server.state import TENANT_KEY
from mockscim.server.state import AppState
from mockscim.server.state import get_state
from mockscim.server.state import tenants

REALM = "mockscim"


def _bytes(text: str) -> bytes:
    """Any text as bytes: a header may carry any octet, and a lone surrogate must not raise."""
    return text.encode("utf-8", "surrogatepass")


def same(given: str, expected: str) -> bool:
    """Constant-time comparison, so timing does not reveal how much of a secret matched.

    Compared as bytes: ``hmac.compare_digest`` raises on non-ASCII text, and a credential is
    whatever the client sent (RFC 7617 §2.1 leaves its charset open).
    """
    return hmac.compare_digest(_bytes(given), _bytes(expected))


def header_text(value: str) -> str:
    """A header value as the client meant it: WSGI hands headers over as latin-1 text
    (PEP 3333), so a UTF-8 token arrives as mojibake; undecodable bytes stay as they came."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def basic_credentials(header: str) -> tuple[str, str] | None:
    """``(user, token)`` from ``Basic base64(user:token)``; None for anything that does not decode.

    Defensive on purpose: any header is a 401, never a 500 (a non-ASCII character makes
    ``b64decode`` raise ValueError; undecodable bytes make ``decode`` raise).
    """
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(_bytes(encoded.strip()), validate=True).decode("utf-8")
    except (ValueError, UnicodeError):  # binascii.Error is a ValueError
        return None
    user, sep, token = decoded.partition(":")
    return (user, token) if sep else None


def _basic_ok(header: str, auth: AuthConfig) -> bool:
    """True when ``header`` is ``Basic base64(user:token)`` with the configured values."""
    # The form Okta sends, compared whole and in constant time, spares decoding it on every
    # request; any other spelling (scheme case, spaces) is decoded and compared part by part.
    if hmac.compare_digest(_bytes(header), auth.basic_header):
        return True
    given = basic_credentials(header)
    if given is None:
        return False
    user_ok = same(given[0], auth.user)  # both compared, so timing does not tell which was wrong
    token_ok = same(given[1], auth.token)
    return user_ok and token_ok


def _bearer_ok(header: str, auth: AuthConfig, profile: Profile) -> bool:
    """True for ``Bearer <token>``, or the bare token when the profile allows (docs/okta-reference.md §2.3)."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer":
        return same(header_text(token.strip()), auth.token)
    return profile.accept_bare_bearer and same(header_text(header.strip()), auth.token)


def _doubled_bearer(header: str, auth: AuthConfig) -> bool:
    """True for ``Bearer Bearer <token>``: the token was pasted with its prefix into Okta's field."""
    words = header.split()
    return (
        len(words) == 3
        and [w.lower() for w in words[:2]] == ["bearer", "bearer"]
        and same(header_text(words[2]), auth.token)
    )


def check_credentials(auth: AuthConfig, profile: Profile) -> None:
    """Raise Unauthorized (401 with a challenge) unless the request carries valid credentials."""
    if auth.mode == "none":
        return
    header = current_request().environ.get("HTTP_AUTHORIZATION")
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
    given = current_request().environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    if not same(header_text(given), token):
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
    request = current_request()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    site = request.headers.get("Sec-Fetch-Site", "")
    origin = request.headers.get("Origin")
    foreign_origin = origin is not None and _netloc(origin) != request.host
    if site in ("cross-site", "same-site") or foreign_origin:
        raise Forbidden("cross-site requests may not change mockscim's state; use the dashboard or curl")


def _netloc(url: str) -> str | None:
    """The host:port of a URL, or None when it does not parse (``http://[`` raises ValueError)."""
    try:
        return urlsplit(url).netloc
    except ValueError:
        return None


# Routes that answer without credentials and hold nothing of a tenant: they never look the
# tenant up, so their answer is the same whether or not /t/NAME exists.
OPEN_ENDPOINTS = ("admin.health", "dashboard.static", "dashboard.login_form", "_index")


def _carries_server_credentials(settings: Settings) -> bool:
    """True when the request carries the credentials a new tenant would have: the server's
    (or ``--admin-token`` on the admin API)."""
    try:
        if is_scim(settings):
            check_credentials(settings.auth, settings.profile)
        else:
            check_admin(settings.auth, settings.profile, settings.admin_token)
    except Unauthorized:
        return False
    return True


def _resolve_tenant(settings: Settings) -> AppState:
    """The request's tenant. An unknown one is created (dynamic mode) or refused (static mode)
    only for a request with valid credentials, so anonymous requests cannot fill
    ``--max-tenants``; any other request gets the registry's stand-in, which answers as a
    tenant with the server's credentials does and holds nothing, so that an anonymous client
    cannot tell which tenants exist."""
    name = current_request().environ.get(TENANT_KEY)
    registry = tenants()
    if name is None or registry.known(name) or _carries_server_credentials(settings):
        return get_state()
    state = scope().mockscim_state = registry.stand_in()
    return state


def init_app(app: Flask, settings: Settings) -> None:
    """Resolve the tenant (creating a dynamic one only for valid credentials), then check them."""

    @app.before_request
    def _authenticate() -> None:
        if current_request().endpoint in OPEN_ENDPOINTS:
            return
        state = _resolve_tenant(settings)
        # Everything under the SCIM base path needs credentials, unknown paths included, so a
        # wrong credential is always a 401 and never reveals which endpoints exist.
        if is_scim(settings):
            check_credentials(state.credentials, settings.profile)
            scope().mockscim_authenticated = True  # the journal keeps only a summary of anything else
