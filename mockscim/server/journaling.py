"""The request journal: every SCIM request and its response, masked, in store order.

``init_app`` registers three things, and nothing when ``--no-journal`` is given:

- a first ``before_request`` hook that starts the clock (401s and faults are timed too);
- a wrapper around each SCIM view that holds the tenant's store lock for the view only,
  classifies the request under it (a PUT is compared with the resource as it was) and takes
  a ticket, so entries are appended in the order the store served the requests;
- an ``after_request`` hook that builds the entry when the ticket is called, and appends it.
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
from mockscim.server import faulting
from mockscim.server.inspection import Inspection
from mockscim.server.inspection import inspection
from mockscim.server.inspection import is_scim
from mockscim.server.responses import RENDERED
from mockscim.server.state import get_state
from mockscim.server.state import resolved_state
from mockscim.server.state import tenants

SCIM_BLUEPRINT = "scim"


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
                if turn is not None:
                    state.order.wait(turn)
                state.journal.append(*_entry(response, inspection(), g.mockscim_started))
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
        with state.store.lock:
            try:
                inspection()  # the resource as it was before this view changed it
                return view(**kwargs)
            finally:
                g.mockscim_turn = state.order.take()

    return guarded


def _response_body(response: Response, raw: bytes, limit: int) -> Callable[[], Any]:
    """How to get the response body for the entry: the dict the view rendered when those are the
    bytes sent (no parse), else a parse of the bytes (a fault changed them, or no dict was used)."""
    rendered = g.get(RENDERED)
    if len(raw) > limit:
        size = len(raw)
        return lambda: {"_truncated": True, "size": size}  # only the size is kept above the limit
    if rendered is not None and rendered[1] == raw:
        body = rendered[0]
        return lambda: body
    return lambda: parse_body(raw, limit)[0]


def _entry(response: Response, info: Inspection, started: float) -> tuple[dict[str, Any], Any]:
    """The journal entry for one request/response pair, and the function that completes it.

    The cheap parts are filled in now. The findings (JSON Schema validation) and the masked
    response body are filled in by the completer, which the journal runs while the server is
    idle or when the entry is read (mockscim/journal.py): validation never slows the request.
    """
    envelope, classification = info.envelope, info.classification
    raw = b"" if response.is_streamed else response.get_data()
    body_of = _response_body(response, raw, get_state().settings.journal_body_limit)
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

    def complete(entry: dict[str, Any]) -> None:
        body = body_of()
        entry["response"]["body"] = mask_body(body)
        entry["findings"] = [f.to_dict() for f in info.findings()]
        entry["resource"] = _resource(classification, body, is_post)

    return entry, complete


def _resource(classification: Classification, body: Any, is_post: bool) -> dict[str, Any] | None:
    """Which resource the request touched: from the path, or from a created resource's id."""
    rid = classification.resource_id
    if rid is None and is_post and isinstance(body, dict) and isinstance(body.get("id"), str):
        rid = body["id"]
    if classification.resource_type is None or rid is None:
        return None
    return {"type": classification.resource_type, "id": rid}
