"""The live dashboard under ``/__admin/``: what Okta sent, as it arrives (issue 7).

One server-rendered page (Jinja, autoescaped) plus plain JavaScript that reads JSON from the
endpoints below and a server-sent event stream (``Journal.subscribe``). The page carries no
request data and no secret: everything from requests is fetched as JSON and put in the page
with ``textContent``, and a Content-Security-Policy forbids inline script.

Access follows the admin API's rule (``admin_api._authenticate``): the server's credentials,
or ``--admin-token`` when set. Browsers can answer a Basic challenge but cannot send a Bearer
header, so a login form also accepts the token (the admin token, else the SCIM token) and sets
an HttpOnly, SameSite=Strict cookie holding an HMAC of it under a per-app random key: the
cookie never contains the token and stops working when the server restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import queue
import secrets
import threading
from collections.abc import Iterator
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from mockscim.clock import monotonic
from mockscim.errors import Forbidden
from mockscim.errors import InvalidValue
from mockscim.errors import NotFound
from mockscim.errors import Unauthorized
from mockscim.inspect.classify import OPERATIONS
from mockscim.inspect.flows import OPERATION_INFO
from mockscim.inspect.flows import describe
from mockscim.inspect.flows import group_flows
from mockscim.journal import Entry
from mockscim.journal import EntryFilter
from mockscim.journal import Journal
from mockscim.server import admin_api
from mockscim.server.responses import base_url
from mockscim.server.state import AppState
from mockscim.server.state import get_state

bp = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard/static",
)

COOKIE = "mockscim_dashboard"
ACTION_HEADER = "X-Mockscim-Dashboard"  # state-changing calls need it: forms cannot send it (CSRF)
HEARTBEAT_SECONDS = 15.0  # an SSE comment this often, so a gone client is noticed (the write fails)
STREAM_SECONDS = 300.0  # then the stream ends and EventSource reconnects: no thread lives forever
FEED_LIMIT = 500  # entries the page loads at first; the journal may hold more
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


# -- access ---------------------------------------------------------------------------------------


def _secret(state: AppState) -> str | None:
    """What the login form accepts: ``--admin-token``, else the SCIM token; None without credentials."""
    if state.settings.admin_token is not None:
        return state.settings.admin_token
    return None if state.credentials.mode == "none" else state.credentials.token


def _session_value(secret: str) -> str:
    """The cookie for ``secret``: an HMAC under a random key of this app, never the secret itself."""
    key = current_app.extensions.setdefault("mockscim_dashboard_key", secrets.token_bytes(32))
    return hmac.new(key, b"dashboard-session:" + secret.encode(), hashlib.sha256).hexdigest()


def _has_session() -> bool:
    """True when the request carries a valid dashboard cookie."""
    secret, given = _secret(get_state()), request.cookies.get(COOKIE)
    return bool(secret and given) and hmac.compare_digest(given or "", _session_value(secret or ""))


@bp.before_request
def _authenticate() -> Any:
    """Same rule as the admin API, plus the dashboard cookie; the page sends people to a login."""
    if request.endpoint in _OPEN_ENDPOINTS or _has_session():
        return None
    try:
        admin_api._authenticate()  # one rule for /__admin: server credentials or --admin-token
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
    secret = _secret(get_state())
    given = request.form.get("token", "").strip()
    if secret is not None and not hmac.compare_digest(given.encode(), secret.encode()):
        html = render_template("dashboard_login.html", basic=False, error="That token is not right.")
        return Response(html, 401)
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


# -- the page -------------------------------------------------------------------------------------


@bp.get("/")
def page() -> str:
    """The dashboard: banner with the values for Okta, feed, flows, state and actions."""
    state = get_state()
    config = {
        "operations": [{"value": op, "label": OPERATION_INFO[op].label} for op in OPERATIONS],
        "api": {name: url_for(f"dashboard.{name}") for name in (*_API, *_TOOLS_API)},
        "entryUrl": url_for("dashboard.entries") + "/",
        "resourceUrl": url_for("dashboard.state") + "/",
        "authMode": state.credentials.mode,
        "cookieSession": _has_session(),
    }
    return render_template(
        "dashboard.html",
        base_url=base_url(),
        auth=state.credentials,
        tenant=state.name,
        cookie_session=config["cookieSession"],
        config=config,
        download_url=url_for("dashboard.download_journal"),
    )


_API = ("entries", "events", "flows", "state", "credentials", "reset", "clear", "logout")
_TOOLS_API = ("export_entries", "faults", "library_flows")  # routes of dashboard_tools


@bp.get("/dashboard/api/credentials")
def credentials() -> Response:
    """The credentials to paste into Okta, only on an explicit click (never in the page HTML)."""
    auth = get_state().credentials
    values = {"mode": auth.mode, "user": auth.user or None, "token": auth.token or None}
    return jsonify(values)


# -- the journal ----------------------------------------------------------------------------------


def summarize(entry: Entry) -> dict[str, Any]:
    """One feed row: time, request line, readable operation, status, duration, worst finding."""
    request_, findings = entry["request"], entry.get("findings") or []
    severities = {finding.get("severity") for finding in findings}
    return {
        "id": entry["id"],
        "at": entry.get("at"),
        "duration_ms": entry.get("duration_ms"),
        "method": request_.get("method"),
        "path": request_.get("path"),
        "query": "&".join(f"{key}={value}" for key, value in (request_.get("query") or {}).items()),
        "operation": entry.get("operation"),
        "label": describe(entry)["label"],
        "status": entry["response"].get("status"),
        "severity": next((s for s in ("error", "warning", "info") if s in severities), None),
        "findings": len(findings),
        "resource": entry.get("resource"),
        "subject": _subject(entry),
    }


def _subject(entry: Entry) -> str | None:
    """The userName or displayName a request was about, for free-text search."""
    for body in (entry["request"].get("body"), entry["response"].get("body")):
        if isinstance(body, dict):
            name = body.get("userName") or body.get("displayName")
            if isinstance(name, str):
                return name
    return (entry["request"].get("query") or {}).get("filter")


def _int_arg(name: str) -> int | None:
    """An optional integer query parameter."""
    value = request.args.get(name)
    try:
        return None if value in (None, "") else int(value)
    except ValueError:
        raise InvalidValue(f"{name} must be an integer, not {value!r}") from None


@bp.get("/dashboard/api/entries")
def entries() -> Response:
    """Feed rows, newest first; ``?since=<id>`` for newer ones only (the polling fallback)."""
    journal = get_state().journal
    selected = journal.entries(EntryFilter(since_id=_int_arg("since")), newest_first=True)
    limit = _int_arg("limit") or FEED_LIMIT
    meta = {"total": len(selected), "dropped": journal.dropped, "capacity": journal.max_entries}
    return jsonify({"entries": [summarize(e) for e in selected[:limit]], "meta": meta})


@bp.get("/dashboard/api/entries/<int:entry_id>")
def entry_detail(entry_id: int) -> Response:
    """One entry in full (secrets were masked when it was recorded), with its Okta doc link."""
    entry = get_state().journal.get(entry_id)
    if entry is None:
        raise NotFound(f"no journal entry {entry_id}; it may have been dropped or cleared")
    return jsonify({**entry, **describe(entry), "summary": summarize(entry)})


@bp.get("/dashboard/api/events")
def events() -> Response:
    """Server-sent events: each new journal entry as a feed row, a heartbeat, then a clean end."""
    journal = get_state().journal  # this request's tenant's journal, looked up per request
    since = request.headers.get("Last-Event-ID") or request.args.get("since")
    start = int(since) if since and since.isdigit() else None
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Response(_stream(journal, start), mimetype="text/event-stream", headers=headers)


class _Inbox:
    """What one stream's journal listener hands over: new entries, and whether some were dropped."""

    def __init__(self) -> None:
        self.entries: queue.Queue[Entry] = queue.Queue(maxsize=1000)
        self.overflowed = threading.Event()

    def offer(self, entry: Entry) -> None:
        """Journal listener: never blocks the request being recorded; a full inbox asks for a resync."""
        try:
            self.entries.put_nowait(entry)
        except queue.Full:
            self.overflowed.set()

    def wait(self, deadline: float) -> Iterator[Entry | None]:
        """New entries as they come until ``deadline``; None stands for a heartbeat."""
        while monotonic() < deadline:
            try:
                yield self.entries.get(timeout=min(HEARTBEAT_SECONDS, max(deadline - monotonic(), 0.01)))
            except queue.Empty:
                yield None


