"""--state-file: restarts, refused files, stale temporaries, signals, failing disks, and kill -9.

The crash test kills ``mockscim serve`` with SIGKILL in the middle of a write load, 20 rounds in
each sync mode, and counts exactly which acknowledged creates the file lost (figures at the end
of ``make test``). docs/hardening.md quotes them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mockscim.persistence import FILE_FORMAT
from mockscim.persistence import StateFile
from mockscim.persistence import StateFileError
from mockscim.persistence import read_state_file
from mockscim.persistence import state_file_text
from mockscim.persistence import temporary_name
from mockscim.server import create_app
from mockscim.server.serving import start_background
from mockscim.store import InMemoryStore

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.mark.parametrize("mode", ["request", "batch"])
def test_state_survives_a_restart(settings, scim_for, tmp_path, mode):
    path = tmp_path / "state.json"
    configured = settings.__class__(**{**vars(settings), "state_file": path, "state_sync": mode})
    first_app = create_app(configured)
    first = start_background(first_app)
    client = scim_for(first)
    alice = client.post("/Users", USER | {"userName": "alice@x", "password": "pw"}).json()
    inner = client.post("/Groups", {"displayName": "Inner", "members": [{"value": alice["id"]}]}).json()
    outer = client.post("/Groups", {"displayName": "Outer"}).json()
    nest = {
        "schemas": [PATCH],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": inner["id"]}]}],
    }
    assert client.patch(f"/Groups/{outer['id']}", nest).status_code == 200  # nested (RFC 7643 §4.2)
    before = client.session.get(first.url + "/__admin/state", timeout=5).json()
    first.stop()
    first_app.extensions["mockscim.state_file"].stop()
    second_app = create_app(configured)
    second = start_background(second_app)
    try:
        assert scim_for(second).session.get(second.url + "/__admin/state", timeout=5).json() == before
        again = scim_for(second).get(f"/Users/{alice['id']}").json()
        assert again["userName"] == "alice@x" and again["groups"][0]["display"] == "Inner"
    finally:
        second.stop()
        second_app.extensions["mockscim.state_file"].stop()


def test_request_mode_writes_before_answering(settings, scim_for, tmp_path):
    path = tmp_path / "state.json"
    app = create_app(settings.__class__(**{**vars(settings), "state_file": path, "state_sync": "request"}))
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


# -- files that are refused, with a path and no traceback ----------------------------------------


def _file(users: list[Any], groups: list[Any]) -> str:
    """A state file holding these users and groups."""
    state = {"format": "mockscim-state/1", "users": users, "groups": groups}
    return json.dumps({"format": FILE_FORMAT, "state": state})


ALICE = {"id": "u1", "userName": "alice"}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not json at all", ": is not a readable mockscim state file"),
        ('{"users": []}', ": $.format: is not a mockscim state file"),
        (json.dumps({"format": "other/1", "state": {}}), ": $.format: is not a mockscim state file"),
        (json.dumps({"format": FILE_FORMAT}), ": $: 'state' is missing"),
        ('{"format": "mockscim-state-file/1", "state": {}, "n": NaN}', "NaN is not valid JSON"),
        (
            _file([ALICE], [{"id": "g", "displayName": "G", "members": [7]}]),
            ": $.state.groups[0].members[0]: 7 is not of type 'object'",
        ),
        (
            _file([ALICE], [{"id": "g", "displayName": "G", "members": [{"value": 7}]}]),
            ": $.state.groups[0].members[0].value: 7 is not of type 'string'",
        ),
        (_file([ALICE, ALICE], []), ": $.state.users[1].id: 'u1' is also the id of another User"),
        (_file([{"id": "u2", "active": True}], []), ": $.state.users[0]: 'userName' is missing; add it"),
        (
            _file([{**ALICE, "meta": {"version": "abc"}}], []),
            ": $.state.users[0].meta.version: 'abc' is not of type 'integer'",
        ),
        # A member id that names no resource is kept (RFC 7644 §3.5.2; refused only by --strict),
        # so a state file may hold one; one userName twice (case-insensitively) is never valid.
        (_file([ALICE, {**ALICE, "id": "u2", "userName": ALICE["userName"].upper()}], []), "inconsistent"),
        (
            _file([], [{"id": "g", "displayName": "G", "members": [{"value": "g"}]}]),
            "groups contain themselves (g -> g)",
        ),
    ],
)
def test_foreign_corrupt_or_hand_broken_files_are_refused_and_left_alone(tmp_path, content, fragment):
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateFileError, match=re.escape(fragment)):
        StateFile(path, InMemoryStore()).load()
    assert path.read_text() == content
    result = subprocess.run(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--state-file", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and fragment in result.stderr and f"{path}: " in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_text() == content


@pytest.mark.parametrize(
    ("seed", "fragment"),
    [
        ("users: [5]\n", ": $.users[0]: must be an object (a User), not int"),
        ("users: {a: 1}\n", ": $.users: must be a list of User objects"),
        ("users: [{id: 7, userName: a}]\n", ": $.users[0].id: must be a non-empty string"),
        (
            "users: [{userName: a}]\ngroups: [{displayName: G, members: [{value: 5}]}]\n",
            ": $.groups[0]: members[0].value must be a string",
        ),
        ("users: [{userName: a, title: 2020-01-01}]\n", ": $.users[0]: title must be a string"),
        ("groups: [{id: g, displayName: G, members: [{value: g}]}]\n", "is this group itself"),
        ("other: []\n", ": $: a seed file is a mapping with 'users' and/or 'groups' lists"),
    ],
)
def test_bad_seed_files_are_refused_with_a_path(tmp_path, seed, fragment):
    path = tmp_path / "seed.yaml"
    path.write_text(seed)
    result = subprocess.run(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--seed", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr
    assert str(path) in result.stderr


def test_an_unchanged_file_loads_without_rechecking_each_resource_and_an_edited_one_is_checked(tmp_path):
    path = tmp_path / "state.json"
    # active must be a boolean: a write would refuse this, so only a checksum can vouch for it
    snapshot = {"format": "mockscim-state/1", "users": [{"id": "u1", "userName": "a", "active": "yes"}]}
    path.write_text(state_file_text(snapshot, "2026-01-01T00:00:00Z"))
    assert StateFile(path, InMemoryStore()).load() == 1  # unchanged since "mockscim wrote it"
    path.write_text(path.read_text().replace('"userName":"a"', '"userName": "a"'))  # a hand edit
    with pytest.raises(StateFileError, match=re.escape("$.state.users[0]: active must be a boolean")):
        StateFile(path, InMemoryStore()).load()
    cycle = {
        "format": "mockscim-state/1",
        "groups": [{"id": "g", "displayName": "G", "members": [{"value": "g"}]}],
    }
    path.write_text(state_file_text(cycle, "2026-01-01T00:00:00Z"))
    with pytest.raises(StateFileError, match="groups contain themselves"):  # rules between resources: always
        StateFile(path, InMemoryStore()).load()


def test_a_seed_is_not_applied_again_over_a_state_file_that_holds_it(tmp_path):
    path, seed = tmp_path / "state.json", tmp_path / "seed.yaml"
    seed.write_text("users: [{userName: seeded@x}]\n")
    for start in range(2):  # the second start used to exit 2: "userName already taken"
        proc = subprocess.Popen(
            [*(sys.executable, "-m", "mockscim", "serve", "--port", "0", "-q", "--auth", "basic:o:t")]
            + ["--state-file", str(path), "--seed", str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in proc.stdout:  # type: ignore[union-attr]
            if "SCIM connector base URL" in line:
                break
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 0, stderr
        assert ("not loaded" in stderr) == (start == 1)
    assert [u["userName"] for u in read_state_file(path)["users"]] == ["seeded@x"]


def test_stale_temporary_files_are_removed_at_start_up_and_nothing_else(tmp_path):
    path = tmp_path / "state.json"
    crashed = tmp_path / ".state.json.4194999.140001.tmp"  # above Linux's pid_max: no such process
    ours = temporary_name(path)  # this process has not written yet: a leftover of an earlier one
    alive = tmp_path / ".state.json.1.7.tmp"  # pid 1 runs: maybe another server's write in flight
    others = [tmp_path / ".state.json.backup.tmp", tmp_path / ".other.json.4194999.1.tmp", tmp_path / "x.tmp"]
    for file in [crashed, ours, alive, *others]:
        file.write_text("{")
    StateFile(path, InMemoryStore()).load()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in [alive, *others])


# -- signals: SIGTERM (docker stop, systemd) and SIGINT write everything ---------------------


def _serve(path: Path, mode: str, *extra: str) -> tuple[subprocess.Popen, str]:
    """Start ``mockscim serve`` with a state file; return the process and its base URL."""
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "mockscim", "serve", "--port", "0", "--auth", "basic:o:t", "-q"),
            *("--state-file", str(path), "--state-sync", mode, *extra),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for line in proc.stdout:  # type: ignore[union-attr]
        if match := re.search(r"SCIM connector base URL\s+(\S+)", line):
            return proc, match.group(1)
    raise AssertionError("mockscim serve did not start")


def _writer(base: str, worker: int, stop: threading.Event, acknowledged: list[tuple[str, float]]) -> None:
    """Create users until stopped or the server dies; record (id, wall time) of each 201."""
    session = requests.Session()
    session.auth = ("o", "t")
    for i in range(100_000):
        if stop.is_set():
            return
        try:
            response = session.post(f"{base}/Users", json=USER | {"userName": f"w{worker}-{i}@x"}, timeout=5)
        except requests.RequestException:
            return
        if response.status_code == 201:
            acknowledged.append((response.json()["id"], time.time()))


def _load(base: str, seconds: float) -> tuple[list[tuple[str, float]], Any]:
    """Four writers for ``seconds``; return the acknowledged creates and a function stopping them."""
    acknowledged: list[tuple[str, float]] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_writer, args=(base, w, stop, acknowledged)) for w in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)

    def finish() -> None:
        stop.set()
        for thread in threads:
            thread.join()

    return acknowledged, finish


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_writes_every_acknowledged_write_first(tmp_path, signum, figures):
    lost = acknowledged_total = 0
    for round_ in range(3):
        path = tmp_path / f"state-{round_}.json"
        proc, base = _serve(path, "batch")
        session = requests.Session()
        session.auth = ("o", "t")
        quiet = [
            session.post(f"{base}/Users", json=USER | {"userName": f"q{k}@x"}, timeout=5) for k in range(5)
        ]
        acknowledged, finish = _load(base, 0.2 + 0.2 * round_)  # and a write load while the signal lands
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == 0
        finish()
        proc.stdout.close()  # type: ignore[union-attr]
        stored = {u["id"] for u in read_state_file(path)["users"]}
        ids = [r.json()["id"] for r in quiet] + [rid for rid, _ in acknowledged]
        lost += len(set(ids) - stored)
        acknowledged_total += len(ids)
    name = signal.Signals(signum).name
    figures[f"{name}: writes acknowledged before it"] += acknowledged_total
    figures[f"{name}: acknowledged writes lost"] += lost
    assert lost == 0


# -- a failing disk: the writer survives, says so, and catches up --------------------------------


def _break_by_removing_the_folder(path: Path) -> Any:
    """The state file's folder goes away (an unmounted volume); return how to bring it back."""
    shutil.rmtree(path.parent)
    return lambda: path.parent.mkdir()


