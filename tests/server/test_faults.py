"""Fault injection and rate limiting over real HTTP (docs/okta-reference.md §10.3-§10.4)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from dataclasses import replace

import pytest
import requests

from mockscim.faults import FaultError
from mockscim.faults import FaultSet
from mockscim.faults import RateLimiter
from mockscim.faults import parse_rate

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "f@example.com"}


@pytest.fixture
def faults(server, scim):
    """Add a fault through the admin API; returns the created fault."""
    url = server.url + "/__admin/faults"

    def add(spec: dict) -> dict:
        response = scim.session.post(url, json=spec, timeout=5)
        assert response.status_code == 201, response.text
        return response.json()

    return add


def last_fault_mark(scim) -> dict | None:
    """The fault recorded on the newest journal entry."""
    url = scim.base.replace("/scim/v2", "/__admin/requests?limit=1")
    return scim.session.get(url, timeout=5).json()["requests"][0]["fault"]


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [(7, "7"), ("Wed, 21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026 07:28:00 GMT"), (None, None)],
    ids=["seconds", "http-date", "absent"],
)
def test_429_with_each_retry_after_form(scim, faults, retry_after, header):
    action = {"status": 429} | ({"retry_after": retry_after} if retry_after is not None else {})
    faults({"match": {"method": "POST", "path": "/Users"}, "action": action, "times": 1})
    refused = scim.post("/Users", USER)
    assert refused.status_code == 429
    assert refused.headers.get("Retry-After") == header
    assert refused.json()["status"] == "429" and refused.json()["detail"]
    assert last_fault_mark(scim)["action"] == action
    assert scim.post("/Users", USER).status_code == 201  # times: 1, so Okta's retry succeeds


def test_status_fault_with_scim_error_and_nothing_stored(scim, faults):
    faults(
        {
            "match": {"operation": "create-user"},
            "action": {"status": 503, "detail": "maintenance", "scimType": "tooMany"},
        }
    )
    response = scim.post("/Users", USER)
    assert response.status_code == 503
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "503",
        "scimType": "tooMany",
        "detail": "maintenance",
    }
    assert scim.get("/Users").json()["totalResults"] == 0  # no fault here: it matches create-user only


def test_closed_connection_gets_no_response(server, faults, scim):
    faults({"match": {"path": "/Users/*"}, "action": {"close": True}, "times": 1})
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", "/scim/v2/Users/anything", headers={"Authorization": _basic()})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, socket.timeout)):
        connection.getresponse()
    connection.close()
    assert scim.get("/Users/anything").status_code == 404  # the next request is served normally
    assert last_fault_mark(scim) is None


def _basic() -> str:
    """The test server's Basic credentials as a header value."""
    import base64

    return "Basic " + base64.b64encode(b"okta:s3cr3t-token-for-tests").decode()


def test_malformed_body(scim, faults):
    faults({"match": {"method": "GET", "path": "/Users"}, "action": {"malformed": True}, "times": 1})
    response = scim.get("/Users")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.text)
    assert isinstance(scim.get("/Users").json(), dict)


def test_trickled_body_arrives_slowly_but_whole(scim, faults):
    faults({"match": {"method": "GET"}, "action": {"trickle_bps": 400}, "times": 1})
    started = time.monotonic()
    response = scim.get("/ServiceProviderConfig")
    elapsed = time.monotonic() - started
    size = len(response.content)
    assert response.json()["patch"] == {"supported": True}
    assert elapsed >= 0.8 * size / 400


@pytest.mark.parametrize(
    ("action", "at_least"),
    [({"delay_ms": 300}, 0.3), ({"delay_ms": [200, 250]}, 0.2), ({"timeout_s": 0.2}, 1.2)],
)
def test_delays(scim, faults, action, at_least):
    faults({"match": {"operation": "import-users"}, "action": action, "times": 1})
    started = time.monotonic()
    assert scim.get("/Users?startIndex=1&count=100").status_code == 200
    assert time.monotonic() - started >= at_least


def test_client_timeout_on_delay_past_timeout(scim, faults):
    faults({"match": {"operation": "import-users"}, "action": {"timeout_s": 0.5}, "times": 1})
    with pytest.raises(requests.Timeout):
        scim.session.get(scim.base + "/Users?startIndex=1&count=100", timeout=1)


