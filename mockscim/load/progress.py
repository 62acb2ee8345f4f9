"""The live progress line and the closing summary printed in the terminal."""

from __future__ import annotations

from typing import Any


def progress_line(elapsed: float, duration: float, users: int, total: Any, counters: dict[str, Any]) -> str:
    """One line: time, users, requests, current rate, failures, 429s and retries."""
    statuses = counters.get("statuses", {})
    rate_limited = sum(c.get("429", 0) for c in statuses.values())
    retries = sum(counters.get("retries", {}).values())
    return (
        f"{elapsed:5.0f}s/{duration:.0f}s  {users:3d} users  {total.num_requests:7d} requests  "
        f"{total.num_requests / max(elapsed, 1):6.1f} req/s  {total.num_failures:5d} failed  "
        f"{rate_limited:4d} x 429  {retries:4d} retries"
    )
