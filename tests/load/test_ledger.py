"""What Okta believes after the answers it accepted, and what stays unchecked."""

from __future__ import annotations

import pytest

from mockscim.load.ledger import Ledger
from mockscim.load.ledger import intended_state
from mockscim.load.ledger import load_findings
from mockscim.load.ledger import settle


@pytest.fixture
def ledger() -> Ledger:
    """A ledger with one user created, deactivated and added to a shared group."""
    book = Ledger()
    pat = book.user("pat@example.com", "00u1")
    with book.writing(pat):
        pat["ids"].append("id-pat")
    with book.writing(pat):
        settle(pat, "active", False, 200)
    member = book.member("Shared", "pat@example.com")
    with book.writing(member):
        settle(member, "member", True, 204)
    return book


def test_the_intended_state_follows_accepted_answers(ledger):
    state, unchecked = intended_state(ledger.entries)
    assert state == {
        "users": [{"userName": "pat@example.com", "externalId": "00u1", "active": False}],
        "groups": [{"displayName": "Shared", "members": ["pat@example.com"]}],
    }
    assert unchecked == []


@pytest.mark.parametrize(
    ("status", "active", "unchecked"),
    [
        (200, True, []),  # accepted: Okta believes it
        (503, False, []),  # answered with an error: Okta believes nothing changed
        (0, None, ["user pat@example.com: active (a change had no answer)"]),  # no answer: unknown
    ],
)
def test_an_answer_decides_the_belief(ledger, status, active, unchecked):
    pat = ledger.user("pat@example.com")
    with ledger.writing(pat):
        settle(pat, "active", True, status)
    state, left = intended_state(ledger.entries)
    assert state["users"][0].get("active") == active
    assert left == unchecked


def test_a_write_still_in_flight_is_unchecked(ledger):
    member = ledger.member("Shared", "pat@example.com")
    member["inflight"] += 1  # the run stopped while the request was on the wire
    state, unchecked = intended_state(ledger.entries)
    assert state["groups"] == [{"displayName": "Shared", "members": []}]
    assert unchecked == ["group Shared: member pat@example.com (a change had no answer)"]


@pytest.mark.parametrize(
    ("ids", "conflicts", "messages"),
    [
        (["a"], 0, []),
        (["a"], 1, []),  # one 409 then a link: Okta's normal recovery (§5.2)
        (["a"], 2, ["409 loop: its create was answered 409 2 times"]),
        (["a", "b"], 0, ["created 2 times (201 with ids a, b)"]),
    ],
)
def test_load_findings_come_from_the_answers(ids, conflicts, messages):
    book = Ledger()
    entry = book.user("sam@example.com")
    entry["ids"], entry["conflicts"] = ids, conflicts
    assert [f["message"] for f in load_findings(book.entries)] == messages


def test_a_drain_ships_each_change_once_and_the_master_keeps_the_newest(ledger):
    master = Ledger()
    master.merge(ledger.drain())
    assert ledger.drain() == {}
    pat = ledger.user("pat@example.com")
    with ledger.writing(pat):
        settle(pat, "active", True, 200)
    master.merge(ledger.drain())
    assert intended_state(master.entries) == intended_state(ledger.entries)
