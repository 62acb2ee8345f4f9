"""``mockscim serve`` as a real process: banner, credentials, seed, refusals."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

import click
import pytest
import requests

from mockscim.commands.serve import serve
from mockscim.commands.serve import settings_from_options
from mockscim.config import ENV_PREFIX
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.config import option_of
from mockscim.profiles import STRICT_RFC
from mockscim.schema_extensions import example_path

SERVE = [sys.executable, "-m", "mockscim", "serve", "--port", "0"]


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any MOCKSCIM_* setting, plus ``extra``."""
    return {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)} | extra


def start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str, str]:
    """Start ``mockscim serve`` and return (process, base URL, banner text)."""
    proc = subprocess.Popen(
        [*SERVE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or clean_environment(),
    )
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        lines.append(line)
        if "Okta needs" in line or "Sync Password" in line and "--public-url" in " ".join(args):
            break
    banner = "".join(lines)
    match = re.search(r"SCIM connector base URL\s+(\S+)", banner)
    assert match, banner + proc.stderr.read() if proc.poll() is not None else banner  # type: ignore[union-attr]
    return proc, match.group(1), banner


@pytest.fixture
def stop():
    """Collect processes and terminate them after the test."""
    procs: list[subprocess.Popen] = []
    yield procs.append
    for proc in procs:
        proc.terminate()
        proc.communicate(timeout=10)  # also closes the pipes


def test_default_serve_generates_credentials_and_prints_okta_values(stop):
    proc, base, banner = start()
    stop(proc)
    user = re.search(r"Username\s+(\S+)", banner).group(1)
    token = re.search(r"Password\s+(\S+)", banner).group(1)
    assert base.startswith("http://127.0.0.1:") and base.endswith("/scim/v2")
    for text in ("Unique identifier field for users  email", "Basic Auth", "Push Groups", "Import Groups"):
        assert text in banner
    assert requests.get(f"{base}/Users", timeout=5).status_code == 401
    assert requests.get(f"{base}/Users", auth=(user, token), timeout=5).json()["totalResults"] == 0


def test_seed_and_bearer(stop, tmp_path: Path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "users:\n  - {id: u-1, userName: alice@example.com, active: true}\n"
        "groups:\n  - {displayName: Eng, members: [{value: u-1}]}\n"
    )
    proc, base, banner = start("--auth", "bearer:tok-1", "--seed", str(seed))
    stop(proc)
    assert "Bearer tok-1" in banner
    headers = {"Authorization": "Bearer tok-1"}
    user = requests.get(f"{base}/Users/u-1", headers=headers, timeout=5).json()
    assert user["userName"] == "alice@example.com" and user["groups"][0]["display"] == "Eng"


def test_public_url_is_used_for_locations(stop):
    proc, base, banner = start("--auth", "basic:okta:t", "--public-url", "https://example.ngrok.app/scim/v2")
    stop(proc)
    assert base == "https://example.ngrok.app/scim/v2"
    local = re.search(r"Listening on (\S+)", banner).group(1)
    body = {"userName": "a@x", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
    created = requests.post(f"{local}/scim/v2/Users", json=body, auth=("okta", "t"), timeout=5).json()
    assert created["meta"]["location"].startswith("https://example.ngrok.app/scim/v2/Users/")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0", "--auth", "none"], "refusing to serve on 0.0.0.0 without credentials"),
        (["--auth", "basic:onlyuser"], "use basic:USER:TOKEN"),
        (["--seed", "/nonexistent/seed.yaml"], "cannot read the seed file"),
        (["--public-url", "ftp://x"], "must start with https://"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(args, message):
    result = subprocess.run([*SERVE, *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_seed_entry_names_the_entry(tmp_path: Path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("users:\n  - {userName: a}\n  - {active: true}\n")
    result = subprocess.run([*SERVE, "--seed", str(seed)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"{seed}: $.users[1]: userName is required" in result.stderr


def test_port_in_use_is_reported(stop):
    proc, base, _ = start("--auth", "basic:a:b")
    stop(proc)
    port = base.split(":")[2].split("/")[0]
    result = subprocess.run([*SERVE[:-1], port], capture_output=True, text=True, timeout=30, env=os.environ)
    assert result.returncode == 1
    assert f"Port {port} is in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_faults_rate_limit_and_tenants_files(stop, tmp_path: Path):
    faults = tmp_path / "faults.yaml"
    faults.write_text(
        "seed: 3\nfaults:\n"
        "  - {match: {method: POST, path: /Users}, action: {status: 503}, times: 1}\n"
        "  - {match: {tenant: acme, operation: import-users}, action: {status: 429, retry_after: 2}}\n"
    )
    tenants = tmp_path / "tenants.yaml"
    tenants.write_text("tenants:\n  acme: {auth: 'bearer:acme-token'}\n  beta: {}\n")
    proc, base, _ = start(
        "--auth",
        "basic:okta:t",
        "--faults",
        str(faults),
        "--tenants",
        str(tenants),
        "--tenant-mode",
        "static",
        "--rate-limit",
        "100/s",
    )
    stop(proc)
    body = {"userName": "a@x", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
    assert requests.post(f"{base}/Users", json=body, auth=("okta", "t"), timeout=5).status_code == 503
    assert requests.post(f"{base}/Users", json=body, auth=("okta", "t"), timeout=5).status_code == 201
    root = base.removesuffix("/scim/v2")
    acme = requests.get(
        f"{root}/t/acme/scim/v2/Users", headers={"Authorization": "Bearer acme-token"}, timeout=5
    )
    assert (acme.status_code, acme.headers.get("Retry-After")) == (429, "2")
    assert requests.get(f"{root}/t/beta/scim/v2/Users", auth=("okta", "t"), timeout=5).status_code == 200
    assert requests.get(f"{root}/t/gamma/scim/v2/Users", auth=("okta", "t"), timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("faults.yaml", "faults:\n  - {action: {explode: true}}\n", "faults[0]: action needs exactly one of"),
        ("faults.yaml", "- just a list\n", "a faults file is a mapping"),
        ("tenants.yaml", "tenants: [a, b]\n", "expected a mapping 'tenants:'"),
        ("tenants.yaml", "tenants:\n  a: {auth: 'nope'}\n", "use basic:USER:TOKEN"),
    ],
)
def test_bad_start_up_files_exit_2(tmp_path: Path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    flag = "--faults" if name.startswith("faults") else "--tenants"
    result = subprocess.run([*SERVE, flag, str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_bad_rate_limit_exits_2():
    result = subprocess.run([*SERVE, "--rate-limit", "fast"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "must look like 10/s" in result.stderr


# One text per setting, as typed on the command line or in MOCKSCIM_*, and the value it must
# become. A new setting without a row here fails test_every_setting_has_a_sample.
SAMPLES: dict[str, tuple[str, Any]] = {
    "host": ("127.0.0.2", "127.0.0.2"),
    "port": ("9999", 9999),
    "base_path": ("scim/v3/", "/scim/v3"),
    "auth": ("bearer:from-env", AuthConfig("bearer", token="from-env")),
    "seed_file": ("seed.yaml", Path("seed.yaml")),
    "public_url": ("https://tunnel.example/scim/v2", "https://tunnel.example/scim/v2"),
    "trust_proxy": ("2", 2),
    "profile": ("strict-rfc", STRICT_RFC),
    "patch_response": ("no-content", "no-content"),
    "max_body_bytes": ("2048", 2048),
    "max_count": ("50", 50),
    "filter_max_length": ("99", 99),
    "filter_max_depth": ("3", 3),
    "max_members": ("7", 7),
    "journal": ("false", False),
    "journal_size": ("5", 5),
    "journal_file": ("journal.jsonl", Path("journal.jsonl")),
    "journal_body_limit": ("10", 10),
    "journal_max_bytes": ("1048576", 1048576),
    "journal_file_max_bytes": ("2097152", 2097152),
    "strict": ("true", True),
    "admin_token": ("admin-secret", "admin-secret"),
    "flows_dir": (".", Path(".")),
    "faults_file": ("faults.yaml", Path("faults.yaml")),
    "fault_seed": ("42", 42),
    "rate_limit": ("600/m", 10.0),
    "tenant_mode": ("static", "static"),
    "tenants": ("tenants.yaml", (("acme", None),)),
    "max_tenants": ("3", 3),
    "state_file": ("state.json", Path("state.json")),
    "state_sync": ("request", "request"),
    "threads": ("3", 3),
    "max_connections": ("50", 50),
    "request_timeout": ("5", 5),
    "idle_timeout": ("7", 7),
    "schema_extensions": (str(example_path()), (example_path(),)),
    "debug": ("1", True),
    "quiet": ("yes", True),
}


def _settings(args: list[str]) -> Settings:
    """What ``mockscim serve ARGS`` would run with in this environment (no server started)."""
    context = serve.make_context("serve", args)
    return settings_from_options(context.params)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """A directory holding the tenants file the samples name, as the working directory."""
    (tmp_path / "tenants.yaml").write_text("tenants:\n  acme: {}\n")
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(name)
    return tmp_path


def test_every_setting_has_an_option_an_env_var_and_a_sample():
    declared = {f.name for f in fields(Settings)}
    params = {p.name: p for p in serve.params if p.name != "help"}
    assert set(params) == declared  # and vice versa: no option without a setting
    assert set(SAMPLES) == declared
    for name, param in params.items():
        option = option_of(name)
        assert param.envvar == ENV_PREFIX + option.flag.removeprefix("--").upper().replace("-", "_")
        assert option.flag in param.opts


@pytest.mark.parametrize("name", SAMPLES)
def test_each_setting_is_read_from_its_flag_and_from_its_env_var(workdir, monkeypatch, name):
    text, expected = SAMPLES[name]
    option = option_of(name)
    args = (
        [option.flag]
        if option.kind == "flag"
        else [f"--no-{option.flag[2:]}"]
        if text == "false"
        else [option.flag, text]
    )
    from_flag = getattr(_settings(["--auth", "basic:u:t", *args] if name != "auth" else args), name)
    monkeypatch.setenv(option.envvar, text)
    if name != "auth":
        monkeypatch.setenv("MOCKSCIM_AUTH", "basic:u:t")
    from_env = getattr(_settings([]), name)
    if name == "patch_response":  # applied to the profile by validate
        assert _settings([]).profile.patch_returns_resource is False
    assert from_flag == from_env == expected


def test_a_flag_wins_over_the_environment(workdir, monkeypatch):
    monkeypatch.setenv("MOCKSCIM_MAX_COUNT", "50")
    monkeypatch.setenv("MOCKSCIM_AUTH", "basic:u:t")
    assert _settings(["--max-count", "70"]).max_count == 70


@pytest.mark.parametrize(
    ("variable", "text", "message"),
    [
        ("MOCKSCIM_MAX_BODY", "0", "--max-body must be at least 1"),
        ("MOCKSCIM_MAX_COUNT", "many", "'many' is not a valid integer"),
        ("MOCKSCIM_STATE_SYNC", "sometimes", "'sometimes' is not one of"),
        ("MOCKSCIM_AUTH", "basic:onlyuser", "use basic:USER:TOKEN"),
    ],
)
def test_a_bad_env_var_is_refused_like_a_bad_flag(workdir, monkeypatch, variable, text, message):
    monkeypatch.setenv(variable, text)
    with pytest.raises((click.BadParameter, ValueError), match=message):
        _settings([])


def test_the_real_command_reads_mockscim_env_vars(stop):
    env = clean_environment(MOCKSCIM_AUTH="basic:envuser:envtoken", MOCKSCIM_BASE_PATH="/from-env/v2")
    proc, base, banner = start(env=env)
    stop(proc)
    assert base.endswith("/from-env/v2") and "envuser" in banner and "envtoken" in banner
    assert requests.get(f"{base}/Users", auth=("envuser", "envtoken"), timeout=5).json()["totalResults"] == 0


def _arena_heaps(pid: int) -> int:
    """glibc malloc arenas besides the main one: each reserves a 64 MiB anonymous region, most of
    it mapped without access until it is used."""
    heaps = 0
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        low, high = (int(edge, 16) for edge in fields[0].split("-"))
        heaps += len(fields) == 5 and fields[1] == "---p" and high - low >= 16 << 20
    return heaps


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc arenas, read from /proc")
@pytest.mark.parametrize(("environment", "limited"), [({}, True), ({"MALLOC_ARENA_MAX": "8"}, False)])
def test_the_server_process_keeps_one_malloc_arena_unless_told_otherwise(stop, environment, limited):
    proc, base, banner = start("--auth", "basic:okta:t", env=clean_environment(**environment))
    stop(proc)
    body = {"userName": "a@x", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "title": "x" * 2000}

    def create(n: int) -> int:
        with requests.Session() as session:
            return session.post(
                f"{base}/Users", json={**body, "userName": f"u{n}@x"}, auth=("okta", "t"), timeout=10
            ).status_code

    with ThreadPoolExecutor(16) as pool:  # the workers allocate at once, as under load
        assert set(pool.map(create, range(200))) == {201}
    assert (_arena_heaps(proc.pid) == 0) is limited
