"""The load matrix: every hot path against the ceiling, the journal-off twin and every store size.

All servers run at once (idle ones cost nothing), and each path's runs are back to back, so a figure
and the figure it is divided by are measured seconds apart. Round 2 runs the targets in reverse
order (ABBA), so drift on a noisy machine cancels out of the ratios.
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

CEILING, SMALL, SMALL_OFF = "ceiling", "100", "100-off"


@dataclass(frozen=True)
class Plan:
    """How much to run: store sizes, rounds, seconds per run, connections, which hot paths."""

    scales: tuple[str, ...]
    rounds: int
    seconds: int
    connections: int
    paths: tuple[str, ...] = tuple(paths.HOT_PATHS)

    @property
    def targets(self) -> list[str]:
        """Run order within a round: ceiling, journal on/off twins, then the larger stores."""
        return [CEILING, SMALL, SMALL_OFF, *(s for s in self.scales if s != SMALL)]


def start_all(plan: Plan) -> dict[str, Server]:
    """Start the ceiling app and a mockscim server per target, in parallel."""
    specs = {CEILING: ("ceiling", None, True), SMALL_OFF: ("mockscim", SMALL, False)}
    specs.update({s: ("mockscim", s, True) for s in plan.scales})
    launched = {name: servers.launch(app, scale, journal) for name, (app, scale, journal) in specs.items()}
    return {name: servers.wait_ready(process) for name, process in launched.items()}


def request_file(name: str, target: str, folder: Path) -> tuple[Path, list[paths.Request]]:
    """Write (once) and return the request file for a path on a target."""
    requests = (
        paths.ceiling_requests(name)
        if target == CEILING
        else paths.requests_for(name, dataset.SCALES[target.removesuffix("-off")])
    )
    file = folder / f"{name}-{target}.req"
    if not file.exists():
        paths.write_file(requests, file)
    return file, requests


def one_run(server: Server, name: str, target: str, folder: Path, plan: Plan, rnd: int) -> dict[str, Any]:
    """Warm up (first round only) and load one path on one target."""
    file, requests = request_file(name, target, folder)
    if rnd == 0:
        load.warm_up(server.url, requests, f"{target}-{name}")
    result = load.run_load(server.url, file, plan.seconds, plan.connections, f"{target}-r{rnd}")
    return {"path": name, "target": target, "round": rnd, **result.to_dict()}


def path_runs(name: str, running: dict[str, Server], plan: Plan, folder: Path) -> list[dict[str, Any]]:
    """All rounds of one hot path: ABBA over the targets, with the GET ceiling as the baseline."""
    runs = []
    for rnd in range(plan.rounds):
        order = plan.targets if rnd % 2 == 0 else plan.targets[::-1]
        for target in order:
            path = "ceiling" if target == CEILING else name
            runs.append({**one_run(running[target], path, target, folder, plan, rnd), "path": name})
    return runs


def ceiling_post(running: dict[str, Server], plan: Plan, folder: Path) -> list[dict[str, Any]]:
    """The POST variant of the ceiling (reads an Okta-sized body), for context."""
    server = running[CEILING]
    return [one_run(server, "ceiling_post", CEILING, folder, plan, rnd) for rnd in range(plan.rounds)]


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
