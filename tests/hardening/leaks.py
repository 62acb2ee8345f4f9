"""Looking for secrets in everything a real ``mockscim serve`` process writes: a process with a
journal file, a state file and captured logs, and a reader for every GET route of the URL map
(journal, entries, export, state, dashboard pages and JSON, the event stream)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import requests

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.server import create_app

# The one answer that shows a credential, on purpose: the dashboard's "show credentials"
# button (behind admin credentials) reveals what to paste into Okta, like the start-up banner.
REVEALS_CREDENTIALS = {"dashboard.credentials"}
STREAMS = {"dashboard.events"}  # Server-Sent Events: read for a moment, not to the end


@contextmanager
def serving(folder: Path, user: str, token: str, *extra: str) -> Iterator[SimpleNamespace]:
    """``mockscim serve`` in a subprocess with a journal file and a state file; logs captured."""
    out, err = (folder / "stdout.txt").open("wb"), (folder / "stderr.txt").open("wb")
    command = [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--auth", f"basic:{user}:{token}"]
    command += ["--journal-file", str(folder / "journal.jsonl"), *extra]
    command += ["--state-file", str(folder / "state.json"), "--state-sync", "request"]
    process = subprocess.Popen(command, stdout=out, stderr=err, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = None
    for _ in range(400):
        match = re.search(r"Listening on (http://\S+?) ", (folder / "stdout.txt").read_text())
        if match:
            url = match.group(1)
            break
        assert process.poll() is None, (folder / "stderr.txt").read_text()
        time.sleep(0.05)
    assert url, "mockscim serve did not start"
    try:
        yield SimpleNamespace(url=url, folder=folder, process=process)
    finally:
        stop(process)
        out.close()
        err.close()


def stop(process: subprocess.Popen) -> None:
    """Stop the server (Ctrl+C), so its logs and files are complete."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


def routes(user: str, token: str) -> list[tuple[str, str]]:
    """(endpoint, rule) of every GET route of the URL map."""
    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{user}:{token}")))
    return [(r.endpoint, r.rule) for r in app.url_map.iter_rules() if "GET" in r.methods]


def urls(rule: str, values: dict[str, list[str]]) -> list[str]:
    """Every concrete URL for a rule, from the ids the run produced (rules without any: one)."""
    names = re.findall(r"<(?:[^:>]+:)?(\w+)>", rule)
    if not names:
        return [rule]
    if len(names) > 1 or not values.get(names[0]):
        fills = {"rtype": "User", "filename": "app.js"}
        return [re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: fills.get(m[1], "x"), rule)]
    return [re.sub(r"<(?:[^:>]+:)?(\w+)>", value, rule) for value in values[names[0]]]


def read(client: requests.Session, url: str, endpoint: str) -> str:
    """The answer's headers and body as text (a stream: what arrives in half a second)."""
    if endpoint not in STREAMS:
        response = client.get(url, params={"since": 0} if "requests" in url else None, timeout=30)
        return json.dumps(dict(response.headers)) + response.text
    data = b""
    with client.get(url, params={"since": 0}, stream=True, timeout=(5, 0.5)) as response:
        try:
            for chunk in response.iter_content(chunk_size=None):
                data += chunk  # the backlog comes at once; then only heartbeats, every 15 s
        except requests.ConnectionError:
            pass  # the read timeout: the backlog has arrived
    return data.decode("utf-8", "replace")


def every_answer(served: SimpleNamespace, user: str, token: str) -> Iterator[tuple[str, str, str]]:
    """(endpoint, URL, text) for every GET route, with every journal entry and resource id."""
    client = requests.Session()
    client.auth = (user, token)
    entries = client.get(served.url + "/__admin/requests", timeout=30).json()["requests"]
    snapshot = client.get(served.url + "/__admin/state", timeout=30).json()
    values = {
        "entry_id": [str(e["id"]) for e in entries],
        "rid": [u["id"] for u in snapshot["users"]] + [g["id"] for g in snapshot["groups"]],
        "name": ["default"],
        "urn": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    }
    for endpoint, rule in routes(user, token):
        for url in urls(rule, values):
            yield endpoint, url, read(client, served.url + url, endpoint)


def every_file(folder: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of every file the process wrote, the banner's password line left out (the
    banner shows the credentials to type into Okta, on purpose)."""
    for path in sorted(folder.iterdir()):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name == "stdout.txt":
            text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("Password"))
        yield path.name, text
