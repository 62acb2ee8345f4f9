"""Verify at scale: each library flow, played once, is found among 10,000 unrelated Okta requests;
a flow that is absent or out of order is still reported missing with the closest request.

The unrelated traffic is real: a few Okta requests (lookups that find nothing, lookups that find a
user, reads of users and groups, group lookups) are played against a live mock, and their journal
entries are copied with other names and ids, the way the server writes them, up to 10,000
entries. Many of them are lookups like the first step of an assignment, which is what made the
old matcher (the latest 20 candidate starts only) miss a lookup-then-create pair.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from typing import Any

import pytest
import requests
from library_flows import OKTA_FLOWS
from library_flows import UNVERIFIABLE
from library_flows import load
from library_flows import okta_only
from library_flows import target
from support import okta_user

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.ids import IdGenerator
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.server import create_app
from mockscim.server.serving import start_background
from mockscim.verify import match_flow
from mockscim.verify import verify
from mockscim.verify.report import flow_report

SIZE = 10_000
NOISE_NAME = "noise-00000"  # replaced by noise-00001, ... in the copies
OKTA = {"User-Agent": "Okta SCIM Client 1.0.0", "Accept": "application/scim+json"}
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _noise_unit(scim: Any, user: dict[str, Any], group: dict[str, Any]) -> None:
    """Five unrelated Okta requests around the name NOISE_NAME (§5.1, §9.2, §9.6, §10.1)."""
    scim.get(f"/Users?filter=userName%20eq%20%22{NOISE_NAME}%40example.com%22&startIndex=1&count=100")
    scim.get(f"/Users?filter=userName%20eq%20%22{user['userName']}%22&startIndex=1&count=100")
    scim.get(f"/Users/{user['id']}")
    scim.get(f"/Groups?filter=displayName%20eq%20%22{NOISE_NAME}%22&startIndex=1&count=100")
    scim.get(f"/Groups/{group['id']}")


class _Client:
    """Okta's headers and Basic credentials against one server."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        self.session.auth = ("okta", "noise-token")
        self.session.headers.update({**OKTA, "Content-Type": "application/scim+json; charset=utf-8"})

    def get(self, path: str, **_: Any) -> requests.Response:
        """GET base + path."""
        return self.session.get(self.base + path, timeout=10)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a body and return the created resource."""
        response = self.session.post(self.base + path, data=json.dumps(body), timeout=10)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture(scope="module")
def noise() -> list[dict[str, Any]]:
    """SIZE journal entries of unrelated Okta traffic (ids 1..SIZE)."""
    settings = Settings(port=0, auth=AuthConfig.parse("basic:okta:noise-token"))
    app = create_app(settings, ids=IdGenerator(seed=99))  # ids unlike the flows' (seed 7)
    running = start_background(app)
    try:
        client = _Client(running.url + "/scim/v2")
        users = [client.post("/Users", okta_user(f"seed{i}@example.com")) for i in range(5)]
        groups = [
            client.post("/Groups", {"schemas": [GROUP_URN], "displayName": f"Seed {i}", "members": []})
            for i in range(5)
        ]
        seeded = len(app.extensions["mockscim"].journal.entries())
        for user, group in zip(users, groups, strict=True):
            _noise_unit(client, user, group)
        template = app.extensions["mockscim"].journal.entries()[seeded:]
    finally:
        running.stop()
    out: list[dict[str, Any]] = []
    for copy in range(SIZE // len(template) + 1):
        out += json.loads(json.dumps(template).replace(NOISE_NAME, f"noise-{copy:05d}"))
    return renumber(out[:SIZE])


def renumber(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ids 1..N in order, as a journal has them."""
    return [{**entry, "id": index} for index, entry in enumerate(entries, start=1)]


