"""Okta's flows and the reconciliation, in process (no Locust): against mockscim, and against
deliberately wrong servers, so every check is shown to fail when it should."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest

from mockscim.load.flows import OktaWorker
from mockscim.load.ledger import load_findings
from mockscim.load.mix import FLOWS
from mockscim.load.mix import PROFILES
from mockscim.load.mix import Mix
from mockscim.load.policy import RetryPolicy
from mockscim.load.reconcile import failures
from mockscim.load.reconcile import reconcile
from mockscim.load.session import Context
from mockscim.load.session import FlowFailed
from mockscim.load.target import RetryingClient
from mockscim.load.target import push_shared_groups
from mockscim.load.templates import okta_templates
from mockscim.runner.client import Credentials


@pytest.fixture
def context(wrapped: Callable, auth_spec: str) -> Callable[..., Context]:
    """A shared context against mockscim behind the given wrapper, with one shared group pushed."""
    credentials = Credentials.parse(auth_spec)

    def build(kind: str = "plain", dialect: str = "oin", mix: Mix = PROFILES["balanced"]) -> Context:
        server, wrapper = wrapped(kind)
        base = server.url + "/scim/v2"
        with RetryingClient(base, credentials, RetryPolicy()) as client:
            groups = push_shared_groups(client, okta_templates(), "t", 1)
        built = Context(
            base, credentials, dialect, mix, okta_templates(), RetryPolicy(wait_cap=0.05), groups, "t"
        )
        built.wrapper = wrapper
        return built

    return build


def verdict(context: Context) -> list[str]:
    """What the reconciliation fails the run for."""

    def client() -> RetryingClient:
        return RetryingClient(context.base_url, context.credentials, RetryPolicy())

    return failures(reconcile(context.ledger.entries, client))


@pytest.mark.parametrize("dialect", ["oin", "aiw"])
def test_every_flow_reconciles_against_mockscim(context, dialect):
    built = context(dialect=dialect, mix=Mix("even", dict.fromkeys(FLOWS, 1), group_size=5, wave_size=2))
    worker = OktaWorker(built, random.Random(3))
    flows = {worker.step() for _ in range(80)}
    assert flows == set(FLOWS)
    assert built.recorder.snapshot()["failures"] == {}
    assert verdict(built) == []


def race_additions(built: Context) -> list[dict[str, Any]]:
    """Two Okta workers, each with its own user, add it to the same group at the same moment."""
    workers = [OktaWorker(built, random.Random(seed)) for seed in (1, 2)]
    for worker in workers:
        worker.assign()
    gate = threading.Barrier(2)

    def add(worker: OktaWorker) -> None:
        gate.wait()
        worker.membership()

    threads = [threading.Thread(target=add, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [w.users[0] for w in workers]


@pytest.mark.parametrize(
    ("kind", "dialect", "loses"),
    [
        ("plain", "oin", False),  # mockscim applies each PATCH add atomically
        ("slow-reads", "oin", False),
        ("lossy", "oin", True),  # a naive read-modify-write server
        ("slow-reads", "aiw", True),  # AIW's GET + full PUT loses members on any server (§9.4, §10.4)
    ],
)
def test_concurrent_member_additions(context, kind, dialect, loses):
    built = context(kind, dialect)
    users = race_additions(built)
    found = verdict(built)
    lost = [f"group t shared 1: member {u['userName']} missing" for u in users]
    if loses:
        assert len(found) == 1 and found[0] in lost, found
    else:
        assert found == []


def test_a_lookup_that_never_finds_the_user_shows_as_a_409_loop(context):
    built = context("blind")
    built.wrapper.blind.set()
    worker = OktaWorker(built, random.Random(5))
    with pytest.raises(FlowFailed, match="create-user answered 409 but the lookup never found the user"):
        worker.double_assign()
    findings = load_findings(built.ledger.entries)
    assert [f["message"] for f in findings] == ["409 loop: its create was answered 409 3 times"]
    assert findings[0]["name"] == worker.users[0]["userName"]