def _break_by_a_directory_at_the_path(path: Path) -> Any:
    """A non-empty directory squats the file's name, so the atomic rename fails."""
    path.unlink()
    (path / "occupied").mkdir(parents=True)
    return lambda: shutil.rmtree(path)


@pytest.mark.parametrize("mode", ["batch", "request"])
@pytest.mark.parametrize("breakage", [_break_by_removing_the_folder, _break_by_a_directory_at_the_path])
def test_the_writer_survives_failing_writes_and_recovers(
    settings, scim_for, tmp_path, caplog, mode, breakage
):
    path = tmp_path / "data" / "state.json"
    path.parent.mkdir()
    app = create_app(settings.__class__(**{**vars(settings), "state_file": path, "state_sync": mode}))
    state_file = app.extensions["mockscim.state_file"]
    state_file.interval = 0.02  # retries after 0.02, 0.04, 0.08 ... s
    running = start_background(app)
    client, health = scim_for(running), running.url + "/__admin/health"
    try:
        assert client.post("/Users", USER | {"userName": "before@x"}).status_code == 201
        _wait(lambda: path.exists())
        repair = breakage(path)
        with caplog.at_level(logging.WARNING, logger="mockscim.persistence"):
            during = client.post("/Users", USER | {"userName": "during@x"})
            # request mode: not saved, so not acknowledged; batch mode acknowledges at once
            assert during.status_code == (503 if mode == "request" else 201), during.text
            _wait(lambda: state_file.failed_writes >= 3)  # it keeps retrying
            report = requests.get(health, timeout=5).json()
            assert report["status"] == "degraded" and report["state_file"]["status"] == "failing"
            assert report["state_file"]["unsaved_changes"] is True and str(path) not in json.dumps(report)
            repair()
            _wait(lambda: requests.get(health, timeout=5).json()["status"] == "ok")
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "cannot write the state file" in errors[0].getMessage()  # once a streak
        assert any("written again" in r.getMessage() for r in caplog.records)
        assert {u["userName"] for u in read_state_file(path)["users"]} == {"before@x", "during@x"}
        assert client.post("/Users", USER | {"userName": "after@x"}).status_code == 201
    finally:
        running.stop()
        state_file.stop()
    assert len(read_state_file(path)["users"]) == 3


