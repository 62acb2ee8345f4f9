"""The live dashboard under ``/__admin/``: what Okta sent, as it arrives.

One server-rendered page (Jinja, autoescaped) plus plain JavaScript that reads JSON from the
endpoints of the dashboard modules and a server-sent event stream (``Journal.subscribe``). The
page carries no request data and no secret: everything from requests is fetched as JSON and
put in the page with ``textContent``, and a Content-Security-Policy forbids inline script.

The blueprint lives in ``dashboard_access`` (who may use it); the routes in this module and in
``dashboard_flows``, ``dashboard_state`` and ``dashboard_tools``, which this module imports so
that ``dashboard.bp`` has every route before it is registered.
"""

from __future__ import annotations

import itertools
import queue
import re
import threading
from collections.abc import Callable
from collections.abc import Iterator

from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for

from mockscim import jsontext
from mockscim.clock import monotonic
from mockscim.journal import Entry
from mockscim.journal import EntryFilter
from mockscim.journal import Journal
from mockscim.server import admin_api
from mockscim.server import dashboard_state  # noqa: F401 - registers its routes on bp
from mockscim.server import dashboard_tools  # noqa: F401 - registers its routes on bp
from mockscim.server.bodies import integer
from mockscim.server.dashboard_access import bp
from mockscim.server.dashboard_access import has_session
from mockscim.server.dashboard_flows import operation_options
from mockscim.server.dashboard_flows import summarize
from mockscim.server.middleware import GONE_KEY
from mockscim.server.middleware import step_aside
from mockscim.server.responses import base_url
from mockscim.server.state import get_state

__all__ = ["bp", "summarize"]

HEARTBEAT_SECONDS = 15.0  # an SSE comment this often, so a gone client is noticed (the write fails)
# How often a stream asks the server whether its client hung up (mockscim's server can tell,
# middleware.GONE_KEY): a closed dashboard tab frees its worker within this, not a heartbeat.
GONE_POLL_SECONDS = 0.5
STREAM_SECONDS = 300.0  # then the stream ends and EventSource reconnects: no thread lives forever
FEED_LIMIT = 500  # entries the page loads at first; the journal may hold more


# -- the page -------------------------------------------------------------------------------------


@bp.get("/")
def page() -> str:
    """The dashboard: banner with the values for Okta, feed, flows, state and actions."""
    state = get_state()
    config = {
        "operations": operation_options(),
        "api": {name: url_for(f"dashboard.{name}") for name in (*_API, *_TOOLS_API)},
        "entryUrl": url_for("dashboard.entries") + "/",
        "resourceUrl": url_for("dashboard.state") + "/",
        "authMode": state.credentials.mode,
        "cookieSession": has_session(),
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


def _int_arg(name: str) -> int | None:
    """An optional integer query parameter (empty is absent); anything else is a 400 naming it."""
    value = request.args.get(name)
    return integer(value or None, name, minimum=0)


@bp.get("/dashboard/api/entries")
def entries() -> Response:
    """Feed rows, newest first; ``?since=<id>`` for newer ones only (the polling fallback)."""
    journal = get_state().journal
    selected = journal.entries(EntryFilter(since_id=_int_arg("since")), newest_first=True)
    limit = _int_arg("limit") or FEED_LIMIT
    meta = {"total": len(selected), "dropped": journal.dropped, "capacity": journal.max_entries}
    return jsonify({"entries": [summarize(e) for e in selected[:limit]], "meta": meta})


@bp.get("/dashboard/api/events")
def events() -> Response:
    """Server-sent events: each new journal entry as a feed row, a heartbeat, then a clean end."""
    journal = get_state().journal  # this request's tenant's journal, looked up per request
    # The browser echoes the last id it saw in Last-Event-ID; one it garbled starts a fresh feed
    # (a 400 would stop EventSource for good). A bad ?since= is the caller's: a 400 naming it.
    start = _int_arg("since")
    last = request.headers.get("Last-Event-ID", "")
    if re.fullmatch(r"[0-9]{1,18}", last):
        start = int(last)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    gone = request.environ.get(GONE_KEY, _still_there)
    step_aside(request.environ)  # a stream mostly waits: a new worker takes requests meanwhile
    return Response(_stream(journal, start, gone), mimetype="text/event-stream", headers=headers)


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

    def wait(self, deadline: float, gone: Callable[[], bool]) -> Iterator[Entry | None]:
        """New entries as they come until ``deadline`` or the client hangs up (as far as ``gone``
        can tell); None stands for a heartbeat, after HEARTBEAT_SECONDS without an entry."""
        beat = monotonic() + HEARTBEAT_SECONDS
        while (now := monotonic()) < deadline and not gone():
            try:
                entry = self.entries.get(
                    timeout=max(min(GONE_POLL_SECONDS, beat - now, deadline - now), 0.01)
                )
            except queue.Empty:
                if monotonic() < beat:
                    continue
                entry = None  # a heartbeat is due
            beat = monotonic() + HEARTBEAT_SECONDS
            yield entry


def _still_there() -> bool:
    """What another WSGI server tells about its client: nothing (a failed write ends the stream)."""
    return False


def _stream(journal: Journal, since: int | None, gone: Callable[[], bool]) -> Iterator[str]:
    """Yield SSE frames until the client goes (the server tells, or a write fails) or
    STREAM_SECONDS pass."""
    # Subscribing inside the generator: werkzeug closes a started generator when the client goes
    # (or the stream ends), so the finally clause always unsubscribes.
    inbox = _Inbox()
    unsubscribe = journal.subscribe(inbox.offer)
    try:
        yield "retry: 2000\n\n"
        backlog = journal.entries(EntryFilter(since_id=since)) if since is not None else []
        sent = since or 0
        for entry in itertools.chain(backlog, inbox.wait(monotonic() + STREAM_SECONDS, gone)):
            if inbox.overflowed.is_set():
                inbox.overflowed.clear()
                yield "event: resync\ndata: {}\n\n"  # the page reloads the feed with ?since=
            if entry is None:
                yield ": heartbeat\n\n"
            elif entry["id"] > sent:  # the backlog and the subscription may overlap
                sent = entry["id"]
                summary = summarize(journal.ready(entry))  # complete it here, not in the request
                yield f"id: {sent}\nevent: entry\ndata: {jsontext.dumps(summary)}\n\n"
    finally:
        unsubscribe()


@bp.get("/requests.jsonl")
def download_journal() -> Response:
    """The whole journal as JSON Lines, oldest first (entries are already masked)."""
    lines = "".join(jsontext.dumps(e) + "\n" for e in get_state().journal.entries())
    headers = {"Content-Disposition": 'attachment; filename="mockscim-journal.jsonl"'}
    return Response(lines, mimetype="application/x-ndjson", headers=headers)


# -- state ----------------------------------------------------------------------------------------


# -- actions: the admin API's own views, so both behave the same ----------------------------------


@bp.post("/dashboard/api/reset")
def reset() -> Response:
    """Reset state (the page sends ``{"journal": false}``); see ``POST /__admin/reset``."""
    return admin_api.reset()


@bp.post("/dashboard/api/clear")
def clear() -> Response:
    """Clear the journal; see ``DELETE /__admin/requests``."""
    return admin_api.clear_requests()
