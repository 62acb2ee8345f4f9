"""Record Okta's AIW session, export it as a scenario, replay it against fresh and broken mocks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mockscim.export import export_scenario
from mockscim.export import select_entries
from mockscim.export import to_yaml
from mockscim.server import create_app
from mockscim.server.serving import start_background

MOCKSCIM = [sys.executable, "-m", "mockscim"]


@pytest.fixture
def recorded(okta, okta_flows, app) -> list[dict]:
    """The journal after Okta's whole AIW session (docs/okta-reference.md §13) through real HTTP."""
    okta_flows["aiw"](okta)
    return app.extensions["mockscim"].journal.entries()


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the mockscim CLI."""
    return subprocess.run([*MOCKSCIM, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_export_replays_against_a_fresh_mock(recorded, tmp_path):
    scenario = tmp_path / "recorded.scenario.yaml"
    scenario.write_text(to_yaml(export_scenario(recorded)))
    assert run("validate", str(scenario)).returncode == 0
    result = run("run", str(scenario))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_export_replays_twice_against_the_same_server(recorded, tmp_path, settings, scim_for):
    # Okta-chosen values become vars made unique with ${unique}: a second run does not collide.
    scenario = tmp_path / "recorded.scenario.yaml"
    scenario.write_text(to_yaml(export_scenario(recorded)))
    target = start_background(create_app(settings))
    try:
        for _ in range(2):
            result = run(
                "run",
                str(scenario),
                "--base-url",
                target.url + "/scim/v2",
                "--auth",
                f"basic:{settings.auth.user}:{settings.auth.token}",
            )
            assert result.returncode == 0, result.stdout
    finally:
        target.stop()


def test_literal_export_keeps_recorded_values(recorded):
    text = to_yaml(export_scenario(recorded, literal=True))
    assert "alice@example.com" in text and "00ujl29u0le5T6Aj10h7" in text
    assert "${unique}" not in text


def test_export_is_deterministic_and_keeps_every_request_in_order(recorded):
    first, second = (to_yaml(export_scenario(recorded, name="AIW session")) for _ in range(2))
    assert first == second
    document = export_scenario(recorded)
    requests = [s for s in document["steps"] if "request" in s]
    assert [s["name"].rsplit("#", 1)[1].rstrip("]") for s in requests] == [str(e["id"]) for e in recorded]
    assert "final_state" in document["steps"][-1]


def test_export_uses_saved_ids_and_vars(recorded):
    document = export_scenario(recorded)
    creates = [s for s in document["steps"] if "save" in s]
    assert [list(s["save"]) for s in creates] == [["user_1_id"], ["user_2_id"], ["group_1_id"]]
    text = to_yaml(document)
    ids = {e["response"]["body"]["id"] for e in recorded if e["request"]["method"] == "POST"}
    assert not any(i in text for i in ids)  # every server-assigned id became a variable
    assert "/Users/${user_1_id}" in text and "members[" not in text or "${user_" in text
    assert document["vars"]["user_1_name"] == "alice+${unique}@example.com"
    assert 'userName eq \\"${user_1_name}\\"' in json.dumps(document)  # the lookup before the create
    assert all(
        "meta" not in s["expect"].get("json", {}) for s in document["steps"] if "expect" in s
    )  # volatile


def test_exported_files_never_contain_credentials_or_passwords(recorded, settings):
    text = to_yaml(export_scenario(recorded)) + to_yaml(export_scenario(recorded, literal=True))
    for secret in (settings.auth.token, "1mz050nq", "N3w-passw0rd", "***"):
        assert secret not in text
    assert "${password}" in text


class DeactivatedUsersAre404:
    """A broken SCIM server: GET of an inactive user answers 404 (the Runscope failure, §7.3)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, capture))
        is_user_get = environ["REQUEST_METHOD"] == "GET" and "/Users/" in environ["PATH_INFO"]
        if is_user_get and body and json.loads(body).get("active") is False:
            body = b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "gone"}'
            captured["status"] = "404 NOT FOUND"
            captured["headers"] = [
                ("Content-Type", "application/scim+json"),
                ("Content-Length", str(len(body))),
            ]
        start_response(captured["status"], captured["headers"])
        return [body]


