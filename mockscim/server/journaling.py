"""The request journal: every SCIM request and its response, masked, in store order.

``init_app`` registers three things, and nothing when ``--no-journal`` is given:

- a first ``before_request`` hook that starts the clock (401s and faults are timed too);
- a wrapper around each SCIM view that, for a write, holds the tenant's store lock for the view
  only, classifies the request under it (a PUT is compared with the resource as it was) and
  takes a ticket, so entries are appended in the order the store applied the writes (a read
  takes its ticket after the view, unlocked);
- an ``after_request`` hook that builds and packs the entry, then appends it when its ticket
  is called.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import request

from mockscim.clock import isoformat
from mockscim.clock import monotonic
from mockscim.config import Settings
from mockscim.inspect.classify import Classification
from mockscim.inspect.envelope import parse_body
from mockscim.inspect.masking import mask_body
from mockscim.inspect.masking import mask_headers
from mockscim.journal import RAW_BODY_KEY
from mockscim.server import faulting
from mockscim.server.inspection import Inspection
from mockscim.server.inspection import inspection
from mockscim.server.inspection import is_scim
from mockscim.server.responses import RENDERED
from mockscim.server.state import get_state
from mockscim.server.state import resolved_state
from mockscim.server.state import tenants

SCIM_BLUEPRINT = "scim"
READS = ("GET", "HEAD")  # a POST /.search reads too, but is rare: it keeps the lock


def init_app(app: Flask, settings: Settings) -> None:
    """Record SCIM requests; call it before the other hook modules, after the blueprints."""
    if not settings.journal:
        return  # --no-journal: no clock, no lock, no entries; faults and --strict still apply

    @app.before_request
    def _start() -> None:
        g.mockscim_at = isoformat(tenants().default.store.clock.now())  # tenants share one clock
        g.mockscim_started = monotonic()

    for endpoint, view in list(app.view_functions.items()):
        if endpoint.partition(".")[0] == SCIM_BLUEPRINT:
            app.view_functions[endpoint] = _in_store_order(view)

    @app.after_request
    def _record(response: Response) -> Response:
        state = resolved_state()  # None: unknown tenant, or refused before it was created
        if state is not None and "mockscim_started" in g and is_scim(settings):
            turn = g.pop("mockscim_turn", None)
            try:
                # Build and pack the entry first: only the append itself waits for its turn, so
                # the workers do not queue behind each other's JSON and compression.
                entry, complete, raw_body = _entry(response, inspection(), g.mockscim_started)
                prepared = state.journal.prepare(entry, complete, raw_body=raw_body)
                if turn is not None:
                    state.order.wait(turn)
                state.journal.add(prepared)
            finally:
                if turn is not None:
                    state.order.done(turn)
        return response

    @app.teardown_request
    def _release(_: BaseException | None) -> None:
        turn = g.pop("mockscim_turn", None)  # an after hook failed before _record called it
        if turn is not None and (state := resolved_state()) is not None:
            state.order.done(turn)


def _in_store_order(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` holding the tenant's store lock, and take the journal ticket before releasing it."""

    @functools.wraps(view)
    def guarded(**kwargs: Any) -> Any:
        state = get_state()
        if request.method in READS:
            # A read changes nothing, so its place among the writes needs no lock: its ticket
            # is taken after the store answered it. Holding the lock here made every worker wait
            # for every other one (about half the throughput of lookups and gets at 8 threads).
            try:
                inspection()
                return view(**kwargs)
            finally:
                g.mockscim_turn = state.order.take()
        with state.store.lock:
            try:
                inspection()  # the resource as it was before this view changed it
                return view(**kwargs)
            finally:
                g.mockscim_turn = state.order.take()

    return guarded


def _response_body(raw: bytes, limit: int) -> tuple[Any, bytes | None]:
    """The response body for the entry: (a value, None), or (None, the JSON text as sent) when
    those bytes are the JSON the view rendered (kept unparsed until the entry is completed)."""
    if len(raw) > limit:
        return {"_truncated": True, "size": len(raw)}, None  # only the size is kept above the limit
    rendered = g.get(RENDERED)
    if rendered is not None and rendered[1] == raw and raw:
        return None, raw
    return parse_body(raw, limit)[0], None


def _entry(
    response: Response, info: Inspection, started: float
) -> tuple[dict[str, Any], Callable[[dict[str, Any]], None], bytes | None]:
    """The journal entry for one request/response pair, the function that completes it, and
    the response body as sent (JSON text) when the completer is to parse it.

    The cheap parts are filled in now. The findings (JSON Schema validation) and the masked
    response body are filled in by the completer, which the journal runs while the server is
    idle or when the entry is read (mockscim/journal.py): validation never slows the request.
    The completer keeps only the classification and a few strings, not the request: it reads
    the envelope back from the entry, which the journal keeps as compact JSON meanwhile.
    """
    envelope, classification = info.envelope, info.classification
    raw = b"" if response.is_streamed else response.get_data()
    body, raw_body = _response_body(raw, get_state().settings.journal_body_limit)
    is_post = request.method == "POST"
    entry = {
        "at": g.mockscim_at,
        "duration_ms": round((monotonic() - started) * 1000, 3),
        "request": {**envelope, "path": request.script_root + request.path, "scim_path": envelope["path"]},
        "response": {"status": response.status_code, "headers": mask_headers(dict(response.headers))},
        "operation": classification.operation,
        "dialect": classification.dialect,
        "fault": faulting.fault_mark(),
    }
    if raw_body is None:
        entry["response"]["body"] = body
    found = info.computed_findings()  # strict mode validated before the view
    problem, raw_path, base, unknown = info.body_problem, info.raw_path, info.base_path, info.unknown_members

    def complete(entry: dict[str, Any]) -> None:
        response_body = entry.pop(RAW_BODY_KEY) if RAW_BODY_KEY in entry else entry["response"]["body"]
        entry["response"]["body"] = mask_body(response_body)
        if found is not None:
            entry["findings"] = [f.to_dict() for f in found]
        else:
            request_part = entry["request"]
            replayed = {k: request_part[k] for k in ("method", "query", "headers", "body")}
            envelope_again = {**replayed, "path": request_part["scim_path"]}
            again = Inspection(envelope_again, classification, problem, raw_path, base, unknown)
            entry["findings"] = [f.to_dict() for f in again.findings()]
        entry["resource"] = _resource(classification, response_body, is_post)

    return entry, complete, raw_body


def _resource(classification: Classification, body: Any, is_post: bool) -> dict[str, Any] | None:
    """Which resource the request touched: from the path, or from a created resource's id."""
    rid = classification.resource_id
    if rid is None and is_post and isinstance(body, dict) and isinstance(body.get("id"), str):
        rid = body["id"]
    if classification.resource_type is None or rid is None:
        return None
    return {"type": classification.resource_type, "id": rid}
