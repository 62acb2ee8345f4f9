"""``mock:`` steps and ``requires: [mock-admin]``: loading, the admin URL, skipping, faults, failures."""

from __future__ import annotations

import pytest
import requests
import yaml

from mockscim.runner import ScenarioError
from mockscim.runner import Target
from mockscim.runner import load_text
from mockscim.runner import run_scenario
from mockscim.runner.admin import derive_admin_url
from mockscim.runner.model import MockSpec

CREATE = {
    "method": "POST",
    "path": "/Users",
    "json": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "${email}"},
}
FAIL_NEXT_CREATE = {"match": {"method": "POST", "path": "/Users"}, "action": {"status": 503}, "times": 1}


def _scenario(*steps: dict, requires: list[str] | None = ("mock-admin",)) -> str:
    """YAML for a scenario with these steps (``requires: [mock-admin]`` unless None)."""
    document = {
        "name": "mock demo",
        **({"requires": list(requires)} if requires else {}),
        "steps": list(steps),
    }
    return yaml.safe_dump(document, sort_keys=False)


def _mock_step(**mock: object) -> dict:
    return {"name": "configure the mock", "mock": mock}


def _create_step(status: int) -> dict:
    return {"name": f"create, expect {status}", "request": CREATE, "expect": {"status": status}}


@pytest.fixture
def healthy_admin(fake_server):
    """A fake server whose /__admin/health answers like mockscim's (its other paths: 500)."""
    fake_server.reply(500, {"detail": "boom"})
    fake_server.reply_at("/__admin/health", 200, {"status": "ok", "version": "0"})
    return fake_server


@pytest.mark.parametrize(
    ("base_url", "admin_url"),
    [
        ("http://h:8080/scim/v2", "http://h:8080/__admin"),
        ("http://h:8080/scim/v2/", "http://h:8080/__admin"),
        ("http://h/t/acme/scim/v2", "http://h/t/acme/__admin"),
        ("https://h/prefix/scim/v2", "https://h/prefix/__admin"),
        ("https://www.netsparkercloud.com/api/scim", None),
        ("http://h/scim/v20", None),
    ],
)
def test_admin_url_is_derived_from_the_base_url(base_url, admin_url):
    assert derive_admin_url(base_url) == admin_url


def test_mock_step_and_requires_build_the_model():
    text = _scenario(_mock_step(reset=True, faults=[FAIL_NEXT_CREATE]), _create_step(503))
    scenario = load_text(text, "inline.yaml")
    assert scenario.requires == ("mock-admin",)
    mock_step, create = scenario.steps
    assert mock_step.mock == MockSpec(reset=True, faults=(FAIL_NEXT_CREATE,))
    assert (mock_step.request, mock_step.expect) == (None, None)
    assert create.mock is None


LOAD_MISTAKES = [
    (
        "mock-without-requires",
        _scenario(_mock_step(reset=True), requires=None),
        "$.steps[0].mock: a mock: step needs 'requires: [mock-admin]' at the top of the file",
    ),
    (
        "mock-with-request",
        _scenario({**_mock_step(reset=True), "request": CREATE}),
        "$.steps[0].request: a mock: step configures the mock and sends no SCIM request",
    ),
    (
        "mock-with-repeat",
        _scenario({**_mock_step(reset=True), "repeat": 2}),
        "$.steps[0].repeat: a mock: step configures the mock and sends no SCIM request, so it takes no repeat",
    ),
    ("empty-mock", _scenario(_mock_step()), "$.steps[0].mock: use at least one of: reset, faults"),
    (
        "fault-typo",
        _scenario(_mock_step(faults=[{"match": {"methd": "POST"}, "action": {"status": 503}}])),
        "$.steps[0].mock.faults[0].match.methd: unknown key 'methd'; did you mean 'method'?",
    ),
    (
        "fault-without-action",
        _scenario(_mock_step(faults=[{"match": {"method": "POST"}}])),
        "$.steps[0].mock.faults[0]: missing required key 'action'",
    ),
    (
        "unknown-requirement",
        _scenario(_create_step(201), requires=["ldap"]),
        '$.requires[0]: "ldap" is not one of: mock-admin',
    ),
    (
        "unknown-variable-in-fault",
        _scenario(_mock_step(faults=[{"match": {"path": "/Users/${user_id}"}, "action": {"status": 503}}])),
        "$.steps[0].mock.faults[0].match.path: unknown variable ${user_id}",
    ),
    (
        "step-without-request",
        _scenario({"name": "s", "expect": {"status": 200}}),
        "missing required key 'request'",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), [m[1:] for m in LOAD_MISTAKES], ids=[m[0] for m in LOAD_MISTAKES]
)
def test_mock_step_mistakes_are_reported(text, message):
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "inline.yaml")
    assert message in str(caught.value)