def test_replay_against_a_broken_mock_fails_at_the_right_step(recorded, tmp_path, settings):
    scenario = tmp_path / "recorded.scenario.yaml"
    scenario.write_text(to_yaml(export_scenario(recorded)))
    broken_app = create_app(settings)
    broken_app.wsgi_app = DeactivatedUsersAre404(broken_app.wsgi_app)
    broken = start_background(broken_app)
    try:
        report = tmp_path / "report.json"
        auth = f"basic:{settings.auth.user}:{settings.auth.token}"
        result = run(
            "run", str(scenario), "--base-url", broken.url + "/scim/v2", "--auth", auth, "--json", str(report)
        )
    finally:
        broken.stop()
    assert result.returncode == 1
    steps = json.loads(report.read_text())["scenarios"][0]["steps"]
    failed = next(s for s in steps if s["status"] == "failed")
    # The first GET of the user after the AIW deactivation PUT is the reactivation's read (§7.3).
    deactivate = next(e["id"] for e in recorded if e["operation"] == "deactivate-user")
    expected = next(e for e in recorded if e["id"] > deactivate and e["operation"] == "get-user")
    assert failed["name"] == f"get user (GET /Users/{{id}}) [journal #{expected['id']}]"
    assert failed["failures"][0]["message"].startswith("expected 200")


@pytest.mark.parametrize(
    ("selection", "operations"),
    [
        ({"operations": ("create-user",)}, {"create-user"}),
        ({"since": 3, "until": 4}, None),
    ],
)
def test_select_entries(recorded, selection, operations):
    chosen = select_entries(recorded, **selection)
    if operations:
        assert {e["operation"] for e in chosen} == operations
    else:
        assert [e["id"] for e in chosen] == [3, 4]


def test_cli_export_from_a_running_server_and_a_journal_file(okta, okta_flows, server, settings, tmp_path):
    okta_flows["aiw"](okta)
    auth = f"basic:{settings.auth.user}:{settings.auth.token}"
    from_server = run("export", "--from", server.url, "--auth", auth, "--name", "AIW")
    assert from_server.returncode == 0, from_server.stderr
    journal = tmp_path / "journal.jsonl"
    entries = okta.scim.session.get(server.url + "/__admin/requests", timeout=5).json()["requests"][::-1]
    journal.write_text("".join(json.dumps(e) + "\n" for e in entries))
    from_file = run("export", str(journal), "--name", "AIW", "-o", str(tmp_path / "out.scenario.yaml"))
    assert from_file.returncode == 0
    assert (tmp_path / "out.scenario.yaml").read_text() == from_server.stdout
    admin = okta.scim.session.get(server.url + "/__admin/export?name=AIW", timeout=5)
    assert admin.status_code == 200 and admin.headers["Content-Type"].startswith("application/yaml")
    assert admin.text == from_server.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either a journal JSON Lines file or --from URL"),
        (["--from", "http://127.0.0.1:9"], "cannot reach"),
        (["--from", "http://x", "--auth", "weird"], "not valid"),
        (["--from", "localhost:8080"], "must start with http"),
    ],
)
def test_cli_export_errors(args, message):
    result = run("export", *args)
    assert result.returncode in (1, 2, 3) and message in result.stderr and "Traceback" not in result.stderr
    assert (result.returncode == 3) == (message == "cannot reach")  # unreachable exits 3, like run


def test_validate_reports_bad_files(tmp_path):
    bad = tmp_path / "bad.scenario.yaml"
    bad.write_text(
        "name: x\nsteps:\n  - name: s\n    request: {method: FETCH, path: /Users}\n    expect: {status: 200}\n"
    )
    result = run("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:4:" in result.stderr
