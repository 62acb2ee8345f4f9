"""The request journal: every SCIM request and its response, masked, in store order.

``init_app`` registers three things, and nothing when ``--no-journal`` is given:

- a first ``before_request`` hook that starts the clock (401s and faults are timed too);
- a wrapper around each SCIM view that, for a write, holds the tenant's store lock for the view
  only, takes the request's capture under it (what the classification needs of the resource as
  it was: a PUT that flips ``active`` is a deactivation) and takes a ticket, so entries are
  appended in the order the store applied the writes (a read takes its ticket after the view,
  unlocked);
- an ``after_request`` hook that hands the turnstile the append of the entry's time and duration
  with a completer, run in ticket order (``server/turnstile.py``); the completer builds the rest
  of the entry from the capture and the response, when the server is idle or when the entry is
  read.

A request that did not authenticate is recorded as a bounded summary (method, cut path and
query, status, body size, a few masked headers): no body, no findings, so an anonymous client
cannot make the journal hold what it sends. Every entry is bounded: headers are cut, findings
are capped, and the current request's passwords are redacted from whatever quotes them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from flask import Response

from mockscim import jsontext
from mockscim.clock import isoformat
from mockscim.clock import monotonic
from mockscim.config import Settings
from mockscim.inspect.classify import Classification
from mockscim.inspect.classify import classify
from mockscim.inspect.envelope import first_values
from mockscim.inspect.envelope import parse_body
from mockscim.inspect.findings import Finding
from mockscim.inspect.masking import mask_body
from mockscim.inspect.masking import mask_headers
from mockscim.inspect.masking import mask_query
from mockscim.inspect.masking import redact
from mockscim.journal_packing import expand
from mockscim.journal_packing import shrink
from mockscim.server.bodies import parse_json
from mockscim.server.context import current_request
from mockscim.server.context import scope
from mockscim.server.inspection import Capture
from mockscim.server.inspection import Inspection
from mockscim.server.inspection import capture
from mockscim.server.inspection import is_scim
from mockscim.server.inspection import kept_body
from mockscim.server.inspection import unwire
from mockscim.server.reading import query_pairs
from mockscim.server.reading import request_headers
from mockscim.server.redaction import NONE
from mockscim.server.redaction import secrets_in
from mockscim.server.state import AppState
from mockscim.server.state import get_state
from mockscim.server.state import resolved_state
from mockscim.server.state import tenants_of

SCIM_BLUEPRINT = "scim"
READS = ("GET", "HEAD")  # a POST /.search reads too, but is rare: it keeps the lock
AUTHENTICATED = "mockscim_authenticated"  # set in g by auth once the credentials were checked
MAX_FINDINGS = 50  # a body of 20,000 wrong elements would otherwise carry 20,000 findings
MAX_MESSAGE = 500  # a finding's message quotes the value it judges; a whole body is not kept
# What a pending completer holds beyond both bodies' bytes: itself, its times, the capture
# (headers and query as JSON, paths, the prior attributes, members that point nowhere), the
# response's headers as JSON, and an inspection when faults or strict mode built one. About
# 1.2-1.7 KB for Okta's requests in process (sys.getsizeof, summed; the times 160 bytes).
# Counted until the completer runs.
PENDING_OVERHEAD = 2048


@dataclass(frozen=True)
class Bounds:
    """How much of a request's headers and query an entry keeps."""

    count: int  # headers (and query parameters) kept
    length: int  # characters of each name and value


ANONYMOUS = Bounds(count=16, length=256)
AUTHENTICATED_BOUNDS = Bounds(count=64, length=4096)


def init_app(app: Flask, settings: Settings) -> None:
    """Record SCIM requests; call it before the other hook modules, after the blueprints."""
    if not settings.journal:
        return  # --no-journal: no clock, no lock, no entries; faults and --strict still apply

    clock = tenants_of(app).default.store.clock  # every tenant shares the app's clock

    @app.before_request
    def _start() -> None:
        g = scope()
        # The moment only: an authenticated entry's completer formats it, off the request path.
        g.mockscim_at = clock.now()
        g.mockscim_started = monotonic()

    for endpoint, view in list(app.view_functions.items()):
        if endpoint.partition(".")[0] == SCIM_BLUEPRINT:
            app.view_functions[endpoint] = _in_store_order(view)

    @app.after_request
    def _record(response: Response) -> Response:
        g, state = scope(), resolved_state()  # None: unknown tenant, or refused before it was created
        if state is not None and not state.stand_in and "mockscim_started" in g and is_scim(settings):
            turn = g.pop("mockscim_turn", None)
            try:
                # Build and encode the entry first: only the append itself goes in ticket order,
                # run by whichever request's thread completes the sequence (server/turnstile.py).
                if g.get(AUTHENTICATED):
                    entry, complete, held = _entry(response, g, state)
                    prepared = state.journal.prepare(entry, complete, pending_bytes=held)
                else:
                    prepared = state.journal.prepare(_summary(response, g, settings))
            except BaseException:
                if turn is not None:
                    state.order.done(turn)
                raise
            if turn is None:
                state.journal.add(prepared)
            else:
                state.order.deliver(turn, functools.partial(state.journal.add, prepared))
        return response

    @app.teardown_request
    def _release(_: BaseException | None) -> None:
        turn = scope().pop("mockscim_turn", None)  # an after hook failed before _record called it
        if turn is not None and (state := resolved_state()) is not None:
            state.order.done(turn)


