"""The ``final_state:`` step: loading with file:line errors, running against a real and a wrong mock,
and its differences in the text, JUnit and JSON reports; ``mockscim verify`` skips it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import yaml

from mockscim.runner import ScenarioError
from mockscim.runner import json_report
from mockscim.runner import junit_xml
from mockscim.runner import load_text
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.verify import match_flow

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _document(
    final_state: Any, *, group_members: str = '[{value: "${pat_id}"}, {value: "${sam_id}"}]'
) -> str:
    """Create two users and a group holding both, then reconcile ``final_state``."""
    return f"""
name: final state demo
vars:
  pat: "pat+${{unique}}@example.com"
  sam: "sam+${{unique}}@example.com"
  team: "Engineering ${{unique}}"
steps:
  - name: create pat
    request: {{method: POST, path: /Users, json: {{schemas: ["{USER}"], userName: "${{pat}}", active: true, externalId: 00uPAT4567890123456x}}}}
    expect: {{status: 201}}
    save: {{pat_id: /id}}
  - name: create sam
    request: {{method: POST, path: /Users, json: {{schemas: ["{USER}"], userName: "${{sam}}", active: false}}}}
    expect: {{status: 201}}
    save: {{sam_id: /id}}
  - name: create the group
    request: {{method: POST, path: /Groups, json: {{schemas: ["{GROUP}"], displayName: "${{team}}", members: {group_members}}}}}
    expect: {{status: 201}}
  - name: the target ends as intended
    final_state: {json.dumps(final_state)}
"""


INTENDED = {
    "users": [
        {"userName": "${pat}", "active": True, "externalId": "00uPAT4567890123456x"},
        {"userName": "${sam}", "active": False},
        {"userName": "nobody+${unique}@example.com", "exists": False},
    ],
    "groups": [{"displayName": "${team}", "members": ["${pat}", "${sam}"]}],
}


def test_final_state_step_passes_when_the_target_is_as_intended(mock_target):
    result = run_scenario(load_text(_document(INTENDED)), mock_target)
    assert result.passed, scenario_report(result)
    step = result.steps[-1]
    assert step.name == "the target ends as intended" and step.exchange is None


def test_a_server_that_drops_a_member_fails_with_the_resource_named(mock_target):
    # A wrong server: the group create keeps only one of the two members sent.
    scenario = load_text(_document(INTENDED, group_members='[{value: "${pat_id}"}]'))
    result = run_scenario(scenario, mock_target)
    assert result.failed and result.failed_step is not None
    messages = [f.message for f in result.failed_step.failures]
    assert len(messages) == 1 and messages[0].startswith("group Engineering ")
    assert messages[0].endswith(
        ": member sam+" + messages[0].split("sam+")[1].split("@")[0] + "@example.com missing"
    )
    assert "final_state: group Engineering" in scenario_report(result)
    suite = ET.fromstring(junit_xml([result], 1.0)).find("testsuite")
    assert "member sam+" in ET.tostring(suite, encoding="unicode")
    document = json.loads(json.dumps(json_report([result], mock_target, 1.0)))
    failures = document["scenarios"][0]["steps"][-1]["failures"]
    assert failures[0]["kind"] == "final_state" and "missing" in failures[0]["message"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"users": [{"userName": "${pat}", "active": False}]}, "active is true, expected false"),
        (
            {"users": [{"userName": "${pat}", "externalId": "00uOTHER"}]},
            'externalId is "00uPAT4567890123456x"',
        ),
        ({"users": [{"userName": "${pat}", "exists": False}]}, "still exists"),
        ({"groups": [{"displayName": "${team}", "members": ["${pat}"]}]}, "unexpected member sam+"),
        ({"groups": [{"displayName": "Nope ${unique}"}]}, "missing: no displayName matches it"),
    ],
)
def test_every_kind_of_difference_fails_the_step(mock_target, change, message):
    result = run_scenario(load_text(_document(change)), mock_target)
    assert result.failed, scenario_report(result)
    assert any(message in f.message for f in result.failed_step.failures)


@pytest.mark.parametrize(
    ("final_state", "extra", "line", "message"),
    [
        ({"users": [{"userName": "x", "active": "no"}]}, "", 20, "expected boolean"),
        ({"users": [{"name": "x"}]}, "", 20, "missing required key 'userName'"),
        ({"people": []}, "", 20, "unknown key 'people'"),
        ({"users": [{"userName": "${nowhere}"}]}, "", 20, "nowhere"),
        ({"users": []}, "    okta: true\n", 21, "takes no okta"),
        ({"users": []}, "    expect: {status: 200}\n", 21, "takes no expect"),
    ],
)
def test_bad_final_state_steps_are_file_line_errors(final_state, extra, line, message):
    text = _document(final_state) + extra
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "demo.scenario.yaml")
    problems = str(caught.value)
    assert f"demo.scenario.yaml:{line}:" in problems and message in problems, problems


def test_okta_false_is_implied_and_accepted():
    scenario = load_text(_document(INTENDED) + "    okta: false\n")
    assert scenario.steps[-1].okta is False
    assert load_text(_document(INTENDED)).steps[-1].okta is False


def test_substituted_values_are_checked_again(mock_target):
    # A whole "${name}" keeps the value's type: a number is no userName.
    text = (
        "name: n\nvars: {count: 3}\nsteps:\n  - name: s\n    final_state: {users: [{userName: '${count}'}]}\n"
    )
    result = run_scenario(load_text(text), mock_target)
    assert result.failed
    assert "must be a non-empty string" in result.failed_step.failures[0].message


def test_verify_skips_final_state_steps(mock_target, app):
    scenario = load_text(_document(INTENDED))
    assert run_scenario(scenario, mock_target).passed
    flow = match_flow(scenario, app.extensions["mockscim"].journal.entries())
    assert flow.passed
    assert "the target ends as intended" not in [step.expected.name for step in flow.steps]


def test_the_schema_documents_final_state():
    from mockscim.runner.validation import scenario_schema

    schema = scenario_schema()["$defs"]["final_state"]
    assert "description" in schema
    for part in ("users", "groups"):
        item = schema["properties"][part]["items"]
        assert all("description" in prop for prop in item["properties"].values())
    assert yaml.safe_load(yaml.safe_dump(schema)) == schema
