"""Machine facts, the targets, the printed tables and the JSON results file."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import load
from benchmarks.dataset import SCALES
from benchmarks.figures import FLAT_PATHS
from benchmarks.hotpaths import SMALL
from benchmarks.hotpaths import SMALL_OFF
from benchmarks.paths import HOT_PATHS
from benchmarks.servers import ROOT

RESULTS = Path(__file__).with_name("results")
PACKAGES = ("mockscim", "flask", "werkzeug", "jsonschema", "requests", "pyyaml", "py-spy")


def _run(command: list[str]) -> str:
    """A command's output, or '' when it fails."""
    try:
        out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (out.stdout or out.stderr).strip()


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return platform.processor()
    return next((x.split(":", 1)[1].strip() for x in lines if x.startswith("model name")), "")


def versions() -> dict[str, str]:
    """Installed versions of the packages that matter here."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def machine_facts() -> dict[str, Any]:
    """CPU, memory, OS, Python, packages, load tool, git commit, load average."""
    wrk = load.wrk_path()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions(),
        "load_tool": _run([wrk, "-v"]).splitlines()[0] if wrk else "python fallback (wrk not installed)",
        "git_commit": _run(["git", "rev-parse", "HEAD"]),
        "git_dirty": bool(_run(["git", "status", "--porcelain", "--untracked-files=no"])),
        "loadavg_start": os.getloadavg(),
    }


def flat_target(rows: dict[str, Any], path: str) -> dict[str, Any]:
    """Eq lookup / get-by-id / page of 100: p50 at the largest store within 1.5x of 100 users."""
    value = rows[path]["scale_p50_ratio"]
    return _target(
        f"{HOT_PATHS[path][0]}: p50 at {rows[path]['largest']} / at 100 users",
        "<= 1.5",
        value,
        value is not None and value <= 1.5,
        "x",
    )


def _target(name: str, goal: str, value: Any, ok: bool, unit: str = "") -> dict[str, Any]:
    """One targets-table row."""
    shown = "n/a" if value is None else f"{value}{unit}"
    return {"target": name, "goal": goal, "measured": shown, "status": "PASS" if ok else "FAIL"}


def throughput_target(rows: dict[str, Any]) -> dict[str, Any]:
    """The worst hot path's throughput relative to the ceiling (the small-group PATCH is extra)."""
    worst = min((p for p in rows if p != "group_patch_small"), key=lambda p: rows[p]["x_ceiling"])
    value = rows[worst]["x_ceiling"]
    return _target(f"hot-path throughput / ceiling (worst: {worst})", ">= 0.6", value, value >= 0.6, "x")


def journal_target(rows: dict[str, Any]) -> dict[str, Any]:
    """The worst hot path's throughput lost to journaling."""
    worst = max((p for p in rows if p != "group_patch_small"), key=lambda p: rows[p]["journal_cost"])
    value = round(rows[worst]["journal_cost"] * 100, 1)
    return _target(
        f"journal+validation cost in throughput (worst: {worst})", "<= 15%", value, value <= 15, "%"
    )


def memory_target(memory: dict[str, Any]) -> list[dict[str, Any]]:
    """RSS per 10,000 users at the largest store measured."""
    if not memory:
        return []
    name = max(memory, key=lambda n: SCALES[n].users)
    value = memory[name]["mb_per_10k_users"]
    return [_target(f"RSS per 10,000 Okta-shaped users (at {name})", "<= 25 MB", value, value <= 25, " MB")]


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of the issue with its measured value and PASS/FAIL."""
    rows = summary["hot_paths"]
    cold, runner = summary["cold_start"]["median_s"], summary["runner_overhead"]["ratio"]
    return [
        *(flat_target(rows, p) for p in FLAT_PATHS if p in rows),
        throughput_target(rows),
        _target("cold start to first 200 on /ServiceProviderConfig (median)", "< 1 s", cold, cold < 1, " s"),
        _target("runner overhead: mockscim run / bare requests loop", "< 1.3", runner, runner < 1.3, "x"),
        *memory_target(summary["memory"]),
        journal_target(rows),
    ]


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain-text (and Markdown-compatible) table."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    line = lambda row: "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"  # noqa: E731
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _f(value: float | None, digits: int = 2) -> str:
    """A number for a table, or a dash."""
    return "-" if value is None else f"{value:.{digits}f}"


HOT_HEADERS = [
    "hot path (100 users, journal on)",
    "req/s",
    "p50 ms",
    "p99 ms",
    "x ceiling",
    "req/s journal off",
]


def hot_path_row(path: str, row: dict[str, Any]) -> list[str]:
    """One hot path's line in the hot-path table."""
    on, off, cost = row["cells"][SMALL], row["cells"].get(SMALL_OFF), row["journal_cost"]
    figures = [_f(on["rps"], 0), _f(on["p50_ms"]), _f(on["p99_ms"]), _f(row["x_ceiling"])]
    return [
        HOT_PATHS[path][0],
        *figures,
        _f(off and off["rps"], 0),
        "-" if cost is None else f"{cost * 100:.0f}%",
    ]


