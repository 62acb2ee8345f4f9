"""Running scenarios over real HTTP: what goes on the wire, saves, loops, auth, transport errors."""

from __future__ import annotations

import json
import random

import pytest
import yaml

from mockscim.runner import Credentials
from mockscim.runner import Target
from mockscim.runner import TargetUnreachable
from mockscim.runner import run_scenario


def _sent(fake_server, make_step, request, target):
    fake_server.reply(200, {})
    result = run_scenario(make_step({"status": 200}, request), target)
    assert result.passed, result.steps[0].failures
    return fake_server.received[-1]


@pytest.mark.parametrize(
    ("request_spec", "target_path"),
    [
        (
            {"method": "GET", "path": "/Users", "query": {"startIndex": 1, "count": 2}},
            "/scim/v2/Users?startIndex=1&count=2",
        ),
        (
            {
                "method": "GET",
                "path": "/Users",
                "query": {
                    "filter": 'userName eq "tina.erickson@mailinator.com"',
                    "startIndex": 1,
                    "count": 100,
                },
            },
            "/scim/v2/Users?filter=userName%20eq%20%22tina.erickson%40mailinator.com%22&startIndex=1&count=100",
        ),
        (
            {"method": "GET", "path": "/Users?count=2", "query": {"startIndex": 1}},
            "/scim/v2/Users?count=2&startIndex=1",
        ),
        (
            {"method": "GET", "path": '/Users?filter=userName eq "a"'},
            "/scim/v2/Users?filter=userName%20eq%20%22a%22",
        ),
        (
            {
                "method": "GET",
                "path": "/Groups",
                "query": {"attributes": ["id", "displayName"], "skip": None},
            },
            "/scim/v2/Groups?attributes=id&attributes=displayName",
        ),
        ({"method": "GET", "path": "/Users/${okta_user_id}"}, None),
    ],
    ids=[
        "paging",
        "okta-filter-encoding",
        "literal-query-in-path",
        "literal-spaces",
        "repeated-and-null",
        "substituted",
    ],
)
def test_request_target_is_appended_to_the_base_path(
    fake_server, fake_target, make_step, request_spec, target_path
):
    received = _sent(fake_server, make_step, request_spec, fake_target)
    if target_path is None:
        assert received.target.startswith("/scim/v2/Users/00u")
    else:
        assert received.target == target_path


def test_get_sends_okta_headers_and_no_content_type(fake_server, fake_target, make_step):
    received = _sent(fake_server, make_step, {"method": "GET", "path": "/Users"}, fake_target)
    assert received.headers["User-Agent"] == "Okta SCIM Client 1.0.0"
    assert received.headers["Accept"] == "application/scim+json"
    assert received.headers["Accept-Charset"] == "utf-8"
    assert received.headers["Authorization"] == "Bearer fake-token"
    assert "Content-Type" not in received.headers


def test_json_body_is_compact_utf8_with_okta_content_type(fake_server, fake_target, make_scenario):
    body = {"userName": "zoë@example.com", "active": True, "n": "${n}"}
    request = {"method": "POST", "path": "/Users", "json": body}
    fake_server.reply(200, {})
    text = yaml.safe_dump(
        {
            "name": "x",
            "vars": {"n": 2},
            "steps": [{"name": "s", "request": request, "expect": {"status": 200}}],
        },
        sort_keys=False,
    )
    assert run_scenario(make_scenario(text), fake_target).passed
    received = fake_server.received[-1]
    assert received.headers["Content-Type"] == "application/scim+json; charset=utf-8"
    assert received.body == '{"userName":"zoë@example.com","active":true,"n":2}'.encode()


@pytest.mark.parametrize(
    ("request_spec", "header", "value"),
    [
        ({"method": "GET", "path": "/Users", "auth": "none"}, "Authorization", None),
        (
            {"method": "GET", "path": "/Users", "headers": {"Authorization": "non-token"}},
            "Authorization",
            "non-token",
        ),
        ({"method": "GET", "path": "/Users", "headers": {"accept": None}}, "Accept", None),
        ({"method": "GET", "path": "/Users", "headers": {"user-agent": "Other"}}, "User-Agent", "Other"),
        (
            {"method": "POST", "path": "/Users", "body": "{", "headers": {"Content-Type": "text/plain"}},
            "Content-Type",
            "text/plain",
        ),
    ],
    ids=[
        "auth-none",
        "wrong-authorization",
        "remove-default",
        "override-case-insensitively",
        "override-content-type",
    ],
)
def test_step_overrides_or_removes_default_headers(
    fake_server, fake_target, make_step, request_spec, header, value
):
    received = _sent(fake_server, make_step, request_spec, fake_target)
    assert received.headers.get(header) == value


def test_custom_header_credentials(fake_server, make_step):
    target = Target(fake_server.url + "/scim/v2", Credentials.parse("header:X-Api-Key: k1"))
    received = _sent(fake_server, make_step, {"method": "GET", "path": "/Users"}, target)
    assert received.headers["X-Api-Key"] == "k1"
    assert "Authorization" not in received.headers


