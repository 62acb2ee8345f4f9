"""Every matcher passes on a right answer and fails, with a clear message, on a wrong one.

Responses come from real HTTP servers: a FakeServer answering a canned ListResponse, and the
real mockscim server where it fits.
"""

from __future__ import annotations

import pytest
import yaml

from mockscim.constants import LIST_RESPONSE
from mockscim.runner import run_scenario

LIST = {
    "schemas": [LIST_RESPONSE],
    "totalResults": 150,
    "startIndex": 1,
    "itemsPerPage": 2,
    "Resources": [
        {
            "id": "u1",
            "userName": "tina@example.com",
            "active": True,
            "emails": [{"value": "t@x", "type": "work"}],
        },
        {"id": "u2", "userName": "jane@example.com", "active": False},
    ],
}

# (case id, expect, message fragment of the failure or None when the expectation holds)
CASES = [
    ("status", {"status": 200}, None),
    ("status", {"status": 201}, "status: expected 201, got 200 OK"),
    ("status-list", {"status": [200, 204]}, None),
    ("status-list", {"status": [201, 204]}, "status: expected 201 or 204, got 200 OK"),
    ("header-exact", {"status": 200, "headers": {"content-type": "application/scim+json"}}, None),
    (
        "header-exact",
        {"status": 200, "headers": {"Content-Type": "application/json"}},
        "header: Content-Type: expected equals 'application/json', got 'application/scim+json'",
    ),
    (
        "header-startswith",
        {"status": 200, "headers": {"Content-Type": {"startswith": "application/scim"}}},
        None,
    ),
    (
        "header-startswith",
        {"status": 200, "headers": {"Content-Type": {"startswith": "text/"}}},
        "Content-Type: expected startswith 'text/'",
    ),
    ("header-contains", {"status": 200, "headers": {"Content-Type": {"contains": "scim+json"}}}, None),
    (
        "header-contains",
        {"status": 200, "headers": {"Content-Type": {"contains": "xml"}}},
        "expected contains 'xml'",
    ),
    (
        "header-matches",
        {"status": 200, "headers": {"Content-Type": {"matches": "^application/(scim\\+)?json$"}}},
        None,
    ),
    (
        "header-matches",
        {"status": 200, "headers": {"X-Missing": {"matches": "."}}},
        "X-Missing: expected matches '.', got no such header",
    ),
    ("header-absent", {"status": 200, "headers": {"WWW-Authenticate": {"absent": True}}}, None),
    (
        "header-absent",
        {"status": 200, "headers": {"Content-Type": {"absent": True}}},
        "Content-Type: expected absent",
    ),
    ("header-present", {"status": 200, "headers": {"Content-Type": {"absent": False}}}, None),
    (
        "header-present",
        {"status": 200, "headers": {"ETag": {"absent": False}}},
        "ETag: expected present, got no such header",
    ),
    ("json-subset", {"status": 200, "json": {"totalResults": 150, "Resources": [{"id": "u2"}]}}, None),
    (
        "json-subset",
        {"status": 200, "json": {"Resources": [{"id": "u3"}]}},
        'json: /Resources: no item matches {"id": "u3"}',
    ),
    ("json-missing", {"status": 200, "json": {"detail": "x"}}, 'json: /detail: missing, expected "x"'),
    (
        "json-types",
        {"status": 200, "json": {"totalResults": "150"}},
        'json: /totalResults: expected "150", got 150',
    ),
    ("json-bool-is-not-int", {"status": 200, "json": {"Resources": [{"active": 1}]}}, "no item matches"),
    ("json-exact", {"status": 200, "json": LIST, "exact": True}, None),
    (
        "json-exact",
        {"status": 200, "json": {**LIST, "Resources": LIST["Resources"][::-1]}, "exact": True},
        'json: /Resources/0/id: expected "u2", got "u1"',
    ),
    (
        "json-exact",
        {"status": 200, "json": {"totalResults": 150}, "exact": True},
        "json: /schemas: unexpected key (exact)",
    ),
    ("check-type", {"status": 200, "checks": [{"pointer": "/totalResults", "type": "integer"}]}, None),
    (
        "check-type",
        {"status": 200, "checks": [{"pointer": "/totalResults", "type": ["number", "null"]}]},
        None,
    ),
    (
        "check-type",
        {"status": 200, "checks": [{"pointer": "/startIndex", "type": "string"}]},
        'check: /startIndex: expected type "string", got 1',
    ),
    ("check-equals", {"status": 200, "checks": [{"pointer": "/Resources/1/active", "equals": False}]}, None),
    (
        "check-equals",
        {"status": 200, "checks": [{"pointer": "/Resources/1/active", "equals": 0}]},
        "expected equal to 0, got false",
    ),
    (
        "check-not-equals",
        {"status": 200, "checks": [{"pointer": "/Resources/0/id", "not_equals": "u2"}]},
        None,
    ),
    (
        "check-not-equals",
        {"status": 200, "checks": [{"pointer": "/Resources/0/id", "not_equals": "u1"}]},
        'expected not equal to "u1"',
    ),
    (
        "check-matches",
        {"status": 200, "checks": [{"pointer": "/Resources/0/userName", "matches": "@example\\.com$"}]},
        None,
    ),
    (
        "check-matches",
        {"status": 200, "checks": [{"pointer": "/totalResults", "matches": "150"}]},
        'expected a string matching "150", got 150',
    ),
    ("check-absent", {"status": 200, "checks": [{"pointer": "/Resources/0/password", "absent": True}]}, None),
    (
        "check-absent",
        {"status": 200, "checks": [{"pointer": "/Resources/0/id", "absent": True}]},
        'check: /Resources/0/id: expected absent, got "u1"',
    ),
    (
        "check-present",
        {"status": 200, "checks": [{"pointer": "/Resources/2", "absent": False}]},
        "check: /Resources/2: expected present, got <missing>",
    ),
    ("check-length", {"status": 200, "checks": [{"pointer": "/Resources", "length": 2}]}, None),
    (
        "check-length",
        {"status": 200, "checks": [{"pointer": "/Resources", "length": 3}]},
        "expected length 3",
    ),
    ("check-min-length", {"status": 200, "checks": [{"pointer": "/Resources/0/id", "min_length": 1}]}, None),
    (
        "check-min-length",
        {"status": 200, "checks": [{"pointer": "/Resources", "min_length": 3}]},
        "expected length >= 3",
    ),
    ("check-max-length", {"status": 200, "checks": [{"pointer": "/Resources", "max_length": 2}]}, None),
    (
        "check-max-length",
        {"status": 200, "checks": [{"pointer": "/Resources", "max_length": 1}]},
        "expected length <= 1",
    ),
    ("check-contains", {"status": 200, "checks": [{"pointer": "/schemas", "contains": LIST_RESPONSE}]}, None),
    (
        "check-contains",
        {"status": 200, "checks": [{"pointer": "/Resources", "contains": {"id": "u2"}}]},
        None,
    ),
    (
        "check-contains",
        {"status": 200, "checks": [{"pointer": "/Resources/0/userName", "contains": "jane"}]},
        'expected containing "jane"',
    ),
    ("check-min", {"status": 200, "checks": [{"pointer": "/totalResults", "min": 101}]}, None),
    (
        "check-min",
        {"status": 200, "checks": [{"pointer": "/itemsPerPage", "min": 100}]},
        "expected a number >= 100, got 2",
    ),
    ("check-max", {"status": 200, "checks": [{"pointer": "/itemsPerPage", "max": 100}]}, None),
    (
        "check-max",
        {"status": 200, "checks": [{"pointer": "/totalResults", "max": 100}]},
        "expected a number <= 100, got 150",
    ),
    (
        "check-missing",
        {"status": 200, "checks": [{"pointer": "/nope", "type": "string"}]},
        'check: /nope: missing (expected type "string")',
    ),
    ("schema", {"status": 200, "schema": "scim/ListResponse"}, None),
    ("schema", {"status": 200, "schema": "scim/Error"}, "schema: scim/Error"),
    ("max-ms", {"status": 200, "max_ms": 5000}, None),
]


