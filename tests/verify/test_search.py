"""The verify search never misses a flow that is in the journal: checked against brute force.

Small random journals are built from Okta-shaped entries whose names and ids collide on purpose
(two lookups of the same user, creates answered with different ids, reads of ids nobody
created). For each, every increasing choice of entries is tried with ``compare`` (the step
matcher) and the flow is "there" when one choice matches every step in order; the search must
agree, in both orders (any, strict), and a complete match it reports must really match.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from mockscim.runner import load_scenario
from mockscim.verify import match_flow
from mockscim.verify.matcher import _save
from mockscim.verify.matcher import compare
from mockscim.verify.matcher import expected_steps

FLOW = """\
name: assign, then update
steps:
  - name: lookup
    request: {method: GET, path: /Users, query: {filter: 'userName eq "${email}"', count: 100}}
    expect: {status: 200}
  - name: create
    request: {method: POST, path: /Users, json: {userName: "${email}"}}
    expect: {status: 201}
    save: {user_id: /id}
  - name: read
    request: {method: GET, path: "/Users/${user_id}"}
    expect: {status: 200}
  - name: update
    request: {method: PUT, path: "/Users/${user_id}", json: {userName: "${email}", active: true}}
    expect: {status: 200}
"""
NAMES, IDS = ("a@x", "b@x", "c@x"), ("u1", "u2", "u3")


def entry(method: str, path: str, query: dict | None = None, body: Any = None, response: Any = None) -> dict:
    """A journal entry as the server writes it (only what the matcher reads)."""
    request = {"method": method, "path": "/scim/v2" + path, "scim_path": path, "query": query or {}}
    return {
        "request": {**request, "headers": {}, "body": body},
        "response": {"status": 200, "body": response},
    }


def random_entry(rng: random.Random) -> dict:
    """One of the flow's kinds of request, with a colliding name or id."""
    name, uid = rng.choice(NAMES), rng.choice(IDS)
    return rng.choice(
        [
            lambda: entry("GET", "/Users", {"filter": f'userName eq "{name}"', "count": "100"}),
            lambda: entry("GET", "/Users", {"filter": f'userName eq "{name}"'}),  # no count: no match
            lambda: entry("POST", "/Users", body={"userName": name}, response={"id": uid}),
            lambda: entry("GET", f"/Users/{uid}"),
            lambda: entry(
                "PUT", f"/Users/{uid}", body={"userName": name, "active": rng.choice([True, False])}
            ),
            lambda: entry("DELETE", f"/Users/{uid}"),
        ]
    )()


def brute_force(steps: list, entries: list[dict], strict: bool) -> bool:
    """Whether some increasing choice of entries matches every step in order."""
    for chosen in itertools.combinations(range(len(entries)), len(steps)):
        if strict and any(b != a + 1 for a, b in itertools.pairwise(chosen)):
            continue
        bindings: dict[str, Any] = {}
        for expected, position in zip(steps, chosen, strict=True):
            if compare(expected, entries[position], bindings):
                break
            _save(expected.step, entries[position], bindings)
        else:
            return True
    return False


@pytest.fixture(scope="module")
def flow(tmp_path_factory) -> Any:
    """The four-step flow above, loaded like any scenario file."""
    path = Path(tmp_path_factory.mktemp("flow")) / "assign-update.scenario.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return load_scenario(path)


def journal(seed: int) -> list[dict]:
    """A random journal; two seeds in three also hold the flow, in order (one of them with its
    steps adjacent, so strict order can find it too), among decoys sharing its names and ids."""
    rng = random.Random(seed)
    entries = [random_entry(rng) for _ in range(rng.randint(4, 11))]
    if seed % 3 != 2:
        name, uid = rng.choice(NAMES), rng.choice(IDS)
        planted = [
            entry("GET", "/Users", {"filter": f'userName eq "{name}"', "count": "100"}),
            entry("POST", "/Users", body={"userName": name}, response={"id": uid}),
            entry("GET", f"/Users/{uid}"),
            entry("PUT", f"/Users/{uid}", body={"userName": name, "active": True}),
        ]
        if seed % 3 == 0:
            places = sorted(rng.choices(range(len(entries) + 1), k=len(planted)), reverse=True)
            for place, item in zip(places, reversed(planted), strict=True):
                entries.insert(place, item)
        else:
            at = rng.randint(0, len(entries))
            entries[at:at] = planted
    return [{**e, "id": i + 1} for i, e in enumerate(entries)]


@pytest.mark.parametrize("seed", range(300))
@pytest.mark.parametrize("strict", [False, True], ids=["any-order-between", "strict-order"])
def test_search_agrees_with_brute_force(flow, seed, strict):
    entries = journal(seed)
    steps = expected_steps(flow)
    result = match_flow(flow, entries, strict_order=strict)
    assert result.passed == brute_force(steps, entries, strict), [e["request"] for e in entries]
    if result.passed:  # the reported match is a real one, in order
        positions = [entries.index(step.entry) for step in result.steps]
        assert positions == sorted(positions)
        assert brute_force(steps, [entries[p] for p in positions], strict=True)


def test_the_journals_hold_the_flow_often_but_not_always(flow):
    steps = expected_steps(flow)
    found = [
        sum(brute_force(steps, journal(seed), strict) for seed in range(300)) for strict in (False, True)
    ]
    assert 150 <= found[0] < 300 and 80 <= found[1] < found[0], found
