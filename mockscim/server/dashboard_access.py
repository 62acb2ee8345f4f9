"""Who may use the dashboard, and how its responses are hardened.

Access follows the admin API's rule (``auth.require_admin``): the server's credentials, or
``--admin-token`` when set. Browsers can answer a Basic challenge but cannot send a Bearer
header, so a login form also accepts the token (the admin token, else the SCIM token) and sets
an HttpOnly, SameSite=Strict cookie holding an HMAC of it under a per-app random key: the
cookie never contains the token and stops working when the server restarts.

The blueprint is created here, and only here, so every dashboard module can add routes to it
without importing the others (``dashboard.py`` imports them all before it is registered).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from flask import Response
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from mockscim.errors import Forbidden
from mockscim.errors import Unauthorized
from mockscim.server.auth import refuse_cross_site
from mockscim.server.auth import require_admin
from mockscim.server.auth import same
from mockscim.server.packaged import PackagedBlueprint
from mockscim.server.state import TENANT_KEY
from mockscim.server.state import AppState
from mockscim.server.state import get_state
from mockscim.server.state import tenants

bp = PackagedBlueprint("dashboard", __name__, package="mockscim.server", static_url_path="/dashboard/static")

COOKIE = "mockscim_dashboard"
ACTION_HEADER = "X-Mockscim-Dashboard"  # state-changing calls need it: forms cannot send it (CSRF)
_OPEN_ENDPOINTS = ("dashboard.static", "dashboard.login_form", "dashboard.login")
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _secret(state: AppState) -> str | None:
    """What the login form accepts: ``--admin-token``, else the SCIM token; None without credentials."""
    if state.settings.admin_token is not None:
        return state.settings.admin_token
    return None if state.credentials.mode == "none" else state.credentials.token


def _session_value(secret: str) -> str:
    """The cookie for ``secret``: an HMAC under a random key of this app, never the secret itself."""
    key = current_app.extensions.setdefault("mockscim_dashboard_key", secrets.token_bytes(32))
    return hmac.new(key, b"dashboard-session:" + secret.encode(), hashlib.sha256).hexdigest()


def has_session() -> bool:
    """True when the request carries a valid dashboard cookie (never for an unknown tenant)."""
    state = get_state()
    if state.stand_in:
        return False
    secret, given = _secret(state), request.cookies.get(COOKIE)
    return bool(secret and given) and same(given or "", _session_value(secret or ""))


@bp.before_request
def _authenticate() -> Any:
    """Same rule as the admin API, plus the dashboard cookie; the page sends people to a login."""
    if request.endpoint in _OPEN_ENDPOINTS or has_session():
        return None
    try:
        require_admin()  # one rule for /__admin: server credentials or --admin-token
        refuse_cross_site()
    except Unauthorized as error:
        if request.endpoint != "dashboard.page":
            raise
        state = get_state()  # browsers answer a Basic challenge; for a token they need the form
        if state.settings.admin_token is None and state.credentials.mode == "basic":
            html = render_template("dashboard_login.html", basic=True, error=None)
            return Response(html, 401, error.headers)
        return redirect(url_for("dashboard.login_form"), 303)
    return None


@bp.before_request
def _require_action_header() -> None:
    """State-changing calls must come from the page's script (a custom header), not a foreign form."""
    if request.method in ("POST", "PUT", "DELETE") and request.endpoint not in _OPEN_ENDPOINTS:
        if request.headers.get(ACTION_HEADER) != "1":
            raise Forbidden(f"dashboard actions need the header '{ACTION_HEADER}: 1'")


@bp.after_request
def _harden(response: Response) -> Response:
    """No caching of journal data or secrets; a strict CSP so request data can never run."""
    response.headers.update(_SECURITY_HEADERS)
    if request.endpoint != "dashboard.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/dashboard/login")
def login_form() -> str:
    """The token form (bearer or ``--admin-token`` mode; works in Basic mode with the password too)."""
    return render_template("dashboard_login.html", basic=False, error=None)


@bp.post("/dashboard/login")
def login() -> Response:
    """Check the token from the form and set the session cookie (HttpOnly, SameSite=Strict)."""
    state = get_state()
    secret = _secret(state)
    given = request.form.get("token", "").strip()
    if secret is not None and not same(given, secret):
        html = render_template("dashboard_login.html", basic=False, error="That token is not right.")
        return Response(html, 401)
    if state.stand_in:  # the right token for a tenant that does not exist yet: create it now
        tenants().resolve(request.environ.get(TENANT_KEY))
    response = redirect(url_for("dashboard.page"), 303)
    if secret is not None:
        response.set_cookie(COOKIE, _session_value(secret), secure=request.is_secure, **_cookie_flags())
    return response


@bp.post("/dashboard/logout")
def logout() -> Response:
    """Forget the session cookie."""
    response = jsonify({"logged_out": True})
    response.delete_cookie(COOKIE, **_cookie_flags())
    return response


def _cookie_flags() -> dict[str, Any]:
    """HttpOnly, SameSite=Strict, and the path the dashboard is mounted under (``/__admin``)."""
    return {"httponly": True, "samesite": "Strict", "path": url_for("dashboard.page").rstrip("/") or "/"}
