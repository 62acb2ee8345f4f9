"""Carrying out injected faults and rate limits on live requests (see ``mockscim.faults``).

Before the view: rate limit, then delays, error statuses and closed connections.
After the view: malformed or trickled bodies. Every fault is marked in the journal entry.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from flask import Response
from flask import g
from flask import request

from mockscim.errors import ScimError
from mockscim.faults import Fault
from mockscim.faults import FaultError
from mockscim.faults import fault_tenant
from mockscim.server.middleware import CLOSE_KEY
from mockscim.server.state import AppState

_DEFAULT_DETAILS = {
    429: "too many requests (injected by mockscim)",
    503: "service unavailable (injected by mockscim)",
}


def before_view(state: AppState, operation: str, scim_path: str) -> Response | None:
    """Apply the rate limit and any matching fault; return a response to short-circuit the view."""
    limiter = state.limiter
    if limiter is not None and (wait := limiter.acquire()) is not None:
        g.mockscim_fault = {"rate_limited": True, "retry_after": wait}
        raise ScimError(
            f"rate limit exceeded; retry after {wait} s", status=429, headers={"Retry-After": str(wait)}
        )
    fault = state.faults.pick(request.method, scim_path, operation, state.name)
    if fault is None:
        return None
    g.mockscim_fault = fault.describe()
    return _perform(state, fault)


def _perform(state: AppState, fault: Fault) -> Response | None:
    """Carry out the part of a fault that happens before the view runs."""
    action = fault.action
    if action.kind == "delay":
        time.sleep(state.faults.delay_seconds(action))
    elif action.kind == "timeout":
        time.sleep(action.timeout_s + 1)  # past the client's timeout (Okta's is 60 s, wire ref §2.5)
    elif action.kind == "status":
        raise _status_error(action.status, action.detail, action.scim_type, action.retry_after)
    elif action.kind == "close":
        request.environ[CLOSE_KEY] = True
        return Response(status=204)  # never sent: the connection is closed instead
    else:
        g.mockscim_after = action
    return None


def _status_error(
    status: int, detail: str | None, scim_type: str | None, retry_after: int | str | None
) -> ScimError:
    """The injected error, as a SCIM Error body; 429 carries Retry-After when configured."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    text = detail or _DEFAULT_DETAILS.get(status, f"injected fault: status {status}")
    return ScimError(text, status=status, scim_type=scim_type, headers=headers)


def corrupt(response: Response) -> None:
    """A ``malformed`` fault: cut the body mid-document so it is not valid JSON."""
    action = g.get("mockscim_after")
    if action is not None and action.kind == "malformed" and not response.is_streamed:
        body = response.get_data()
        response.set_data(body[: max(1, len(body) // 2)])


def slow_down(response: Response) -> None:
    """A ``trickle`` fault: stream the body a few bytes at a time (after it was journaled)."""
    action = g.get("mockscim_after")
    if action is not None and action.kind == "trickle" and not response.is_streamed:
        body = response.get_data()
        response.response = _trickle(body, action.trickle_bps)
        response.headers["Content-Length"] = str(len(body))


def _trickle(body: bytes, per_second: int) -> Iterator[bytes]:
    """Yield the body a few bytes at a time, ``per_second`` bytes each second."""
    step = max(1, per_second // 10)
    for start in range(0, len(body), step):
        yield body[start : start + step]
        time.sleep(step / per_second)


def fault_mark() -> dict[str, Any] | None:
    """What the journal records about the fault applied to this request, if any."""
    return g.get("mockscim_fault")


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