def _failures(make_step, fake_server, target, expect):
    fake_server.reply(200, LIST)
    result = run_scenario(make_step(expect), target)
    return [str(f) for f in result.steps[0].failures]


@pytest.mark.parametrize(("case", "expect", "message"), CASES, ids=[c[0] for c in CASES])
def test_matcher(make_step, fake_server, fake_target, case, expect, message):
    failures = _failures(make_step, fake_server, fake_target, expect)
    if message is None:
        assert failures == []
    else:
        assert any(message in failure for failure in failures), failures


def test_max_ms_fails_on_a_slow_response(make_step, fake_server, fake_target):
    fake_server.reply(200, LIST, delay=0.05)
    result = run_scenario(make_step({"status": 200, "max_ms": 10}), fake_target)
    [failure] = result.steps[0].failures
    assert failure.kind == "time"
    assert "more than max_ms 10" in failure.message


def test_step_collects_every_failure_then_the_scenario_stops(make_scenario, fake_server, fake_target):
    fake_server.reply(404, {"detail": "gone"})
    result = run_scenario(
        make_scenario(
            """
            name: two steps
            steps:
              - name: wrong in three ways
                request: {method: GET, path: /Users/x}
                expect:
                  status: 200
                  json: {id: x}
                  checks: [{pointer: /detail, equals: here}]
              - name: never sent
                request: {method: GET, path: /Users}
                expect: {status: 200}
            """
        ),
        fake_target,
    )
    kinds = [f.kind for f in result.steps[0].failures]
    assert kinds == ["status", "json", "check"]
    assert [s.status for s in result.steps] == ["failed", "skipped"]
    assert len(fake_server.received) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [("<html>login</html>", "the response body is not JSON: '<html>login</html>'"), ("", "(body): expected")],
    ids=["html", "empty"],
)
def test_body_that_is_not_json_fails_json_expectations(make_step, fake_server, fake_target, body, message):
    fake_server.reply(200, body=body, headers={"Content-Type": "text/html"})
    result = run_scenario(make_step({"status": 200, "json": {"Resources": []}}), fake_target)
    assert message in str(result.steps[0].failures[0])


