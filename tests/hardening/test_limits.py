"""Limits: each is a setting, and each is answered with a SCIM error (or clamped, as the RFC says)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mockscim.constants import ERROR_SCHEMA
from mockscim.constants import PATCH_OP
from mockscim.constants import SEARCH_REQUEST
from mockscim.constants import USER_SCHEMA

SCIM = "/scim/v2"


def user(name: str, **extra: Any) -> dict[str, Any]:
    """A small valid user body."""
    return {"schemas": [USER_SCHEMA], "userName": name, **extra}


def assert_scim_error(response: Any, status: int, scim_type: str | None = None) -> None:
    """The response is a SCIM Error (RFC 7644 §3.12) with this status (and scimType)."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA] and body["status"] == str(status) and body["detail"]
    if scim_type is not None:
        assert body.get("scimType") == scim_type


@pytest.fixture
def small(launch, connect):
    """A server with every limit set small, a client for it, and one user to aim at."""
    server = launch(
        max_body_bytes=2048,
        max_count=5,
        filter_max_length=60,
        filter_max_depth=3,
        max_members=3,
        journal_size=20,
        journal_body_limit=1024,
    )
    client = connect()
    uid = client.post(server.url + SCIM + "/Users", json=user("limit@example.com")).json()["id"]
    return server, client, uid


BIG = "x" * 4096


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/Users"),
        ("PUT", "/Users/{uid}"),
        ("PATCH", "/Users/{uid}"),
        ("POST", "/Users/.search"),
        ("POST", "/.search"),
        ("POST", "/Groups"),
    ],
)
def test_a_body_over_max_body_bytes_is_a_413_scim_error(small, method, path):
    server, client, uid = small
    url = server.url + SCIM + path.format(uid=uid)
    response = client.request(method, url, json=user("big@example.com", displayName=BIG))
    assert_scim_error(response, 413)
    assert "2048" in response.json()["detail"]


@pytest.mark.parametrize(("size", "status"), [(2048, 201), (2049, 413), (100_000, 413)])
def test_a_chunked_body_is_held_to_the_limit_too(small, size, status):
    # No Content-Length: werkzeug stops reading at the limit; the rest must make it a 413, not
    # a 400 for the JSON cut short (server/bodies.py).
    server, client, _ = small
    body = user(f"chunked{size}@example.com", displayName="")
    body["displayName"] = "c" * (size - len(json.dumps(body)))

    def chunks() -> Iterator[bytes]:
        data = json.dumps(body).encode()
        yield from (data[i : i + 1000] for i in range(0, len(data), 1000))

    response = client.post(
        server.url + SCIM + "/Users", data=chunks(), headers={"Content-Type": "application/scim+json"}
    )
    if status == 413:
        assert_scim_error(response, 413)
    else:
        assert response.status_code == status, response.text


def test_a_body_at_the_limit_is_accepted(small):
    server, client, _ = small
    body = user("edge@example.com", displayName="")
    body["displayName"] = "d" * (2048 - len(json.dumps(body)))
    data = json.dumps(body)
    assert len(data) == 2048
    response = client.post(
        server.url + SCIM + "/Users", data=data, headers={"Content-Type": "application/scim+json"}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('userName eq "' + "a" * 60 + '"', "limit is 60"),
        ('((((userName eq "a"))))', "deeper than the limit of 3"),
        ('not (not (not (not (userName eq "a"))))', "deeper than the limit of 3"),
        ('emails[not (not (not (value eq "a")))]', "deeper than the limit of 3"),
    ],
)
@pytest.mark.parametrize("where", ["query", "search"])
def test_filters_over_the_length_or_depth_limit_are_400_invalid_filter(small, text, why, where):
    server, client, _ = small
    if where == "query":
        response = client.get(server.url + SCIM + "/Users", params={"filter": text})
    else:
        response = client.post(
            server.url + SCIM + "/Users/.search", json={"schemas": [SEARCH_REQUEST], "filter": text}
        )
    assert_scim_error(response, 400, "invalidFilter")
    assert why in response.json()["detail"]


@pytest.mark.parametrize("terms", [256, 257, 2000])
def test_long_and_or_chains_are_refused_before_they_exhaust_the_stack(launch, connect, terms):
    # "a or b or ..." nests one level per term in the AST; printing, compiling and evaluating
    # recurse on it, so the parser caps the terms whatever --filter-max-length allows.
    server = launch(filter_max_length=100_000)
    response = connect().get(server.url + SCIM + "/Users", params={"filter": " or ".join(["id pr"] * terms)})
    if terms <= 256:
        assert response.status_code == 200, response.text
    else:
        assert_scim_error(response, 400, "invalidFilter")
        assert "more than 256" in response.json()["detail"]


def test_a_patch_path_filter_is_bounded_like_a_query_filter(small):
    # A PATCH body may be large; its value filter must not reach the recursive evaluator unbounded.
    server, client, uid = small
    path = "emails[" + " or ".join(['value eq "q"'] * 1000) + "]"
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": path}]}
    response = client.patch(server.url + SCIM + f"/Users/{uid}", json=body, headers={})
    assert response.status_code in (400, 413), response.text
    response = client.patch(
        server.url + SCIM + f"/Users/{uid}",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 413)


def test_patch_path_filter_limit_at_the_default_body_size(launch, connect):
    server = launch()
    client = connect()
    uid = client.post(
        server.url + SCIM + "/Users", json=user("p@example.com", emails=[{"value": "p"}])
    ).json()["id"]
    path = "emails[" + " or ".join(['value eq "q"'] * 1000) + "]"
    response = client.patch(
        server.url + SCIM + f"/Users/{uid}",
        json={"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": path}]},
    )
    assert_scim_error(response, 400, "invalidPath")