def _stream(journal: Journal, since: int | None) -> Iterator[str]:
    """Yield SSE frames until the client goes (a write fails) or STREAM_SECONDS pass."""
    # Subscribing inside the generator: werkzeug closes a started generator when the client goes
    # (or the stream ends), so the finally clause always unsubscribes.
    inbox = _Inbox()
    unsubscribe = journal.subscribe(inbox.offer)
    try:
        yield "retry: 2000\n\n"
        backlog = journal.entries(EntryFilter(since_id=since)) if since is not None else []
        sent = since or 0
        for entry in itertools.chain(backlog, inbox.wait(monotonic() + STREAM_SECONDS)):
            if inbox.overflowed.is_set():
                inbox.overflowed.clear()
                yield "event: resync\ndata: {}\n\n"  # the page reloads the feed with ?since=
            if entry is None:
                yield ": heartbeat\n\n"
            elif entry["id"] > sent:  # the backlog and the subscription may overlap
                sent = entry["id"]
                summary = summarize(journal.ready(entry))  # complete it here, not in the request
                yield f"id: {sent}\nevent: entry\ndata: {json.dumps(summary, ensure_ascii=False)}\n\n"
    finally:
        unsubscribe()


@bp.get("/requests.jsonl")
def download_journal() -> Response:
    """The whole journal as JSON Lines, oldest first (entries are already masked)."""
    lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in get_state().journal.entries())
    headers = {"Content-Disposition": 'attachment; filename="mockscim-journal.jsonl"'}
    return Response(lines, mimetype="application/x-ndjson", headers=headers)