def _wait(condition: Any, timeout: float = 20) -> None:
    """Poll ``condition`` until true (or fail after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


# -- kill -9 under write load, 20 rounds per sync mode -----------------------------------------------

ROUNDS = 20
BATCH_INTERVAL = 1.0


def _kill_round(tmp_path: Path, mode: str, round_: int) -> tuple[int, int, float]:
    """One round: serve, load for 0.3-1.5 s, SIGKILL. Return (acknowledged, lost, window): the
    window is how long before the kill the file's state was taken (``as_of``)."""
    path = tmp_path / f"{mode}-{round_}.json"
    proc, base = _serve(path, mode)
    acknowledged, finish = _load(base, 0.3 + 0.2 * (round_ % 7))
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of the write load
    killed = time.time()
    finish()
    proc.wait()
    proc.stdout.close()  # type: ignore[union-attr]
    assert StateFile(path, InMemoryStore()).load() >= 0  # the file loads, checked whole
    document = json.loads(path.read_text())
    stored = {u["id"] for u in document["state"]["users"]}
    as_of = datetime.fromisoformat(document["as_of"]).timestamp()
    lost = [(rid, at) for rid, at in acknowledged if rid not in stored]
    # Exact, whatever the timing: every create acknowledged before the state was taken is in it.
    assert all(at >= as_of for _, at in lost), "a write acknowledged before the snapshot was lost"
    return len(acknowledged), len(lost), killed - as_of


