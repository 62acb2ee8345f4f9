"""--state-file: atomic writes, restarts, refusing foreign files, and kill -9 under write load."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from mockscim.persistence import FILE_FORMAT
from mockscim.persistence import StateFile
from mockscim.persistence import StateFileError
from mockscim.persistence import read_state_file
from mockscim.server import create_app
from mockscim.server.serving import start_background
from mockscim.store import InMemoryStore

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}


@pytest.mark.parametrize("mode", ["request", "batch"])
def test_state_survives_a_restart(settings, scim_for, tmp_path, mode):
    path = tmp_path / "state.json"
    configured = replace(settings, state_file=path, state_sync=mode)
    first_app = create_app(configured)
    first = start_background(first_app)
    client = scim_for(first)
    alice = client.post("/Users", USER | {"userName": "alice@x"}).json()
    client.post("/Groups", {"displayName": "Eng", "members": [{"value": alice["id"]}]})
    first.stop()
    first_app.extensions["mockscim.state_file"].stop()
    second_app = create_app(configured)
    second = start_background(second_app)
    try:
        again = scim_for(second).get(f"/Users/{alice['id']}").json()
        assert again["userName"] == "alice@x" and again["groups"][0]["display"] == "Eng"
    finally:
        second.stop()
        second_app.extensions["mockscim.state_file"].stop()


def test_request_mode_writes_before_answering(settings, scim_for, tmp_path):
    path = tmp_path / "state.json"
    app = create_app(replace(settings, state_file=path, state_sync="request"))
    running = start_background(app)
    try:
        client = scim_for(running)
        for i in range(3):
            client.post("/Users", USER | {"userName": f"u{i}@x"})
            assert len(read_state_file(path)["users"]) == i + 1  # already on disk when the 201 arrived
        client.get("/Users")
        assert app.extensions["mockscim.state_file"].writes == 3  # reads write nothing
    finally:
        running.stop()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not json at all", "is not a readable mockscim state file"),
        ('{"users": []}', "is not a mockscim state file"),
        (json.dumps({"format": "other/1", "state": {}}), "is not a mockscim state file"),
        (
            json.dumps(
                {
                    "format": FILE_FORMAT,
                    "state": {
                        "format": "mockscim-state/1",
                        # One userName twice (case-insensitively): no server state can hold that.
                        "users": [{"id": "a", "userName": "ann@x"}, {"id": "b", "userName": "ANN@x"}],
                    },
                }
            ),
            "inconsistent",
        ),
    ],
)
def test_foreign_or_corrupt_files_are_refused_and_left_alone(tmp_path, content, fragment):
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateFileError, match=fragment):
        StateFile(path, InMemoryStore()).load()
    assert path.read_text() == content
    result = subprocess.run(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--state-file", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr
    assert path.read_text() == content


def _serve(path: Path, mode: str) -> tuple[subprocess.Popen, str]:
    """Start ``mockscim serve`` with a state file; return the process and its base URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockscim",
            "serve",
            "--port",
            "0",
            "--auth",
            "basic:o:t",
            "-q",
            "--state-file",
            str(path),
            "--state-sync",
            mode,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for line in proc.stdout:  # type: ignore[union-attr]
        if match := re.search(r"SCIM connector base URL\s+(\S+)", line):
            return proc, match.group(1)
    raise AssertionError("mockscim serve did not start")


ROUNDS = 3


def _writer(base: str, worker: int, stop: threading.Event, acknowledged: list[str]) -> None:
    """Create users until stopped or the server dies; record the ids acknowledged with 201."""
    session = requests.Session()
    session.auth = ("o", "t")
    for i in range(10_000):
        if stop.is_set():
            return
        try:
            response = session.post(f"{base}/Users", json=USER | {"userName": f"w{worker}-{i}@x"}, timeout=5)
        except requests.RequestException:
            return
        if response.status_code == 201:
            acknowledged.append(response.json()["id"])


def test_kill_9_under_write_load_loses_no_acknowledged_write(tmp_path, figures):
    lost_total, acknowledged_total = 0, 0
    for round_ in range(ROUNDS):
        path = tmp_path / f"state-{round_}.json"
        proc, base = _serve(path, "request")
        acknowledged: list[str] = []
        stop = threading.Event()
        threads = [threading.Thread(target=_writer, args=(base, w, stop, acknowledged)) for w in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.6 + 0.2 * round_)
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the write load
        stop.set()
        for thread in threads:
            thread.join()
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        stored = {u["id"] for u in read_state_file(path)["users"]}  # the file loads
        lost_total += len(set(acknowledged) - stored)
        acknowledged_total += len(acknowledged)
    figures["crash-test rounds (kill -9 under write load)"] += ROUNDS
    figures["writes acknowledged with 201 before kill -9"] += acknowledged_total
    figures["acknowledged writes lost"] += lost_total
    assert acknowledged_total > 0
    assert lost_total == 0


def test_batch_mode_file_loads_after_kill_9(tmp_path):
    path = tmp_path / "state.json"
    proc, base = _serve(path, "batch")
    session = requests.Session()
    session.auth = ("o", "t")
    for i in range(20):
        session.post(f"{base}/Users", json=USER | {"userName": f"b{i}@x"}, timeout=5)
    time.sleep(1.5)  # one batch interval
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()  # type: ignore[union-attr]
    assert len(read_state_file(path)["users"]) == 20
