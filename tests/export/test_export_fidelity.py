"""What the export must get right for a replay to mean anything: case variants, responses without
members, injected faults, 404 probes, counts, the final state, and bad journal files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockscim.export import export_scenario
from mockscim.export import select_entries
from mockscim.export import to_yaml
from mockscim.runner import Credentials
from mockscim.runner import Target
from mockscim.runner import load_text
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.server import create_app
from mockscim.server.serving import start_background

MOCKSCIM = [sys.executable, "-m", "mockscim"]
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _entries(app: Any) -> list[dict]:
    return app.extensions["mockscim"].journal.entries()


def _target(server: Any, settings: Any) -> Target:
    return Target(
        server.url + "/scim/v2",
        Credentials.parse(f"basic:{settings.auth.user}:{settings.auth.token}"),
        timeout=10,
    )


def _replay(text: str, server: Any, settings: Any) -> Any:
    return run_scenario(load_text(text, "exported.scenario.yaml"), _target(server, settings))


def _user(name: str) -> dict:
    return {"schemas": [USER], "userName": name, "active": True, "externalId": "00uABCDEFGHIJ1234567"}


def test_a_case_variant_of_a_recorded_user_name_is_the_same_variable(app, scim, serve, settings):
    assert scim.post("/Users", _user("alice@example.com")).status_code == 201
    assert scim.post("/Users", _user("ALICE@Example.com")).status_code == 409  # RFC 7643 §4.1.1
    assert (
        scim.get("/Users", params={"filter": 'userName eq "Alice@EXAMPLE.com"'}).json()["totalResults"] == 1
    )
    document = export_scenario(_entries(app))
    text = to_yaml(document)
    assert document["vars"]["user_1_name"] == "alice+${unique}@example.com"
    assert document["vars"]["user_1_name_case_2"] == "ALICE+${unique}@Example.com"
    assert "ALICE@Example.com" not in text and "Alice@EXAMPLE.com" not in text
    duplicate = document["steps"][1]
    assert duplicate["request"]["json"]["userName"] == "${user_1_name_case_2}"
    assert duplicate["expect"]["status"] == 409
    fresh = serve(settings)
    for _ in range(2):
        result = _replay(text, fresh, settings)
        assert result.passed, scenario_report(result)


def test_literal_export_keeps_case_variants_as_recorded(app, scim):
    scim.post("/Users", _user("bob@example.com"))
    scim.post("/Users", _user("Bob@Example.com"))
    document = export_scenario(_entries(app), literal=True)
    assert document["vars"]["user_1_name_case_2"] == "Bob@Example.com"


def _entry(number: int, method: str, path: str, status: int, body: Any = None, request: Any = None) -> dict:
    return {
        "id": number,
        "request": {
            "method": method,
            "path": "/scim/v2" + path,
            "scim_path": path,
            "query": {},
            "body": request,
        },
        "response": {"status": status, "headers": {}, "body": body},
        "resource": {"type": "Group" if path.startswith("/Groups") else "User", "id": path.split("/")[-1]},
        "operation": "unknown",
    }


def test_expectations_hold_only_what_the_recorded_response_showed():
    group = {"schemas": [GROUP], "id": "g1", "displayName": "Eng", "members": [{"value": "u1"}]}
    emptied = {"schemas": [GROUP], "id": "g1", "displayName": "Eng"}  # no members key (RFC 7644 §3.5.1)
    entries = [
        _entry(1, "POST", "/Groups", 201, group, {"schemas": [GROUP], "displayName": "Eng", "members": []}),
        _entry(
            2, "PUT", "/Groups/g1", 200, emptied, {"schemas": [GROUP], "displayName": "Eng", "members": []}
        ),
    ]
    steps = export_scenario(entries)["steps"]
    assert steps[0]["expect"]["json"]["members"] == [{"value": "u1"}]
    assert "members" not in steps[1]["expect"]["json"]
    assert "members" not in steps[-1]["final_state"]["groups"][0]  # unknown after that write


def test_a_request_that_met_a_fault_replays_after_a_mock_step(app, scim, server, serve, settings):
    admin = server.url + "/__admin/faults"
    fault = {
        "match": {"method": "POST", "path": "/Users"},
        "action": {"status": 429, "retry_after": 7},
        "times": 1,
    }
    assert scim.session.post(admin, json=fault, timeout=5).status_code == 201
    assert scim.post("/Users", _user("carol@example.com")).status_code == 429
    assert scim.post("/Users", _user("carol@example.com")).status_code == 201
    document = export_scenario(_entries(app))
    assert document["requires"] == ["mock-admin"]
    injected, first, second = document["steps"][:3]
    assert injected["mock"]["faults"] == [
        {
            "match": {"method": "POST", "path": "/Users"},
            "action": {"status": 429, "retry_after": 7},
            "times": 1,
        }
    ]
    assert first["expect"]["status"] == 429 and second["expect"]["status"] == 201
    fresh = serve(settings)
    for _ in range(2):
        result = _replay(to_yaml(document), fresh, settings)
        assert result.passed, scenario_report(result)
    skipped = export_scenario(_entries(app), faults="skip")
    assert "requires" not in skipped and all("mock" not in step for step in skipped["steps"])
    assert "1 request(s) that met an injected fault were left out (#1)" in skipped["description"]
    assert _replay(to_yaml(skipped), fresh, settings).passed


def test_a_404_probe_is_no_resource_to_seed(app, scim):
    scim.post("/Users", _user("dave@example.com"))
    assert scim.get("/Users/never-existed").status_code == 404
    description = export_scenario(_entries(app))["description"]
    assert "seed" not in description and "(2 requests)" in description


def test_cli_counts_agree_with_the_file(app, scim, anonymous, tmp_path):
    scim.post("/Users", _user("erin@example.com"))
    assert anonymous.get("/Users").status_code == 401  # left out: refused credentials
    journal = tmp_path / "journal.jsonl"
    journal.write_text("".join(json.dumps(e) + "\n" for e in _entries(app)))
    output = tmp_path / "out.scenario.yaml"
    result = subprocess.run(
        [*MOCKSCIM, "export", str(journal), "-o", str(output)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "(1 requests, 1 left out" in result.stderr
    description = yaml.safe_load(output.read_text())["description"]
    assert "(1 requests)" in description and "1 request(s) refused with 401" in description


class DropsTheLastMember:
    """A wrong server: a group PUT stores one member fewer, yet answers with every member sent."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] != "PUT" or "/Groups/" not in environ["PATH_INFO"]:
            return self.app(environ, start_response)
        sent = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        stored = {**sent, "members": sent.get("members", [])[:-1]}
        raw = json.dumps(stored).encode()
        import io

        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))
        captured: dict = {}
        body = b"".join(self.app(environ, lambda s, h, e=None: captured.update(status=s, headers=h)))
        answer = json.loads(body)
        answer["members"] = sent.get("members", [])
        out = json.dumps(answer).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(out)))])
        return [out]


