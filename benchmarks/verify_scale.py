"""Verify at scale: the library's Okta flows matched over a 10,000-entry journal.

``python -m benchmarks.verify_scale [REPEAT]`` prints one JSON line (``make bench`` runs it).

The journal is real traffic: a live in-process mock records a few unrelated Okta requests
(lookups that find nothing and lookups that find a user, reads of users and groups, group
lookups), which are copied with other names up to the size, and every library flow under
``scenarios/okta`` played once by the runner (its checks included), spread through it in order.
Measured, median of REPEAT runs: ``mockscim.verify.verify`` of every flow over that journal (the
dashboard's library view and ``mockscim verify okta``), of one flow (``okta/common/assign-new-user``,
the lookup-then-create pair), and of every flow over the unrelated traffic alone (no flow is
there: the search tries every start and explains each miss with the closest request).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from typing import Any

import requests

SIZE = 10_000
NAME = "noise-00000"
AUTH = ("okta", "bench-verify-token")
HEADERS = {
    "User-Agent": "Okta SCIM Client 1.0.0",
    "Accept": "application/scim+json",
    "Content-Type": "application/scim+json; charset=utf-8",
}
ONE_FLOW = "okta/common/assign-new-user"


def _serve() -> Any:
    """A live mock on a loopback port, with Basic credentials."""
    from mockscim.config import AuthConfig
    from mockscim.config import Settings
    from mockscim.ids import IdGenerator
    from mockscim.schema_extensions import example_path
    from mockscim.server import create_app
    from mockscim.server.serving import start_background

    # The library's custom-attribute flows need the example extension, as `mockscim run` loads it.
    auth = AuthConfig.parse(f"basic:{AUTH[0]}:{AUTH[1]}")
    settings = Settings(port=0, auth=auth, journal_size=50_000, schema_extensions=(example_path(),))
    app = create_app(settings, ids=IdGenerator(seed=99))
    return app, start_background(app)


def _noise_template(base: str, session: requests.Session) -> None:
    """Five users and groups, then five rounds of unrelated requests around the name NAME."""
    users, groups = [], []
    for index in range(5):
        user = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"seed{index}@example.com",
        }
        users.append(session.post(base + "/Users", data=json.dumps(user), timeout=10).json())
        group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"Seed {index}"}
        groups.append(session.post(base + "/Groups", data=json.dumps(group), timeout=10).json())
    for user, group in zip(users, groups, strict=True):
        for path in (
            f"/Users?filter=userName%20eq%20%22{NAME}%40example.com%22&startIndex=1&count=100",
            f"/Users?filter=userName%20eq%20%22{user['userName']}%22&startIndex=1&count=100",
            f"/Users/{user['id']}",
            f"/Groups?filter=displayName%20eq%20%22{NAME}%22&startIndex=1&count=100",
            f"/Groups/{group['id']}",
        ):
            session.get(base + path, timeout=10)


def _play_library(url: str) -> list[tuple[str, Any]]:
    """Play every okta/** flow once against the mock (state reset between flows); return them."""
    from mockscim.runner import Target
    from mockscim.runner import run_scenario
    from mockscim.runner.client import Credentials
    from mockscim.verify.flows import library_ids
    from mockscim.verify.flows import load_flows

    flows, _ = load_flows([i for i in library_ids() if i.startswith("okta/")])
    target = Target(
        url + "/scim/v2", Credentials.parse(f"basic:{AUTH[0]}:{AUTH[1]}"), 10, admin_url=url + "/__admin"
    )
    for _, scenario in flows:
        requests.post(url + "/__admin/reset", json={"journal": False}, auth=AUTH, timeout=10)
        if not run_scenario(scenario, target).passed:
            raise RuntimeError(f"{scenario.path} failed against the mock")
    return flows


def build() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, Any]]]:
    """(the 10,000-entry journal holding every flow, 10,000 entries of unrelated traffic, the flows)."""
    app, running = _serve()
    try:
        session = requests.Session()
        session.auth, session.headers = AUTH, dict(HEADERS)
        base = running.url + "/scim/v2"
        _noise_template(base, session)
        recorded = app.extensions["mockscim"].journal.entries()
        template = recorded[10:]  # the requests after the ten creates
        flows = _play_library(running.url)
        played = app.extensions["mockscim"].journal.entries()[len(recorded) :]
    finally:
        running.stop()
    copies = SIZE // len(template) + 1
    noise = [
        e for i in range(copies) for e in json.loads(json.dumps(template).replace(NAME, f"noise-{i:05d}"))
    ]
    return _spread(noise[: SIZE - len(played)], played), _numbered(noise[:SIZE]), flows


def _spread(noise: list[dict[str, Any]], played: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The played entries, in their order, at random places among the noise."""
    places = sorted(random.Random(1).sample(range(len(noise) + 1), len(played)))
    out: list[dict[str, Any]] = []
    previous = 0
    for place, entry in zip(places, played, strict=True):
        out += [*noise[previous:place], entry]
        previous = place
    return _numbered(out + noise[previous:])


def _numbered(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Journal ids 1..N in order."""
    return [{**entry, "id": index} for index, entry in enumerate(entries, start=1)]


def _median_s(action: Any, repeat: int) -> tuple[dict[str, float], Any]:
    """Median wall and CPU seconds of ``repeat`` runs (CPU time is what other processes on a
    shared machine do not inflate), and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall_s": round(statistics.median(walls), 3), "cpu_s": round(statistics.median(cpus), 3)}, result


def measure(repeat: int) -> dict[str, Any]:
    """The figures, as a JSON-safe dict."""
    from mockscim.verify import verify
    from mockscim.verify.index import JournalIndex

    journal, noise, flows = build()
    verifiable = [
        (name, scenario) for name, scenario in flows if any(s.okta for s in scenario.steps if s.request)
    ]
    one = [(name, scenario) for name, scenario in flows if name == ONE_FLOW]
    all_s, report = _median_s(lambda: verify(journal, verifiable), repeat)
    one_s, single = _median_s(lambda: verify(journal, one), max(repeat, 3))
    absent_s, missing = _median_s(lambda: verify(noise, verifiable), repeat)
    index_s, _ = _median_s(lambda: JournalIndex(journal), max(repeat, 3))
    return {
        "entries": len(journal),
        "flows": len(verifiable),
        "found": sum(r.passed for r in report.flows),
        "one_flow_found": single.passed,
        "absent_reported": sum(not r.passed and r.first_missing is not None for r in missing.flows),
        "verify_all": all_s,
        "verify_one": one_s,
        "verify_absent_all": absent_s,
        "index": index_s,
        "repeat": repeat,
    }


def table(figures: dict[str, Any]) -> str:
    """The figures as a Markdown table (``benchmarks.run`` prints it)."""
    n, flows = figures["entries"], figures["flows"]
    time_of = lambda key: f"{figures[key]['cpu_s']} s ({figures[key]['wall_s']} s wall)"  # noqa: E731
    rows = [
        (
            f"every library flow ({flows}) over {n:,} entries",
            time_of("verify_all"),
            f"{figures['found']}/{flows} found",
        ),
        (
            f"{ONE_FLOW} over {n:,} entries",
            time_of("verify_one"),
            "found" if figures["one_flow_found"] else "MISSED",
        ),
        (
            f"every library flow over {n:,} unrelated entries",
            time_of("verify_absent_all"),
            f"{figures['absent_reported']}/{flows} missing, each with the closest request",
        ),
        (f"journal index of {n:,} entries", time_of("index"), ""),
    ]
    lines = ["| verify (median CPU time) | time | result |", "|---|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in rows])


def targets(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The verify target: every library flow found at 10,000 entries."""
    found, flows = figures["found"], figures["flows"]
    return [
        {
            "target": f"verify finds every library flow in a {figures['entries']:,}-entry journal",
            "goal": "all",
            "measured": f"{found}/{flows} in {figures['verify_all']['cpu_s']} s CPU",
            "status": "PASS" if found == flows else "FAIL",
        }
    ]


def main(argv: list[str]) -> None:
    """``python -m benchmarks.verify_scale [REPEAT] [--table]``: print the figures as one JSON line
    (and, with ``--table``, as the table ``make bench`` prints)."""
    figures = measure(int(argv[0]) if argv and argv[0].isdigit() else 3)
    if "--table" in argv:
        print(table(figures), file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
