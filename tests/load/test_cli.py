"""``mockscim load`` usage and exit codes, run as users run it: a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest

LOAD = [sys.executable, "-m", "mockscim", "load"]


def load(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``mockscim load`` with ``args``."""
    return subprocess.run([*LOAD, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "http://127.0.0.1:9/scim/v2"], "a live target needs explicit --users and --duration"),
        (
            ["--base-url", "http://127.0.0.1:9/scim/v2", "--users", "3"],
            "a live target needs explicit --duration",
        ),
        (
            ["--base-url", "ftp://x/scim/v2", "--users", "1", "--duration", "1s"],
            "must start with http:// or https://",
        ),
        (["--auth", "bearer:x"], "--auth needs --base-url"),
        (["--worker"], "--worker needs --master-host HOST"),
        (
            ["--worker", "--master-host", "h", "--master"],
            "--worker cannot be combined with --master or --web",
        ),
        (["--profile", "storm"], "no profile named 'storm'"),
        (["--duration", "soon"], "'soon' is not a duration; write 30s, 2m, 1h"),
    ],
)
def test_bad_usage_exits_2_and_says_what_to_do(args, message):
    result = load(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_a_bad_mix_file_is_named_by_line(tmp_path):
    mix = tmp_path / "mix.yaml"
    mix.write_text("operations:\n  asign: 3\n")
    result = load("--profile", str(mix))
    assert result.returncode == 2
    assert f"{mix}:2: $.operations.asign: unknown key 'asign'; did you mean 'assign'?" in result.stderr


def test_without_locust_it_says_how_to_install_it():
    script = "import sys; sys.modules['locust'] = None; from mockscim.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", script, "load"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "pip install 'mockscim[load]'" in result.stderr


def test_an_unreachable_target_exits_3():
    result = load("--base-url", "http://127.0.0.1:9/scim/v2", "--users", "1", "--duration", "1s")
    assert result.returncode == 3, result.stderr
    assert "cannot reach the target" in result.stderr


def test_refused_credentials_exit_2(wrapped):
    server, _ = wrapped("plain")
    result = load(
        "--base-url",
        server.url + "/scim/v2",
        "--auth",
        "basic:okta:wrong",
        "--users",
        "1",
        "--duration",
        "1s",
    )
    assert result.returncode == 2
    assert "answered 401: the target refused the credentials; check --auth" in result.stderr
