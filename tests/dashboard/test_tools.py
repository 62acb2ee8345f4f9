"""The dashboard's tools over real HTTP: export as scenario, faults, and library flows (verify)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import requests
import yaml
from click.testing import CliRunner

from mockscim.commands.export import export as export_command
from mockscim.faults import FaultSet
from mockscim.server import dashboard_tools

USER, TOKEN = "okta", "s3cr3t-token-for-tests"
PASSWORD = "pw-Never-Shown-42"
ACTION = {"X-Mockscim-Dashboard": "1"}
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
TOOLS = (
    ("POST", "dashboard/api/export"),
    ("GET", "dashboard/api/faults"),
    ("POST", "dashboard/api/faults"),
    ("DELETE", "dashboard/api/faults"),
    ("DELETE", "dashboard/api/faults/1"),
    ("GET", "dashboard/api/library-flows"),
)


@pytest.mark.parametrize(("method", "path"), TOOLS)
def test_tools_need_credentials(dashboard_url, method, path):
    response = requests.request(method, dashboard_url + path, headers=ACTION, json={}, timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="mockscim"'


@pytest.mark.parametrize(("method", "path"), [t for t in TOOLS if t[0] != "GET"])
def test_tool_actions_need_the_dashboard_header(admin, dashboard_url, method, path):
    response = admin.request(method, dashboard_url + path, json={"ids": [1]}, timeout=5)
    assert response.status_code == 403
    assert "X-Mockscim-Dashboard: 1" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ids": []}, "ids must be a non-empty list of journal entry ids"),
        ({"ids": "1,2"}, "ids must be a non-empty list"),
        ({"ids": [True]}, "ids must be a non-empty list"),
        ({"ids": [0]}, "ids must be a non-empty list"),
        ({"ids": [1], "name": " "}, "name must be a non-empty text"),
        ({"ids": [1], "literal": "maybe"}, "literal must be true or false"),
        ({"ids": [1], "since": 1}, 'export takes {"ids"'),
        ({"ids": [1, 999]}, "no journal entry #999; it was dropped or cleared"),
        ([1, 2], "expects a JSON object body"),
        ("{not json", "the request body is not valid JSON"),
    ],
)
def test_export_refuses_bad_input(admin, dashboard_url, scim, body, message):
    scim.get("/Users?startIndex=1&count=2")
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {**ACTION, "Content-Type": "application/json"}
    response = admin.post(dashboard_url + "dashboard/api/export", data=data, headers=headers, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_export_downloads_the_selected_entries_as_a_scenario(admin, dashboard_url, okta_aiw):
    okta_aiw.session()
    body = {"ids": [3, 2], "name": "Alice's assignment"}
    response = admin.post(dashboard_url + "dashboard/api/export", json=body, headers=ACTION, timeout=5)
    assert response.headers["Content-Type"].startswith("application/yaml")
    disposition = 'attachment; filename="alice-s-assignment.scenario.yaml"'
    assert response.headers["Content-Disposition"] == disposition
    scenario = yaml.safe_load(response.text)
    assert scenario["name"] == "Alice's assignment"
    requests = [step for step in scenario["steps"] if "request" in step]
    assert [step["name"][-12:] for step in requests] == ["[journal #2]", "[journal #3]"]
    assert "final_state" in scenario["steps"][-1]  # every export ends with the session's end state


@pytest.mark.parametrize("source", ["GET /__admin/export", "mockscim export FILE"])
def test_export_is_the_same_as_the_admin_api_and_the_cli(admin, dashboard_url, okta_aiw, tmp_path, source):
    okta_aiw.session()
    ids = list(range(1, 14))
    exported = admin.post(
        dashboard_url + "dashboard/api/export", json={"ids": ids}, headers=ACTION, timeout=5
    )
    if source.startswith("GET"):
        expected = admin.get(dashboard_url + "export", timeout=5).text
    else:
        journal = tmp_path / "journal.jsonl"
        journal.write_text(admin.get(dashboard_url + "requests.jsonl", timeout=5).text, encoding="utf-8")
        expected = CliRunner().invoke(export_command, [str(journal)], catch_exceptions=False).output
    assert exported.text.strip() == expected.strip()


@pytest.mark.parametrize("name", [p["label"] for p in dashboard_tools.PRESETS])
def test_every_preset_is_a_valid_fault(admin, dashboard_url, name):
    served = admin.get(dashboard_url + "dashboard/api/faults", timeout=5).json()["presets"]
    preset = next(p for p in served if p["label"] == name)
    assert FaultSet().add(preset["spec"]).describe()["hits"] == 0


def test_faults_are_added_listed_applied_and_deleted(admin, dashboard_url, scim):
    faults = dashboard_url + "dashboard/api/faults"
    spec = {"match": {"method": "POST", "path": "/Users"}, "action": {"status": 503}, "times": 2}
    added = admin.post(faults, json=spec, headers=ACTION, timeout=5)
    assert added.status_code == 201 and added.json()["id"] == 1
    assert scim.post("/Users", {"schemas": [USER_URN], "userName": "a@example.com"}).status_code == 503
    listed = admin.get(faults, timeout=5).json()["faults"]
    assert [(f["id"], f["hits"], f["remaining"], f["match"]) for f in listed] == [(1, 1, 1, spec["match"])]
    assert admin.delete(faults + "/1", headers=ACTION, timeout=5).json() == {"deleted": 1}
    assert admin.delete(faults + "/1", headers=ACTION, timeout=5).status_code == 404
    admin.post(faults, json=spec, headers=ACTION, timeout=5)
    assert admin.delete(faults, headers=ACTION, timeout=5).json() == {"cleared": True}
    assert admin.get(faults, timeout=5).json()["faults"] == []
    assert scim.post("/Users", {"schemas": [USER_URN], "userName": "a@example.com"}).status_code == 201


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"match": {"method": "POST"}', "the request body is not valid JSON"),
        ('{"action": {"status": 200}}', "status must be an HTTP error status from 400 to 599, not 200"),
        ('{"match": {"verb": "GET"}, "action": {"close": true}}', "match takes method, path"),
        ('{"action": {}}', "action needs exactly one of delay_ms, status"),
        ('{"action": {"close": true}, "times": 0}', "times must be a positive integer"),
        ('{"action": {"close": true}, "when": "now"}', "a fault is {match: {...}, action: {...}"),
    ],
)
def test_bad_fault_specs_get_the_servers_message(admin, dashboard_url, text, message):
    headers = {**ACTION, "Content-Type": "application/json"}
    response = admin.post(dashboard_url + "dashboard/api/faults", data=text, headers=headers, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert admin.get(dashboard_url + "dashboard/api/faults", timeout=5).json()["faults"] == []


def test_no_secret_in_tool_responses(admin, dashboard_url, okta_aiw):
    okta_aiw.session()
    admin.post(
        dashboard_url + "dashboard/api/faults", json=dashboard_tools.PRESETS[0]["spec"], headers=ACTION
    )
    texts = [
        admin.post(
            dashboard_url + "dashboard/api/export", json={"ids": list(range(1, 14))}, headers=ACTION
        ).text,
        admin.get(dashboard_url + "dashboard/api/faults", timeout=5).text,
        admin.get(dashboard_url + "dashboard/api/library-flows", timeout=5).text,
    ]
    for text in texts:
        assert TOKEN not in text and PASSWORD not in text


# -- library flows ----------------------------------------------------------------------------------


def library(admin, dashboard_url: str, **params: str) -> dict:
    """The library-flows endpoint's answer."""
    response = admin.get(dashboard_url + "dashboard/api/library-flows", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_played_library_flow_is_complete(admin, dashboard_url, play):
    play("okta/aiw/push-group")
    data = library(admin, dashboard_url)
    by_id = {flow["flow"]: flow for flow in data["flows"]}
    push = by_id["okta/aiw/push-group"]
    assert (push["status"], push["passed"], push["matched_steps"], push["total_steps"]) == (
        "complete",
        True,
        4,
        4,
    )
    assert [step["matched"] for step in push["steps"]] == [1, 2, 3, 4]
    assert [step["entry"]["method"] for step in push["steps"]] == ["POST", "POST", "GET", "PUT"]
    unseen = [flow for flow in data["flows"] if flow["status"] == "unseen"]
    assert unseen and not any(step["matched"] for flow in unseen for step in flow["steps"])
    assert data["window"] == {
        "first": 1,
        "last": 5,
        "count": 5,
        "journal": 5,
        "partial": False,
        "command": "mockscim verify okta --journal mockscim-journal.jsonl",
    }


def test_an_incomplete_flow_shows_its_first_missing_step(admin, dashboard_url, okta_aiw):
    okta_aiw.lookup("carol.danvers@example.com")
    assign = next(
        f for f in library(admin, dashboard_url)["flows"] if f["flow"] == "okta/common/assign-new-user"
    )
    assert (assign["status"], assign["matched_steps"], assign["total_steps"]) == ("incomplete", 1, 2)
    missing = assign["steps"][1]
    assert (missing["matched"], missing["closest"], missing["closest_entry"]["method"]) == (None, 1, "GET")
    assert missing["expected"].startswith("POST /Users")
    assert "method is GET, expected POST" in missing["differences"]


def test_library_flows_are_cached_until_the_journal_changes(admin, dashboard_url, scim):
    scim.get("/Users?startIndex=1&count=2")
    assert [library(admin, dashboard_url)["cached"] for _ in range(2)] == [False, True]
    scim.get("/Users?startIndex=1&count=2")
    assert library(admin, dashboard_url)["cached"] is False


@pytest.mark.parametrize("since", ["yesterday", "-1", "²", "1.5"])
def test_library_flows_refuse_a_bad_since(admin, dashboard_url, since):
    response = admin.get(dashboard_url + "dashboard/api/library-flows", params={"since": since}, timeout=5)
    assert response.status_code == 400
    assert "since must be a journal entry id" in response.json()["detail"]


def test_library_flows_match_from_a_given_entry(admin, dashboard_url, okta_aiw):
    okta_aiw.session()
    window = library(admin, dashboard_url, since="12")["window"]
    assert (window["first"], window["last"], window["count"], window["partial"]) == (12, 13, 2, True)
    assert window["command"] == "mockscim verify okta --journal mockscim-journal.jsonl --since 12"


def cli_verdicts(output: str) -> dict[str, dict]:
    """``mockscim verify`` output, per flow: its report text, verdict, and each step's journal id."""
    blocks: dict[str, list[str]] = {}
    for line in output.splitlines():
        head = re.match(r"^(?:PASS|FAIL) (\S+)  \(", line)
        if head:
            blocks[head.group(1)] = []
        blocks[list(blocks)[-1]].append(line)
    return {name: _cli_flow(lines) for name, lines in blocks.items()}


def _cli_flow(lines: list[str]) -> dict:
    """One flow's block of the verify report."""
    steps = [line for line in lines if line.startswith(("  ok ", "  MISS "))]
    matched = [re.match(r"  ok   .*?: journal #(\d+) ", s) for s in steps]
    return {
        "passed": lines[0].startswith("PASS"),
        "matched": [int(m.group(1)) if m else None for m in matched],
        "report": "\n".join(lines),
    }


def _page_flow(flow: dict) -> dict:
    """The same fields from the dashboard's library-flows answer."""
    return {
        "passed": flow["passed"],
        "matched": [s["matched"] for s in flow["steps"]],
        "report": flow["report"],
    }


def page_and_cli(admin, dashboard_url: str, journal) -> tuple[dict, dict]:
    """The dashboard's library flows and ``mockscim verify`` on the downloaded journal, as dicts.

    Retried when a library file changed meanwhile (people edit scenarios while tests run)."""
    for _ in range(3):
        before = dashboard_tools.library().signature
        data = library(admin, dashboard_url)
        journal.write_text(admin.get(dashboard_url + "requests.jsonl", timeout=5).text, encoding="utf-8")
        command = data["window"]["command"].split()  # what the page tells people to run
        args = [str(journal) if arg == journal.name else arg for arg in command[1:]]
        cli = subprocess.run(
            [sys.executable, "-m", "mockscim", *args],
            capture_output=True,
            text=True,
            cwd=journal.parent,
            timeout=120,
        )
        assert cli.returncode in (0, 1), cli.stderr
        if dashboard_tools.library().signature == before:
            return data, cli_verdicts(cli.stdout)
    raise AssertionError("the scenario library kept changing during the test")


@pytest.mark.parametrize(
    ("session", "window"),
    [("a played library flow", None), ("an Okta AIW session", None), ("an Okta AIW session", 6)],
)
def test_library_flows_agree_with_mockscim_verify(
    admin, dashboard_url, okta_aiw, play, monkeypatch, tmp_path, session, window
):
    if session == "a played library flow":
        play("okta/aiw/push-group")
    else:
        okta_aiw.session()
    if window:
        monkeypatch.setattr(dashboard_tools, "LIBRARY_WINDOW", window)
    data, cli = page_and_cli(admin, dashboard_url, tmp_path / "mockscim-journal.jsonl")  # Download .jsonl
    assert ("--since" in data["window"]["command"]) == bool(window)
    assert cli == {flow["flow"]: _page_flow(flow) for flow in data["flows"]}
    assert any(flow["matched_steps"] for flow in data["flows"])  # not agreeing on nothing
