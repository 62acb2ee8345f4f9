"""Injected time, so that timestamps in tests can be reproduced."""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Return ``datetime.now(UTC)``."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that starts at a fixed instant and advances by ``tick`` on every read."""

    def __init__(self, start: datetime | None = None, *, tick: timedelta = timedelta(seconds=1)):
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._tick = tick

    def now(self) -> datetime:
        """Return the current fake time, then advance it."""
        current = self._now
        self._now = current + self._tick
        return current


def monotonic() -> float:
    """Seconds from a monotonic clock, for durations."""
    return time.perf_counter()


def isoformat(moment: datetime) -> str:
    """Render a datetime as RFC 3339 with a ``Z`` suffix (RFC 7643 §2.3.5)."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
