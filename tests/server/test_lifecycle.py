"""The request lifecycle's parts: journal order tickets, one parse of the request body, and the
response body the journal records (the dict the view rendered, or the bytes a fault changed)."""

from __future__ import annotations

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
    ("finish_order", "appended"),
    [
        ([1, 2, 3], [1, 2, 3]),
        ([3, 2, 1], [1, 2, 3]),
        ([2, 3, 1], [1, 2, 3]),
    ],
    ids=["in-order", "reversed", "first-last"],
)
def test_tickets_append_in_the_order_they_were_taken(finish_order, appended):
    turnstile, log, lock = Turnstile(), [], threading.Lock()
    tickets = [turnstile.take() for _ in finish_order]

    def finish(ticket: int) -> None:
        turnstile.wait(ticket)
        with lock:
            log.append(ticket)
        turnstile.done(ticket)

    threads = [threading.Thread(target=finish, args=(tickets[i - 1],)) for i in finish_order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert log == appended


@pytest.mark.parametrize("seed", range(5))
def test_many_tickets_finishing_in_any_order_are_each_called_in_turn(seed, caplog):
    turnstile, log, lock = Turnstile(patience=10), [], threading.Lock()
    tickets = [turnstile.take() for _ in range(40)]
    order = random.Random(seed).sample(tickets, len(tickets))

    def finish(ticket: int) -> None:
        time.sleep(random.Random(ticket * seed).random() / 200)
        turnstile.wait(ticket)
        with lock:
            log.append(ticket)
        turnstile.done(ticket)

    threads = [threading.Thread(target=finish, args=(t,)) for t in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert log == tickets
    assert "going ahead" not in caplog.text  # each waiter was woken, none waited out its patience


def test_an_abandoned_ticket_lets_the_next_one_go():
    turnstile = Turnstile()
    first, second = turnstile.take(), turnstile.take()
    turnstile.done(first)  # its holder failed before appending (teardown calls done)
    turnstile.done(first)  # done twice is harmless
    turnstile.wait(second)  # returns at once


def test_a_lost_ticket_delays_the_next_but_never_hangs_it(caplog):
    turnstile = Turnstile(patience=0.05)
    turnstile.take()  # never done
    turnstile.wait(turnstile.take())
    assert "going ahead" in caplog.text


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
