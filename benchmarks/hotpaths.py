"""The load matrix: every hot path against both ceilings, the journal-off twin and the store sizes.

All servers run at once (idle ones cost nothing), and each path's runs are back to back, so a figure
and the figure it is divided by are measured seconds apart. Every other round runs the targets in
reverse order, so drift on a noisy machine cancels out of the ratios.

The ceilings are a Flask hello app on mockscim's own server (``CEILING``: the limit every goal is
stated against) and on werkzeug's threaded development server (``CEILING_WERKZEUG``, what mockscim
ran on before). mockscim itself runs with 5,000 users (``MAIN``), journal on and off; the import
page also runs at 100 and 100,000 users, each time after one import of every user (Okta imports
again and again; what a first import costs is ``benchmarks.page_cache``'s figure).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import dataset
from benchmarks import load
from benchmarks import paths
from benchmarks import servers
from benchmarks.servers import Server

CEILING, CEILING_WERKZEUG = "ceiling", "ceiling-werkzeug"
MAIN, MAIN_OFF = "5k", "5k-off"
SCALE_PATHS = ("import_page",)  # also run at every store size of the plan


@dataclass(frozen=True)
class Plan:
    """How much to run: store sizes, rounds, seconds per run, connections, which hot paths."""

    scales: tuple[str, ...]
    rounds: int
    seconds: int
    connections: int
    paths: tuple[str, ...] = tuple(paths.HOT_PATHS)

    def targets(self, path: str) -> list[str]:
        """Run order within a round: the ceilings, the 5,000-user twins, other sizes for the page."""
        extra = [s for s in self.scales if s != MAIN] if path in SCALE_PATHS else []
        return [CEILING, CEILING_WERKZEUG, MAIN, MAIN_OFF, *extra]


def start_all(plan: Plan) -> dict[str, Server]:
    """Start both ceilings and a mockscim server per target, in parallel."""
    specs = {
        CEILING: ("ceiling", None, True, "mockscim"),
        CEILING_WERKZEUG: ("ceiling", None, True, "werkzeug"),
        MAIN_OFF: ("mockscim", MAIN, False, "mockscim"),
    }
    specs.update({s: ("mockscim", s, True, "mockscim") for s in {MAIN, *plan.scales}})
    launched = {name: servers.launch(*spec) for name, spec in specs.items()}
    return {name: servers.wait_ready(process) for name, process in launched.items()}


def _scale_of(target: str) -> dataset.Scale:
    """The store size a mockscim target serves."""
    return dataset.SCALES[target.removesuffix("-off")]


def request_file(name: str, target: str, folder: Path) -> tuple[Path, list[paths.Request]]:
    """Write (once) and return the request file for a path on a target."""
    ceiling = target.startswith(CEILING)
    requests = paths.ceiling_requests(name) if ceiling else paths.requests_for(name, _scale_of(target))
    file = folder / f"{name}-{target}.req"
    if not file.exists():
        paths.write_file(requests, file)
    return file, requests


def one_run(
    server: Server, name: str, target: str, folder: Path, plan: Plan, rnd: int, quiet: list[Server]
) -> dict[str, Any]:
    """Warm up (first round only), wait until every server is idle, and load one path on one target."""
    file, requests = request_file(name, target, folder)
    if rnd == 0:
        load.warm_up(server.url, requests, f"{target}-{name}")
        if name == "import_page":  # measured as a repeated import: the first keeps each user's JSON
            walk = paths.import_walk(_scale_of(target))
            load.warm_up(server.url, walk, f"{target}-walk", count=len(walk))
    servers.wait_all_idle(quiet)
    before, waits = server.cpu_ticks(), server.switches()
    result = load.run_load(server.url, file, plan.seconds, plan.connections, f"{target}-r{rnd}")
    during, waits = server.cpu_ticks(), server.switches() - waits
    server.wait_idle(quiet_s=0.3)  # then the findings the run deferred to idle time are done too
    cpu = {
        "cpu_us": _per_request(during - before, result.requests),
        "cpu_total_us": _per_request(server.cpu_ticks() - before, result.requests),
        "switches": round(waits / max(result.requests, 1), 2),
    }
    return {"path": name, "target": target, "round": rnd, **result.to_dict(), **cpu}


def _per_request(ticks: int, requests: int) -> float:
    """Server CPU microseconds per request."""
    return round(servers.ticks_to_seconds(ticks) / max(requests, 1) * 1e6, 1)


def path_runs(name: str, running: dict[str, Server], plan: Plan, folder: Path) -> list[dict[str, Any]]:
    """All rounds of one hot path, alternating the order of the targets, with the GET ceilings."""
    runs = []
    for rnd in range(plan.rounds):
        order = plan.targets(name) if rnd % 2 == 0 else plan.targets(name)[::-1]
        for target in order:
            path = "ceiling" if target.startswith(CEILING) else name
            quiet = list(running.values())
            runs.append({**one_run(running[target], path, target, folder, plan, rnd, quiet), "path": name})
    return runs


def ceiling_post(running: dict[str, Server], plan: Plan, folder: Path) -> list[dict[str, Any]]:
    """The POST variant of the ceiling (reads an Okta-sized body), for context."""
    server = running[CEILING]
    quiet = list(running.values())
    return [one_run(server, "ceiling_post", CEILING, folder, plan, rnd, quiet) for rnd in range(plan.rounds)]


def run_matrix(plan: Plan, progress: Any = print) -> dict[str, Any]:
    """Every hot path on every target; returns the runs and each server's seeding facts."""
    running = start_all(plan)
    try:
        facts = {name: server.facts for name, server in running.items()}
        with tempfile.TemporaryDirectory(prefix="mockscim-bench-") as tmp:
            runs = ceiling_post(running, plan, Path(tmp))
            for name in plan.paths:
                progress(f"  {name} ...")
                runs += path_runs(name, running, plan, Path(tmp))
        facts["final_rss_kb"] = {name: server.rss_kb() for name, server in running.items()}
    finally:
        for server in running.values():
            server.stop()
    return {"runs": runs, "servers": facts}
