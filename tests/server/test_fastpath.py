"""The fast path (``server/fastpath.py``) answers exactly as Flask's own machinery does.

Two real servers, one app with the fast path and one without, get the same sequence of requests
(successes, every kind of refusal, conditional requests, passwords); every answer and every
journal entry must be the same, and Flask must not have dispatched the fast app's requests.
"""

from __future__ import annotations

import gc
import json
import random
from typing import Any

import pytest
import requests
from flask import request_started
from support import fill
from support import okta_user
from werkzeug.datastructures import EnvironHeaders
from werkzeug.urls import iri_to_uri

from mockscim.clock import FixedClock
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.ids import IdGenerator
from mockscim.server import create_app
from mockscim.server.fastpath import FastPath
from mockscim.server.fastpath import FastRequest
from mockscim.server.fastpath import location_kept
from mockscim.server.serving import start_background

USER, TOKEN = "okta", "fast-path-token"
PUBLIC = "http://mock.test/scim/v2"  # both servers name the same URLs in meta.location and Location
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MAX_BODY = 4096


def _settings() -> Settings:
    return Settings(
        port=0,
        auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"),
        public_url=PUBLIC,
        max_body_bytes=MAX_BODY,
        tenant_mode="dynamic",
    )


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_URN], "Operations": list(operations)}


# (method, path, body or raw bytes, extra headers, credentials); {user} and {group} are the ids
# the earlier requests created.
SEQUENCE: list[tuple[str, str, Any, dict[str, str], tuple[str, str] | None]] = [
    ("GET", '/Users?filter=userName eq "ann@example.com"', None, {}, (USER, TOKEN)),
    ("POST", "/Users", okta_user("ann@example.com", password="Secret-Pa55"), {}, (USER, TOKEN)),
    ("POST", "/Users", okta_user("ann@example.com"), {}, (USER, TOKEN)),
    ("GET", "/Users/{user}", None, {}, (USER, TOKEN)),
    ("GET", "/Users/{user}", None, {"If-None-Match": 'W/"1"'}, (USER, TOKEN)),
    ("GET", "/Users/{user}?attributes=userName", None, {}, (USER, TOKEN)),
    ("PUT", "/Users/{user}", okta_user("ann@example.com", active=False), {}, (USER, TOKEN)),
    ("PUT", "/Users/{user}", okta_user("ann@example.com"), {"If-Match": 'W/"99"'}, (USER, TOKEN)),
    ("PATCH", "/Users/{user}", _patch({"op": "replace", "value": {"active": True}}), {}, (USER, TOKEN)),
    ("PATCH", "/Users/{user}", _patch({"op": "replace", "path": "nope[", "value": 1}), {}, (USER, TOKEN)),
    ("POST", "/Users", b'{"userName": ', {}, (USER, TOKEN)),
    ("POST", "/Users", b"userName=x", {"Content-Type": "text/plain"}, (USER, TOKEN)),
    ("POST", "/Users", b'{"a": "' + b"x" * MAX_BODY + b'"}', {}, (USER, TOKEN)),
    ("GET", "/Users/no-such-id", None, {}, (USER, TOKEN)),
    ("GET", "/Users?filter=userName zz 1", None, {}, (USER, TOKEN)),
    ("GET", "/Users?startIndex=1&count=2", None, {}, (USER, TOKEN)),
    ("POST", "/Groups", {"schemas": [GROUP_URN], "displayName": "Team"}, {}, (USER, TOKEN)),
    (
        "PATCH",
        "/Groups/{group}",
        _patch({"op": "add", "path": "members", "value": [{"value": "{user}"}]}),
        {},
        (USER, TOKEN),
    ),
    ("GET", "/Groups/{group}", None, {}, (USER, TOKEN)),
    (
        "POST",
        "/__admin/faults",
        {"match": {"method": "GET"}, "action": {"malformed": True}, "times": 1},
        {},
        (USER, TOKEN),
    ),
    ("GET", "/Users/{user}", None, {}, (USER, TOKEN)),
    (
        "POST",
        "/__admin/faults",
        {"match": {"method": "PATCH"}, "action": {"status": 503}, "times": 1},
        {},
        (USER, TOKEN),
    ),
    ("PATCH", "/Users/{user}", _patch({"op": "replace", "value": {"active": False}}), {}, (USER, TOKEN)),
    ("GET", "/Users/{user}", None, {}, None),
    ("GET", "/Users/{user}", None, {}, (USER, "wrong")),
    ("GET", "/t/acme/scim/v2/Users", None, {}, (USER, TOKEN)),
    ("GET", "/t/acme/scim/v2/Users/{user}", None, {}, (USER, TOKEN)),
    ("GET", "/t/other/scim/v2/Users", None, {}, None),
    ("DELETE", "/Groups/{group}", None, {}, (USER, TOKEN)),
    ("DELETE", "/Users/{user}", None, {"If-Match": 'W/"7"'}, (USER, TOKEN)),
    ("DELETE", "/Users/{user}", None, {}, (USER, TOKEN)),
    ("GET", "/Users/{user}", None, {}, (USER, TOKEN)),
]


