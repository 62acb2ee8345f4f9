"""Custom attributes and the runner: ``schema: scim/User`` against what the target declares in
its /Schemas, ``precondition:`` steps that skip, ``${...}`` keys, and ``--var`` overrides."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from mockscim.cli import main
from mockscim.runner import run_scenario
from mockscim.runner.errors import ScenarioError

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ACME = "urn:acme:scim:User"
SCHEMAS = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 2,
    "Resources": [
        {
            "id": CORE,
            "attributes": [{"name": "userName", "type": "string"}, {"name": "tenantCode", "type": "string"}],
        },
        {
            "id": ACME,
            "attributes": [
                {"name": "dept", "type": "string"},
                {"name": "level", "type": "integer"},
                {"name": "since", "type": "dateTime"},
                {"name": "tags", "type": "string", "multiValued": True},
                {"name": "badge", "type": "complex", "subAttributes": [{"name": "number", "type": "string"}]},
            ],
        },
    ],
}
USER = {"schemas": [CORE, ACME], "id": "u1", "userName": "ann@example.com"}


@pytest.mark.parametrize(
    ("extra", "failure"),
    [
        ({ACME: {"dept": "R&D", "level": 2, "tags": ["a"], "badge": {"number": "7"}}}, None),
        ({ACME: {"since": "2024-01-02T03:04:05Z"}}, None),
        ({"tenantCode": "T1"}, None),  # declared in the target's own core schema
        ({ACME: {"level": "2"}}, f"/{ACME}/level: '2' is not of type"),
        ({ACME: {"since": "yesterday"}}, f"/{ACME}/since"),
        ({ACME: {"badge": {"nosuch": 1}}}, "Additional properties are not allowed ('nosuch'"),
        ({ACME: {"nosuch": 1}}, "Additional properties are not allowed ('nosuch'"),
        ({"nosuch": 1}, "('nosuch' was unexpected)"),
        ({"urn:other:User": {"a": 1}}, "('urn:other:User' was unexpected)"),
    ],
)
def test_schema_check_accepts_what_the_target_declares(make_step, fake_server, fake_target, extra, failure):
    fake_server.reply_at("/scim/v2/Schemas", 200, SCHEMAS)
    fake_server.reply(200, {**USER, **extra})
    result = run_scenario(make_step({"status": 200, "schema": "scim/User"}), fake_target)
    messages = [str(f) for f in result.steps[0].failures]
    if failure is None:
        assert messages == []
    else:
        assert any(failure in m and "(with the target's /Schemas)" in m for m in messages), messages


def test_an_extension_not_listed_in_schemas_fails(make_step, fake_server, fake_target):
    fake_server.reply_at("/scim/v2/Schemas", 200, SCHEMAS)
    fake_server.reply(200, {**USER, "schemas": [CORE], ACME: {"dept": "x"}})
    result = run_scenario(make_step({"status": 200, "schema": "scim/User"}), fake_target)
    assert any("should contain" in str(f) or "does not contain" in str(f) for f in result.steps[0].failures)


def test_schemas_is_read_once_and_only_when_a_body_needs_it(make_step, fake_server, fake_target):
    fake_server.reply_at("/scim/v2/Schemas", 200, SCHEMAS)
    fake_server.reply(200, {"schemas": [CORE], "id": "u1", "userName": "plain"})
    step = make_step({"status": 200, "schema": "scim/User"})
    run_scenario(step, fake_target)
    assert [r.target for r in fake_server.received] == ["/scim/v2/Users"]  # nothing to look up
    fake_server.reply(200, {**USER, ACME: {"dept": "x"}})
    for _ in range(3):
        assert run_scenario(step, fake_target).passed
    assert [r.target for r in fake_server.received].count("/scim/v2/Schemas") == 1


def test_a_target_without_schemas_keeps_the_packaged_check(make_step, fake_server, fake_target):
    fake_server.reply_at("/scim/v2/Schemas", 404, {"detail": "no"})
    fake_server.reply(200, {**USER, ACME: {"anything": 1}, "nosuch": 1})
    result = run_scenario(make_step({"status": 200, "schema": "scim/User"}), fake_target)
    messages = [str(f) for f in result.steps[0].failures]
    assert len(messages) == 1 and "'nosuch' does not match any of the regexes" in messages[0]
    assert "(with the target's /Schemas)" not in messages[0]


def test_a_scenarios_own_schemas_read_is_reused(make_scenario, fake_server, fake_target):
    fake_server.reply_at("/scim/v2/Schemas", 200, SCHEMAS)
    fake_server.reply(200, {**USER, ACME: {"dept": "x"}})
    scenario = make_scenario(
        """