@bp.get("/dashboard/api/flows")
def flows() -> Response:
    """The journal grouped into Okta flows, newest first (mockscim.inspect.flows)."""
    grouped = group_flows(get_state().journal.entries())
    return jsonify({"flows": [flow.to_dict() for flow in reversed(grouped)]})


# -- state ----------------------------------------------------------------------------------------


@bp.get("/dashboard/api/state")
def state() -> Response:
    """Users and groups as table rows."""
    snapshot = get_state().store.snapshot()
    users, groups = snapshot["users"], snapshot["groups"]
    names = {u["id"]: u.get("userName") for u in users}
    groups_of: dict[str, list[str]] = {}
    for group in groups:
        for member in group.get("members") or []:
            groups_of.setdefault(member.get("value"), []).append(group.get("displayName"))
    user_rows = [_user_row(u, groups_of.get(u["id"], [])) for u in users]
    return jsonify({"users": user_rows, "groups": [_group_row(g, names) for g in groups]})


def _user_row(user: dict[str, Any], groups: list[str]) -> dict[str, Any]:
    """userName, name, active, externalId and group names of one user."""
    name = user.get("name") if isinstance(user.get("name"), dict) else {}
    formatted = name.get("formatted") or " ".join(
        str(name[part]) for part in ("givenName", "familyName") if name.get(part)
    )
    return {
        "id": user["id"],
        "userName": user.get("userName"),
        "name": formatted,
        "active": user.get("active", True),
        "externalId": user.get("externalId"),
        "groups": groups,
    }


def _group_row(group: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    """displayName and member names of one group."""
    members = [
        m.get("display") or names.get(m.get("value")) or m.get("value") for m in group.get("members") or []
    ]
    return {"id": group["id"], "displayName": group.get("displayName"), "members": members}


@bp.get("/dashboard/api/state/<any(User, Group):rtype>/<rid>")
def resource(rtype: str, rid: str) -> Response:
    """One resource's JSON and the journal entries that touched it, newest first."""
    current = get_state().store.get(rtype, rid)
    touched = [
        summarize(e)
        for e in get_state().journal.entries(newest_first=True)
        if e.get("resource") == {"type": rtype, "id": rid}
    ]
    return jsonify({"type": rtype, "resource": current, "requests": touched})


# -- actions: the admin API's own views, so both behave the same ----------------------------------


@bp.post("/dashboard/api/reset")
def reset() -> Response:
    """Reset state (the page sends ``{"journal": false}``); see ``POST /__admin/reset``."""
    return admin_api.reset()


@bp.post("/dashboard/api/clear")
def clear() -> Response:
    """Clear the journal; see ``DELETE /__admin/requests``."""
    return admin_api.clear_requests()


# Export as scenario, faults and library flows live in dashboard_tools (same blueprint); importing
# it here registers its routes whenever the blueprint is imported, before it is registered.
from mockscim.server import dashboard_tools  # noqa: E402,F401
