"""``mockscim run``: exit codes 0/1/2/3, reports, -k, --dialect, the built-in library."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from mockscim.cli import main

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def cli() -> CliRunner:
    """A click runner for the ``mockscim`` group."""
    return CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of *.scenario.yaml files: neutral, aiw, oin and a failing one in a subfolder."""
    for name in ("cli-pass", "cli-aiw", "cli-oin"):
        shutil.copy(DATA / f"{name}.yaml", tmp_path / f"{name}.scenario.yaml")
    (tmp_path / "sub").mkdir()
    shutil.copy(DATA / "cli-fail.yaml", tmp_path / "sub" / "cli-fail.scenario.yaml")
    return tmp_path


def _run(cli: CliRunner, *args: str):
    return cli.invoke(main, ["run", *args], catch_exceptions=False)


def test_passing_scenario_exits_0(cli):
    result = _run(cli, str(DATA / "cli-pass.yaml"))
    assert result.exit_code == 0, result.output
    assert "PASS  list users works" in result.stdout
    assert "1 passed in" in result.stdout


def test_failing_scenario_exits_1_with_the_report(cli):
    result = _run(cli, str(DATA / "cli-fail.yaml"))
    assert result.exit_code == 1
    assert "FAIL  expects the wrong status" in result.stdout
    assert "- status: expected 201, got 200 OK" in result.stdout
    assert "0 passed, 1 failed in" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [str(DATA / "bad-method.yaml")],
            "bad-method.yaml:5: $.steps[0].request.method: unknown HTTP method",
        ),
        (["does-not-exist.yaml"], "does not exist"),
        (["-k", "okta and", str(DATA / "cli-pass.yaml")], "-k 'okta and': the expression ends too early"),
        (["-k", "nothing", str(DATA / "cli-pass.yaml")], "1 scenario(s) found, none selected"),
        (["--dialect", "scim1", str(DATA / "cli-pass.yaml")], "Invalid value for '--dialect'"),
        (["--auth", "bearer:x", str(DATA / "cli-pass.yaml")], "--auth needs --base-url"),
        (
            ["--base-url", "localhost:1/scim/v2", str(DATA / "cli-pass.yaml")],
            "must start with http:// or https://",
        ),
        (
            ["--base-url", "http://127.0.0.1:1", "--auth", "token:x", str(DATA / "cli-pass.yaml")],
            "is not valid",
        ),
        (["--timeout", "0", str(DATA / "cli-pass.yaml")], "Invalid value for '--timeout'"),
        (
            ["--admin-url", "http://127.0.0.1:1/__admin", str(DATA / "cli-pass.yaml")],
            "--admin-url needs --base-url",
        ),
        (
            [
                "--base-url",
                "http://127.0.0.1:1/scim/v2",
                "--admin-url",
                "localhost/__admin",
                str(DATA / "cli-pass.yaml"),
            ],
            "--admin-url 'localhost/__admin' must start with http:// or https://",
        ),
    ],
    ids=[
        "bad-file",
        "missing-path",
        "bad-k",
        "nothing-selected",
        "bad-dialect",
        "auth-without-url",
        "bad-url",
        "bad-auth",
        "bad-timeout",
        "admin-url-without-base-url",
        "bad-admin-url",
    ],
)
def test_bad_usage_or_bad_file_exits_2(cli, args, message):
    result = _run(cli, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_unreachable_target_exits_3(cli, closed_port):
    url = f"http://127.0.0.1:{closed_port}/scim/v2"
    result = _run(cli, "--base-url", url, str(DATA / "cli-pass.yaml"))
    assert result.exit_code == 3
    assert f"cannot connect to {url}/Users" in result.stderr
    assert "Check --base-url" in result.stderr


def test_base_url_and_auth_target_a_live_server(cli, server, scim):
    user, token = scim.session.auth
    args = [
        "--base-url",
        server.url + "/scim/v2",
        "--auth",
        f"basic:{user}:{token}",
        str(DATA / "cli-pass.yaml"),
    ]
    result = _run(cli, *args)
    assert result.exit_code == 0, result.output
    assert f"against {server.url}/scim/v2" in result.stdout


def test_wrong_auth_against_a_live_server_fails(cli, server):
    args = ["--base-url", server.url + "/scim/v2", "--auth", "bearer:wrong", str(DATA / "cli-pass.yaml")]
    result = _run(cli, *args)
    assert result.exit_code == 1
    assert "expected 200, got 401" in result.stdout


def test_junit_and_json_reports_describe_the_failure(cli, folder, tmp_path):
    junit, report = tmp_path / "out.xml", tmp_path / "out.json"
    result = _run(cli, str(folder), "--junit-xml", str(junit), "--json", str(report))
    assert result.exit_code == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("4", "1")
    [failure] = suite.iter("failure")
    assert "status: expected 201, got 200" in failure.get("message")
    document = json.loads(report.read_text())
    assert document["summary"]["total"] == 4 and document["summary"]["failed"] == 1
    failed = [s for s in document["scenarios"] if s["status"] == "failed"]
    assert [s["name"] for s in failed] == ["expects the wrong status"]
    assert failed[0]["steps"][0]["failures"][0]["kind"] == "status"
    assert failed[0]["steps"][0]["response"]["status"] == 200


@pytest.mark.parametrize(
    ("args", "ran"),
    [
        (["-k", "okta"], ["list users works", "put dialect only", "patch dialect only"]),
        (["-k", "not negative and not oin"], ["list users works", "put dialect only"]),
        (["--dialect", "aiw", "-k", "okta"], ["list users works", "put dialect only"]),
        (["--dialect", "oin", "-k", "okta"], ["list users works", "patch dialect only"]),
    ],
)
def test_keyword_and_dialect_select_scenarios(cli, folder, args, ran):
    result = _run(cli, *args, str(folder))
    assert result.exit_code == 0, result.output
    names = [line.split("  ")[1] for line in result.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert sorted(names) == sorted(ran)


def test_fail_fast_stops_after_the_first_failure(cli, tmp_path):
    for index, name in enumerate(["cli-fail", "cli-pass"]):
        shutil.copy(DATA / f"{name}.yaml", tmp_path / f"{index}-{name}.scenario.yaml")
    result = _run(cli, "--fail-fast", str(tmp_path))
    assert result.exit_code == 1
    assert "list users works" not in result.stdout
    assert "--fail-fast" in result.stderr


def test_embedded_mock_is_reset_between_scenarios(cli, tmp_path):
    create = (
        "name: {name}\nsteps:\n  - name: create\n    request:\n      method: POST\n      path: /Users\n"
        "      json: {{userName: same@example.com}}\n    expect: {{status: 201}}\n"
    )
    for name in ("first", "second"):
        (tmp_path / f"{name}.scenario.yaml").write_text(create.format(name=name))
    result = _run(cli, str(tmp_path))
    assert result.exit_code == 0, result.output


def test_a_run_keeps_one_connection_and_no_cookie_from_an_earlier_scenario(cli, fake_server, tmp_path):
    fake_server.keep_alive = True
    fake_server.reply(200, {"Resources": []}, headers={"Set-Cookie": "sticky=1; Path=/"})
    step = "  - name: {0}\n    request: {{method: GET, path: /Users}}\n    expect: {{status: 200}}\n"
    for name in ("first", "second"):
        text = f"name: {name}\nsteps:\n" + step.format("one") + step.format("two")
        (tmp_path / f"{name}.scenario.yaml").write_text(text)
    result = _run(cli, "--base-url", fake_server.url + "/scim/v2", "--auth", "none", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert [r.headers.get("Cookie") for r in fake_server.received] == [None, "sticky=1", None, "sticky=1"]
    assert len({r.peer for r in fake_server.received}) == 1


def test_without_paths_the_builtin_library_runs(cli):
    result = _run(cli)
    assert result.exit_code == 0, result.output
    assert "PASS  Okta tests the connector configuration" in result.stdout
    assert "embedded mockscim" in result.stdout


def test_mock_scenario_sets_a_fault_on_the_embedded_mock(cli):
    result = _run(cli, str(DATA / "cli-mock.yaml"))
    assert result.exit_code == 0, result.output
    assert "PASS  the next create fails once" in result.stdout


def test_a_target_without_admin_api_skips_and_exits_0(cli, fake_server, tmp_path):
    fake_server.reply(404, body="Not Found")
    junit, report = tmp_path / "out.xml", tmp_path / "out.json"
    args = ["--base-url", fake_server.url + "/scim/v2", "--junit-xml", str(junit), "--json", str(report)]
    result = _run(cli, *args, str(DATA / "cli-mock.yaml"))
    assert result.exit_code == 0, result.output
    assert "SKIP  the next create fails once  (" in result.stdout
    assert f"skipped: requires mock-admin: no mockscim admin API: GET {fake_server.url}/__admin/health" in (
        result.stdout
    )
    assert "0 passed, 1 skipped in" in result.stdout
    assert ET.parse(junit).getroot().find("testsuite/testcase/skipped") is not None
    assert json.loads(report.read_text())["scenarios"][0]["status"] == "skipped"


def test_skips_do_not_hide_failures(cli, fake_server, tmp_path):
    fake_server.reply(200, {})
    for name in ("cli-mock", "cli-fail"):
        shutil.copy(DATA / f"{name}.yaml", tmp_path / f"{name}.scenario.yaml")
    result = _run(cli, "--base-url", fake_server.url + "/scim/v2", str(tmp_path))
    assert result.exit_code == 1
    assert "0 passed, 1 failed, 1 skipped in" in result.stdout


@pytest.mark.parametrize(
    ("admin_path", "outcome"),
    [("/__admin", "PASS"), ("/not-admin", "SKIP")],
    ids=["explicit", "wrong"],
)
def test_admin_url_option_overrides_the_derived_one(cli, server, scim, admin_path, outcome):
    user, token = scim.session.auth
    args = ["--base-url", server.url + "/scim/v2", "--auth", f"basic:{user}:{token}"]
    result = _run(cli, *args, "--admin-url", server.url + admin_path, str(DATA / "cli-mock.yaml"))
    assert result.exit_code == 0, result.output
    assert f"{outcome}  the next create fails once" in result.stdout


def test_a_failing_admin_call_exits_1_with_the_report(cli, fake_server):
    fake_server.reply(500, {"detail": "cannot store faults"})
    fake_server.reply_at("/__admin/health", 200, {"status": "ok"})
    result = _run(cli, "--base-url", fake_server.url + "/scim/v2", str(DATA / "cli-mock.yaml"))
    assert result.exit_code == 1
    assert "  FAIL  fail the next POST /Users with 503" in result.stdout
    assert f"- admin: POST {fake_server.url}/__admin/faults answered 500" in result.stdout
    assert "  SKIP  create fails" in result.stdout


def test_embedded_mock_reset_clears_state_journal_and_faults():
    from mockscim.commands.run import EmbeddedMock

    embedded = EmbeddedMock()
    try:
        state = embedded.app.extensions["mockscim"]
        requests.post(
            embedded.base_url + "/Users", json={"userName": "a@example.com"}, auth=embedded.auth, timeout=5
        )
        state.faults.add({"match": {"method": "POST"}, "action": {"status": 503}})
        assert (state.store.counts()["User"], state.journal.count(), len(state.faults.list())) == (1, 1, 1)
        embedded.reset()
        assert (state.store.counts()["User"], state.journal.count(), len(state.faults.list())) == (0, 0, 0)
    finally:
        embedded.stop()
