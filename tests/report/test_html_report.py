"""The HTML report as written by ``mockscim run --html-report``: counts equal to the JSON report's,
failures first and open with their differences, the verdict on top, self-contained, no secrets,
markup from a server kept as text, and templates that ship in the package."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from report.conftest import run_cli

from mockscim.library import library_root

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
STATUSES = ("passed", "failed", "skipped", "total")
# The library's folders name its groups (scenarios/README.md); mock/empty-store is tagged negative.
FOLDER_GROUPS = {
    "okta/aiw": "Okta AIW",
    "okta/oin": "Okta OIN",
    "okta/common": "Okta, both dialects",
    "okta/negative": "Okta negative cases",
    "okta/spec-test": "Okta SPEC test",
    "rfc7644": "RFC 7644",
    "mock": "mockscim faults",
}


def _group(file: str) -> str:
    """The group a library file belongs to, by folder."""
    if file.endswith("mock/empty-store.scenario.yaml"):
        return "Okta negative cases"
    folder = file.split("scenarios/", 1)[1].rsplit("/", 1)[0]
    return FOLDER_GROUPS[folder]


def _row(node) -> dict[str, int]:
    """The counts of one summary row."""
    return {status: int(node.find("td", data_count=status).text()) for status in STATUSES}


@pytest.mark.parametrize("which", ["passing_run", "failing_run"])
def test_summary_counts_equal_the_json_report(request, which):
    run = request.getfixturevalue(which)
    page, summary = run.page, run.report["summary"]
    assert _row(page.find("tr", id="summary-total")) == {s: summary[s] for s in STATUSES}
    expected: dict[str, dict[str, int]] = {}
    for scenario in run.report["scenarios"]:
        row = expected.setdefault(_group(scenario["file"]), dict.fromkeys(STATUSES, 0))
        row[scenario["status"]] += 1
        row["total"] += 1
    shown = {
        row.attrs["data-group"]: _row(row)
        for row in page.find("table", cls="summary").find_all("tr")
        if "data-group" in row.attrs
    }
    assert shown == expected
    assert len(page.find_all("details", cls="scenario")) == summary["total"]


def test_a_passing_run_reads_as_passed(passing_run):
    page = passing_run.page
    assert page.find("p", id="outcome").text().split() == [
        str(passing_run.report["summary"]["passed"]),
        "passed",
    ]
    assert not page.find_all("details", cls="scenario", open="")
    assert not page.find_all(cls="differences")
    # A long import page is cut with a note, not dropped.
    assert "showing 300 of" in passing_run.html


def test_failures_come_first_open_with_their_differences(failing_run):
    page = failing_run.page
    failed = [s for s in failing_run.report["scenarios"] if s["status"] == "failed"]
    scenarios = page.find_all("details", cls="scenario")
    assert [s.attrs["data-status"] for s in scenarios[: len(failed)]] == ["failed"] * len(failed)
    assert all("open" in s.attrs for s in scenarios[: len(failed)])
    assert not any("open" in s.attrs for s in scenarios[len(failed) :])
    push = next(
        s
        for s in scenarios
        if s.find("code", cls="file").text().endswith("okta/aiw/push-group.scenario.yaml")
    )
    step = push.find("details", cls="step", data_status="failed")
    assert "open" in step.attrs
    assert "follow-up PUT with the same name and members (no 409)" in step.find("summary").text()
    differences = step.find(cls="differences").text()
    assert "expected 200, got 409 Conflict" in differences
    assert step.find("p", cls="status").attrs["class"] == "status mark"
    assert "Group with this name already exists" in step.find("section", cls="response").text()
    assert "PUT" in step.find("section", cls="request").text()
    # Later steps did not run, and say so.
    assert "an earlier step failed" in push.find("details", cls="step", data_status="skipped").text()


def test_the_verdict_is_on_top_and_links_to_the_failing_step(failing_run):
    page = failing_run.page
    sections = [node.attrs["id"] for node in page.find_all("section") if "id" in node.attrs]
    assert sections == ["readiness", "summary", "scenarios"]
    aiw = page.find("article", data_dialect="aiw")
    row = aiw.find("tr", data_capability="push-groups")
    assert row.attrs["data-status"] == "not-ready"
    assert "The group push is marked Error" in row.text() and "§9.1, §9.4)" in row.text()
    anchor = row.find("a").attrs["href"].removeprefix("#")
    target = page.find("details", id=anchor)
    assert target.attrs["data-status"] == "failed" and "no 409" in target.find("summary").text()
    oin = page.find("article", data_dialect="oin")
    assert oin.find("tr", data_capability="push-groups").attrs["data-status"] == "ready"


@pytest.mark.parametrize("which", ["passing_run", "failing_run"])
def test_the_page_loads_nothing(request, which):
    run = request.getfixturevalue(which)
    page = run.page
    for node in page.iter():
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            assert node.attrs.get(name, "#").startswith("#"), (node.tag, name, node.attrs[name])
    assert not page.find_all("link") and not page.find_all("img") and not page.find_all("iframe")
    styles = " ".join(node.text() for node in page.find_all("style"))
    assert "@import" not in styles and "url(" not in styles
    csp = page.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert csp.startswith("default-src 'none';")
    assert len(page.find_all("script")) == 1


def test_no_credential_or_password_reaches_the_page(failing_run):
    text = failing_run.page.text()
    secrets = [
        "library-test-token",
        base64.b64encode(b"okta:library-test-token").decode(),
        "b2t0YTp3cm9uZy1wYXNzd29yZA==",  # okta/negative/bad-credentials' own wrong Basic password
        "Xk7!",  # the password-sync scenarios' new password prefix
    ]
    assert [secret for secret in secrets if secret in text] == []
    bodies = " ".join(pre.text() for pre in failing_run.page.find_all("pre"))
    passwords = re.findall(r'"password": "([^"]*)"', bodies)
    assert passwords and set(passwords) == {"<redacted>"}
    auth_values = {
        row.find("td").text()
        for table in failing_run.page.find_all("table", cls="headers")
        for row in table.find_all("tr")
        if row.find("th").text().lower() == "authorization"
    }
    assert auth_values and auth_values <= {"<redacted>", "Basic <redacted>", "Bearer <redacted>"}


def test_markup_from_a_server_stays_text(run):
    result = run(str(DATA / "markup-username.yaml"))
    assert result.exit_code == 1
    html = result.html
    # Escaped by Jinja, never markup: the page's own <b> tags are the only ones.
    assert "<img" not in html and "<b>not what" not in html and "<script>window" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    page = result.page
    step = page.find("details", cls="step", data_status="failed")
    assert '"userName": "<img src=x onerror=alert(1)>"' in step.find("section", cls="response").text()
    assert "<b>not what the server echoes</b>" in step.find(cls="differences").text()
    assert "<script>window.pwned = 1</script>" in page.find("p", cls="description").text()


def test_the_templates_ship_in_the_package(tmp_path, parse_html):
    # Build the package as a wheel would lay it out, then render from there (not the checkout).
    build = tmp_path / "build"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import setuptools; setuptools.setup()",
            "-q",
            "build_py",
            "--build-lib",
            str(build),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert sorted(p.name for p in (build / "mockscim/runner/templates").iterdir()) == [
        "report.css",
        "report.html.j2",
        "report.js",
    ]
    out = tmp_path / "report.html"
    scenario = build / "mockscim/builtin_scenarios/okta/common/test-connector.scenario.yaml"
    code = (
        "import mockscim, sys; assert mockscim.__file__.startswith(sys.argv[1]), mockscim.__file__; "
        f"from mockscim.cli import main; main(['run', {str(scenario)!r}, '--html-report', sys.argv[2]])"
    )
    env = {**os.environ, "PYTHONPATH": str(build)}
    finished = subprocess.run(
        [sys.executable, "-c", code, str(build), str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    page = parse_html(out.read_text(encoding="utf-8"))
    assert "Okta tests the connector configuration" in page.text()
    assert str(library_root()) not in out.read_text(encoding="utf-8")  # the built copy's scenario ran
    assert page.find("tr", data_capability="test-connector").attrs["data-status"] == "ready"


@pytest.mark.parametrize("report", ["json", "junit", "html"])
def test_no_password_of_a_failing_step_reaches_any_report(defect_server, tmp_path, report):
    # The OIN password push is a path-less PATCH; this server answers it 500, so the failing
    # step's request (with the new password) is what every report shows.
    args = defect_server("500-on-pathless-patch")
    junit = tmp_path / "junit.xml"
    scenario = str(library_root() / "okta" / "oin" / "password-sync.scenario.yaml")
    result = run_cli(tmp_path, scenario, *args, "--junit-xml", str(junit))
    assert result.exit_code == 1
    written = {"json": result.json_path, "junit": junit, "html": result.html_path}[report].read_text("utf-8")
    sent = [s for s in result.report["scenarios"][0]["steps"] if s["request"] and s["request"]["body"]]
    assert sent  # the failing step's request body is reported (masked where the report shows it)
    assert report == "junit" or re.search(r"(<|&lt;)redacted(>|&gt;)", written)
    assert re.findall(r"Xk7![\w-]+", written) == []  # the new password's prefix, then its unique tail
    assert "library-test-token" not in written


CROSS_SECRET = "Zz9-cross-secret-41"
CROSS_SCENARIOS = {
    # Runs first and fails: its request (shown in full) names a value that is only a password in
    # the scenario after it.
    "a-looks-up.scenario.yaml": f"""name: looks the value up
steps:
  - name: look up
    request: {{method: GET, path: '/Users?filter=userName eq "{CROSS_SECRET}"'}}
    expect: {{status: 201}}
""",
    "b-sets-password.scenario.yaml": f"""name: sets it as a password
steps:
  - name: create
    request:
      method: POST
      path: /Users
      json: {{schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: cross@example.com, password: "{CROSS_SECRET}"}}
    expect: {{status: 201}}
""",
}


@pytest.mark.parametrize("report", ["json", "html"])
def test_a_password_is_hidden_in_an_earlier_scenarios_failure(tmp_path, report):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name, text in CROSS_SCENARIOS.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = run_cli(tmp_path / "out", str(folder))
    assert result.exit_code == 1
    assert [s["status"] for s in result.report["scenarios"]] == ["failed", "passed"]
    written = {"json": result.json_path, "html": result.html_path}[report].read_text("utf-8")
    assert "look up" in written and CROSS_SECRET not in written
