"""Carrying out injected faults and rate limits on live requests (see ``mockscim.faults``).

Before the view: rate limit, then delays, error statuses and closed connections.
After the view: malformed bodies; trickled bodies are paced by ``middleware.BodyTrickler``.
All of it works with or without the journal, which marks each applied fault in its entry.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from flask import Response

from mockscim.config import Settings
from mockscim.errors import ScimError
from mockscim.faults import Fault
from mockscim.faults import FaultError
from mockscim.faults import fault_tenant
from mockscim.server.context import current_request
from mockscim.server.context import scope
from mockscim.server.inspection import inspection
from mockscim.server.inspection import is_scim
from mockscim.server.middleware import CLOSE_KEY
from mockscim.server.middleware import GONE_KEY
from mockscim.server.middleware import TRICKLE_KEY
from mockscim.server.middleware import step_aside
from mockscim.server.state import AppState
from mockscim.server.state import get_state

_DEFAULT_DETAILS = {
    429: "too many requests (injected by mockscim)",
    503: "service unavailable (injected by mockscim)",
}


def init_app(app: Flask, settings: Settings) -> None:
    """Apply the rate limit and faults to SCIM requests, before and after the view."""

    @app.before_request
    def _before_view() -> Response | None:
        return before_view(get_state()) if is_scim(settings) else None

    @app.after_request
    def _after_view(response: Response) -> Response:
        after_view(response)
        return response


def before_view(state: AppState) -> Response | None:
    """Apply the rate limit and any matching fault; return a response to short-circuit the view."""
    limiter = state.limiter
    if limiter is not None and (wait := limiter.acquire()) is not None:
        scope().mockscim_fault = {"rate_limited": True, "retry_after": wait}
        raise ScimError(
            f"rate limit exceeded; retry after {wait} s", status=429, headers={"Retry-After": str(wait)}
        )
    if not state.faults.list():
        return None  # nothing to match: the request need not be classified
    operation, scim_path = inspection().classification.operation, inspection().envelope["path"]
    fault = state.faults.pick(current_request().method, scim_path, operation, state.name)
    if fault is None:
        return None
    scope().mockscim_fault = fault.describe()
    return _perform(state, fault)


def _perform(state: AppState, fault: Fault) -> Response | None:
    """Carry out the part of a fault that happens before the view runs."""
    action = fault.action
    if action.kind == "delay":
        _sleep(state.faults.delay_seconds(action))
    elif action.kind == "timeout":
        _sleep(
            action.timeout_s + 1
        )  # past the client's timeout (Okta's is 60 s, docs/okta-reference.md §2.5)
    elif action.kind == "status":
        raise _status_error(action.status, action.detail, action.scim_type, action.retry_after)
    elif action.kind == "close":
        current_request().environ[CLOSE_KEY] = True
        return Response(status=204)  # never sent: the connection is closed instead
    else:
        scope().mockscim_after = action
    return None


def _sleep(seconds: float) -> None:
    """Sleep, but stop when the client hangs up: a worker of the bounded pool (serving.py)
    should not wait out a timeout nobody is waiting for any more. A request that sleeps steps
    aside first, so a new worker takes requests meanwhile (connections.Dispatcher)."""
    if seconds <= 0:
        return
    environ = current_request().environ
    step_aside(environ)
    gone = environ.get(GONE_KEY)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if gone is not None and gone():
            return
        time.sleep(min(left, 0.05))


def _status_error(
    status: int, detail: str | None, scim_type: str | None, retry_after: int | str | None
) -> ScimError:
    """The injected error, as a SCIM Error body; 429 carries Retry-After when configured."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    text = detail or _DEFAULT_DETAILS.get(status, f"injected fault: status {status}")
    return ScimError(text, status=status, scim_type=scim_type, headers=headers)


def after_view(response: Response) -> None:
    """The part of a fault that changes the response: cut it (``malformed``) or pace it (``trickle``)."""
    action = scope().get("mockscim_after")
    if action is None or response.is_streamed:
        return
    if action.kind == "malformed":
        body = response.get_data()  # cut mid-document, so it is not valid JSON
        response.set_data(body[: max(1, len(body) // 2)])
    elif action.kind == "trickle":
        current_request().environ[TRICKLE_KEY] = action.trickle_bps  # paced as it is sent, after the journal


def load_faults(registry: Any, document: Any) -> int:
    """Register the faults of a ``--faults`` file: ``{seed: N, faults: [...]}``; each goes to the
    tenant its ``match.tenant`` names (the default tenant when absent)."""
    if not isinstance(document, dict) or set(document) - {"seed", "faults"}:
        raise FaultError("a faults file is a mapping with 'faults' (a list) and an optional 'seed'")
    specs = document.get("faults") or []
    if not isinstance(specs, list):
        raise FaultError("'faults' must be a list")
    for index, spec in enumerate(specs):
        try:
            tenant = fault_tenant(spec)
            state = registry.resolve(tenant if tenant not in (None, "default") else None)
            if "seed" in document:
                state.faults.reseed(document["seed"])
            state.faults.add(spec)
        except FaultError as exc:
            raise FaultError(f"faults[{index}]: {exc}") from None
        except ScimError as exc:  # the tenant cannot exist (a bad name, static mode, the limit)
            raise FaultError(f"faults[{index}]: match.tenant: {exc.detail}") from None
    return len(specs)
