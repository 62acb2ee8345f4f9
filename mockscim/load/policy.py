"""Okta's client behaviour under pressure: when to retry, how long to wait, how often.

Pure functions and plain data, so the policy is tested without a network or a load engine.

- **429** (docs/okta-reference.md §10.3): ``Retry-After`` in integer seconds is waited exactly;
  no header, an HTTP-date or any other form waits 5 minutes; each further 429 in a row doubles
  the wait; at most 10 attempts, then the operation fails for good.
- **5xx and timeouts** (§10.4 says UNCONFIRMED): our documented default is 3 attempts in all,
  waiting an integer ``Retry-After`` when the server sends one, else 1 s then 2 s. A
  deactivation is never retried: §7.4 observed a failed deprovision push left as a Task.
- **404 on ``GET /Users/{id}``** stops the update (§6) and **409 on a create** stops the job
  (§5.2): neither is retried here; the flows decide what Okta does next.
- ``wait_cap`` (``--retry-wait-cap``) bounds each wait for test runs; the report says so and
  shows what Okta itself would have waited.
"""

from __future__ import annotations

from dataclasses import dataclass

RATE_LIMITED = 429
DEFAULT_429_WAIT = 300.0  # §10.3: no usable Retry-After -> 5 minutes
MAX_429_ATTEMPTS = 10  # §10.3: at most 10 attempts, then the task fails permanently
DEFAULT_5XX_ATTEMPTS = 3  # §10.4 UNCONFIRMED: our default, stated in docs/load.md
FIRST_5XX_WAIT = 1.0
RETRIED_5XX = frozenset({500, 502, 503, 504})
# Operations Okta does not retry on a 5xx or a lost answer (§7.4: one attempt, then a Task).
NEVER_RETRIED = frozenset({"deactivate-user"})


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from an integer ``Retry-After``; None for an absent, HTTP-date or other value."""
    if value is None:
        return None
    text = value.strip()
    return float(text) if text.isdigit() else None


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts each kind of failure gets, and the optional cap on every wait."""

    attempts_429: int = MAX_429_ATTEMPTS
    attempts_5xx: int = DEFAULT_5XX_ATTEMPTS
    wait_cap: float | None = None

    def okta_wait_429(self, retry_after: str | None, previous: float | None) -> float:
        """The wait Okta would make after a 429: the header first, then double the last wait."""
        if previous is not None:
            return previous * 2
        seconds = parse_retry_after(retry_after)
        return DEFAULT_429_WAIT if seconds is None else seconds

    def okta_wait_5xx(self, retry_after: str | None, attempt: int) -> float:
        """Our documented wait after the ``attempt``-th 5xx or lost answer (1-based)."""
        seconds = parse_retry_after(retry_after)
        return seconds if seconds is not None else FIRST_5XX_WAIT * 2 ** (attempt - 1)

    def capped(self, seconds: float) -> float:
        """The wait actually made: ``seconds`` bounded by ``wait_cap`` when one is set."""
        return seconds if self.wait_cap is None else min(seconds, self.wait_cap)

    def retries(self, operation: str, status: int, count_429: int, count_5xx: int) -> bool:
        """True when another attempt follows this answer (status 0: no answer at all)."""
        if status == RATE_LIMITED:
            return count_429 < self.attempts_429
        if status in RETRIED_5XX or status == 0:
            return operation not in NEVER_RETRIED and count_5xx < self.attempts_5xx
        return False


class RetryState:
    """The retries of one request so far: counts by kind and the last 429 wait."""

    def __init__(self, policy: RetryPolicy, operation: str = ""):
        self.policy = policy
        self.operation = operation
        self.count_429 = 0
        self.count_5xx = 0
        self.last_429: float | None = None

    def after(self, status: int, retry_after: str | None) -> float | None:
        """Okta's wait before the next attempt after this answer, or None when it stops here."""
        if status == RATE_LIMITED:
            self.count_429 += 1
        elif status in RETRIED_5XX or status == 0:
            self.count_5xx += 1
        if not self.policy.retries(self.operation, status, self.count_429, self.count_5xx):
            return None
        if status == RATE_LIMITED:
            self.last_429 = self.policy.okta_wait_429(retry_after, self.last_429)
            return self.last_429
        return self.policy.okta_wait_5xx(retry_after, self.count_5xx)


def describe(policy: RetryPolicy) -> dict[str, object]:
    """The policy as report data, citing where each number comes from."""
    return {
        "429": {
            "attempts": policy.attempts_429,
            "first_wait": "Retry-After integer seconds, else 300 s",
            "then": "double the previous wait",
            "source": "docs/okta-reference.md §10.3",
        },
        "5xx_and_timeouts": {
            "attempts": policy.attempts_5xx,
            "waits": "Retry-After integer seconds, else 1 s, 2 s, 4 s ...",
            "not_retried": sorted(NEVER_RETRIED),
            "source": "docs/okta-reference.md §10.4 (UNCONFIRMED: mockscim's default), §7.4",
        },
        "wait_cap_seconds": policy.wait_cap,
    }
