"""The built-in scenario library passes against mockscim and fails, precisely and readably,
against servers that break one Okta expectation each (the broken servers are in conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mockscim.cli import main
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.library import library_root
from mockscim.server import create_app
from mockscim.server.serving import start_background

ROOT = Path(__file__).resolve().parents[2]
# Import paging creates 255 resources; only the startIndex defect needs it to prove a failure.
WITHOUT_IMPORT = "not import"

# defect -> (-k selection, the scenarios that must fail: every other selected one must pass,
#            (scenario name, failing step, failure text) that the report must show)
DEFECTS = {
    "string-startIndex": (
        None,
        {
            "mock/empty-store",
            "mock/retry-after-429",
            "okta/aiw/assign-existing-inactive-user",
            "okta/aiw/invicti-sequence",
            "okta/common/assign-existing-user",
            "okta/common/assign-new-user",
            "okta/common/import-groups-paging",
            "okta/common/import-user-schema",
            "okta/common/import-users-paging",
            "okta/common/link-group-by-name",
            "okta/common/save-to-app-settings",
            "okta/common/test-connector",
            "okta/negative/empty-result-list",
            "okta/oin/assign-existing-inactive-user",
            "okta/oin/catalog-app-sequence",
            "okta/spec-test/okta-scim-20-spec-test",
            "rfc7644/pagination",
        },
        (
            "Okta tests the connector configuration",
            "test connector configuration (GET /Users, count=2)",
            '- json: /startIndex: expected 1, got "1"',
        ),
    ),
    "500-on-pathless-patch": (
        WITHOUT_IMPORT,
        {
            "okta/oin/assign-existing-inactive-user",
            "okta/oin/catalog-app-sequence",
            "okta/oin/custom-attributes",
            "okta/oin/deactivate-reactivate-user",
            "okta/oin/group-membership",
            "okta/oin/password-sync",
            "okta/oin/push-group",
            "okta/oin/rename-group",
            "rfc7644/patch-users",
        },
        (
            "Okta OIN deactivates and reactivates a user with a path-less PATCH",
            "deactivate (PATCH replace value {active false}, no path)",
            "- status: expected 200 or 204, got 500",
        ),
    ),
    "404-for-deactivated-users": (
        WITHOUT_IMPORT,
        {
            "okta/aiw/assign-existing-inactive-user",
            "okta/aiw/deactivate-reactivate-user",
            "okta/aiw/invicti-sequence",
            "okta/oin/catalog-app-sequence",
            "okta/oin/deactivate-reactivate-user",
            "rfc7644/patch-users",
        },
        (
            "Okta AIW deactivates and reactivates a user with GET then PUT",
            "the inactive user stays readable (GET /Users/{id} is 200)",
            "- status: expected 200, got 404",
        ),
    ),
    "409-on-group-put-of-its-own-name": (
        WITHOUT_IMPORT,
        {"okta/aiw/group-membership", "okta/aiw/invicti-sequence", "okta/aiw/push-group"},
        (
            "Okta AIW pushes a new group with its members, then GET and PUT",
            "follow-up PUT with the same name and members (no 409)",
            "- status: expected 200, got 409",
        ),
    ),
    "no-Resources-when-empty": (
        WITHOUT_IMPORT,
        {
            "mock/empty-store",
            "mock/retry-after-503",
            "okta/aiw/invicti-sequence",
            "okta/common/assign-new-user",
            "okta/common/link-group-by-name",
            "okta/negative/empty-result-list",
            "okta/oin/catalog-app-sequence",
        },
        (
            "Okta gets a full ListResponse when nothing matches",
            "user lookup with no match",
            '- check: /Resources: missing (expected type "array")',
        ),
    ),
    "case-sensitive-userName-lookup": (
        WITHOUT_IMPORT,
        {"okta/negative/username-case-insensitive", "rfc7644/filter-logic"},
        (
            "Okta's userName lookup is case-insensitive",
            "look it up upper-cased",
            "- json: /totalResults: expected 1, got 0",
        ),
    ),
    "case-different-duplicate-accepted": (
        WITHOUT_IMPORT,
        {"okta/negative/duplicate-user"},
        (
            "Okta gets 409 for a duplicate userName, also when only the case differs",
            "create a userName that differs only in case (409)",
            "- status: expected 409, got 201",
        ),
    ),
    "drops-custom-attributes": (
        WITHOUT_IMPORT,
        {"okta/aiw/custom-attributes", "okta/oin/custom-attributes"},
        (
            "Okta AIW creates and updates a user with a custom attribute",
            "assign the user with a custom attribute (POST /Users, URN in schemas)",
            "- json: /urn:ietf:params:scim:schemas:extension:mockscim:2.0:User: missing",
        ),
    ),
    "empty-schemaExtensions": (
        "custom-attributes or discovery",
        {"okta/common/import-user-schema"},
        (
            "Okta imports the user schema with a custom extension",
            "read the resource types (GET /ResourceTypes); User lists the extension",
            "- json: /Resources: no item matches",
        ),
    ),
}


def _scenario_key(file: str) -> str:
    """``scenarios/okta/aiw/push-group.scenario.yaml`` -> ``okta/aiw/push-group``."""
    return file.split("scenarios/", 1)[-1].removesuffix(".scenario.yaml")


@pytest.fixture
def report_path(tmp_path: Path) -> Path:
    """Where ``mockscim run --json`` writes its report."""
    return tmp_path / "report.json"


@pytest.mark.parametrize(
    ("broken_server", "keyword", "failing", "shown"),
    [pytest.param(name, *row, id=name) for name, row in DEFECTS.items()],
    indirect=["broken_server"],
)
def test_library_fails_precisely_against_a_broken_server(broken_server, report_path, keyword, failing, shown):
    args = [
        "run",
        "--base-url",
        broken_server.base_url,
        "--auth",
        broken_server.auth,
        "--json",
        str(report_path),
    ]
    result = CliRunner().invoke(main, [*args, *(["-k", keyword] if keyword else [])], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    document = json.loads(report_path.read_text())
    statuses = {_scenario_key(s["file"]): s["status"] for s in document["scenarios"]}
    assert {key for key, status in statuses.items() if status != "passed"} == failing, result.stdout
    # Everything else passed: the defect is named precisely, not drowned in collateral failures.
    assert document["summary"]["passed"] == len(statuses) - len(failing)
    scenario, step, failure = shown
    for fragment in (f"FAIL  {scenario}  (", f"  FAIL  {step}", "expected:\n", "actual:\n", failure):
        assert fragment in result.stdout, fragment


def test_library_passes_against_the_embedded_mock(report_path):
    count = len(list(library_root().rglob("*.scenario.yaml")))
    command = [sys.executable, "-m", "mockscim", "run", "--json", str(report_path)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"\n{count} passed in " in finished.stdout
    summary = json.loads(report_path.read_text())["summary"]
    assert (summary["total"], summary["passed"], summary["failed"], summary["skipped"]) == (
        count,
        count,
        0,
        0,
    )


CUSTOM_FLOWS = {"okta/common/import-user-schema", "okta/aiw/custom-attributes", "okta/oin/custom-attributes"}


def test_custom_attribute_flows_skip_against_a_target_without_the_extension(plain_server, report_path):
    args = [
        "run",
        "--base-url",
        plain_server.base_url,
        "--auth",
        plain_server.auth,
        "-k",
        "custom-attributes",
    ]
    result = CliRunner().invoke(main, [*args, "--json", str(report_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output  # skipped is not failed
    document = json.loads(report_path.read_text())
    assert {_scenario_key(s["file"]): s["status"] for s in document["scenarios"]} == dict.fromkeys(
        CUSTOM_FLOWS, "skipped"
    )
    reason = document["scenarios"][0]["skip_reason"]
    assert reason.startswith(
        "precondition not met: the target declares urn:ietf:params:scim:schemas:extension:mockscim:2.0:User"
    )
    assert "--var custom_urn=URN" in reason
    assert "0 passed, 3 skipped in " in result.output


def test_custom_attribute_flows_run_against_the_targets_own_extension(tmp_path):
    # A team names its own extension with --var; the flows then run against it (and fail on a
    # wrong value type: the attribute must be a string).
    auth = "basic:okta:library-test-token"
    extension = tmp_path / "acme.yaml"
    extension.write_text(
        "id: urn:acme:scim:User\nattributes:\n  - {name: dept, type: string}\n  - {name: level, type: integer}\n"
    )
    settings = Settings(
        port=0,
        auth=AuthConfig.parse(auth),
        schema_extensions=(extension,),
    )
    running = start_background(create_app(settings))
    try:
        base = [
            "run",
            "--base-url",
            running.url + "/scim/v2",
            "--auth",
            auth,
            "-k",
            "custom-attributes",
        ]
        names = ["--var", "custom_urn=urn:acme:scim:User", "--var"]
        passed = CliRunner().invoke(main, [*base, *names, "custom_attribute=dept"], catch_exceptions=False)
        assert passed.exit_code == 0 and "3 passed in " in passed.output, passed.output
        wrong = CliRunner().invoke(main, [*base, *names, "custom_attribute=level"], catch_exceptions=False)
        assert wrong.exit_code == 1 and "1 passed, 2 failed in " in wrong.output, wrong.output
    finally:
        running.stop()
