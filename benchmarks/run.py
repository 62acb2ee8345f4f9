"""``make bench`` / ``make bench-quick``: measure everything side by side, print tables, write JSON.

python -m benchmarks.run [--quick] [--connections 4] [--seconds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

from benchmarks import coldstart
from benchmarks import figures
from benchmarks import hotpaths
from benchmarks import load
from benchmarks import report
from benchmarks import verify_scale
from benchmarks.hotpaths import CEILING
from benchmarks.hotpaths import CEILING_WERKZEUG
from benchmarks.hotpaths import Plan
from benchmarks.paths import HOT_PATHS
from benchmarks.servers import ROOT
from benchmarks.servers import environment

# wrk with two threads and 16 keep-alive connections, as the goals were measured.
FULL = {
    "plan": Plan(("100", "5k", "100k"), rounds=3, seconds=4, connections=16),
    "cold": 5,
    "runner": (8, ""),  # 8 ABBA pairs: 4 gave ratios from 0.97 to 1.23 on the same code
    "journal_repeat": 300,
    "journal_requests": 10_000,
    "verify_repeat": 3,
    "patch_repeat": 5,
    "page_cache_rounds": 6,
}
# Quick: one round of 1 s runs, no group PATCHes, no in-process journal breakdown, a partial journal
# (the full one's RSS estimated), and the runner's first pass against one bare pass. Indicative only:
# 1 s runs on a busy machine are noisy.
QUICK_PATHS = tuple(p for p in HOT_PATHS if not p.startswith("group_patch"))
QUICK = {
    "plan": Plan(("100", "5k", "100k"), rounds=1, seconds=1, connections=16, paths=QUICK_PATHS),
    "cold": 3,
    "runner": (0, ""),  # first runner pass against one bare pass
    "journal_repeat": 0,
    "journal_requests": 2_000,
    "verify_repeat": 1,
    "patch_repeat": 3,
    "page_cache_rounds": 0,  # seeding 100k users in process again takes half a minute
}


def say(message: str) -> None:
    """Progress on stderr (stdout carries the tables)."""
    print(message, file=sys.stderr, flush=True)


def run_module(module: str, *args: Any) -> dict[str, Any]:
    """Run ``python -m module args`` in its own process and parse the JSON line it prints."""
    command = [sys.executable, "-m", module, *map(str, args)]
    output = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment(), check=False)
    if output.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{output.stderr[-2000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="100 and 10k users, 1 s runs, one round (< 1 min)"
    )
    parser.add_argument("--connections", type=int, help="concurrent keep-alive connections; default 16")
    parser.add_argument("--seconds", type=int, help="seconds per load run")
    return parser.parse_args(argv)


def config_for(args: argparse.Namespace) -> dict[str, Any]:
    """The run configuration, with command-line overrides."""
    config = dict(QUICK if args.quick else FULL)
    plan = config["plan"]
    overrides = {"seconds": args.seconds or plan.seconds, "connections": args.connections or plan.connections}
    config["plan"] = replace(plan, **overrides)
    return config


def measure(config: dict[str, Any]) -> dict[str, Any]:
    """Cold start and runner overhead first (nothing else running), then the load matrix."""
    say(f"cold start x{config['cold']} ...")
    cold = coldstart.measure(config["cold"])
    say("runner overhead ...")
    runner = run_module("benchmarks.runner_overhead", *config["runner"])
    say(f"journal memory ({config['journal_requests']} requests) ...")
    journal = run_module("benchmarks.journal_memory", config["journal_requests"])
    say("large membership PATCHes ...")
    patch = run_module("benchmarks.patch_cost", "--repeat", config["patch_repeat"])
    say("hot paths (servers seeding) ...")
    matrix = hotpaths.run_matrix(config["plan"], progress=say)
    inprocess = (
        run_module("benchmarks.journal_cost", config["journal_repeat"]) if config["journal_repeat"] else None
    )
    say("verify at 10,000 journal entries ...")
    verify = run_module("benchmarks.verify_scale", config["verify_repeat"])
    rounds = config["page_cache_rounds"]
    if rounds:
        say("the import page in process: same page and random pages at 100k users ...")
    page = run_module("benchmarks.page_cache", rounds) if rounds else None
    return {
        "cold_start": cold,
        "runner_overhead": runner,
        "journal_memory": journal,
        "patch_cost": patch,
        "matrix": matrix,
        "journal_inprocess": inprocess,
        "verify_scale": verify,
        "page_cache": page,
    }


def summarize(raw: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """The figures the tables and targets use."""
    runs = raw["matrix"]["runs"]
    ceiling_gets = [r for r in runs if r["target"] == CEILING and r["path"] != "ceiling_post"]
    gets = [r["rps"] for r in ceiling_gets]
    werkzeug = [r["rps"] for r in runs if r["target"] == CEILING_WERKZEUG]
    rows = figures.hot_path_rows(runs, plan.scales)
    return {
        "hot_paths": rows,
        "ceiling": {
            "get_rps": statistics.median(gets),
            "get_cpu_us": figures.median_of(ceiling_gets, "cpu_us"),
            "get_switches": figures.median_of(ceiling_gets, "switches"),
            "post_rps": figures.cell(runs, "ceiling_post", CEILING)["rps"],
            "post_x": figures.ceiling_post_ratio(runs),
            "werkzeug_rps": statistics.median(werkzeug),
            "werkzeug_x": figures.geomean(
                [r["werkzeug_x_ceiling"] for r in rows.values() if r["werkzeug_x_ceiling"]]
            ),
        },
        "journal_memory": raw["journal_memory"],
        "memory": figures.memory(raw["matrix"]["servers"]),
        "cold_start": raw["cold_start"],
        "runner_overhead": raw["runner_overhead"],
        "journal_inprocess": raw["journal_inprocess"],
        "verify_scale": raw["verify_scale"],
        "page_cache": raw.get("page_cache"),
        "patch_cost": raw["patch_cost"],
        "errors": sum(r["errors"] for r in runs),
        "load_tool": runs[0]["tool"] if runs else "",
    }


def print_tables(summary: dict[str, Any], plan: Plan) -> None:
    """The human-readable result."""
    print("\n## Hot paths (5,000 users)\n\n" + report.hot_path_table(summary))
    print("\n## Store size (the import page)\n\n" + report.scale_table(summary, plan.scales))
    print("\n## Cold start, runner overhead, memory\n\n" + report.other_table(summary))
    if summary["journal_inprocess"]:
        print(
            "\n## Journal cost in process (median µs per request)\n\n"
            + report.inprocess_table(summary["journal_inprocess"])
        )
    if summary.get("page_cache"):
        print(
            "\n## The import page in process: store size or CPU cache (median µs per page)\n\n"
            + report.page_cache_table(summary["page_cache"])
        )
    print("\n## Verify at scale\n\n" + verify_scale.table(summary["verify_scale"]))
    patch = summary["patch_cost"]
    print(
        f"\n## Large membership PATCH ({patch['members']} members, median ms of {patch['repeat']})\n\n"
        "| PATCH | ms |\n|---|---|\n"
        f"| remove members[value pr] (all) | {patch['remove_all_ms']} |\n"
        f"| 999 removals + 1 add (1,000 operations) | {patch['removals_1000_ms']} |\n"
        f"| 1,000 adds of one member | {patch['adds_1000_ms']} |"
    )
    print("\n## Targets\n\n" + report.targets_table(summary["targets"]))
    if summary["errors"]:
        print(
            f"\nWARNING: {summary['errors']} requests failed (non-2xx or socket errors); see the JSON file."
        )


def main(argv: list[str] | None = None) -> None:
    """Measure, print, write."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    config = config_for(args)
    if not load.wrk_path():
        say(
            "wrk is not installed (benchmarks/install-tools.sh installs it): using the slower Python load generator"
        )
    started = time.perf_counter()
    facts = report.machine_facts()
    raw = measure(config)
    summary = summarize(raw, config["plan"])
    summary["targets"] = report.targets(summary) + verify_scale.targets(summary["verify_scale"])
    facts.update(loadavg_end=os.getloadavg(), wall_s=round(time.perf_counter() - started, 1))
    plan = config["plan"]
    document = {"facts": facts, "config": {"quick": args.quick, **vars(plan)}, "summary": summary, "raw": raw}
    print_tables(summary, plan)
    print(
        f"\nwrote {report.write_json(document).relative_to(ROOT)} in {facts['wall_s']} s "
        f"(load average {facts['loadavg_start'][0]:.2f} -> {facts['loadavg_end'][0]:.2f})"
    )


if __name__ == "__main__":
    main()
