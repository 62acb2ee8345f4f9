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
from benchmarks.coldstart import FRAMEWORK
from benchmarks.hotpaths import MAIN
from benchmarks.hotpaths import MAIN_OFF
from benchmarks.paths import HOT_PATHS
from benchmarks.servers import ROOT

RESULTS = Path(__file__).with_name("results")
PACKAGES = ("mockscim", "flask", "werkzeug", "waitress", "jsonschema", "requests", "pyyaml", "py-spy")


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


# The goals (docs/performance.md), each against the ceiling on mockscim's own server.
RATIO_GOALS = {
    "lookup": 0.6,
    "get_user": 0.7,
    "create_user": 0.5,
    "put_user": 0.5,
    "deactivate": 0.5,
}
PAGE_GOAL, PAGE_SCALE_GOAL = 0.25, 1.2
ENTRY_GOAL_BYTES, RSS_GOAL_MIB = 4096, 80.0
COLD_GOAL_S, RUNNER_GOAL = 0.4, 1.2


def meets(value: float | None, goal: str) -> bool:
    """Whether the exact ``value`` meets ``goal`` (">= 0.5" or "<= 1.2"); never the rounded one."""
    op, bound = goal.split()
    return value is not None and (value >= float(bound) if op == ">=" else value <= float(bound))


def shown(value: float, goal: str, places: int) -> str:
    """``value`` to ``places`` decimals, or to more where rounding would cross the goal's bound
    (0.4997 against ">= 0.5" reads 0.4997, not 0.500)."""
    for digits in range(places, 10):
        text = f"{value:.{digits}f}"
        if meets(float(text), goal) == meets(value, goal):
            return text
    return repr(value)


def _target(name: str, goal: str, value: float | None, unit: str = "x", places: int = 3) -> dict[str, Any]:
    """One targets-table row: the verdict from the exact value, the figure as the table shows it."""
    measured = "n/a" if value is None else shown(value, goal, places) + unit
    status = "MET" if meets(value, goal) else "NOT MET"
    return {"target": name, "goal": f"{goal}{unit}", "measured": measured, "status": status}


def ratio_targets(rows: dict[str, Any]) -> list[dict[str, Any]]:
    """Each hot path with a goal: its throughput over the ceiling's, within each round."""
    out = []
    for path, goal in RATIO_GOALS.items():
        if path not in rows:
            continue
        value, werkzeug = rows[path]["x_ceiling"], rows[path]["x_werkzeug"]
        name = f"{HOT_PATHS[path][0]} (5,000 users) / ceiling [/ werkzeug ceiling: {_f(werkzeug, 3)}x]"
        out.append(_target(name, f">= {goal}", value))
    return out


def page_targets(rows: dict[str, Any]) -> list[dict[str, Any]]:
    """The import page at the largest store: against the ceiling, and against the smallest store."""
    row = rows.get("import_page")
    if row is None:
        return []
    big, slowdown = row["largest_x_ceiling"], row["scale_slowdown"]
    return [
        _target(f"import page of 100 at {row['largest']} users / ceiling", f">= {PAGE_GOAL}", big),
        _target(
            f"import page: req/s at {row['smallest']} / at {row['largest']} users",
            f"<= {PAGE_SCALE_GOAL}",
            slowdown,
        ),
    ]


