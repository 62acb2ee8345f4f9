"""The failure report text, JUnit XML, the JSON report and credential specs."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import pytest

from mockscim.runner import Credentials
from mockscim.runner import json_report
from mockscim.runner import junit_xml
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.runner.client import CredentialsError
from mockscim.runner.report import summary
from mockscim.runner.report import trim

FAILING = """
name: report demo
steps:
  - name: create the user
    request:
      method: POST
      path: /Users
      json: {userName: "${email}"}
    expect:
      status: 201
      json: {userName: "${email}"}
      schema: scim/User
  - name: never runs
    request: {method: GET, path: /Users}
    expect: {status: 200}
"""


@pytest.fixture
def failed(make_scenario, fake_server, fake_target):
    """A failed ScenarioResult: the server answers 409 with a SCIM error."""
    fake_server.reply(
        409, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "detail": "exists"}
    )
    return run_scenario(make_scenario(FAILING), fake_target)


def test_report_shows_step_request_expected_actual_and_failures(failed):
    text = scenario_report(failed)
    assert text.startswith("FAIL  report demo  (inline.yaml)")
    for fragment in [
        "  FAIL  create the user",
        "    at inline.yaml:4",
        "request:\n      POST http://127.0.0.1:",
        "/scim/v2/Users\n      User-Agent: Okta SCIM Client 1.0.0",
        '"userName": "',
        "expected:\n      status 201\n      json containing (subset):",
        "schema scim/User",
        "actual:\n      409 Conflict",
        '"detail": "exists"',
        "failures:\n      - status: expected 201, got 409 Conflict",
        "- json: /userName: missing, expected",
        "- schema: scim/User",
        "  SKIP  never runs",
    ]:
        assert fragment in text, fragment


def test_report_redacts_the_targets_credentials(failed):
    text = scenario_report(failed)
    assert "Authorization: <redacted>" in text
    assert "fake-token" not in text


def test_passing_report_is_one_line(make_step, fake_server, fake_target):
    fake_server.reply(200, {})
    text = scenario_report(run_scenario(make_step({"status": 200}), fake_target))
    assert text.startswith("PASS  one step  (one-step.yaml)  ")
    assert "\n" not in text


NEEDS_MOCK = """
name: needs the mock
requires: [mock-admin]
steps:
  - name: fail the next create
    mock: {faults: [{match: {method: POST}, action: {status: 503}, times: 1}]}
"""


@pytest.fixture
def skipped(make_scenario, fake_server, fake_target):
    """A skipped ScenarioResult: the fake server has no admin API (404 everywhere)."""
    fake_server.reply(404, body="no such page")
    return run_scenario(make_scenario(NEEDS_MOCK), fake_target)


def test_skipped_scenario_is_one_line_with_the_reason(skipped):
    text = scenario_report(skipped)
    assert text.startswith("SKIP  needs the mock  (inline.yaml)  skipped: requires mock-admin: ")
    assert "/__admin/health answered 404" in text
    assert "\n" not in text


def test_summary_counts_skipped_scenarios(skipped, failed):
    assert summary([skipped, failed], 1.0).startswith("0 passed, 1 failed, 1 skipped in")
    assert summary([skipped], 1.0).startswith("0 passed, 1 skipped in")


def test_junit_and_json_mark_skipped_scenarios(skipped, failed, fake_target):
    suite = ET.fromstring(junit_xml([skipped, failed], 12.0)).find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "1")
    first, second = suite.findall("testcase")
    assert first.find("skipped").get("message") == skipped.skip_reason
    assert (first.find("failure"), second.find("skipped")) == (None, None)
    document = json_report([skipped, failed], fake_target, 12.0)
    assert document["summary"] == {"total": 2, "passed": 0, "failed": 1, "skipped": 1, "duration_ms": 12.0}
    entry = document["scenarios"][0]
    assert (entry["status"], entry["skip_reason"]) == ("skipped", skipped.skip_reason)
    assert [step["status"] for step in entry["steps"]] == ["skipped"]


def test_failing_admin_step_report_shows_the_admin_call(make_scenario, fake_server, fake_target):
    fake_server.reply(500, {"detail": "fault store is read-only"})
    fake_server.reply_at("/__admin/health", 200, {"status": "ok"})
    text = scenario_report(run_scenario(make_scenario(NEEDS_MOCK), fake_target))
    for fragment in [
        "  FAIL  fail the next create",
        "admin request:\n      POST http://127.0.0.1:",
        "/__admin/faults\n",
        "Authorization: <redacted>",
        '"action": {',
        "actual:\n      500 Internal Server Error",
        "- admin: POST http://127.0.0.1:",
        "/__admin/faults answered 500 Internal Server Error: fault store is read-only",
    ]:
        assert fragment in text, fragment
    assert "expected:" not in text


def test_long_bodies_are_trimmed():
    text = trim("\n".join(f"line {i}" for i in range(100)))
    assert text.count("\n") == 40
    assert text.endswith("more characters)")


def test_junit_xml_has_a_testcase_per_scenario_with_the_report(failed):
    root = ET.fromstring(junit_xml([failed], 12.0))
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("1", "1")
    case = suite.find("testcase")
    assert (case.get("classname"), case.get("name")) == ("inline.yaml", "report demo")
    failure = case.find("failure")
    assert failure.get("message").startswith("create the user: status: expected 201, got 409")
    assert '"detail": "exists"' in failure.text


def test_json_report_shape(failed, fake_target):
    document = json.loads(json.dumps(json_report([failed], fake_target, 12.0)))
    assert document["format"] == "mockscim-run/1"
    assert document["summary"] == {"total": 1, "passed": 0, "failed": 1, "skipped": 0, "duration_ms": 12.0}
    [scenario] = document["scenarios"]
    assert (scenario["name"], scenario["status"], scenario["dialect"]) == ("report demo", "failed", None)
    assert scenario["skip_reason"] is None
    create, skipped = scenario["steps"]
    assert create["failures"][0] == {
        "kind": "status",
        "message": "expected 201, got 409 Conflict",
        "pointer": None,
    }
    assert create["request"]["method"] == "POST"
    assert create["request"]["headers"]["Authorization"] == "<redacted>"
    assert create["response"]["status"] == 409
    assert (skipped["status"], skipped["request"], skipped["response"]) == ("skipped", None, None)


@pytest.mark.parametrize(
    ("spec", "header", "value"),
    [
        ("basic:okta:s3cr:et", "Authorization", "Basic " + base64.b64encode(b"okta:s3cr:et").decode()),
        ("bearer:abc", "Authorization", "Bearer abc"),
        ("header:X-Api-Key: k1", "X-Api-Key", "k1"),
        ("header:Authorization: SSWS t", "Authorization", "SSWS t"),
        ("none", None, None),
        (None, None, None),
    ],
)
def test_credentials_spec(spec, header, value):
    credentials = Credentials.parse(spec)
    assert (credentials.header, credentials.value) == (header, value)


@pytest.mark.parametrize("spec", ["basic:onlyuser", "bearer:", "header:NoColon", "token:abc", "none:x"])
def test_bad_credentials_spec(spec):
    with pytest.raises(CredentialsError):
        Credentials.parse(spec)
