"""Journaling hooks: time, inspect (classify + findings), enforce strict mode, record.

Order matters and is set here: start the clock, check credentials, inspect and (in strict
mode) refuse, then record every response, 401s and errors included.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from mockscim.clock import isoformat
from mockscim.clock import monotonic
from mockscim.config import Settings
from mockscim.constants import ADMIN_PREFIX
from mockscim.errors import InvalidValue
from mockscim.errors import NotFound
from mockscim.errors import ScimError
from mockscim.inspect.classify import Classification
from mockscim.inspect.classify import classify
from mockscim.inspect.classify import route_of
from mockscim.inspect.envelope import first_values
from mockscim.inspect.envelope import make_envelope
from mockscim.inspect.envelope import parse_body
from mockscim.inspect.findings import Finding
from mockscim.inspect.findings import inspect
from mockscim.inspect.findings import path_warnings
from mockscim.inspect.masking import mask_body
from mockscim.inspect.masking import mask_headers
from mockscim.server import faulting
from mockscim.server.auth import check_admin
from mockscim.server.auth import check_credentials
from mockscim.server.middleware import RAW_PATH_KEY
from mockscim.server.responses import scim_response
from mockscim.server.state import DEFAULT_TENANT
from mockscim.server.state import TENANT_KEY
from mockscim.server.state import get_state
from mockscim.server.state import tenants


def _is_scim(settings: Settings) -> bool:
    """True for requests under the SCIM base path (never the admin API)."""
    path = request.path
    if path.startswith(ADMIN_PREFIX + "/") or path == ADMIN_PREFIX:
        return False
    base = settings.base_path
    return not base or path == base or path.startswith(base + "/")


def _raw_body(limit: int) -> Any:
    """The request body as recorded; never raises (an oversized body becomes a size note)."""
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return {"_truncated": True, "size": request.content_length}, None
    return parse_body(data, limit)


def _prior(shape: str, rtype: str | None, rid: str | None) -> dict[str, Any] | None:
    """The stored resource before a PUT/PATCH, so a flip of ``active`` can be recognised."""
    if rid is None or rtype is None or request.method not in ("PUT", "PATCH"):
        return None
    try:
        return get_state().store.get(rtype, rid)
    except NotFound:
        return None


def inspection() -> dict[str, Any]:
    """Envelope and classification of the current request (computed once, before the view);
    ``findings`` is a function, so the validation can run later, off the request path."""
    if "mockscim_inspection" in g:
        return g.mockscim_inspection
    state = get_state()
    base = state.settings.base_path
    scim_path = request.path[len(base) :] if base else request.path
    body, problem = _raw_body(state.settings.journal_body_limit)
    envelope = make_envelope(
        request.method,
        scim_path,
        first_values(list(request.args.items(multi=True))),
        dict(request.headers),
        body,
    )
    shape, rtype, rid = route_of(scim_path)
    classification = classify(envelope, _prior(shape, rtype, rid))
    raw_path = request.environ.get(RAW_PATH_KEY)

    def findings() -> list[Finding]:
        found = inspect(envelope, classification, body_problem=problem)
        return found + path_warnings(raw_path, scim_path or "/", base)

    g.mockscim_inspection = {"envelope": envelope, "classification": classification, "findings": findings}
    return g.mockscim_inspection


def _refuse_if_strict(findings: list[Finding]) -> None:
    """Strict mode: a request that breaks SCIM is refused, naming the rule (issue: journal)."""
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidValue(
            f"strict mode: the request breaks {first.rule} at {first.pointer or '/'}: {first.message}{more}"
        )


def _entry(response: Response, info: dict[str, Any], started: float) -> tuple[dict[str, Any], Any]:
    """The journal entry for one request/response pair, and the function that completes it.

    The cheap parts are filled in now. The findings (JSON Schema validation) and the parsed,
    masked response body are filled in by the completer, which the journal runs while the
    server is idle or when the entry is read (mockscim/journal.py): validation never slows
    the request down (docs/performance.md).
    """
    envelope, classification = info["envelope"], info["classification"]
    limit = get_state().settings.journal_body_limit
    raw = b"" if response.is_streamed else response.get_data()
    body_size = len(raw)
    raw = raw if body_size <= limit else b""  # only the size is kept above the limit
    findings = info.get("computed_findings") or info["findings"]
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
        body = parse_body(raw, limit)[0] if body_size <= limit else {"_truncated": True, "size": body_size}
        entry["response"]["body"] = mask_body(body)
        entry["findings"] = [f.to_dict() for f in (findings() if callable(findings) else findings)]
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


def _authenticate_new_tenant(settings: Settings) -> None:
    """Only an authenticated request may create a dynamic tenant, so anonymous requests cannot
    fill ``--max-tenants`` (hardening issue). A tenant that does not exist yet has the server's
    credentials (or the admin token, on the admin API)."""
    name = request.environ.get(TENANT_KEY)
    if name is None or any(state.name == name for state in tenants().all()):
        return
    if _is_scim(settings):
        check_credentials(settings.auth, settings.profile)
    else:
        check_admin(settings.auth, settings.profile, settings.admin_token)


def install_hooks(app: Flask, settings: Settings) -> None:
    """Register the request hooks in their required order."""

    @app.before_request
    def _start() -> None:
        _authenticate_new_tenant(settings)
        state = get_state()  # may refuse an unknown tenant
        g.mockscim_at = isoformat(state.store.clock.now())
        g.mockscim_generation = state.store.generation
        g.mockscim_started = monotonic()

    @app.after_request
    def _persist(response: Response) -> Response:
        # --state-file: a request that changed the default tenant's store is saved (in
        # "request" mode before this response goes out; see mockscim/persistence.py).
        state_file = app.extensions.get("mockscim.state_file")
        if state_file is not None and "mockscim_generation" in g and get_state().name == DEFAULT_TENANT:
            if get_state().store.generation != g.mockscim_generation:
                try:
                    state_file.changed()
                except ScimError as exc:  # request mode: not saved, so not acknowledged (503)
                    return scim_response(exc.to_dict(), exc.status, exc.headers)
        return response

    @app.before_request
    def _authenticate() -> None:
        # Everything under the SCIM base path needs credentials, unknown paths included, so a
        # wrong credential is always a 401 and never reveals which endpoints exist.
        if _is_scim(settings):
            check_credentials(get_state().credentials, settings.profile)

    @app.before_request
    def _inspect() -> Response | None:
        # Before the view runs: classification compares the body with the stored resource
        # as it was (a PUT that flips active is a deactivation, §7.2).
        if _is_scim(settings):
            state = get_state()
            if not (settings.journal or settings.strict or state.faults.list() or state.limiter):
                return None  # --no-journal and nothing that needs the request classified
            info = inspection()
            if settings.strict:  # validation cannot wait: it decides whether the request is served
                info["computed_findings"] = info["findings"]()
                _refuse_if_strict(info["computed_findings"])
            return faulting.before_view(
                get_state(), info["classification"].operation, info["envelope"]["path"]
            )
        return None

    @app.before_request
    def _serialize() -> None:
        # The journal must list a tenant's requests in the order the store served them, or a
        # replay of it ends in another state (hardening issue: journal order under load). So
        # from here until its entry is appended a SCIM request holds the store's re-entrant lock.
        if settings.journal and _is_scim(settings):
            g.mockscim_lock = get_state().store.lock
            g.mockscim_lock.acquire()

    @app.after_request
    def _record(response: Response) -> Response:
        try:
            if settings.journal and _is_scim(settings) and "mockscim_started" in g:
                try:
                    journal = get_state().journal
                except ScimError:
                    return response  # no such tenant: there is no journal to record into
                faulting.corrupt(response)
                journal.append(*_entry(response, inspection(), g.mockscim_started))
                faulting.slow_down(response)
            return response
        finally:
            _unlock()

    @app.teardown_request
    def _release(_: BaseException | None) -> None:
        _unlock()  # in case an after_request hook failed before _record ran


def _unlock() -> None:
    """Release the store lock taken by ``_serialize``, once."""
    lock = g.pop("mockscim_lock", None)
    if lock is not None:
        lock.release()