def memory_targets(journal: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Journal memory per entry, and RSS with 5,000 users and a full journal."""
    if not journal:
        return []
    per_entry, rss = journal["bytes_per_entry"], journal["rss_full_journal_mib"]
    note = " (estimated from a partial journal)" if journal["estimated"] else ""
    return [
        _target("journal memory per entry", f"<= {ENTRY_GOAL_BYTES}", per_entry, " B", places=0),
        _target(f"RSS with 5,000 users and a full journal{note}", f"<= {RSS_GOAL_MIB:.0f}", rss, " MiB", 1),
    ]


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Every goal with its measured value and MET / NOT MET."""
    rows = summary["hot_paths"]
    cold, runner = summary["cold_start"]["median_s"], summary["runner_overhead"]["ratio"]
    return [
        *ratio_targets(rows),
        *page_targets(rows),
        *memory_targets(summary.get("journal_memory")),
        _target("cold start to the first 200 (median)", f"<= {COLD_GOAL_S}", cold, " s"),
        _target("runner overhead: mockscim run / bare requests loop", f"<= {RUNNER_GOAL}", runner),
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
    "hot path (5,000 users, journal on)",
    "req/s",
    "p50 ms",
    "p99 ms",
    "x ceiling",
    "x werkzeug ceiling",
    "req/s journal off",
    "journal cost",
    "server CPU µs/req",
    "CPU: ceiling / this",
    "CPU µs/req with deferred findings",
    "waits per request (voluntary context switches)",
]


def hot_path_row(path: str, row: dict[str, Any]) -> list[str]:
    """One hot path's line in the hot-path table."""
    on, off, cost = row["cells"][MAIN], row["cells"].get(MAIN_OFF), row["journal_cost"]
    figures = [
        _f(on["rps"], 0),
        _f(on["p50_ms"]),
        _f(on["p99_ms"]),
        _f(row["x_ceiling"]),
        _f(row["x_werkzeug"]),
    ]
    return [
        HOT_PATHS[path][0],
        *figures,
        _f(off and off["rps"], 0),
        "-" if cost is None else f"{cost * 100:.0f}%",
        _f(on.get("cpu_us"), 0),
        _f(row.get("cpu_x_ceiling")),
        _f(on.get("cpu_total_us"), 0),
        _f(on.get("switches"), 1),
    ]


def hot_path_table(summary: dict[str, Any]) -> str:
    """Hot paths at 5,000 users: throughput, latency, ratio to both ceilings, journal cost."""
    ceiling = summary["ceiling"]
    rows = [
        [
            "Flask hello GET /ping on mockscim's server (ceiling)",
            _f(ceiling["get_rps"], 0),
            "",
            "",
            "1.00",
            "",
            "",
            "",
            _f(ceiling.get("get_cpu_us"), 0),
            "1.00",
            "",
            _f(ceiling.get("get_switches"), 1),
        ],
        [
            "Flask hello POST /echo on mockscim's server",
            _f(ceiling["post_rps"], 0),
            "",
            "",
            _f(ceiling["post_x"]),
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "Flask hello GET /ping on werkzeug (werkzeug ceiling)",
            _f(ceiling["werkzeug_rps"], 0),
            "",
            "",
            _f(ceiling["werkzeug_x"]),
            "1.00",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    rows += [hot_path_row(path, row) for path, row in summary["hot_paths"].items()]
    return table(HOT_HEADERS, [row + [""] * (len(HOT_HEADERS) - len(row)) for row in rows])


def scale_table(summary: dict[str, Any], scales: tuple[str, ...]) -> str:
    """The paths run at every store size: req/s and p50 per size, and the slowdown."""
    rows = []
    for path, row in summary["hot_paths"].items():
        cells = [row["cells"].get(s) for s in scales]
        if sum(c is not None for c in cells) < 2:
            continue
        shown = [f"{_f(c['rps'], 0)}/s, p50 {_f(c['p50_ms'])} ms" if c else "-" for c in cells]
        rows.append([HOT_PATHS[path][0], *shown, _f(row["largest_x_ceiling"]), _f(row["scale_slowdown"])])
    largest, smallest = scales[-1], scales[0]
    headers = [
        "hot path",
        *(f"@{s} users" for s in scales),
        f"x ceiling @{largest}",
        f"req/s @{smallest} / @{largest}",
    ]
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
            f"{runner['ratio']:.3f} (each pass over its neighbour; of the medians "
            f"{runner.get('ratio_of_medians', '-')}; first pass {runner['first_ratio']}; {runner['selection']})",
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


def journal_rows(journal: dict[str, Any] | None) -> list[list[str]]:
    """The journal memory lines."""
    if not journal:
        return []
    return [
        [
            "journal memory (5,000 users)",
            f"{journal['bytes_per_entry']:.0f} B per entry; RSS {journal['rss_on_mib']} MiB with {journal['entries']} "
            f"entries, {journal['rss_off_mib']} MiB journal off",
        ]
    ] + (
        [
            [
                "RSS, 5,000 users, a full journal, after an import of every user",
                f"{journal['rss_after_import_mib']} MiB",
            ]
        ]
        if "rss_after_import_mib" in journal  # results written before it was measured lack it
        else []
    )


def other_table(summary: dict[str, Any]) -> str:
    """Load tool, cold start, runner overhead, memory."""
    cold = summary["cold_start"]
    starts = f"{cold['median_s']:.3f} (runs {cold['runs_s']}; bare python {cold['python_startup_s']})"
    rows = [["load tool", summary["load_tool"]], ["cold start, median of runs (s)", starts]]
    if "framework_import_s" in cold:  # results written before the floor was measured lack it
        floor = f"{cold['framework_import_s']}; mockscim's own share {cold['own_share_s']}"
        rows.append([f"cold start floor: python -c '{FRAMEWORK}', median (s)", floor])
    rows += runner_rows(summary["runner_overhead"]) + memory_rows(summary["memory"])
    rows += journal_rows(summary.get("journal_memory"))
    return table(["figure", "value"], rows)


def page_cache_table(figures: dict[str, Any]) -> str:
    """The import page read three ways in one process (``benchmarks.page_cache``)."""
    rows = [
        ["100 users (the whole store)", figures["page_100_users_us"], "1.0"],
        [
            "100k users, the same page every time",
            figures["same_page_100k_us"],
            figures["same_100k_over_100_users"],
        ],
        [
            "100k users, a random page every time",
            figures["random_page_100k_us"],
            figures["random_100k_over_100_users"],
        ],
    ]
    if "first_import_page_100k_us" in figures:  # results written before the walks lack them
        first, second = figures["first_import_page_100k_us"], figures["second_import_page_100k_us"]
        rows += [
            ["100k users, a first import (every page in order, nothing kept yet)", first, ""],
            ["100k users, a second import (all kept)", second, ""],
        ]
    return table(["import page of 100", "µs per page", "x the page at 100 users"], rows)


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
