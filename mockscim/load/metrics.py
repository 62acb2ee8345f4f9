"""What a load process counts besides Locust's own stats: answers by status, retries and the
waits they cost, operations that ended well or badly, and per-second latency histograms (for
the report's plots). Plain dicts throughout, so workers can ship them to the master.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any


def bucket(ms: float) -> int:
    """Round a latency to 2 significant digits, as Locust stores its response times."""
    value = int(round(ms))
    if value < 100:
        return value
    digits = 10 ** (len(str(value)) - 2)
    return int(round(value / digits) * digits)


def percentile(histogram: dict[Any, int], fraction: float) -> float:
    """The latency below which ``fraction`` of the samples fall (0 for no samples)."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    rank = max(1, math.ceil(total * fraction))
    seen = 0
    for value in sorted(histogram, key=float):
        seen += histogram[value]
        if seen >= rank:
            return float(value)
    return float(max(histogram, key=float))


class Recorder:
    """Counters for one process (gevent greenlets or threads share it, so writes take a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter[str]] = {}  # operation -> {status: n}
        self.retries: Counter[str] = Counter()  # status that caused the retry -> n
        self.operations: dict[str, Counter[str]] = {}  # flow -> {"ok": n, "failed": n}
        self.failures: Counter[str] = Counter()  # "flow: why" -> n
        self.waits = {"okta_seconds": 0.0, "waited_seconds": 0.0}
        self.imports: list[dict[str, Any]] = []
        self.requests = 0
        self.series: dict[int, dict[str, Counter[int]]] = {}

    def request(self, operation: str, status: int, elapsed_ms: float, when: float) -> None:
        """One HTTP attempt: its answer (0 when none came) and how long it took."""
        with self.lock:
            self.requests += 1
            self.statuses.setdefault(operation, Counter())[str(status)] += 1
            second = self.series.setdefault(int(when), {})
            second.setdefault(operation, Counter())[bucket(elapsed_ms)] += 1

    def retry(self, status: int, okta_wait: float, waited: float) -> None:
        """One retry after ``status``: what Okta would have waited and what this run waited."""
        with self.lock:
            self.retries[str(status)] += 1
            self.waits["okta_seconds"] += okta_wait
            self.waits["waited_seconds"] += waited

    def operation(self, flow: str, ok: bool, why: str = "") -> None:
        """One flow (assign, membership, ...) that ended well or, with ``why``, badly."""
        with self.lock:
            self.operations.setdefault(flow, Counter())["ok" if ok else "failed"] += 1
            if not ok:
                self.failures[f"{flow}: {why}"] += 1

    def import_pass(self, kind: str, pages: int, seen: int, total: int) -> None:
        """One complete import pass through /Users or /Groups (§4)."""
        with self.lock:
            self.imports.append({"kind": kind, "pages": pages, "seen": seen, "totalResults": total})

    def snapshot(self) -> dict[str, Any]:
        """The cumulative counters (the time series is drained separately)."""
        with self.lock:
            return {
                "requests": self.requests,
                "statuses": {op: dict(c) for op, c in self.statuses.items()},
                "retries": dict(self.retries),
                "operations": {op: dict(c) for op, c in self.operations.items()},
                "failures": dict(self.failures),
                "waits": dict(self.waits),
                "imports": list(self.imports),
            }

    def drain_series(self) -> dict[str, dict[str, dict[str, int]]]:
        """The per-second histograms recorded since the last drain, with string keys (msgpack/JSON)."""
        with self.lock:
            series, self.series = self.series, {}
        return {
            str(second): {op: {str(ms): n for ms, n in hist.items()} for op, hist in ops.items()}
            for second, ops in series.items()
        }


def sum_snapshots(snapshots: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Add up several processes' snapshots (one per worker)."""
    total: dict[str, Any] = {
        "requests": 0,
        "statuses": {},
        "retries": Counter(),
        "operations": {},
        "failures": Counter(),
        "waits": Counter(),
        "imports": [],
    }
    for snap in snapshots:
        total["requests"] += snap["requests"]
        for key in ("statuses", "operations"):
            for name, counts in snap[key].items():
                total[key].setdefault(name, Counter()).update(counts)
        for key in ("retries", "failures", "waits"):
            total[key].update(snap[key])
        total["imports"] += snap["imports"]
    return _plain(total)


def _plain(value: Any) -> Any:
    """Counters to dicts, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def merge_series(
    into: dict[str, dict[str, dict[str, int]]], more: dict[str, dict[str, dict[str, int]]]
) -> None:
    """Add drained histograms ``more`` into ``into`` (same string-keyed shape)."""
    for second, ops in more.items():
        target = into.setdefault(second, {})
        for op, hist in ops.items():
            bins = target.setdefault(op, {})
            for ms, n in hist.items():
                bins[ms] = bins.get(ms, 0) + n


def timeline(series: dict[str, dict[str, dict[str, int]]]) -> list[dict[str, Any]]:
    """Per second from the start: requests/s and p50/p95/p99 per operation and for all."""
    if not series:
        return []
    start = min(int(s) for s in series)
    rows = []
    for second in range(start, max(int(s) for s in series) + 1):
        ops = series.get(str(second), {})
        merged: Counter[str] = Counter()
        row: dict[str, Any] = {"t": second - start, "operations": {}}
        for op, hist in sorted(ops.items()):
            merged.update(hist)
            row["operations"][op] = _point(hist)
        row["all"] = _point(merged)
        rows.append(row)
    return rows


def _point(hist: dict[str, int]) -> dict[str, float]:
    """Count and percentiles of one second's histogram."""
    return {
        "requests": sum(hist.values()),
        "p50": percentile(hist, 0.50),
        "p95": percentile(hist, 0.95),
        "p99": percentile(hist, 0.99),
    }