def test_a_server_that_drops_a_member_fails_the_final_state_naming_it(app, scim, settings):
    pat = scim.post("/Users", _user("pat@example.com")).json()
    sam = scim.post("/Users", _user("sam@example.com")).json()
    group = scim.post("/Groups", {"schemas": [GROUP], "displayName": "Engineering", "members": []}).json()
    members = [{"value": pat["id"], "display": "pat"}, {"value": sam["id"], "display": "sam"}]
    body = {"schemas": [GROUP], "displayName": "Engineering", "members": members}
    assert scim.put(f"/Groups/{group['id']}", body).status_code == 200
    text = to_yaml(export_scenario(_entries(app)))
    wrong_app = create_app(settings)
    wrong_app.wsgi_app = DropsTheLastMember(wrong_app.wsgi_app)
    wrong = start_background(wrong_app)
    try:
        result = _replay(text, wrong, settings)
    finally:
        wrong.stop()
    assert result.failed and result.failed_step.name == "the target ends as the recorded session left it"
    [failure] = result.failed_step.failures
    assert failure.kind == "final_state"
    assert failure.message.startswith("group Engineering ") and "member sam+" in failure.message
    assert failure.message.endswith("missing")


def _renamed_between(app: Any, scim: Any) -> list[dict]:
    """A session: create a user, rename it (a PUT), read it back; its journal."""
    user = scim.post("/Users", _user("rae@example.com")).json()
    renamed = {**_user("rae@example.com"), "displayName": "Rae Renamed"}
    assert scim.put(f"/Users/{user['id']}", renamed).status_code == 200
    assert scim.get(f"/Users/{user['id']}").json()["displayName"] == "Rae Renamed"
    return _entries(app)


FINAL = "the target ends as the recorded session left it"


def test_an_export_that_skips_a_write_does_not_check_what_it_changed(app, scim, serve, settings):
    journal = _renamed_between(app, scim)
    chosen = select_entries(journal, operations=("create-user", "get-user"))
    assert [e["request"]["method"] for e in chosen] == ["POST", "GET"]
    unguarded = export_scenario(chosen)  # the export before it knew what it left out
    assert _replay(to_yaml(unguarded), serve(settings), settings).failed_step.name == FINAL
    document = export_scenario(chosen, journal=journal)
    assert FINAL not in [step.get("name") for step in document["steps"]]
    assert "No final_state step: 1 successful write(s)" in document["description"]
    assert not _replay(to_yaml(document), serve(settings), settings).failed


def test_a_whole_session_export_still_checks_the_end_state(app, scim, serve, settings):
    journal = _renamed_between(app, scim)
    document = export_scenario(journal, journal=journal)
    assert document["steps"][-1]["name"] == FINAL
    assert document["steps"][-1]["final_state"]["users"][0]["displayName"] == "Rae Renamed"
    assert not _replay(to_yaml(document), serve(settings), settings).failed


@pytest.mark.parametrize(
    ("content", "message", "code"),
    [
        ("", "is not a mockscim journal: it is empty", 2),
        ("name: a scenario\nsteps: []\n", "no line is a journal entry (line 1: not JSON", 2),
        ('{"id": 1}\n', "line 1: not a journal entry (one needs id, request.method", 2),
    ],
)
def test_export_and_verify_refuse_a_file_that_is_not_a_journal(tmp_path: Path, content, message, code):
    journal = tmp_path / "not-a-journal.jsonl"
    journal.write_text(content)
    for command in (["export", str(journal)], ["verify", "okta/aiw/push-group", "--journal", str(journal)]):
        result = subprocess.run([*MOCKSCIM, *command], capture_output=True, text=True, timeout=60)
        assert result.returncode == code and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_corrupt_lines_are_skipped_and_counted(app, scim, tmp_path):
    scim.post("/Users", _user("frank@example.com"))
    lines = [json.dumps(e) for e in _entries(app)]
    journal = tmp_path / "journal.jsonl"
    journal.write_text("\n".join(["garbage", *lines, '{"torn": ']) + "\n")
    result = subprocess.run([*MOCKSCIM, "export", str(journal)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "skipped 2 of 3 lines (line 1: not JSON; line 3: not JSON)" in result.stderr