@pytest.mark.parametrize("mode", ["request", "batch"])
def test_kill_9_under_write_load_loses_at_most_the_documented_window(tmp_path, figures, mode):
    acknowledged = lost = 0
    windows = []
    for round_ in range(ROUNDS):
        acked, missing, window = _kill_round(tmp_path, mode, round_)
        acknowledged, lost, windows = acknowledged + acked, lost + missing, [*windows, window]
    figures[f"kill -9 rounds, {mode} mode"] += ROUNDS
    figures[f"kill -9: creates acknowledged, {mode} mode"] += acknowledged
    figures[f"kill -9: acknowledged creates lost, {mode} mode"] += lost
    if mode == "batch":
        largest = round(max(windows) * 1000)
        figures["kill -9: largest state age at the kill, batch mode (ms)"] = max(
            figures["kill -9: largest state age at the kill, batch mode (ms)"], largest
        )
    assert acknowledged > 0
    if mode == "request":
        assert lost == 0
    else:
        # One interval plus one write (under this load a write takes tens of ms); the slack
        # allows for a loaded machine, a writer that stopped would fail it by whole rounds.
        assert max(windows) <= BATCH_INTERVAL + 1.5, windows


# -- property: whatever the API accepts persists and reloads -------------------------------------

# One API write: (kind, a, b, text); a and b pick among the ids created so far.
WRITES = st.lists(
    st.tuples(
        st.sampled_from(
            ["user", "group", "put-members", "add-member", "remove-member", "nest", "delete", "patch-user"]
        ),
        st.integers(0, 50),
        st.integers(0, 50),
        # one text in ten holds a lone surrogate, which is refused
        st.text(min_size=1, max_size=6).flatmap(lambda t: st.sampled_from([t] * 9 + ["\ud800" + t])),
    ),
    min_size=1,
    max_size=14,
)


