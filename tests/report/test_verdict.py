"""The Okta readiness verdict: ready against mockscim, not ready (with the right scenario, step,
Okta text and fix) against servers that break one Okta expectation, profiles, and its table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from mockscim.library import library_root
from mockscim.runner import load_scenario
from mockscim.runner.readiness import CAPABILITIES
from mockscim.runner.readiness import PROFILES
from mockscim.runner.readiness import SYMPTOMS
from mockscim.runner.verdict import Readiness
from mockscim.runner.verdict import judge

WITHOUT_IMPORT = ("-k", "not import")

# defect -> (-k args, dialect, capability that must be not ready, scenario, failing step, Okta text,
#            (dialect, capability) that must stay ready: the verdict names the defect, nothing else)
BROKEN = {
    "409-on-group-put-of-its-own-name": (
        WITHOUT_IMPORT,
        "aiw",
        "push-groups",
        "okta/aiw/push-group",
        "follow-up PUT with the same name and members (no 409)",
        "The group push is marked Error",
        ("oin", "push-groups"),
    ),
    "500-on-pathless-patch": (
        WITHOUT_IMPORT,
        "oin",
        "deactivate-users",
        "okta/oin/deactivate-reactivate-user",
        "deactivate (PATCH replace value {active false}, no path)",
        '"Application accounts need deprovisioning"',
        ("aiw", "deactivate-users"),
    ),
    "404-for-deactivated-users": (
        WITHOUT_IMPORT,
        "aiw",
        "deactivate-users",
        "okta/aiw/deactivate-reactivate-user",
        "the inactive user stays readable (GET /Users/{id} is 200)",
        '"Application accounts need deprovisioning"',
        ("aiw", "push-groups"),
    ),
    "no-Resources-when-empty": (
        WITHOUT_IMPORT,
        "aiw",
        "test-connector",
        "mock/empty-store",
        "test connector on an empty store (GET /Users, count=2)",
        '"No results for users returned"',
        ("aiw", "update-users"),
    ),
    "string-startIndex": (
        ("-k", "connector"),
        "oin",
        "test-connector",
        "okta/common/test-connector",
        "test connector configuration (GET /Users, count=2)",
        '"No results for users returned"',
        ("oin", "spec-test"),  # not selected by -k connector: not tested, never ready by accident
    ),
    "case-different-duplicate-accepted": (
        WITHOUT_IMPORT,
        "oin",
        "create-users",
        "okta/negative/duplicate-user",
        "create a userName that differs only in case (409)",
        "second account for one person",
        ("oin", "rename-groups"),
    ),
}


@pytest.mark.parametrize(
    ("defect", "selection", "dialect", "capability", "scenario", "step", "shows", "other"),
    [pytest.param(name, *row, id=name) for name, row in BROKEN.items()],
)
def test_the_verdict_names_the_broken_capability(
    run, defect_server, defect, selection, dialect, capability, scenario, step, shows, other
):
    result = run(*defect_server(defect), *selection)
    assert result.exit_code == 1, result.output
    verdict = result.capability(dialect, capability)
    assert verdict["status"] == "not-ready"
    problem = next(p for p in verdict["problems"] if p["file"].endswith(f"{scenario}.scenario.yaml"))
    assert problem["step"] == step
    assert shows in problem["okta_shows"]
    assert "docs/okta-reference.md §" in problem["fix"] or "RFC 7644 §" in problem["fix"]
    expected_other = "not-tested" if other == ("oin", "spec-test") else "ready"
    assert result.capability(*other)["status"] == expected_other
    assert f"NOT READY   {verdict['title']}" in result.output
    assert f"{scenario}.scenario.yaml:{problem['line']} {step!r}" in result.output


def test_everything_is_ready_against_mockscim(passing_run):
    assert passing_run.exit_code == 0, passing_run.output
    readiness = passing_run.report["readiness"]
    assert readiness["profile"] == "all"
    assert [d["dialect"] for d in readiness["dialects"]] == ["aiw", "oin"]
    for judged in readiness["dialects"]:
        assert {c["key"]: c["status"] for c in judged["capabilities"]} == {
            c.key: "ready" for c in CAPABILITIES if judged["dialect"] in c.dialects
        }
    assert (
        "AIW custom app (PUT dialect), profile all: 12 ready, 0 not ready, 0 not tested" in passing_run.output
    )
    assert "(PATCH dialect), profile all: 13 ready, 0 not ready, 0 not tested" in passing_run.output


def test_the_saved_json_report_gives_the_same_verdict(failing_run):
    # The artefact fed back: the verdict computed from the written report equals the one in it.
    report = failing_run.report
    assert Readiness.choose("all").judge(report["scenarios"]) == report["readiness"]


def test_the_invicti_profile_judges_only_what_that_app_turns_on(run, defect_server):
    result = run(*defect_server("500-on-pathless-patch"), *WITHOUT_IMPORT, "--profile", "invicti")
    readiness = result.report["readiness"]
    assert [d["dialect"] for d in readiness["dialects"]] == ["aiw"]
    keys = [c["key"] for c in readiness["dialects"][0]["capabilities"]]
    assert keys == list(PROFILES["invicti"].capabilities)
    assert "delete-groups" in keys and "spec-test" not in keys  # unlink may delete (§9.7)
    # The OIN PATCH defect is not the Invicti app's problem (it speaks PUT): ready, apart from import groups.
    statuses = {c["key"]: c["status"] for c in readiness["dialects"][0]["capabilities"]}
    assert statuses == {key: "not-tested" if key == "import-groups" else "ready" for key in keys}
    assert result.exit_code == 1  # the OIN scenarios still ran and failed: the profile is a view


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "okta-classic"], "unknown profile 'okta-classic'; known profiles: all, invicti"),
        (
            ["--profile", "invicti", "--dialect", "oin"],
            "profile 'invicti' speaks aiw only, not --dialect oin",
        ),
    ],
)
def test_a_bad_profile_is_a_usage_error(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert not result.json_path.exists()


def test_capabilities_without_a_run_scenario_are_not_tested(run):
    result = run("-k", "rfc")
    assert result.exit_code == 0
    for judged in result.report["readiness"]["dialects"]:
        assert {c["status"] for c in judged["capabilities"]} == {"not-tested"}
    assert (
        "Okta readiness, AIW custom app (PUT dialect): not tested (no Okta scenario behind it ran)"
        in result.output
    )


def test_a_rate_limited_step_shows_okta_s_429_behaviour(run, defect_server):
    base = defect_server(None)
    admin = base[1].removesuffix("/scim/v2") + "/__admin/faults"
    fault = {
        "match": {"method": "GET", "path": "/Users"},
        "action": {"status": 429, "retry_after": 30},
        "times": 1,
    }
    requests.post(admin, json=fault, auth=("okta", "library-test-token"), timeout=10).raise_for_status()
    result = run(*base, str(library_root() / "okta/common/test-connector.scenario.yaml"))
    (problem,) = result.capability("aiw", "test-connector")["problems"]
    assert problem["failures"][0].startswith("status: expected 200, got 429")
    assert "waits Retry-After seconds" in problem["okta_shows"] and "§10.3" in problem["okta_shows"]


# -- judging one scenario ---------------------------------------------------------------------------


def _scenario(*statuses: str, status: str | None = None) -> dict:
    """A scenario dict (JSON-report shape) with steps named a, b, c, ... in these statuses."""
    steps = [
        {"name": chr(97 + i), "line": i + 1, "status": s, "failures": [], "response": None}
        for i, s in enumerate(statuses)
    ]
    overall = status or ("failed" if "failed" in statuses else "passed")
    return {"file": "scenarios/okta/x.scenario.yaml", "dialect": None, "status": overall, "steps": steps}


@pytest.mark.parametrize(
    ("statuses", "pattern", "outcome", "step"),
    [
        (("passed", "passed", "passed"), "b|c", "passed", None),
        (("passed", "failed", "skipped"), "b|c", "failed", "b"),
        (("failed", "skipped", "skipped"), "b|c", "blocked", "a"),  # set-up failed: b and c never ran
        (("passed", "passed", "failed"), "a|b", "passed", None),  # a later step's failure is not theirs
        (("passed", "failed", "skipped"), None, "failed", "b"),
        (("skipped", "skipped"), None, "not-run", None),
    ],
)
def test_judge_tells_passed_failed_blocked_and_not_run(statuses, pattern, outcome, step):
    from mockscim.runner.capability import Evidence

    status = "skipped" if set(statuses) == {"skipped"} else None
    found, at = judge(Evidence("okta/x", pattern), _scenario(*statuses, status=status))
    assert (found, at and at["name"]) == (outcome, step)


# -- the table ---------------------------------------------------------------------------------------


def _evidence():
    return [(c.key, e) for c in CAPABILITIES for e in c.evidence]


@pytest.mark.parametrize(("capability", "evidence"), _evidence(), ids=lambda v: getattr(v, "scenario", v))
def test_every_evidence_row_points_at_real_steps(capability, evidence):
    scenario = load_scenario(library_root() / f"{evidence.scenario}.scenario.yaml")
    names = [step.name for step in scenario.steps]
    assert evidence.steps is None or any(re.search(evidence.steps, name) for name in names), names


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.key)
def test_every_capability_has_evidence_in_each_dialect_and_cites_its_source(capability):
    for dialect in capability.dialects:
        scenarios = [
            load_scenario(library_root() / f"{e.scenario}.scenario.yaml") for e in capability.evidence
        ]
        assert any(s.dialect in (None, dialect) for s in scenarios), dialect
    texts = [capability.source, capability.shows, capability.fix, *(f for _, f in capability.fixes)]
    texts += [t for e in capability.evidence for t in (e.shows, e.fix) if t]
    assert all(re.search(r"docs/okta-reference\.md §\d|RFC 76\d\d §", text) for text in texts), texts


def test_profiles_name_known_capabilities():
    keys = {c.key for c in CAPABILITIES}
    for profile in PROFILES.values():
        assert set(profile.capabilities) <= keys and profile.source.startswith("docs/okta-reference.md §")


@pytest.mark.parametrize(
    ("response", "failure", "kind"),
    [
        (
            {"status": 429},
            {"kind": "status", "message": "expected 200, got 429", "pointer": None},
            "status:429",
        ),
        (
            {"error": "ReadTimeout"},
            {"kind": "transport", "message": "ReadTimeout", "pointer": None},
            "transport",
        ),
        (
            {"status": 401},
            {"kind": "json", "message": "the response body is not JSON: 'Unauthorized'", "pointer": None},
            "error-not-json",
        ),
        (
            {"status": 200},
            {"kind": "json", "message": "/startIndex: expected 1", "pointer": "/startIndex"},
            None,
        ),
    ],
)
def test_failures_that_look_alike_in_okta_get_the_symptom_text(response, failure, kind):
    step = {"name": "test connector configuration (GET /Users, count=2)", "line": 13, "status": "failed"}
    scenario = {
        "name": "Okta tests the connector configuration",
        "file": "scenarios/okta/common/test-connector.scenario.yaml",
        "dialect": None,
        "status": "failed",
        "steps": [{**step, "failures": [failure], "response": response}],
    }
    judged = Readiness.choose("all", "aiw").judge([scenario])["dialects"][0]["capabilities"][0]
    (problem,) = judged["problems"]
    symptom = next((s for s in SYMPTOMS if s.kind == kind), None)
    assert problem["okta_shows"] == (symptom.shows if symptom else CAPABILITIES[0].shows)


def test_the_docs_list_every_capability_and_profile():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "reports.md").read_text(encoding="utf-8")
    rows = {line.split(" | ")[0].removeprefix("| ") for line in docs.splitlines() if line.startswith("| ")}
    assert {c.title for c in CAPABILITIES} <= rows
    assert {f"`{name}`" for name in PROFILES if name != "all"} | {"`all` (default)"} <= rows
