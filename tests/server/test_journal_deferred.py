"""The journal builds an entry after the response, from what the request left (``Capture``).

The request path keeps the raw pieces (headers and query as JSON, the body's bytes, the stored
``active`` and ``displayName`` before a write, members that point nowhere) and the completer
builds the masked envelope, the classification and the findings later. Two real servers get the
same requests: on one a fault that never matches makes every request build its inspection before
the view (``server/faulting.py``), on the other nothing does; their journals must be the same.
Then the recorded headers and query are checked against what the test sent, and the request
path against the journal's listeners, which see the entry as the request left it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from support import fill
from support import okta_user

from mockscim.clock import FixedClock
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.ids import IdGenerator
from mockscim.server import create_app
from mockscim.server.serving import start_background

USER, TOKEN = "okta", "deferred-token"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
NEVER = {"match": {"path": "/NeverSent"}, "action": {"status": 503}}  # matches no request below
BODY_LIMIT = 2048


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_URN], "Operations": list(operations)}


# (method, path, body or raw bytes, extra headers); {user} and {group} are ids created earlier.
SEQUENCE: list[tuple[str, str, Any, dict[str, str]]] = [
    ("GET", '/Users?filter=userName eq "ann@example.com"&startIndex=1&count=100', None, {}),
    ("POST", "/Users", okta_user("ann@example.com", password="Secret-Pa55"), {"X-Note": "café"}),
    ("GET", "/Users/{user}", None, {"X-Request-Id": 'a\\b"c'}),
    ("GET", '/Users?filter=password eq "Query-Pa55"&filter=userName eq "x"', None, {}),
    ("PUT", "/Users/{user}", okta_user("ann@example.com", active=False), {}),
    ("PATCH", "/Users/{user}", _patch({"op": "replace", "value": {"active": True}}), {}),
    ("PATCH", "/Users/{user}", _patch({"op": "replace", "path": "nope[", "value": 1}), {}),
    ("POST", "/Users", b'{"userName": ', {}),
    ("POST", "/Users", b"password=Text-Pa55", {"Content-Type": "text/plain"}),
    ("POST", "/Users", okta_user("big@example.com", title="x" * BODY_LIMIT), {}),
    ("POST", "/Groups", {"schemas": [GROUP_URN], "displayName": "Team"}, {}),
    ("PATCH", "/Groups/{group}", _patch({"op": "add", "path": "members", "value": [{"value": "ghost"}]}), {}),
    ("PUT", "/Groups/{group}", {"schemas": [GROUP_URN], "displayName": "Renamed", "members": []}, {}),
    ("GET", "/Users/no-such-id?attributes=userName", None, {}),
    ("DELETE", "/Groups/{group}", None, {}),
]


def _send(base: str, step: tuple[Any, ...], ids: dict[str, str]) -> requests.Response:
    method, path, body, headers = step
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(fill(body, ids)).encode()
    sent = {"Content-Type": "application/scim+json", **headers} if data is not None else headers
    url = base + "/scim/v2" + fill(path, ids)
    return requests.request(method, url, data=data, headers=sent, auth=(USER, TOKEN), timeout=10)


def _journal(eager: bool) -> list[dict[str, Any]]:
    """Send SEQUENCE to a fresh server; its journal, minus timings and the port."""
    settings = Settings(
        port=0,
        auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"),
        journal_body_limit=BODY_LIMIT,
        public_url="http://mock.test/scim/v2",  # both servers name the same URLs in Location
    )
    app = create_app(settings, clock=FixedClock(), ids=IdGenerator(seed=7))
    server, ids = start_background(app), {}
    try:
        # Both servers make two admin calls (each reads the fixed clock once): the eager one
        # creates the fault twice, the other creates it and clears it.
        admin = server.url + "/__admin/faults"
        created = requests.post(admin, json=NEVER, auth=(USER, TOKEN), timeout=10)
        again = requests.request(
            "POST" if eager else "DELETE",
            admin,
            json=NEVER if eager else None,
            auth=(USER, TOKEN),
            timeout=10,
        )
        assert created.status_code == 201 and again.status_code < 300, again.text
        for step in SEQUENCE:
            response = _send(server.url, step, ids)
            if step[:2] in (("POST", "/Users"), ("POST", "/Groups")) and response.status_code == 201:
                ids.setdefault(step[1][1:-1].lower(), response.json()["id"])
    finally:
        server.stop()
    entries = app.extensions["mockscim"].journal.entries()
    for entry in entries:
        entry.pop("duration_ms")
        entry["request"]["headers"].pop("host")
    return entries


@pytest.fixture(scope="module")
def journals() -> dict[bool, list[dict[str, Any]]]:
    return {eager: _journal(eager) for eager in (True, False)}


@pytest.mark.parametrize("index", range(len(SEQUENCE)), ids=[f"{m} {p}" for m, p, *_ in SEQUENCE])
def test_an_entry_built_later_is_the_entry_built_before_the_view(journals, index):
    assert len(journals[False]) == len(journals[True]) == len(SEQUENCE)
    assert journals[False][index] == journals[True][index]


@pytest.mark.parametrize(
    ("index", "operation", "dialect"),
    [
        (0, "user-lookup", None),
        (4, "deactivate-user", "aiw"),  # the stored user was active: the capture kept that
        (5, "reactivate-user", "oin"),
        (12, "rename-group", "aiw"),
    ],
)
def test_an_entry_built_later_names_the_operation_from_the_store_as_it_was(
    journals, index, operation, dialect
):
    entry = journals[False][index]
    assert (entry["operation"], entry["dialect"]) == (operation, dialect)


def test_an_entry_built_later_keeps_no_password_the_request_carried(journals):
    text = json.dumps(journals[False])
    for secret in ("Secret-Pa55", "Query-Pa55", "Text-Pa55", TOKEN):
        assert secret not in text


@pytest.mark.parametrize(
    ("index", "where", "expected"),
    [
        (1, ("headers", "x-note"), "café"),  # requests sends it as Latin-1, WSGI reads it so
        (2, ("headers", "x-request-id"), 'a\\b"c'),
        (0, ("query", "filter"), 'userName eq "ann@example.com"'),
        (0, ("query", "count"), "100"),
        (3, ("query", "filter"), 'password eq "***"'),  # the first of a repeated parameter, masked
        (7, ("body",), '{"userName": '),
        (8, ("body",), "password=***"),
        (9, ("body",), {"_truncated": True, "size": None}),
        (14, ("body",), None),
    ],
)
def test_an_entry_built_later_records_what_was_sent(journals, index, where, expected):
    value = journals[False][index]["request"]
    for key in where:
        value = value[key]
    if isinstance(expected, dict):  # the size is the body's length, whatever json.dumps made it
        assert value["_truncated"] is True and value["size"] > BODY_LIMIT
    else:
        assert value == expected


def test_an_entry_built_later_finds_the_member_that_points_nowhere(journals):
    findings = journals[False][11]["findings"]
    assert [f["rule"] for f in findings if f["pointer"].startswith("/body/Operations/0/value/0")] == [
        "state/unknown-member"
    ]


@pytest.fixture
def served() -> Any:
    settings = Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"))
    app = create_app(settings, clock=FixedClock(), ids=IdGenerator(seed=7))
    server = start_background(app)
    yield app, server
    server.stop()


@pytest.mark.parametrize("squeezed", [False, True], ids=["as-sent", "squeezed"])
@pytest.mark.parametrize("size", [0, 20_000])
def test_the_request_path_leaves_the_entry_to_its_completer_and_counts_what_it_holds(served, size, squeezed):
    app, server = served
    journal, seen = app.extensions["mockscim"].journal, []
    journal.subscribe(lambda entry: seen.append((dict(entry), journal.bytes)))
    body = okta_user("held@example.com", title="t" * size)
    response = requests.post(server.url + "/scim/v2/Users", json=body, auth=(USER, TOKEN), timeout=10)
    assert response.status_code == 201, response.text
    ((left, held),) = seen
    assert set(left) == {"id"}  # nothing formatted, masked, classified or validated yet
    assert held >= size  # the request's bytes wait with the completer, and are counted
    if squeezed:  # the packer compresses what the completer holds before the entry completes
        journal.pack_all()
    complete = journal.get(left["id"])
    assert list(complete)[:3] == ["id", "at", "duration_ms"]  # in the order entries always had
    assert complete["at"] == "2026-01-01T00:00:00.000Z" and complete["duration_ms"] >= 0
    assert complete["operation"] == "create-user"
    assert complete["request"]["body"]["title"] == "t" * size
    assert complete["request"]["body"]["password"] == "***"
    assert complete["response"]["body"]["id"] == response.json()["id"]  # the response's own bytes
