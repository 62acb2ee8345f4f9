"""Figures from the raw runs: per-target medians, and the ratios taken within one round."""

from __future__ import annotations

import math
import statistics
from typing import Any

from benchmarks import dataset
from benchmarks.hotpaths import CEILING
from benchmarks.hotpaths import CEILING_WERKZEUG
from benchmarks.hotpaths import MAIN
from benchmarks.hotpaths import MAIN_OFF
from benchmarks.paths import HOT_PATHS

Runs = list[dict[str, Any]]


def geomean(values: list[float]) -> float:
    """Geometric mean (the right average for ratios)."""
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def by_round(runs: Runs, path: str, target: str) -> dict[int, dict[str, Any]]:
    """The runs of one path on one target, keyed by round."""
    return {r["round"]: r for r in runs if r["path"] == path and r["target"] == target}


def median_of(rows: Runs, key: str) -> float | None:
    """The median of ``key`` over the runs that have it (runs from before CPU was measured lack
    the ``cpu_`` keys); None when none has."""
    values = [r[key] for r in rows if key in r]
    return statistics.median(values) if values else None


def cell(runs: Runs, path: str, target: str) -> dict[str, float] | None:
    """Median req/s, p50, p99 and errors over the rounds of one path on one target."""
    rows = list(by_round(runs, path, target).values())
    if not rows:
        return None
    return {
        "cpu_us": median_of(rows, "cpu_us"),
        "cpu_total_us": median_of(rows, "cpu_total_us"),
        "switches": median_of(rows, "switches"),
        "rps": median_of(rows, "rps"),
        "p50_ms": median_of(rows, "p50_ms"),
        "p99_ms": median_of(rows, "p99_ms"),
        "errors": sum(r["errors"] for r in rows),
    }


def ratio(
    runs: Runs, path: str, top: str, bottom: str, key: str, top_path: str | None = None
) -> float | None:
    """Geometric mean over rounds of top/bottom for ``key``, each ratio taken within one round."""
    tops, bottoms = by_round(runs, top_path or path, top), by_round(runs, path, bottom)
    pairs = [(tops[r].get(key), bottoms[r].get(key)) for r in tops if r in bottoms]
    values = [top / bottom for top, bottom in pairs if top and bottom]
    # Unrounded: the report decides MET from the exact figure (0.4997 is not 0.5) and rounds to show.
    return geomean(values) if values else None


def hot_path_rows(runs: Runs, scales: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Per hot path: its cells per target and the within-round ratios."""
    smallest, largest = scales[0], scales[-1]
    rows = {}
    for path in [p for p in HOT_PATHS if any(r["path"] == p for r in runs)]:
        targets = (CEILING, CEILING_WERKZEUG, MAIN, MAIN_OFF, *scales)
        rows[path] = {
            "cells": {t: c for t in targets if (c := cell(runs, path, t))},
            "x_ceiling": ratio(runs, path, MAIN, CEILING, "rps"),
            "x_werkzeug": ratio(runs, path, MAIN, CEILING_WERKZEUG, "rps"),
            # The server's CPU per request: the ceiling's over mockscim's (like x_ceiling, higher
            # is better). Steadier than req/s on a shared machine: no scheduler in the quotient.
            "cpu_x_ceiling": ratio(runs, path, CEILING, MAIN, "cpu_us"),
            "werkzeug_x_ceiling": ratio(runs, path, CEILING_WERKZEUG, CEILING, "rps"),
            "journal_cost": _cost(ratio(runs, path, MAIN, MAIN_OFF, "rps")),
            "largest_x_ceiling": ratio(runs, path, largest, CEILING, "rps"),
            # How much slower the largest store serves it than the smallest (throughput).
            "scale_slowdown": ratio(runs, path, smallest, largest, "rps"),
            "smallest": smallest,
            "largest": largest,
        }
    return rows


def _cost(on_over_off: float | None) -> float | None:
    """Throughput lost to journaling: 1 - on/off."""
    return None if on_over_off is None else round(1 - on_over_off, 3)


def memory(servers: dict[str, Any]) -> dict[str, Any]:
    """RSS per 10,000 users from each seeded server (RSS after users minus RSS before, same process)."""
    out = {}
    for name, facts in servers.items():
        scale = dataset.SCALES.get(name)
        if scale is None or scale.users < 10_000 or "rss_users_kb" not in facts:
            continue
        per_10k = (facts["rss_users_kb"] - facts["rss_empty_kb"]) / (scale.users / 10_000) / 1024
        groups = (facts["rss_groups_kb"] - facts["rss_users_kb"]) / 1024
        out[name] = {
            "mb_per_10k_users": round(per_10k, 2),
            "groups_mb": round(groups, 1),
            "seed_s": facts["seed_s"],
            "rss_mb": round(facts["rss_groups_kb"] / 1024, 1),
        }
    return out


def ceiling_post_ratio(runs: Runs) -> float | None:
    """The minimal POST endpoint relative to the minimal GET, within each round."""
    posts = [r["rps"] for r in runs if r["path"] == "ceiling_post"]
    gets = [r["rps"] for r in runs if r["target"] == CEILING and r["path"] != "ceiling_post"]
    return round(statistics.median(posts) / statistics.median(gets), 3) if posts and gets else None
