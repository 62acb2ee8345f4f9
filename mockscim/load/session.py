"""One simulated Okta worker's HTTP side: Okta's headers (the runner's ``ScimClient``), the
per-app concurrency cap, the request budget, and retries as Okta makes them (``policy.py``).

Nothing here imports Locust: the engine passes in a ``report`` callback that feeds Locust's
request event, and the threading primitives become cooperative once gevent has patched them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import requests

from mockscim.load.ledger import Ledger
from mockscim.load.metrics import Recorder
from mockscim.load.mix import Mix
from mockscim.load.policy import RetryPolicy
from mockscim.load.policy import RetryState
from mockscim.load.templates import Templates
from mockscim.runner.client import ScimClient

# (operation, method, elapsed ms, response length, status (0: none), error text or "")
Report = Callable[[str, str, float, int, int, str], None]


class Stopped(Exception):
    """The run is stopping or the request budget is spent: the flow is abandoned where it is."""


class FlowFailed(Exception):
    """An answer Okta does not accept ended the flow; ``reason`` groups failures in the report."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Budget:
    """At most ``limit`` requests from this process (None: no limit), retries included."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.used = 0
        self.lock = threading.Lock()

    def take(self) -> bool:
        """Count one request; False when the budget is spent."""
        with self.lock:
            if self.limit is not None and self.used >= self.limit:
                return False
            self.used += 1
            return True

    @property
    def spent(self) -> bool:
        """True once every request of the budget has been sent."""
        return self.limit is not None and self.used >= self.limit


@dataclass
class Context:
    """What every simulated Okta worker of one process shares."""

    base_url: str
    credentials: Any
    dialect: str
    mix: Mix
    templates: Templates
    policy: RetryPolicy
    shared_groups: list[dict[str, str]]
    prefix: str
    timeout: float = 60.0
    concurrency: int = 10
    budget: Budget = field(default_factory=lambda: Budget(None))
    ledger: Ledger = field(default_factory=Ledger)
    recorder: Recorder = field(default_factory=Recorder)
    stopping: threading.Event = field(default_factory=threading.Event)
    report: Report = lambda *args: None
    gate: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        # Okta's concurrency per app is UNCONFIRMED (§10.4): a cap on requests in flight.
        self.gate = threading.BoundedSemaphore(self.concurrency)


@dataclass(frozen=True)
class Answer:
    """One answer: status (0 when none came), parsed JSON body (None if none), headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def header(self, name: str) -> str | None:
        """A header, case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class Session:
    """Sends Okta's requests for one simulated worker, retrying as Okta does."""

    def __init__(self, context: Context):
        self.ctx = context
        self.client = ScimClient(context.base_url, context.credentials, timeout=context.timeout)

    def close(self) -> None:
        """Close pooled connections."""
        self.client.close()

    def send(self, operation: str, method: str, path: str, *, json: Any = None, query: Any = None) -> Answer:
        """Send until Okta would stop: 429s and (by our default) 5xx and lost answers are retried."""
        state = RetryState(self.ctx.policy, operation)
        while True:
            answer = self._attempt(operation, method, path, json, query)
            okta_wait = state.after(answer.status, answer.header("Retry-After"))
            if okta_wait is None:
                return answer
            waited = self.ctx.policy.capped(okta_wait)
            self.ctx.recorder.retry(answer.status, okta_wait, waited)
            if self.ctx.stopping.wait(waited):
                raise Stopped

    def _attempt(self, operation: str, method: str, path: str, json: Any, query: Any) -> Answer:
        """One HTTP request under the concurrency cap, recorded for Locust and for the report."""
        if self.ctx.stopping.is_set() or not self.ctx.budget.take():
            raise Stopped
        with self.ctx.gate:
            when, started = time.time(), time.perf_counter()
            try:
                response = self.client.request(method, path, json=json, query=query)
                answer, length = _answer(response), len(response.content)
            except requests.RequestException as exc:
                answer, length = Answer(0, error=f"{type(exc).__name__}: no answer"), 0
            elapsed = (time.perf_counter() - started) * 1000
        self.ctx.recorder.request(operation, answer.status, elapsed, when)
        error = answer.error or ("" if answer.status < 400 else f"HTTP {answer.status}")
        self.ctx.report(operation, method, elapsed, length, answer.status, error)
        return answer


def _answer(response: requests.Response) -> Answer:
    """An Answer from a requests response (a body that is not JSON reads as None)."""
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    return Answer(response.status_code, body, dict(response.headers))
