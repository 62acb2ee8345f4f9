"""Errors a user can act on: refused credentials, --auth forms, YAML hints, --public-url, Bearer."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mockscim.runner import ScenarioError
from mockscim.runner import load_text

MOCKSCIM = [sys.executable, "-m", "mockscim"]
LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MOCKSCIM, *args], capture_output=True, text=True, timeout=300)


def test_refused_credentials_stop_the_run_with_one_line(server):
    result = run(
        "run",
        str(LIBRARY / "okta" / "common"),
        "--base-url",
        server.url + "/scim/v2",
        "--auth",
        "basic:okta:wrong",
    )
    assert result.returncode == 1
    refused = "the target refused the credentials (401): check --auth (basic:USER:PASSWORD"
    assert result.stderr.count(refused) == 1 and "none)" in result.stderr
    assert sum(line.startswith("FAIL") for line in result.stdout.splitlines()) == 1  # not 9 failing
    others = len(list((LIBRARY / "okta" / "common").glob("*.scenario.yaml"))) - 1
    assert re.search(rf"0 passed, 1 failed, {others} skipped", result.stdout)
    assert result.stdout.rstrip().endswith(
        refused.split(" (basic")[0] + " (basic:USER:PASSWORD, bearer:TOKEN, 'header:Name: value' or none)"
    )


def test_good_credentials_and_expected_401s_do_not_stop_the_run(server, settings):
    auth = f"basic:{settings.auth.user}:{settings.auth.token}"
    result = run(
        "run", str(LIBRARY / "okta" / "negative"), "--base-url", server.url + "/scim/v2", "--auth", auth
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "refused the credentials" not in result.stdout + result.stderr


def test_run_help_lists_every_auth_form():
    text = run("run", "--help").stdout
    for form in ("basic:USER:PASSWORD", "bearer:TOKEN", "header:Name: value", "none"):
        assert form in " ".join(text.split()), form


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("    request: {method: GET, path: /Users/${id}}", True),
        ("    request: {method: GET, path: /Users]", False),
    ],
)
def test_the_dollar_brace_hint_only_when_the_error_is_about_it(line, hint):
    text = f"name: n\nsteps:\n  - name: s\n{line}\n    expect: {{status: 200}}\n"
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "x.scenario.yaml")
    assert ("quote values that contain ${...}" in str(caught.value)) is hint, str(caught.value)


def test_serve_refuses_a_public_url_without_the_base_path():
    result = run("serve", "--port", "0", "--public-url", "https://abc.ngrok.app")
    assert result.returncode == 2
    assert "lacks the SCIM base path /scim/v2" in result.stderr
    assert "Use --public-url https://abc.ngrok.app/scim/v2" in result.stderr


def _serve(*args: str) -> tuple[subprocess.Popen, str, str]:
    proc = subprocess.Popen(
        [*MOCKSCIM, "serve", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    banner = ""
    while "Provisioning > To App" not in banner:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        banner += line
    return proc, banner, re.search(r"Listening on (\S+)", banner).group(1)  # type: ignore[union-attr]


def test_serve_warns_about_http_public_url_with_the_value_to_use():
    proc, _, _ = _serve("--public-url", "http://abc.ngrok.app/scim/v2")
    proc.terminate()
    _, stderr = proc.communicate(timeout=10)
    assert "Okta requires HTTPS" in stderr and "use --public-url https://abc.ngrok.app/scim/v2" in stderr


def test_bearer_banner_says_what_to_paste_and_a_doubled_bearer_is_explained():
    proc, banner, url = _serve("--auth", "bearer:tok-42")
    try:
        assert "Authorization (paste exactly)    tok-42\n" in banner
        assert "Okta adds 'Bearer ' itself" in banner
        base = url + "/scim/v2/Users"
        assert requests.get(base, headers={"Authorization": "Bearer tok-42"}, timeout=5).status_code == 200
        doubled = requests.get(base, headers={"Authorization": "Bearer Bearer tok-42"}, timeout=5)
        assert doubled.status_code == 401
        assert (
            "Bearer Bearer <token>" in doubled.json()["detail"]
            and "paste the token alone" in doubled.json()["detail"]
        )
        wrong = requests.get(base, headers={"Authorization": "Bearer Bearer nope"}, timeout=5)
        assert "Bearer Bearer" not in wrong.json()["detail"]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
