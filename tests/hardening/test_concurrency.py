"""Concurrency against the real threaded server: uniqueness, referential invariants, no lost
updates, and a journal whose order is the order in which the store served the requests."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests

from mockscim.constants import GROUP_SCHEMA
from mockscim.constants import PATCH_OP
from mockscim.constants import USER_SCHEMA

THREADS = 16
SCIM = "/scim/v2"


def run_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; return results in thread order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def main(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=main, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def user(name: str, **extra: Any) -> dict[str, Any]:
    """A small valid user body."""
    return {"schemas": [USER_SCHEMA], "userName": name, **extra}


def group(name: str, members: list[str]) -> dict[str, Any]:
    """A group body with these member ids."""
    return {"schemas": [GROUP_SCHEMA], "displayName": name, "members": [{"value": m} for m in members]}


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp body."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("/Users", lambda i: user("same@example.com")),
        ("/Users", lambda i: user("same@example.com".upper() if i % 2 else "Same@Example.com")),
        ("/Groups", lambda i: group("Same group", [])),
    ],
    ids=["userName", "userName-any-case", "group-displayName"],
)
def test_concurrent_creates_of_one_name_give_exactly_one_201(launch, connect, figures, endpoint, body):
    server = launch()
    url = server.url + SCIM + endpoint

    def create(index: int) -> tuple[int, Any]:
        response = connect().post(url, json=body(index))
        return response.status_code, response.json()

    results = run_threads(THREADS, create)
    figures["concurrent operations"] += THREADS
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: THREADS - 1}
    assert all(b["scimType"] == "uniqueness" for status, b in results if status == 409)
    listed = connect().get(url).json()
    assert listed["totalResults"] == 1


def _all(client: requests.Session, url: str) -> list[dict[str, Any]]:
    """Every resource behind a list endpoint, page by page."""
    out: list[dict[str, Any]] = []
    while True:
        page = client.get(url, params={"startIndex": len(out) + 1, "count": 100}).json()
        out += page["Resources"]
        if not page["Resources"] or len(out) >= page["totalResults"]:
            return out


def invariant_violations(client: requests.Session, base: str) -> list[str]:
    """Referential integrity of the store as clients see it (RFC 7643 §4.1.2, §4.2)."""
    users = {u["id"]: u for u in _all(client, base + "/Users")}
    groups = {g["id"]: g for g in _all(client, base + "/Groups")}
    problems = []
    member_of: dict[str, set[str]] = {uid: set() for uid in users}
    for gid, found in groups.items():
        for member in found.get("members", []):
            if member["value"] in users:
                member_of[member["value"]].add(gid)
            elif member["value"] not in groups:
                problems.append(f"group {gid} lists {member['value']}, which does not exist")
    for uid, found in users.items():
        derived = {g["value"] for g in found.get("groups", [])}
        if derived != member_of[uid]:
            problems.append(
                f"user {uid} has groups {sorted(derived)}, membership says {sorted(member_of[uid])}"
            )
    return problems


# 400: a member that another thread deleted meanwhile; 404, 409 and 412 are races lost fairly.
OK = {200, 201, 204, 400, 404, 409, 412}


def test_mixed_concurrent_writes_keep_every_invariant_and_lose_no_update(launch, connect, figures):
    server = launch()
    base = server.url + SCIM
    admin = connect()
    users = [admin.post(base + "/Users", json=user(f"seed{i}@example.com")).json()["id"] for i in range(12)]
    groups = [
        admin.post(base + "/Groups", json=group(f"seed group {i}", users[i : i + 3])).json()["id"]
        for i in range(4)
    ]
    counter = admin.post(base + "/Users", json=user("counter@example.com", title="0")).json()["id"]
    shared = admin.post(base + "/Groups", json=group("shared", [])).json()["id"]
    increments = 3

    def work(index: int) -> tuple[Counter, list[str]]:
        client, rng = connect(), random.Random(index)
        statuses: Counter = Counter()
        mine: list[str] = []
        for step in range(12):
            choice = rng.randrange(8)
            uid, gid = rng.choice(users), rng.choice(groups)
            if choice == 0:
                response = client.post(base + "/Users", json=user(f"t{index}-{step}@example.com"))
                if response.status_code == 201:
                    mine.append(response.json()["id"])
            elif choice == 1:
                response = client.put(
                    base + f"/Users/{uid}", json=user(f"seed-{uid}@example.com", title=str(step))
                )
            elif choice == 2:
                response = client.patch(
                    base + f"/Users/{uid}", json=patch({"op": "replace", "path": "title", "value": "t"})
                )
            elif choice == 3:
                response = client.delete(base + f"/Users/{rng.choice(users)}")
            elif choice == 4:
                body = patch({"op": "add", "path": "members", "value": [{"value": rng.choice(users)}]})
                response = client.patch(base + f"/Groups/{gid}", json=body)
            elif choice == 5:
                body = patch({"op": "remove", "path": f'members[value eq "{rng.choice(users)}"]'})
                response = client.patch(base + f"/Groups/{gid}", json=body)
            elif choice == 6:
                response = client.put(base + f"/Groups/{gid}", json=group(f"g-{gid}", rng.sample(users, 3)))
            else:
                response = client.delete(base + f"/Groups/{rng.choice(groups)}")
            statuses[response.status_code] += 1
        # Updates that must all survive: members added to one group, and an If-Match counter.
        for member in mine:
            response = client.patch(
                base + f"/Groups/{shared}",
                json=patch({"op": "add", "path": "members", "value": [{"value": member}]}),
            )
            statuses[response.status_code] += 1
        for _ in range(increments):
            while True:
                current = client.get(base + f"/Users/{counter}")
                value = int(current.json()["title"]) + 1
                response = client.put(
                    base + f"/Users/{counter}",
                    json=user("counter@example.com", title=str(value)),
                    headers={"If-Match": current.headers["ETag"]},
                )
                statuses[response.status_code] += 1
                if response.status_code != 412:
                    break
        return statuses, mine

    results = run_threads(THREADS, work)
    statuses = sum((s for s, _ in results), Counter())
    created = {uid for _, mine in results for uid in mine}
    problems = invariant_violations(admin, base)
    final = admin.get(base + f"/Users/{counter}").json()
    members = {m["value"] for m in admin.get(base + f"/Groups/{shared}").json().get("members", [])}
    if int(final["title"]) != THREADS * increments:
        problems.append(f"counter is {final['title']}, expected {THREADS * increments}: an update was lost")
    if members != created:
        problems.append(f"shared group lost {len(created - members)} added members")
    figures["concurrent operations"] += sum(statuses.values())
    figures["invariant violations"] += len(problems)
    assert set(statuses) <= OK, statuses
    assert problems == []


def test_journal_order_is_the_order_the_store_served(launch, connect, figures):
    server = launch()
    jitter = random.Random(5)

    @server.server.app.after_request
    def _busy(response: Any) -> Any:
        # A loaded machine: time passes between the store's commit and the journal append
        # (hooks added later run first, so this runs before server/journaling._record).
        time.sleep(jitter.random() / 500)
        return response

    base = server.url + SCIM
    uid = connect().post(base + "/Users", json=user("order@example.com")).json()["id"]
    times: dict[str, tuple[float, float]] = {}
    per_thread = 20

    def work(index: int) -> None:
        client = connect()
        for step in range(per_thread):
            tag = f"{index}-{step}"
            sent = time.monotonic()
            response = client.patch(
                base + f"/Users/{uid}",
                json=patch({"op": "replace", "path": "title", "value": tag}),
                headers={"X-Test-Seq": tag},
            )
            assert response.status_code == 200
            times[tag] = (sent, time.monotonic())

    run_threads(THREADS, work)
    entries = [
        e
        for e in server.server.app.extensions["mockscim"].journal.entries()
        if "x-test-seq" in e["request"]["headers"]
    ]
    figures["concurrent operations"] += len(entries)
    assert len(entries) == THREADS * per_thread
    versions = [int(e["response"]["headers"]["etag"].strip('W/"')) for e in entries]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)  # same order as the store
    position = {e["request"]["headers"]["x-test-seq"]: i for i, e in enumerate(entries)}
    # Happens-before: a response the client had received before sending another request is
    # journaled before that request (checked against the latest answered request).
    by_sent = sorted(times, key=lambda tag: times[tag][0])
    done: list[tuple[float, str]] = sorted((times[tag][1], tag) for tag in times)
    latest, cursor, inversions = -1, 0, 0
    for tag in by_sent:
        while cursor < len(done) and done[cursor][0] < times[tag][0]:
            latest = max(latest, position[done[cursor][1]])
            cursor += 1
        inversions += position[tag] < latest
    assert inversions == 0