def spread(noise: list[dict[str, Any]], flow: list[dict[str, Any]], seed: int) -> tuple[list, list[int]]:
    """Insert the flow's entries, in order, at random places among the noise; return the journal
    and the ids the flow's entries got."""
    rng = random.Random(seed)
    places = sorted(rng.sample(range(len(noise) + 1), len(flow)))
    journal: list[dict[str, Any]] = []
    previous = 0
    for place, entry in zip(places, flow, strict=True):
        journal += noise[previous:place]
        journal.append({**entry, "_flow": True})
        previous = place
    journal = renumber(journal + noise[previous:])
    return journal, [e["id"] for e in journal if e.pop("_flow", False)]


def played(flow: str, server: Any, settings: Any, app: Any) -> list[dict[str, Any]]:
    """The journal entries of Okta's own requests of a library flow, played against a live mock."""
    scenario = load(flow)
    playback, stage = okta_only(scenario)
    result = run_scenario(playback, target(server, settings))
    assert result.passed, scenario_report(result)
    return app.extensions["mockscim"].journal.entries()[stage:]


VERIFIABLE = [flow for flow in OKTA_FLOWS if flow not in UNVERIFIABLE]


def test_the_noise_alone_completes_no_library_flow(noise):
    report = verify(noise, [(flow, load(flow)) for flow in VERIFIABLE])
    assert [r.name for r in report.flows if r.passed] == []
    assert len(noise) == SIZE and sum(e["operation"] == "user-lookup" for e in noise) == 2 * SIZE // 5


@pytest.mark.parametrize("flow", VERIFIABLE)
def test_each_library_flow_is_found_among_10000_unrelated_requests(flow, noise, server, settings, app):
    entries = played(flow, server, settings, app)
    journal, ids = spread(noise, entries, seed=len(flow))
    result = match_flow(load(flow), journal)
    assert result.passed, flow_report(result)
    # The noise alone completes no flow (test above), so the flow's own requests were needed; a
    # step the noise also satisfies (a group lookup is a GET /Groups page) may match noise.
    assert {step.entry["id"] for step in result.steps} & set(ids)


def test_a_lookup_then_create_early_in_the_journal_is_found_by_the_cli(
    noise, server, settings, app, tmp_path
):
    # The reported case: the pair comes first, then thousands of lookups like its first step.
    entries = played("okta/common/assign-new-user", server, settings, app)
    journal = renumber(entries + noise)
    path = tmp_path / "journal.jsonl"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in journal), encoding="utf-8")
    cli = subprocess.run(
        [sys.executable, "-m", "mockscim", "verify", "okta/common/assign-new-user", "--journal", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "PASS okta/common/assign-new-user  (2 steps" in cli.stdout
    assert "ok   create the user (POST /Users): journal #2 " in cli.stdout


def test_an_absent_flow_is_missing_with_the_closest_request(noise):
    result = match_flow(load("okta/common/assign-new-user"), noise)
    assert not result.passed
    first = result.first_missing
    assert first is not None and first.expected.name == "create the user (POST /Users)"
    assert first.closest is not None and first.differences  # a lookup, not a POST
    assert first.closest["request"]["method"] == "GET"


def test_steps_out_of_order_are_missing_and_say_so(noise, server, settings, app):
    lookup, create = played("okta/common/assign-new-user", server, settings, app)
    journal, _ = spread(noise, [create, lookup], seed=3)  # the create before the lookup
    result = match_flow(load("okta/common/assign-new-user"), journal)
    assert not result.passed
    first = result.first_missing
    assert first is not None and first.expected.name == "create the user (POST /Users)"
    assert first.closest is not None
    assert any("came before the previous step (out of order)" in d for d in first.differences), (
        first.differences
    )


def test_a_search_that_runs_out_of_budget_says_so(noise, server, settings, app):
    entries = played("okta/common/assign-new-user", server, settings, app)
    journal, _ = spread(noise, entries, seed=5)
    result = match_flow(load("okta/common/assign-new-user"), journal, budget=50)
    assert not result.passed and not result.searched_all
    assert "stopped at its budget" in flow_report(result)
    assert match_flow(load("okta/common/assign-new-user"), journal).searched_all