ADMIN_STEPS = sum(path.startswith("/__admin") for _, path, *_ in SEQUENCE)
TENANT_STEPS = sum(path.startswith("/t/") for _, path, *_ in SEQUENCE)  # journaled by their tenant


def _send(base: str, step: tuple[Any, ...], ids: dict[str, str]) -> requests.Response:
    method, path, body, headers, credentials = step
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(fill(body, ids)).encode()
    sent = {"Content-Type": "application/scim+json", **headers} if data is not None else headers
    url = base + ("" if path.startswith(("/__admin", "/t/")) else "/scim/v2") + fill(path, ids)
    return requests.request(method, url, data=data, headers=sent, auth=credentials, timeout=10)


def _answer(response: requests.Response) -> dict[str, Any]:
    """What a client sees, minus the date waitress stamps on it."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "date"}
    return {"status": response.status_code, "headers": headers, "body": response.content}


def _run(fast: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Send SEQUENCE to a fresh server; its answers, its journal (minus timings) and how many
    requests Flask itself dispatched."""
    app = create_app(_settings(), clock=FixedClock(), ids=IdGenerator(seed=7), fast_path=fast)
    dispatched: list[object] = []
    request_started.connect(lambda sender, **_: dispatched.append(sender), app, weak=False)
    server, ids, answers = start_background(app), {}, []
    try:
        for step in SEQUENCE:
            response = _send(server.url, step, ids)
            answers.append(_answer(response))
            if step[:2] == ("POST", "/Users") and response.status_code == 201:
                ids["user"] = response.json()["id"]
            if step[:2] == ("POST", "/Groups") and response.status_code == 201:
                ids["group"] = response.json()["id"]
    finally:
        server.stop()
    entries = app.extensions["mockscim"].journal.entries()
    for entry in entries:  # the servers' ports differ, and so do the timings
        entry.pop("duration_ms")
        entry["request"]["headers"].pop("host")
    return answers, entries, len(dispatched)


@pytest.fixture(scope="module")
def runs() -> dict[bool, tuple[list[dict[str, Any]], list[dict[str, Any]], int]]:
    return {fast: _run(fast) for fast in (True, False)}


@pytest.mark.parametrize("index", range(len(SEQUENCE)), ids=[f"{m} {p}" for m, p, *_ in SEQUENCE])
def test_the_fast_path_answers_as_flask_does(runs, index):
    assert runs[True][0][index] == runs[False][0][index]


def test_the_sequence_covers_successes_and_refusals(runs):
    statuses = {answer["status"] for answer in runs[False][0]}
    assert {200, 201, 204, 304, 400, 401, 404, 409, 412, 413, 415, 503} <= statuses


def test_the_fast_path_journals_as_flask_does(runs):
    fast, flask = runs[True][1], runs[False][1]
    assert len(fast) == len(SEQUENCE) - ADMIN_STEPS - TENANT_STEPS
    assert fast == flask
    assert "Secret-Pa55" not in json.dumps(fast)


def test_flask_dispatches_none_of_the_fast_paths_requests(runs):
    assert runs[True][2] == ADMIN_STEPS  # the admin API is served by Flask
    assert runs[False][2] == len(SEQUENCE)


ROUTES = {
    "list": ("GET", "/scim/v2/Users", ("scim.list_User", {"rtype": "User"})),
    "create group": ("POST", "/scim/v2/Groups", ("scim.create_Group", {"rtype": "Group"})),
    "get": ("GET", "/scim/v2/Users/abc", ("scim.get_User", {"rtype": "User", "rid": "abc"})),
    "delete group": ("DELETE", "/scim/v2/Groups/g1", ("scim.delete_Group", {"rtype": "Group", "rid": "g1"})),
    "trailing slash": ("GET", "/scim/v2/Users/", None),
    ".search": ("POST", "/scim/v2/Users/.search", None),
    "GET .search": ("GET", "/scim/v2/Users/.search", None),
    "HEAD": ("HEAD", "/scim/v2/Users/abc", None),
    "PUT without id": ("PUT", "/scim/v2/Users", None),
    "POST with id": ("POST", "/scim/v2/Users/abc", None),
    "two segments": ("GET", "/scim/v2/Users/a/b", None),
    "not ASCII": ("GET", "/scim/v2/Users/\u00e9", None),
    "other prefix": ("GET", "/scim/v2/Usersx", None),
    "no base path": ("GET", "/Users/abc", None),
    "discovery": ("GET", "/scim/v2/ServiceProviderConfig", None),
}