@pytest.mark.parametrize("where", ["query", "search"])
@pytest.mark.parametrize("count", [6, 1000, 10**30])
def test_count_above_the_maximum_is_clamped(small, where, count):
    # RFC 7644 §3.4.2.4: a count above the server's maximum is answered with the maximum.
    server, client, _ = small
    for i in range(6):
        client.post(server.url + SCIM + "/Users", json=user(f"page{i}@example.com"))
    if where == "query":
        response = client.get(server.url + SCIM + "/Users", params={"count": count})
    else:
        response = client.post(
            server.url + SCIM + "/Users/.search", json={"schemas": [SEARCH_REQUEST], "count": count}
        )
    body = response.json()
    assert response.status_code == 200, response.text
    assert body["totalResults"] == 7 and body["itemsPerPage"] == 5 and len(body["Resources"]) == 5


def test_the_maximum_count_is_advertised(small):
    server, client, _ = small
    config = client.get(server.url + SCIM + "/ServiceProviderConfig").json()
    assert config["filter"]["maxResults"] == 5


@pytest.mark.parametrize("start", [0, -5, 10**6, 10**30])
def test_any_start_index_is_a_page_never_an_error(small, start):
    server, client, _ = small
    response = client.get(server.url + SCIM + "/Users", params={"startIndex": start, "count": 2})
    assert response.status_code == 200, response.text
    assert response.json()["startIndex"] == max(start, 1)


def _members(client: Any, server: Any, count: int) -> list[dict[str, str]]:
    """Create ``count`` users and return them as group members."""
    out = []
    for i in range(count):
        created = client.post(server.url + SCIM + "/Users", json=user(f"member{i}@example.com")).json()
        out.append({"value": created["id"]})
    return out


def test_members_per_group_is_limited_on_create_put_and_patch(small):
    server, client, _ = small
    members = _members(client, server, 4)
    groups = server.url + SCIM + "/Groups"
    response = client.post(groups, json={"displayName": "too many", "members": members})
    assert_scim_error(response, 400, "invalidValue")
    assert "at most 3" in response.json()["detail"]
    group = client.post(groups, json={"displayName": "full", "members": members[:3]}).json()
    response = client.put(f"{groups}/{group['id']}", json={"displayName": "full", "members": members})
    assert_scim_error(response, 400, "invalidValue")
    add = {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": members[3:]}]}
    assert_scim_error(client.patch(f"{groups}/{group['id']}", json=add), 400, "invalidValue")
    after = client.get(f"{groups}/{group['id']}").json()
    assert [m["value"] for m in after["members"]] == [m["value"] for m in members[:3]]
    assert after["meta"]["version"] == group["meta"]["version"]


def _stored_body_bytes(entries: list[dict[str, Any]]) -> int:
    """A measure of journal memory: the JSON size of every recorded request and response body."""
    return sum(
        len(json.dumps(e["request"]["body"])) + len(json.dumps(e["response"]["body"])) for e in entries
    )


def test_journal_memory_is_bounded_by_entries_and_body_bytes(launch, connect, figures):
    server = launch(journal_size=20, journal_body_limit=1024, max_body_bytes=1024 * 1024)
    client = connect()
    sent = 0
    for i in range(60):
        body = user(f"journal{i}@example.com", displayName="j" * 50_000)
        response = client.post(server.url + SCIM + "/Users", json=body)
        assert response.status_code == 201
        sent += len(json.dumps(body)) + len(response.content)
    journal = server.server.app.extensions["mockscim"].journal
    entries = journal.entries()
    stored = _stored_body_bytes(entries)
    figures["journal body bytes stored (of sent)"] = f"{stored} of {sent}"
    assert len(entries) == 20 and journal.dropped == 40
    # Both bodies of every entry are notes, never the 50 kB documents (server/journaling._entry).
    assert all(
        e["request"]["body"] == {"_truncated": True, "size": e["request"]["body"]["size"]} for e in entries
    )
    assert all(e["response"]["body"]["_truncated"] is True for e in entries)
    assert stored <= 20 * 2 * (1024 + 64)


def test_a_refused_oversized_body_is_journaled_as_a_size_note(small):
    server, client, _ = small
    client.post(server.url + SCIM + "/Users", json=user("huge@example.com", displayName="h" * 100_000))
    entry = server.server.app.extensions["mockscim"].journal.entries()[-1]
    assert entry["response"]["status"] == 413
    assert entry["request"]["body"]["_truncated"] is True and entry["request"]["body"]["size"] > 100_000


def test_the_rate_limit_is_a_429_scim_error_with_retry_after(launch, connect):
    server = launch(rate_limit=1.0)
    client = connect()
    statuses = [client.get(server.url + SCIM + "/Users").status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
    response = client.get(server.url + SCIM + "/Users")
    assert_scim_error(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


def test_a_request_line_over_the_server_limit_gets_an_answer(launch, connect):
    # The request line is capped by http.server (65536 bytes): the client must get a 414, not a
    # dropped connection (the access log used to fail on the missing path; serving.py).
    server = launch()
    response = connect().get(server.url + SCIM + "/Users", params={"filter": "a" * 70_000})
    assert response.status_code == 414
    assert "Werkzeug" not in response.headers.get("Server", "") and "Python" not in response.text