# Against the real mockscim server: right expectations pass, wrong ones fail.
MOCK_CASES = [
    ({"status": 200, "schema": "scim/ListResponse", "json": {"totalResults": 0, "Resources": []}}, []),
    ({"status": 200, "headers": {"Content-Type": {"startswith": "application/scim+json"}}}, []),
    ({"status": 404}, ["status"]),
    ({"status": 200, "schema": "scim/User"}, ["schema"]),
    ({"status": 200, "checks": [{"pointer": "/totalResults", "type": "string"}]}, ["check"]),
]


@pytest.mark.parametrize(("expect", "kinds"), MOCK_CASES)
def test_matchers_against_mockscim(make_step, mock_target, expect, kinds):
    request = {"method": "GET", "path": "/Users", "query": {"startIndex": 1, "count": 2}}
    result = run_scenario(make_step(expect, request), mock_target)
    assert sorted({f.kind for f in result.steps[0].failures}) == kinds


@pytest.mark.parametrize(
    "expect",
    [
        {"status": 200, "checks": [{"pointer": "/Resources/0/id", "matches": "${pattern}"}]},
        {"status": 200, "headers": {"Content-Type": {"matches": "${pattern}"}}},
    ],
    ids=["check", "header"],
)
def test_pattern_invalid_after_substitution_is_a_failure(make_scenario, fake_server, fake_target, expect):
    fake_server.reply(200, LIST)
    text = yaml.safe_dump(
        {
            "name": "x",
            "vars": {"pattern": "("},
            "steps": [{"name": "s", "request": {"method": "GET", "path": "/Users"}, "expect": expect}],
        }
    )
    [failure] = run_scenario(make_scenario(text), fake_target).steps[0].failures
    assert "invalid regular expression" in failure.message