def _in_store_order(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` holding the tenant's store lock, and take the journal ticket before releasing it."""

    @functools.wraps(view)
    def guarded(**kwargs: Any) -> Any:
        state, g = get_state(), scope()
        if current_request().method in READS:
            # A read changes nothing, so its place among the writes needs no lock: its ticket
            # is taken after the store answered it. Holding the lock here made every worker wait
            # for every other one (about half the throughput of lookups and gets at 8 threads).
            try:
                capture()
                return view(**kwargs)
            finally:
                g.mockscim_turn = state.order.take()
        with state.store.lock:
            try:
                capture()  # the resource as it was before this view changed it
                return view(**kwargs)
            finally:
                g.mockscim_turn = state.order.take()

    return guarded


def _cut(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters, marked when it was cut."""
    return text if len(text) <= length else text[:length] + f"...({len(text)} characters)"


def _bounded(pairs: dict[str, str], bounds: Bounds) -> dict[str, str]:
    """At most ``bounds.count`` names and values, each cut to ``bounds.length`` characters."""
    kept = list(pairs.items())[: bounds.count]
    out = {_cut(name, bounds.length): _cut(value, bounds.length) for name, value in kept}
    if len(pairs) > bounds.count:
        out["..."] = f"{len(pairs) - bounds.count} more"
    return out


def _summary(response: Response, g: Any, settings: Settings) -> dict[str, Any]:
    """What the journal keeps of a request that did not authenticate: bounded, and no body.

    The query stays (cut and masked) so ``mockscim verify`` can match Okta's request with wrong
    credentials (``scenarios/okta/negative/bad-credentials``); the body is only counted.
    """
    request, base = current_request(), settings.base_path
    scim_path = request.path[len(base) :] if base and request.path.startswith(base) else request.path
    query = _bounded(mask_query(first_values(query_pairs())), ANONYMOUS)
    headers = _bounded(mask_headers(request_headers()), ANONYMOUS)
    envelope = {"method": _cut(request.method, 32), "path": _cut(scim_path or "/", ANONYMOUS.length)}
    classification = classify({**envelope, "query": query, "headers": headers, "body": None})
    return {
        "at": isoformat(g.mockscim_at),
        "duration_ms": _milliseconds(g.mockscim_started, monotonic()),
        "request": {
            "method": envelope["method"],
            "path": _cut(request.script_root + request.path, ANONYMOUS.length),
            "scim_path": envelope["path"],
            "query": query,
            "headers": headers,
            "body": None,
            "body_size": request.content_length or 0,
            "authenticated": False,
        },
        "response": _response_summary(response),
        "operation": classification.operation,
        "dialect": classification.dialect,
        "fault": None,
        "findings": [],
        "resource": None,
    }


def _response_summary(response: Response) -> dict[str, Any]:
    """Status, masked headers and the (small, JSON) error body the server answered with."""
    raw = b"" if response.is_streamed else response.get_data()
    body = parse_body(raw, ANONYMOUS.length * 4)[0] if raw else None
    headers = _bounded(mask_headers(_response_headers(response)), ANONYMOUS)
    return {"status": response.status_code, "headers": headers, "body": mask_body(body)}


def _response_headers(response: Response) -> dict[str, str]:
    """The response's headers as a dict (from their list: iterating werkzeug's Headers is slower)."""
    return dict(response.headers.to_wsgi_list())


def _entry(response: Response, g: Any, state: AppState) -> tuple[dict[str, Any], Any, int]:
    """The journal entry for one authenticated request/response pair as far as the request path
    builds it (nothing: an empty dict), the function that completes it, and the bytes that
    function holds until it runs.

    Everything is built by the completer from the request's capture, its moment and duration
    and the response's parts, which the journal runs while the server is idle or when the entry
    is read (mockscim/journal.py): formatting, masking, bounding, classification and validation
    never slow the request. The completer keeps the response's bytes (at most
    ``--journal-body-limit``) compressed, not the dict the view rendered, so what it holds is
    small and counted exactly.
    """
    sent = b"" if response.is_streamed else response.get_data()
    captured = capture()  # taken before the view; taken now if the request never reached it
    completion = _Completion(
        captured,
        (g.mockscim_at, g.mockscim_started, monotonic()),
        g.get("mockscim_inspection"),
        (
            response.status_code,
            jsontext.encode_kept(response.headers.to_wsgi_list()),
            g.get("mockscim_fault"),
        ),
        (sent, kept_body(captured)),
        state.settings.journal_body_limit,
        g.get("mockscim_secrets", NONE),
    )
    return {}, completion, len(completion.held[1]) + PENDING_OVERHEAD


def _milliseconds(started: float, ended: float) -> float:
    """The time between two ``monotonic`` readings, in milliseconds to the µs."""
    return round((ended - started) * 1000, 3)


class _Completion:
    """Completes one entry: what it keeps until then, in slots (a closure's cells cost about 500
    bytes more per entry, and under sustained load every entry waits for its completion).

    It keeps the request's capture, the response's status, headers and fault, both bodies'
    bytes (none above ``--journal-body-limit``, only their size), compressed by the journal's
    packer thread (``squeeze``), and the secrets the request already looked up.
    """

    __slots__ = ("capture", "held", "info", "limit", "response", "secrets", "size", "times")

    def __init__(
        self,
        capture: Capture,
        times: tuple[datetime, float, float],  # the request's moment, its start and end (monotonic)
        info: Inspection | None,
        response: tuple[int, bytes, dict[str, Any] | None],  # status, headers as JSON, fault
        bodies: tuple[bytes, bytes],  # the response's and the request's
        limit: int,
        secrets: frozenset[str],
    ) -> None:
        sent, received = bodies
        self.capture, self.times, self.info, self.response = capture, times, info, response
        self.size, self.limit, self.secrets = len(sent), limit, secrets
        # (compressed?, the response's bytes then the request's, the response's length): one
        # attribute, replaced whole by squeeze. One bytes object of its own length (under load
        # thousands of completers wait for the packer, each with what would otherwise be
        # orjson's 4 KB buffer), so the packer compresses both bodies in one zlib call.
        kept = sent if len(sent) <= limit else b""
        self.held = (False, jsontext.exact(kept + received), len(kept))

    def squeeze(self) -> None:
        """Compress the bytes held (the journal's packer calls it, off the request path)."""
        compressed, both, cut = self.held
        if not compressed:
            # One stream for both bodies: each zlib call lets go of the GIL and waits to take it
            # back behind the workers, so a write's two bodies packed apart cost two more waits.
            self.held = (True, shrink(both), cut)

    def __call__(self, entry: dict[str, Any]) -> None:
        """Fill in the entry's time, duration, request, response, operation, fault, findings and
        resource."""
        moment, started, ended = self.times
        entry["at"], entry["duration_ms"] = isoformat(moment), _milliseconds(started, ended)
        compressed, both, cut = self.held
        both = expand(both) if compressed else both
        sent, received = both[:cut], both[cut:]
        captured = self.capture
        parse = parse_json(received) if received else None
        headers_in, query = captured.unwired()
        info = self.info if self.info is not None else captured.inspect(received, parse, headers_in, query)
        secrets = self.secrets | secrets_in(parse, received, query)
        entry["request"] = redact(self._request_part(info.envelope), secrets)
        status, headers, fault = self.response
        body = (
            {"_truncated": True, "size": self.size}
            if self.size > self.limit
            else parse_body(sent, self.limit)[0]
        )
        entry["response"] = {"status": status, "headers": mask_headers(dict(unwire(headers)))}
        entry["response"]["body"] = redact(mask_body(body), secrets)
        classification = info.classification
        entry["operation"], entry["dialect"], entry["fault"] = (
            classification.operation,
            classification.dialect,
            fault,
        )
        found = info.computed_findings()
        if found is None:  # validated on the request as the entry keeps it (headers bounded)
            again = _replayed(entry["request"])
            found = Inspection(
                again, classification, info.body_problem, info.raw_path, info.base_path, info.unknown_members
            ).findings()
        entry["findings"] = redact(_capped(found), secrets)
        entry["resource"] = _resource(classification, body, captured.method == "POST")

    def _request_part(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """The envelope with the full path, the SCIM path and bounded headers."""
        captured = self.capture
        part = {**envelope, "path": captured.root + captured.path, "scim_path": envelope["path"]}
        part["headers"] = _bounded(envelope["headers"], AUTHENTICATED_BOUNDS)
        return part


def _replayed(recorded: dict[str, Any]) -> dict[str, Any]:
    """The request's envelope again, from the entry's request part (the envelope plus two paths)."""
    return {**{k: recorded[k] for k in ("method", "query", "headers", "body")}, "path": recorded["scim_path"]}


def _capped(found: list[Finding]) -> list[dict[str, str]]:
    """The request's findings, at most MAX_FINDINGS, each message cut to MAX_MESSAGE characters."""
    kept = [{**f.to_dict(), "message": _cut(f.message, MAX_MESSAGE)} for f in found[:MAX_FINDINGS]]
    if len(found) > MAX_FINDINGS:
        more = len(found) - MAX_FINDINGS
        kept.append(
            {"severity": "warning", "pointer": "", "rule": "journal", "message": f"{more} more findings"}
        )
    return kept


def _resource(classification: Classification, body: Any, is_post: bool) -> dict[str, Any] | None:
    """Which resource the request touched: from the path, or from a created resource's id."""
    rid = classification.resource_id
    if rid is None and is_post and isinstance(body, dict) and isinstance(body.get("id"), str):
        rid = body["id"]
    if classification.resource_type is None or rid is None:
        return None
    return {"type": classification.resource_type, "id": rid}