name: reads /Schemas itself
steps:
  - name: discovery
    request: {method: GET, path: /Schemas}
    expect: {status: 200}
  - name: a user
    request: {method: GET, path: /Users/u1}
    expect: {status: 200, schema: scim/User}
"""
    )
    assert run_scenario(scenario, fake_target).passed
    assert [r.target for r in fake_server.received] == ["/scim/v2/Schemas", "/scim/v2/Users/u1"]


PRECONDITION = """
name: needs an extension
vars:
  custom_urn: urn:acme:scim:User
steps:
  - name: declared?
    precondition: "the target declares ${custom_urn}"
    request: {method: GET, path: /Schemas}
    expect:
      status: 200
      json: {Resources: [{id: "${custom_urn}"}]}
  - name: create
    request:
      method: POST
      path: /Users
      json: {schemas: ["${custom_urn}"], "${custom_urn}": {dept: x}}
    expect: {status: 201}
"""


def test_unmet_precondition_skips_with_the_reason(make_scenario, fake_server, fake_target):
    fake_server.reply_at("/scim/v2/Schemas", 200, {**SCHEMAS, "Resources": SCHEMAS["Resources"][:1]})
    result = run_scenario(make_scenario(PRECONDITION), fake_target)
    assert result.status == "skipped"
    assert result.skip_reason == "precondition not met: the target declares urn:acme:scim:User"
    assert [s.status for s in result.steps] == ["skipped", "skipped"]
    assert [r.method for r in fake_server.received] == ["GET"]


def test_met_precondition_runs_on_and_keys_are_substituted(make_scenario, fake_server, fake_target):
    fake_server.reply_at("/scim/v2/Schemas", 200, SCHEMAS)
    fake_server.reply_at("/scim/v2/Users", 201, {})
    result = run_scenario(make_scenario(PRECONDITION), fake_target)
    assert result.passed
    assert json.loads(fake_server.received[-1].body) == {"schemas": [ACME], ACME: {"dept": "x"}}


def test_precondition_does_not_hide_a_dead_target(make_scenario, fake_target, closed_port):
    from mockscim.runner import TargetUnreachable

    with pytest.raises(TargetUnreachable):
        run_scenario(
            make_scenario(PRECONDITION), replace(fake_target, base_url=f"http://127.0.0.1:{closed_port}")
        )


def test_var_overrides_a_scenario_variable(make_scenario, fake_server, fake_target):
    fake_server.reply_at("/scim/v2/Schemas", 200, {**SCHEMAS, "Resources": [{"id": "urn:mine:User"}]})
    fake_server.reply_at("/scim/v2/Users", 201, {})
    target = replace(fake_target, variables=(("custom_urn", "urn:mine:User"),))
    assert run_scenario(make_scenario(PRECONDITION), target).passed
    assert "urn:mine:User" in json.loads(fake_server.received[-1].body)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: x\nrequires: [mock-admin]\nsteps:\n  - name: m\n    precondition: p\n    mock: {reset: true}\n",
            "takes no precondition",
        ),
        (
            "name: x\nsteps:\n  - name: s\n    precondition: ''\n    request: {method: GET, path: /}\n    expect: {status: 200}\n",
            "precondition",
        ),
        (
            "name: x\nsteps:\n  - name: s\n    precondition: 'has ${nope}'\n    request: {method: GET, path: /}\n    expect: {status: 200}\n",
            "nope",
        ),
        (
            "name: x\nsteps:\n  - name: s\n    request: {method: POST, path: /, json: {'${nope}': 1}}\n    expect: {status: 200}\n",
            "nope",
        ),
    ],
)
def test_bad_precondition_and_key_references_are_scenario_errors(make_scenario, text, message):
    with pytest.raises(ScenarioError) as caught:
        make_scenario(text)
    assert message in str(caught.value)


@pytest.mark.parametrize("spec", ["novalue", "=x", "1a=b", "a b=c"])
def test_bad_var_is_a_usage_error(spec):
    result = CliRunner().invoke(main, ["run", "--var", spec])
    assert result.exit_code == 2
    assert "must be NAME=VALUE" in result.output