@pytest.mark.parametrize("case", ROUTES.values(), ids=ROUTES)
def test_the_fast_path_claims_only_the_resource_routes(case):
    method, path, expected = case
    fast = FastPath(lambda *_: [], create_app(_settings(), fast_path=False), "/scim/v2")
    assert fast.match({"REQUEST_METHOD": method, "PATH_INFO": path}) == expected


def _before(app, ran):
    app.before_request_funcs.setdefault("scim", []).append(lambda: ran.append("hook"))


def _after(app, ran):
    app.after_request_funcs.setdefault("scim", []).append(lambda response: ran.append("hook") or response)


def _app_teardown(app, ran):
    app.teardown_appcontext_funcs.append(lambda error: ran.append("hook"))


HOOKS = {
    "a SCIM blueprint before hook": _before,
    "a SCIM blueprint after hook": _after,
    "an app-context teardown": _app_teardown,
}


@pytest.mark.parametrize("add", HOOKS.values(), ids=HOOKS)
def test_a_hook_the_fast_path_would_skip_sends_requests_to_flask(add):
    app = create_app(_settings())
    ran: list[str] = []
    add(app, ran)
    response = app.test_client().get("/scim/v2/Users", auth=(USER, TOKEN))
    assert response.status_code == 200
    assert ran == ["hook"]


def _failing_after(response):
    if response.status_code == 200:
        raise RuntimeError("an after-request function failed")
    return response


@pytest.mark.parametrize("path", ["/scim/v2/Users", "/scim/v2/Users/no-such-id"])
def test_a_failing_after_request_function_is_answered_as_flask_answers_it(path):
    answers = []
    for fast in (True, False):
        app = create_app(_settings(), fast_path=fast)
        app.after_request(_failing_after)
        response = app.test_client().get(path, auth=(USER, TOKEN))
        answers.append((response.status_code, response.get_data()))
    assert answers[0] == answers[1]


def test_a_request_leaves_no_garbage_only_the_collector_can_free():
    # werkzeug stores the request in its environ (a cycle Flask breaks when its context ends):
    # left in place, every request would wait for the cyclic collector (docs/performance.md).
    app = create_app(_settings(), clock=FixedClock(), ids=IdGenerator(seed=7))
    server, ids = start_background(app), {}
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for step in SEQUENCE[:9]:
            response = _send(server.url, step, ids)
            if step[:2] == ("POST", "/Users") and response.status_code == 201:
                ids["user"] = response.json()["id"]
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if isinstance(o, FastRequest | EnvironHeaders)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        server.stop()
    assert ids and left == []


@pytest.mark.parametrize(
    ("location", "kept"),
    [
        ("http://127.0.0.1:8080/scim/v2/Users/2819c223-7f76-453a-919d-413861904646", True),
        ("https://mock.test/t/acme/scim/v2/Groups/g-1", True),
        ("http://[::1]:8080/scim/v2/Users/u_1.x~y", True),
        ("http://Mock.Test/scim/v2/Users/u", False),  # iri_to_uri lowers the host
        ("http://mock.test:/scim/v2/Users/u", False),  # and drops an empty port
        ("http://xn--bcher-kva.test/Users/u", True),
        ("http://bücher.test/Users/u", False),  # an IDN host becomes punycode
        ("http://mock.test/sc im/Users/u", False),  # a space is quoted
        ("http://mock.test/scim/Users/ü", False),
        ("http://mock.test/scim/Users/a b", False),
        ("http://mock.test/scim/Users/a%20b", False),  # not unreserved: left to werkzeug
        ("http://mock.test/a?q=1/Users/u", True),  # the query: quoted character by character
        ("http://mock.test:x/scim/Users/u", False),  # a port that is no number
        ("/scim/v2/Users/u", False),  # relative: left to werkzeug
        ("http://mock.test", False),
    ],
)
def test_a_location_is_kept_only_where_werkzeug_keeps_it(location, kept):
    assert location_kept(location) is kept
    if kept:
        assert iri_to_uri(location) == location


def test_a_kept_location_is_one_werkzeug_would_not_change():

    pieces = [
        "http://",
        "https://",
        "h",
        "H",
        "/",
        "//",
        ":",
        ":80",
        "?",
        "#",
        "@",
        "%",
        "%2F",
        " ",
        "ü",
        "[",
        "]",
        "a.b",
        "~",
        "-",
        "x",
    ]
    rng, kept = random.Random(17), 0
    for _ in range(20_000):
        location = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        try:
            expected = iri_to_uri(location)
        except ValueError:
            expected = None
        if location_kept(location):
            kept += 1
            assert expected == location, location
    assert kept > 200  # the check above is exercised, not vacuous
