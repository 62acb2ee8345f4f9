"""Whole load runs on Locust, in subprocesses (Locust's gevent never enters the test process):
against mockscim with a rate limit and 503 faults, against a server that loses concurrent group
writes, distributed over two workers, and against the embedded mock."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockscim.load.policy import RetryPolicy
from mockscim.load.target import RetryingClient
from mockscim.runner.client import Credentials
from mockscim.runner.final_state import check_final_state
from mockscim.runner.final_state import parse_final_state

MOCKSCIM = [sys.executable, "-m", "mockscim"]
AUTH = "basic:okta:serve-token"


def load(*args: str) -> subprocess.CompletedProcess:
    """Run ``mockscim load`` to completion."""
    return subprocess.run([*MOCKSCIM, "load", *args], capture_output=True, text=True, timeout=180)


def report(path: Path) -> dict[str, Any]:
    """A JSON report written by ``--json-report``."""
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def limited_mock(tmp_path: Path) -> Iterator[str]:
    """``mockscim serve --rate-limit 40/s --faults`` (503 with ``Retry-After: 5`` on a tenth of
    group PATCHes); its base URL."""
    faults = tmp_path / "faults.yaml"
    faults.write_text(
        "seed: 7\nfaults:\n"
        "  - match: {method: PATCH, path: /Groups/*}\n"
        # Retry-After 5 s is above the run's --retry-wait-cap 1 s, so every 503 shows the cap
        # (the rate limit's Retry-After is 1 s: only a second 429 in a row would).
        "    action: {status: 503, detail: maintenance, retry_after: 5}\n"
        "    probability: 0.1\n"
    )
    command = [
        *MOCKSCIM,
        "serve",
        "--port",
        "0",
        "--auth",
        AUTH,
        "-q",
        "--rate-limit",
        "40/s",
        "--faults",
        str(faults),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = next(
            m.group(1) for line in process.stdout for m in [re.search(r"Listening on (\S+)", line)] if m
        )
        yield url + "/scim/v2"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_rate_limits_and_503s_are_retried_and_nothing_is_lost(limited_mock: str, tmp_path: Path):
    json_path, html_path = tmp_path / "load.json", tmp_path / "load.html"
    result = load(
        *("--base-url", limited_mock, "--auth", AUTH, "--profile", "group-storm", "--users", "6"),
        *(
            "--duration",
            "12s",
            "--retry-wait-cap",
            "1",
            "--json-report",
            str(json_path),
            "--html-report",
            str(html_path),
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = report(json_path)
    assert data["statuses"]["all"]["429"] > 0 and data["statuses"]["all"]["503"] > 0
    for status in ("429", "503"):  # every such answer was retried, or ended a flow that ran out of attempts
        gave_up = sum(n for why, n in data["flows"]["failures"].items() if why.endswith(f"answered {status}"))
        assert data["retries"]["by_status"][status] + gave_up == data["statuses"]["all"][status]
    assert data["retries"]["waits_capped"] and "capped by --retry-wait-cap 1.0 s" in result.stdout
    assert data["reconciliation"]["differences"] == [] and data["verdict"]["passed"]
    shared = [g for g in data["reconciliation"]["intended"]["groups"] if " shared " in g["displayName"]]
    assert shared and all(g["members"] for g in shared)  # members were really added, none lost
    # The report's intended state is a final_state block: the runner's own check agrees.
    with RetryingClient(limited_mock, Credentials.parse(AUTH), RetryPolicy(wait_cap=1)) as client:
        again = check_final_state(client, parse_final_state(data["reconciliation"]["intended"]))
    # Only facts the report left unchecked (a change still in flight when the run stopped) may differ.
    unchecked = " ".join(data["reconciliation"]["unchecked"])
    assert [
        str(d)
        for d in again
        if d.message.split()[-1] not in unchecked and d.message.split()[1] not in unchecked
    ] == []
    page = html_path.read_text(encoding="utf-8")
    assert "<svg" in page and "PASS: the target held and reconciled" in page
    assert not re.search(r"<script|<link|src=|https?://(?!127\.0\.0\.1)", page)  # self-contained


def test_a_server_that_loses_concurrent_member_additions_fails_the_run(
    wrapped, auth_spec: str, tmp_path: Path
):
    server, _ = wrapped("lossy")
    json_path = tmp_path / "load.json"
    result = load(
        *("--base-url", server.url + "/scim/v2", "--auth", auth_spec, "--profile", "group-storm"),
        *("--users", "6", "--duration", "8s", "--json-report", str(json_path)),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lost = [
        d for d in report(json_path)["reconciliation"]["differences"] if d["message"].endswith(" missing")
    ]
    assert lost and all(d["kind"] == "group" and " shared " in d["name"] for d in lost)
    assert f"FAIL group {lost[0]['name']}: {lost[0]['message']}" in result.stdout  # named by resource


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_distributed_run_sums_both_workers(tmp_path: Path):
    port, json_path = str(free_port()), tmp_path / "load.json"
    master = subprocess.Popen(
        [*MOCKSCIM, "load", "--master", "--expect-workers", "2", "--master-port", port, "--users", "4"]
        + ["--duration", "8s", "--profile", "onboarding", "--json-report", str(json_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = [
        subprocess.Popen([*MOCKSCIM, "load", "--worker", "--master-host", "127.0.0.1", "--master-port", port])
        for _ in range(2)
    ]
    try:
        out, err = master.communicate(timeout=180)
        assert master.returncode == 0, out + err
        assert [w.wait(timeout=30) for w in workers] == [0, 0]  # the master's quit reached both
    finally:
        for process in [master, *workers]:
            if process.poll() is None:
                process.kill()
                process.wait()
    data = report(json_path)
    per_worker = data["run"]["workers"]
    assert len(per_worker) == 2 and all(n > 0 for n in per_worker.values())
    assert sum(per_worker.values()) == data["run"]["requests"] == data["total"]["requests"]
    assert data["reconciliation"]["checked"]["users"] > 0


def test_the_embedded_mock_imports_10000_users_and_honours_max_requests(tmp_path: Path):
    json_path, mix = tmp_path / "load.json", tmp_path / "imports.yaml"
    mix.write_text("name: imports only\noperations: {import: 1}\nimport_users: 10000\n")
    # 3 threads, each pass about 102 requests: every pass started finishes within 400 requests.
    result = load(
        "--profile", str(mix), "--users", "3", "--max-requests", "400", "--json-report", str(json_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = report(json_path)
    assert data["run"]["stopped_by"] == "max-requests" and data["run"]["requests"] <= 400
    assert data["imports"]["most_users_seen"] >= 10_000  # startIndex += 100 through every page (§4)
    assert data["settings"]["target"]["label"] == "embedded mockscim"