def test_fault_step_makes_the_next_create_fail_once(mock_target, server):
    text = _scenario(_mock_step(faults=[FAIL_NEXT_CREATE]), _create_step(503), _create_step(201))
    result = run_scenario(load_text(text, "inline.yaml"), mock_target)
    assert result.status == "passed", result.failed_step
    assert requests.get(server.url + "/__admin/faults", auth=_auth(mock_target), timeout=5).json() == {
        "faults": []
    }


def test_faults_left_unused_are_removed_when_the_scenario_ends(mock_target, server):
    unused = {**FAIL_NEXT_CREATE, "match": {"method": "DELETE"}, "times": 5}
    result = run_scenario(load_text(_scenario(_mock_step(faults=[unused])), "inline.yaml"), mock_target)
    assert result.passed
    assert (
        requests.get(server.url + "/__admin/faults", auth=_auth(mock_target), timeout=5).json()["faults"]
        == []
    )


def test_reset_step_empties_the_mock(mock_target, scim):
    scim.create_user("before@example.com")
    listing = {"name": "list", "request": {"method": "GET", "path": "/Users"}, "expect": {"status": 200}}
    listing["expect"]["json"] = {"totalResults": 0}
    result = run_scenario(load_text(_scenario(_mock_step(reset=True), listing), "inline.yaml"), mock_target)
    assert result.passed, result.failed_step


def test_a_target_without_admin_api_skips_the_scenario(fake_server, fake_target):
    fake_server.reply(404, body="Not Found")
    text = _scenario(_mock_step(faults=[FAIL_NEXT_CREATE]), _create_step(503))
    result = run_scenario(load_text(text, "inline.yaml"), fake_target)
    assert (result.status, result.passed, result.failed) == ("skipped", False, False)
    assert result.skip_reason == (
        f"requires mock-admin: no mockscim admin API: GET {fake_server.url}/__admin/health answered 404, "
        'not 200 {"status": "ok"} (a mockscim target: give its admin API with --admin-url)'
    )
    assert [step.status for step in result.steps] == ["skipped", "skipped"]
    assert [r.target for r in fake_server.received] == ["/__admin/health"]


def test_a_base_url_without_scim_v2_skips_unless_admin_url_is_given(fake_server, mock_target):
    target = Target(fake_server.url + "/api/scim", mock_target.credentials, timeout=5)
    scenario = load_text(_scenario(_mock_step(reset=True)), "inline.yaml")
    result = run_scenario(scenario, target)
    assert result.skip_reason.startswith("requires mock-admin, and no admin URL can be derived from")
    assert "give --admin-url" in result.skip_reason
    admin_url = mock_target.base_url.removesuffix("/scim/v2") + "/__admin"
    explicit = Target(fake_server.url + "/api/scim", mock_target.credentials, timeout=5, admin_url=admin_url)
    assert run_scenario(scenario, explicit).passed


def test_scenarios_without_requirements_never_probe_the_admin_api(fake_server, fake_target):
    fake_server.reply(200, {})
    listing = {"name": "list", "request": {"method": "GET", "path": "/Users"}, "expect": {"status": 200}}
    assert run_scenario(load_text(_scenario(listing, requires=None), "inline.yaml"), fake_target).passed
    assert [r.target for r in fake_server.received] == ["/scim/v2/Users"]


def test_a_failing_admin_call_fails_the_step(healthy_admin, fake_target):
    text = _scenario(_mock_step(faults=[FAIL_NEXT_CREATE]), _create_step(503))
    result = run_scenario(load_text(text, "inline.yaml"), fake_target)
    assert result.status == "failed"
    mock_step, create = result.steps
    assert (mock_step.status, create.status) == ("failed", "skipped")
    [failure] = mock_step.failures
    assert failure.kind == "admin"
    assert (
        failure.message == f"POST {healthy_admin.url}/__admin/faults answered 500 Internal Server Error: boom"
    )
    assert mock_step.exchange.request.headers["Authorization"] == "<redacted>"


def test_a_fault_the_mock_refuses_fails_with_its_detail(mock_target):
    refused = {"match": {"method": "POST"}, "action": {"status": 200}}
    result = run_scenario(load_text(_scenario(_mock_step(faults=[refused])), "inline.yaml"), mock_target)
    [failure] = result.steps[0].failures
    assert failure.kind == "admin"
    assert "/__admin/faults answered 400 BAD REQUEST: " in failure.message
    assert "status must be an HTTP error status from 400 to 599" in failure.message


def _auth(target: Target) -> tuple[str, str]:
    """The (user, password) of a Basic-credentials target, for direct admin calls."""
    import base64

    user, _, password = base64.b64decode(target.credentials.value.split()[1]).decode().partition(":")
    return user, password
