"""The request lifecycle's parts: journal order tickets, one parse of the request body, and the
response body the journal records (the dict the view rendered, or the bytes a fault changed)."""

from __future__ import annotations

import functools
import random
import threading
import time

import pytest

from mockscim.server.bodies import read_json
from mockscim.server.bodies import request_body
from mockscim.server.inspection import inspection
from mockscim.server.turnstile import Turnstile

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "life@example.com"}


@pytest.mark.parametrize(
    ("finish_order", "held_back"),
    [
        ([1, 2, 3], [0, 0, 0]),
        ([3, 2, 1], [1, 2, 0]),
        ([2, 3, 1], [1, 2, 0]),
    ],
    ids=["in-order", "reversed", "first-last"],
)
def test_deliveries_run_in_ticket_order_and_no_one_waits(finish_order, held_back):
    turnstile, log = Turnstile(), []
    tickets = [turnstile.take() for _ in finish_order]
    pending = []
    for i in finish_order:
        turnstile.deliver(tickets[i - 1], functools.partial(log.append, tickets[i - 1]))
        pending.append(turnstile.pending())  # deliver returned at once, its append held back or run
    assert log == tickets
    assert pending == held_back


@pytest.mark.parametrize("seed", range(5))
def test_many_tickets_delivered_from_many_threads_append_in_turn(seed, caplog):
    turnstile, log = Turnstile(patience=10), []
    tickets = [turnstile.take() for _ in range(40)]
    order = random.Random(seed).sample(tickets, len(tickets))

    def finish(ticket: int) -> None:
        time.sleep(random.Random(ticket * seed).random() / 200)
        turnstile.deliver(ticket, functools.partial(log.append, ticket))

    threads = [threading.Thread(target=finish, args=(t,)) for t in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert log == tickets
    assert turnstile.pending() == 0 and "never finished" not in caplog.text


def test_an_abandoned_ticket_lets_the_next_one_go():
    turnstile, log = Turnstile(), []
    first, second = turnstile.take(), turnstile.take()
    turnstile.done(first)  # its holder failed before appending (teardown calls done)
    turnstile.done(first)  # done twice is harmless
    turnstile.deliver(second, functools.partial(log.append, second))
    assert log == [second]


def test_a_failed_append_does_not_stop_the_ones_after_it(caplog):
    turnstile, log = Turnstile(), []
    first, second = turnstile.take(), turnstile.take()
    turnstile.deliver(second, functools.partial(log.append, second))

    def broken() -> None:
        raise RuntimeError("disk full")

    turnstile.deliver(first, broken)
    assert log == [second] and "a journal append failed" in caplog.text


def test_a_lost_ticket_holds_later_appends_back_only_for_its_patience(caplog):
    turnstile, log = Turnstile(patience=0.05), []
    lost, second, third = turnstile.take(), turnstile.take(), turnstile.take()
    turnstile.deliver(second, functools.partial(log.append, second))
    assert log == []  # held back behind the lost ticket
    time.sleep(0.06)
    turnstile.deliver(third, functools.partial(log.append, third))
    assert log == [second, third] and "never finished" in caplog.text
    turnstile.deliver(lost, functools.partial(log.append, lost))  # it came back after all
    assert log == [second, third, lost]  # appended at once, out of order, not dropped


def test_the_request_body_is_parsed_once_for_inspection_and_view(app):
    body = b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x@example.com"}'
    headers = {"Content-Type": "application/scim+json"}
    with app.test_request_context("/scim/v2/Users", method="POST", data=body, headers=headers):
        inspection()
        parsed = request_body().parsed[0]
        assert read_json() is parsed  # the view gets the very object the inspection parsed


def test_the_journal_records_the_rendered_body_or_the_bytes_a_fault_changed(server, scim):
    admin = server.url + "/__admin"
    scim.post("/Users", USER)
    fault = {"match": {"method": "GET", "path": "/Users"}, "action": {"malformed": True}, "times": 1}
    assert scim.session.post(admin + "/faults", json=fault, timeout=5).status_code == 201
    cut = scim.get("/Users").text
    entries = scim.session.get(admin + "/requests", timeout=5).json()["requests"]
    created, listed = entries[1], entries[0]
    assert created["response"]["body"]["userName"] == USER["userName"]
    assert created["resource"] == {"type": "User", "id": created["response"]["body"]["id"]}
    assert listed["response"]["body"] == cut  # what was sent: the cut text, not the rendered list