@pytest.mark.parametrize(
    ("match", "hits"),
    [
        ({"method": "GET"}, [True, True, False, True]),
        ({"path": "/Users/*"}, [False, True, False, False]),
        ({"path": "/Users"}, [True, False, False, False]),
        ({"operation": "get-group"}, [False, False, False, True]),
        ({"tenant": "default"}, [True, True, True, True]),
        ({"tenant": "other"}, [False, False, False, False]),
        ({"method": "POST", "path": "/Groups"}, [False, False, True, False]),
    ],
)
def test_match_kinds(scim, faults, match, hits):
    faults({"match": match, "action": {"status": 418}})
    requests_ = [("GET", "/Users"), ("GET", "/Users/x"), ("POST", "/Groups"), ("GET", "/Groups/x")]
    seen = [scim.request(m, p, json={} if m == "POST" else None).status_code == 418 for m, p in requests_]
    assert seen == hits


def test_probability_is_reproducible_with_a_seed():
    def draw(seed: int) -> list[bool]:
        faultset = FaultSet(seed)
        faultset.add({"action": {"status": 500}, "probability": 0.5})
        return [faultset.pick("GET", "/Users", "import-users", "default") is not None for _ in range(40)]

    assert draw(1) == draw(1)
    assert 5 < sum(draw(1)) < 35


def test_faults_admin_list_and_delete(server, scim, faults):
    first = faults({"action": {"status": 500}, "times": 3})
    faults({"action": {"delay_ms": 1}})
    url = server.url + "/__admin/faults"
    scim.get("/Users")
    listed = scim.session.get(url, timeout=5).json()["faults"]
    assert [(f["id"], f["hits"], f["remaining"]) for f in listed] == [
        (first["id"], 1, 2),
        (first["id"] + 1, 0, None),
    ]
    assert scim.session.delete(f"{url}/{first['id']}", timeout=5).status_code == 200
    assert scim.session.delete(f"{url}/999", timeout=5).status_code == 404
    assert scim.session.delete(url, timeout=5).json() == {"cleared": True}
    assert scim.session.get(url, timeout=5).json() == {"faults": []}


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"action": {}}, "exactly one of"),
        ({"action": {"status": 200}}, "400 to 599"),
        ({"action": {"status": 500, "delay_ms": 5}}, "exactly one of"),
        ({"action": {"delay_ms": [1, 2, 3]}}, "[min, max]"),
        ({"action": {"delay_ms": -1}}, "non-negative"),
        ({"action": {"close": "yes"}}, "takes true"),
        ({"action": {"status": 429, "retry_after": True}}, "retry_after"),
        ({"match": {"verb": "GET"}, "action": {"close": True}}, "match takes"),
        ({"action": {"close": True}, "times": 0}, "positive integer"),
        ({"action": {"close": True}, "probability": 2}, "(0, 1]"),
        ({"action": {"close": True}, "when": "now"}, "a fault is"),
    ],
)
def test_bad_fault_specs_are_refused_with_a_reason(server, scim, spec, fragment):
    response = scim.session.post(server.url + "/__admin/faults", json=spec, timeout=5)
    assert response.status_code == 400 and fragment in response.json()["detail"]
    with pytest.raises(FaultError):
        FaultSet().add(spec)


def test_rate_limit_answers_429_with_integer_retry_after(settings, scim_for, serve):
    running = serve(replace(settings, rate_limit=2.0))
    client = scim_for(running)
    statuses = [client.get("/Users") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 429]
    assert statuses[2].headers["Retry-After"].isdigit() and int(statuses[2].headers["Retry-After"]) >= 1
    time.sleep(1.05)
    assert client.get("/Users").status_code == 200
    entries = client.session.get(running.url + "/__admin/requests", timeout=5).json()["requests"]
    assert sum(1 for e in entries if (e["fault"] or {}).get("rate_limited")) == 2


def test_rate_limits_are_per_tenant(settings, scim_for, serve):
    running = serve(replace(settings, rate_limit=1.0))
    client = scim_for(running)
    urls = [f"{running.url}/t/{name}/scim/v2/Users" for name in ("a", "b", "a", "b")]
    assert [client.session.get(u, timeout=5).status_code for u in urls] == [200, 200, 429, 429]


@pytest.mark.parametrize(("text", "rate"), [("10/s", 10), ("600/m", 10), ("36/h", 0.01)])
def test_parse_rate(text, rate):
    assert parse_rate(text) == pytest.approx(rate)


@pytest.mark.parametrize("text", ["10", "x/s", "0/s", "5/d"])
def test_parse_rate_refuses_bad_specs(text):
    with pytest.raises(FaultError, match="10/s"):
        parse_rate(text)


def test_token_bucket_refills():
    limiter = RateLimiter(rate=4)
    assert [limiter.acquire(0.0) for _ in range(5)] == [None, None, None, None, 1]
    assert limiter.acquire(0.25) is None