def _request(kind: str, a: int, b: int, text: str, ids: dict[str, list[str]]) -> tuple[str, str, Any]:
    """The HTTP request for one drawn write (it may well be refused: the property is about the
    ones that are accepted)."""
    users, groups = ids["User"], ids["Group"]
    anyone = users + groups
    pick = lambda pool, k: pool[k % len(pool)] if pool else "missing"  # noqa: E731
    ops = lambda *o: {"schemas": [PATCH], "Operations": list(o)}  # noqa: E731
    if kind == "user":
        return "POST", "/Users", USER | {"userName": f"{text}{a}@x", "password": text, "title": text}
    if kind == "group":
        return (
            "POST",
            "/Groups",
            {"displayName": f"{text}{a}", "members": [{"value": pick(anyone, b)}] if b % 2 else []},
        )
    if kind == "put-members":
        members = [{"value": pick(anyone, b + k)} for k in range(b % 4)]
        return "PUT", f"/Groups/{pick(groups, a)}", {"displayName": f"{text}{a}", "members": members}
    if kind in ("add-member", "nest"):
        value = pick(groups if kind == "nest" else users, b)  # nest: maybe itself, maybe a cycle
        return (
            "PATCH",
            f"/Groups/{pick(groups, a)}",
            ops({"op": "add", "path": "members", "value": [{"value": value}]}),
        )
    if kind == "remove-member":
        return (
            "PATCH",
            f"/Groups/{pick(groups, a)}",
            ops({"op": "remove", "path": f'members[value eq "{pick(anyone, b)}"]'}),
        )
    if kind == "patch-user":
        return (
            "PATCH",
            f"/Users/{pick(users, a)}",
            ops(
                {"op": "replace", "path": "title", "value": text},
                {"op": "add", "path": "emails", "value": [{"value": f"{text}@x", "type": "work"}]},
            ),
        )
    rtype = "Group" if b % 2 else "User"
    return "DELETE", f"/{rtype}s/{pick(ids[rtype], a)}", None


@hypothesis_settings(
    max_examples=25, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
@given(writes=WRITES, mode=st.sampled_from(["request", "batch"]))
def test_any_accepted_api_writes_reload_as_the_same_state(
    writes, mode, settings_for_property, tmp_path_factory, figures
):
    figures["hypothesis examples"] += 1
    path = tmp_path_factory.mktemp("property") / "state.json"
    configured = settings_for_property.__class__(
        **{**vars(settings_for_property), "state_file": path, "state_sync": mode}
    )
    app = create_app(configured)
    running = start_background(app)
    session = requests.Session()
    session.auth = ("okta", "s3cr3t-token-for-tests")
    base, ids, accepted = running.url + "/scim/v2", {"User": [], "Group": []}, 0
    try:
        for kind, a, b, text in writes:
            method, where, body = _request(kind, a, b, text, ids)
            response = session.request(method, base + where, json=body, timeout=10)
            assert response.status_code < 500, response.text
            accepted += response.status_code < 300
            if method == "POST" and response.status_code == 201:
                ids["User" if where == "/Users" else "Group"].append(response.json()["id"])
        before = session.get(running.url + "/__admin/state", timeout=10).json()
    finally:
        running.stop()
        app.extensions["mockscim.state_file"].stop()
    figures["API writes replayed through a restart"] += accepted
    again = create_app(configured)
    assert again.extensions["mockscim"].store.snapshot() == before
    again.extensions["mockscim.state_file"].stop()


@pytest.fixture(scope="module")
def settings_for_property():
    """Server settings for the property (module-scoped: hypothesis runs many examples)."""
    from mockscim.config import AuthConfig
    from mockscim.config import Settings

    return Settings(port=0, auth=AuthConfig.parse("basic:okta:s3cr3t-token-for-tests"))