def hot_path_table(summary: dict[str, Any]) -> str:
    """Hot paths at 100 users: throughput, latency, ratio to the ceiling, journal cost."""
    ceiling = summary["ceiling"]
    rows = [
        ["minimal Flask GET /ping (ceiling)", _f(ceiling["get_rps"], 0), "", "", "1.00", "", ""],
        ["minimal Flask POST /echo", _f(ceiling["post_rps"], 0), "", "", _f(ceiling["post_x"]), "", ""],
    ]
    rows += [hot_path_row(path, row) for path, row in summary["hot_paths"].items()]
    return table([*HOT_HEADERS, "journal cost"], rows)


def scale_table(summary: dict[str, Any], scales: tuple[str, ...]) -> str:
    """p50 latency (and req/s) per store size, and the largest/smallest ratios."""
    rows = []
    for path, row in summary["hot_paths"].items():
        cells = [row["cells"].get(s) for s in scales]
        p50s = [f"{_f(c['p50_ms'])} ({_f(c['rps'], 0)}/s)" if c else "-" for c in cells]
        rows.append([HOT_PATHS[path][0], *p50s, _f(row["scale_p50_ratio"]), _f(row["scale_p99_ratio"])])
    largest = scales[-1]
    headers = ["hot path", *(f"p50 ms @{s}" for s in scales), f"p50 {largest}/100", f"p99 {largest}/100"]
    return table(headers, rows)


def runner_rows(runner: dict[str, Any]) -> list[list[str]]:
    """The runner overhead lines."""
    bare = (
        f"{runner['bare_s']} ({runner['requests']} requests, {runner['scenarios']} scenarios, "
        f"{runner['replay_status_mismatches']} status mismatches)"
    )
    return [
        ["runner: mockscim run, median (s)", f"{runner['runner_s']} (first pass {runner['first_runner_s']})"],
        ["runner: bare requests loop, median (s)", bare],
        [
            "runner overhead ratio",
            f"{runner['ratio']} (first pass {runner['first_ratio']}; {runner['selection']})",
        ],
    ]


def memory_rows(memory: dict[str, Any]) -> list[list[str]]:
    """The RSS lines, one per seeded store of 10k users or more."""
    return [
        [
            f"RSS per 10k users @{name}",
            f"{mem['mb_per_10k_users']} MB (groups {mem['groups_mb']} MB, total {mem['rss_mb']} MB, "
            f"seeded in {mem['seed_s']} s)",
        ]
        for name, mem in memory.items()
    ]


def other_table(summary: dict[str, Any]) -> str:
    """Load tool, cold start, runner overhead, memory."""
    cold = summary["cold_start"]
    starts = f"{cold['median_s']} (runs {cold['runs_s']}; bare python {cold['python_startup_s']})"
    rows = [["load tool", summary["load_tool"]], ["cold start, median of runs (s)", starts]]
    rows += runner_rows(summary["runner_overhead"]) + memory_rows(summary["memory"])
    return table(["figure", "value"], rows)


def inprocess_table(figures: dict[str, Any]) -> str:
    """Journal cost without sockets: µs per request through Flask's test client, hooks on and off."""
    rows = [
        [HOT_PATHS[p][0], f["on_us"], f["off_us"], f"{f['cost'] * 100:.0f}%", f["inspection_us"]]
        for p, f in figures.items()
    ]
    return table(["hot path (100 users, in process)", "µs on", "µs off", "cost", "µs inspection()"], rows)


def targets_table(rows: list[dict[str, Any]]) -> str:
    """The targets with PASS/FAIL."""
    return table(["target", "goal", "measured", "status"], [list(r.values()) for r in rows])


def write_json(document: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<timestamp>.json``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if document['config']['quick'] else ''}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
