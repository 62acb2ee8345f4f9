"""Every fault action applies over real HTTP, with and without the journal (``--no-journal``
must not switch faults off: serve --help promises they still work; docs/faults.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import requests

from mockscim.server.serving import BackgroundServer

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "fault@example.com"}
HTTP_DATE = "Wed, 21 Oct 2026 07:28:00 GMT"


def _slow(at_least: float) -> Callable[[Any, float], None]:
    """A check: the answer is a normal 200 that took at least ``at_least`` seconds."""

    def check(response: requests.Response, elapsed: float) -> None:
        assert response.status_code == 200 and isinstance(response.json(), dict)
        assert elapsed >= at_least

    return check


def _refused(status: int, retry_after: str | None) -> Callable[[Any, float], None]:
    """A check: a SCIM error with this status, and this Retry-After header (or none)."""

    def check(response: requests.Response, elapsed: float) -> None:
        assert response.status_code == status
        assert response.json()["status"] == str(status) and response.json()["detail"]
        assert response.headers.get("Retry-After") == retry_after

    return check


def _malformed(response: requests.Response, elapsed: float) -> None:
    """A check: a 200 whose body is cut, so it is not JSON."""
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.text)


def _trickled(response: requests.Response, elapsed: float) -> None:
    """A check: the whole body, at no more than 400 bytes a second."""
    assert response.json()["schemas"]  # whole, valid JSON
    assert elapsed >= 0.8 * len(response.content) / 400


ACTIONS = {
    "delay": ({"delay_ms": 300}, _slow(0.3)),
    "status": ({"status": 503, "detail": "maintenance"}, _refused(503, None)),
    "429-seconds": ({"status": 429, "retry_after": 7}, _refused(429, "7")),
    "429-http-date": ({"status": 429, "retry_after": HTTP_DATE}, _refused(429, HTTP_DATE)),
    "429-absent": ({"status": 429}, _refused(429, None)),
    "malformed": ({"malformed": True}, _malformed),
    "trickle": ({"trickle_bps": 400}, _trickled),
}
CUT_OFF = {  # actions after which the client gets no answer at all
    "close": ({"close": True}, (requests.ConnectionError,)),
    "timeout": ({"timeout_s": 0.2}, (requests.Timeout,)),  # sleeps 1.2 s; the client waits 0.6 s
}


@pytest.fixture(params=[True, False], ids=["journal", "no-journal"])
def running(request, settings, serve) -> BackgroundServer:
    """A real server with the journal on, then off."""
    return serve(replace(settings, journal=request.param))


def _add_fault(running: BackgroundServer, client: Any, action: dict[str, Any]) -> None:
    """Register a one-shot fault on ``GET /ServiceProviderConfig`` through the admin API."""
    spec = {"match": {"method": "GET", "path": "/ServiceProviderConfig"}, "action": action, "times": 1}
    added = client.session.post(running.url + "/__admin/faults", json=spec, timeout=5)
    assert added.status_code == 201, added.text


def _journaled_faults(running: BackgroundServer, client: Any) -> list[Any]:
    """The fault marks of every journal entry, oldest first."""
    listed = client.session.get(running.url + "/__admin/requests", timeout=5).json()["requests"]
    return [entry["fault"] for entry in reversed(listed)]


@pytest.mark.parametrize("name", ACTIONS)
def test_fault_action_applies_with_and_without_the_journal(running, scim_for, name):
    action, check = ACTIONS[name]
    client = scim_for(running)
    _add_fault(running, client, action)
    started = time.monotonic()
    response = client.get("/ServiceProviderConfig")
    check(response, time.monotonic() - started)
    assert client.get("/ServiceProviderConfig").json()["schemas"]  # times: 1, the next is served
    marks = _journaled_faults(running, client)
    journal_on = running.server.app.extensions["mockscim"].settings.journal
    assert marks == ([{**marks[0], "action": action}, None] if journal_on else [])


@pytest.mark.parametrize("name", CUT_OFF)
def test_fault_action_cuts_the_client_off_with_and_without_the_journal(running, scim_for, name):
    action, errors = CUT_OFF[name]
    client = scim_for(running)
    _add_fault(running, client, action)
    with pytest.raises(errors):
        client.session.get(client.base + "/ServiceProviderConfig", timeout=0.6)
    assert client.get("/ServiceProviderConfig").json()["schemas"]  # the server is still fine
