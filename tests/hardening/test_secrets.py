"""After a full Okta run against a real ``mockscim serve`` process, no credential or password is
found in any response, the journal (memory and file), exports, the state file, the logs or the
dashboard. Every GET route of the URL map is read, so new pages are covered when they land."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.constants import PATCH_OP
from mockscim.constants import USER_SCHEMA
from mockscim.server import create_app

USER, TOKEN = "okta", "tok-hardening-7c1e0f9a"
# The Okta flows (tests/conftest.py) push these passwords; the rest are sent below.
PASSWORDS = ["1mz050nq", "N3w-passw0rd", "pw-patch-path-55ab", "pw-put-66cd", "pw-broken-json-77ef"]
SECRETS = [TOKEN, base64.b64encode(f"{USER}:{TOKEN}".encode()).decode(), *PASSWORDS]
# The one answer that shows a credential, on purpose: the dashboard's "show credentials"
# button (behind admin credentials) reveals what to paste into Okta, like the start-up banner.
REVEALS_CREDENTIALS = {"dashboard.credentials"}
STREAMS = {"dashboard.events"}  # Server-Sent Events: read for a moment, not to the end


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """``mockscim serve`` in a subprocess with a journal file and a state file; logs captured."""
    folder = tmp_path_factory.mktemp("served")
    out, err = (folder / "stdout.txt").open("wb"), (folder / "stderr.txt").open("wb")
    command = [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--auth", f"basic:{USER}:{TOKEN}"]
    command += ["--journal-file", str(folder / "journal.jsonl")]
    help_text = subprocess.run([*command[:4], "--help"], capture_output=True, text=True, check=True).stdout
    if "--state-file" in help_text:
        command += ["--state-file", str(folder / "state.json"), "--state-sync", "request"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
    url = None
    for _ in range(200):
        match = re.search(r"Listening on (http://\S+?) ", (folder / "stdout.txt").read_text())
        if match:
            url = match.group(1)
            break
        assert process.poll() is None, (folder / "stderr.txt").read_text()
        time.sleep(0.05)
    assert url, "mockscim serve did not start"
    yield SimpleNamespace(url=url, folder=folder, process=process)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    out.close()
    err.close()


@pytest.fixture
def scim(served: SimpleNamespace, scim_for: Any) -> Any:
    """The shared Okta client (tests/conftest.py ``okta``) talks to the served process."""
    return scim_for(served, auth=(USER, TOKEN))


def _routes() -> list[tuple[str, str]]:
    """(endpoint, rule) of every GET route of the URL map."""
    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    return [(r.endpoint, r.rule) for r in app.url_map.iter_rules() if "GET" in r.methods]


def _urls(rule: str, values: dict[str, list[str]]) -> list[str]:
    """Every concrete URL for a rule, from the ids the run produced (rules without any: one)."""
    names = re.findall(r"<(?:[^:>]+:)?(\w+)>", rule)
    if not names:
        return [rule]
    if len(names) > 1 or not values.get(names[0]):
        fills = {"rtype": "User", "filename": "app.js"}
        return [re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: fills.get(m[1], "x"), rule)]
    return [re.sub(r"<(?:[^:>]+:)?(\w+)>", value, rule) for value in values[names[0]]]


def _read(client: requests.Session, url: str, endpoint: str) -> str:
    """The answer's headers and body as text (a stream: what arrives in half a second)."""
    if endpoint not in STREAMS:
        response = client.get(url, params={"since": 0} if "requests" in url else None, timeout=10)
        return json.dumps(dict(response.headers)) + response.text
    data = b""
    with client.get(url, params={"since": 0}, stream=True, timeout=(5, 0.5)) as response:
        try:
            for chunk in response.iter_content(chunk_size=None):
                data += chunk  # the backlog comes at once; then only heartbeats, every 15 s
        except requests.ConnectionError:
            pass  # the read timeout: the backlog has arrived
    return data.decode("utf-8", "replace")


def _found(text: str) -> list[str]:
    """Which secrets appear in ``text``."""
    return [secret for secret in SECRETS if secret in text]


def test_no_secret_leaks_after_a_full_okta_run(served, okta, okta_flows, figures):
    client = requests.Session()
    client.auth = (USER, TOKEN)
    for run in okta_flows.values():
        run(okta)  # both dialects: AIW (PUT) and OIN (PATCH), every action (docs/okta-reference.md §13)
        client.post(served.url + "/__admin/reset", json={"state": True, "journal": False})
    base = served.url + "/scim/v2"
    uid = client.post(
        base + "/Users", json={"schemas": [USER_SCHEMA], "userName": "leak@example.com"}
    ).json()["id"]
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "password", "value": PASSWORDS[2]}],
    }
    assert client.patch(base + f"/Users/{uid}", json=patch).status_code == 200
    put = {"schemas": [USER_SCHEMA], "userName": "leak@example.com", "password": PASSWORDS[3]}
    assert client.put(base + f"/Users/{uid}", json=put).status_code == 200
    broken = '{"userName": "x@example.com", "password": "' + PASSWORDS[4] + '", '  # cut short
    assert (
        client.post(base + "/Users", data=broken, headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(base + "/Users", headers=bearer, timeout=10).status_code == 401  # Basic mode
    assert requests.get(base + "/Users", auth=(USER, TOKEN + "x"), timeout=10).status_code == 401

    entries = client.get(served.url + "/__admin/requests").json()["requests"]
    snapshot = client.get(served.url + "/__admin/state").json()
    values = {
        "entry_id": [str(e["id"]) for e in entries],
        "rid": [u["id"] for u in snapshot["users"]] + [g["id"] for g in snapshot["groups"]],
        "name": ["default"],
        "urn": [USER_SCHEMA],
    }
    leaks: dict[str, list[str]] = {}
    read = 0
    for endpoint, rule in _routes():
        for url in _urls(rule, values):
            text = _read(client, served.url + url, endpoint)
            read += 1
            if endpoint in REVEALS_CREDENTIALS:
                assert TOKEN in text  # the detector works: this one must show it
            elif _found(text):
                leaks[f"GET {url}"] = _found(text)
    served.process.send_signal(signal.SIGINT)  # stop, so the logs and files are complete
    served.process.wait(timeout=10)
    for path in sorted(served.folder.iterdir()):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name == "stdout.txt":
            # The banner shows the credentials to type into Okta; that line, and only it.
            text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("Password"))
        if _found(text):
            leaks[path.name] = _found(text)
    figures["secret-leak checks (answers and files read)"] += read + len(list(served.folder.iterdir()))
    assert len(entries) > 50 and read > len(entries)
    assert (served.folder / "journal.jsonl").stat().st_size > 0 and "PATCH" in (
        served.folder / "stderr.txt"
    ).read_text()
    assert leaks == {}