def test_raw_body_is_sent_as_is(make_step, mock_target):
    request = {"method": "POST", "path": "/Users", "body": '{"userName": '}
    expect = {"status": 400, "json": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"]}}
    result = run_scenario(make_step(expect, request), mock_target)
    assert result.passed, result.steps[0].failures


def test_missing_credentials_get_401_from_mockscim(make_step, mock_target):
    request = {"method": "GET", "path": "/Users", "auth": "none"}
    expect = {"status": 401, "headers": {"WWW-Authenticate": {"startswith": "Basic"}}}
    assert run_scenario(make_step(expect, request), mock_target).passed


CREATE_AND_READ = """
name: saves flow into later steps
steps:
  - name: create
    request:
      method: POST
      path: /Users
      json: {schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: "${email}", active: true}
    expect: {status: 201}
    save:
      user_id: /id
      etag: {header: ETag}
      active: {pointer: /active}
      whole: ""
  - name: read
    request: {method: GET, path: "/Users/${user_id}"}
    expect:
      status: 200
      json: {id: "${user_id}", active: "${active}", userName: "${whole.userName}"}
      checks:
        - {pointer: /meta/version, equals: "${etag}"}
        - {pointer: /active, type: boolean}
"""


def test_saved_values_keep_their_type_and_reach_later_steps(make_scenario, mock_target):
    result = run_scenario(make_scenario(CREATE_AND_READ), mock_target)
    assert result.passed, result.failed_step


@pytest.mark.parametrize(
    ("save", "message"),
    [
        ({"user_id": "/nope"}, "save: user_id: /nope is not in the response body"),
        ({"tag": {"header": "ETag"}}, "save: tag: the response has no ETag header"),
    ],
    ids=["pointer", "header"],
)
def test_a_value_that_cannot_be_saved_fails_the_step(make_step, fake_server, fake_target, save, message):
    fake_server.reply(200, {"id": "x"})
    result = run_scenario(make_step({"status": 200}, save=save), fake_target)
    assert [str(f) for f in result.steps[0].failures] == [message]


def test_repeat_sends_the_step_n_times_with_index(make_step, fake_server, fake_target):
    fake_server.reply(201, {"id": "x"})
    request = {"method": "POST", "path": "/Users", "json": {"userName": "user-${index}"}}
    result = run_scenario(make_step({"status": 201}, request, repeat=3), fake_target)
    assert result.passed
    assert [json.loads(r.body)["userName"] for r in fake_server.received] == ["user-1", "user-2", "user-3"]
    assert (result.steps[0].iterations, result.steps[0].total_iterations) == (3, 3)


def test_foreach_binds_item_and_index(make_step, fake_server, fake_target):
    fake_server.reply(200, {})
    request = {"method": "GET", "path": "/Groups/${item.id}", "query": {"n": "${index}", "u": "${unique}"}}
    result = run_scenario(
        make_step({"status": 200}, request, foreach=[{"id": "g1"}, {"id": "g2"}]), fake_target
    )
    assert result.passed
    assert [r.target.split("&u=")[0] for r in fake_server.received] == [
        "/scim/v2/Groups/g1?n=1",
        "/scim/v2/Groups/g2?n=2",
    ]


def test_loop_stops_at_the_first_failing_iteration(make_step, fake_server, fake_target):
    fake_server.reply(500, {"detail": "boom"})
    result = run_scenario(
        make_step({"status": 201}, {"method": "POST", "path": "/Users", "json": {}}, repeat=5), fake_target
    )
    step = result.steps[0]
    assert (step.status, step.iterations, step.total_iterations) == ("failed", 1, 5)
    assert len(fake_server.received) == 1


IMPORT_PAGING = """
name: import pages past 100 users
steps:
  - name: create 150 users
    repeat: 150
    request:
      method: POST
      path: /Users
      json:
        schemas: [urn:ietf:params:scim:schemas:core:2.0:User]
        userName: "user${index}.${unique}@example.com"
    expect: {status: 201}
  - name: first page
    request: {method: GET, path: /Users, query: {startIndex: 1, count: 100}}
    expect:
      status: 200
      json: {totalResults: 150, itemsPerPage: 100, startIndex: 1}
      checks: [{pointer: /Resources, length: 100}]
  - name: second page
    request: {method: GET, path: /Users, query: {startIndex: 101, count: 100}}
    expect:
      status: 200
      json: {totalResults: 150, itemsPerPage: 50, startIndex: 101}
"""


def test_repeat_builds_enough_data_to_page_an_import(make_scenario, mock_target):
    result = run_scenario(make_scenario(IMPORT_PAGING), mock_target)
    assert result.passed, result.failed_step


def test_builtins_have_one_value_per_scenario(make_scenario, fake_server, fake_target):
    fake_server.reply(200, {})
    text = """
    name: same id twice
    steps:
      - {name: a, request: {method: GET, path: "/Users/${okta_user_id}"}, expect: {status: 200}}
      - {name: b, request: {method: GET, path: "/Users/${okta_user_id}"}, expect: {status: 200}}
    """
    run_scenario(make_scenario(text), fake_target, rng=random.Random(5))
    first, second = (r.target for r in fake_server.received)
    assert first == second


def test_unreachable_target_raises(make_step, closed_port):
    target = Target(f"http://127.0.0.1:{closed_port}/scim/v2")
    with pytest.raises(TargetUnreachable) as caught:
        run_scenario(make_step({"status": 200}), target)
    assert f"http://127.0.0.1:{closed_port}/scim/v2/Users" in str(caught.value)
    assert "--base-url" in str(caught.value)


def test_read_timeout_is_a_step_failure(make_step, fake_server):
    fake_server.reply(200, {}, delay=0.3)
    target = Target(fake_server.url + "/scim/v2", timeout=0.05)
    result = run_scenario(make_step({"status": 200}), target)
    [failure] = result.steps[0].failures
    assert failure.kind == "transport"
    assert "ReadTimeout" in failure.message


def test_redirects_are_not_followed(make_step, fake_server, fake_target):
    fake_server.reply(302, body="", headers={"Location": "https://login.example.com/"})
    expect = {"status": 302, "headers": {"Location": {"startswith": "https://login."}}}
    assert run_scenario(make_step(expect), fake_target).passed
    assert len(fake_server.received) == 1
