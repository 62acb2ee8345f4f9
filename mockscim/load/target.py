"""The target of a load run: the embedded mock (``mockscim serve`` in a subprocess) or a live
server, probed and prepared the way Okta starts (test connector §3, group push §9.1).

Only the given target is contacted. Nothing here imports Locust or the server.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from mockscim.load.policy import RetryPolicy
from mockscim.load.policy import RetryState
from mockscim.load.templates import Templates
from mockscim.runner.client import Credentials
from mockscim.runner.client import ScimClient

BANNER = re.compile(r"Listening on (http://\S+)")
START_TIMEOUT = 60.0


class TargetError(Exception):
    """The target cannot be used; ``exit_code`` is 2 (wrong settings) or 3 (unreachable)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class RetryingClient(ScimClient):
    """A runner client that waits out 429s and 5xx as Okta does (reconciliation and set-up
    must not fail because the target rate-limits them)."""

    def __init__(self, base_url: str, credentials: Credentials, policy: RetryPolicy, timeout: float = 60.0):
        super().__init__(base_url, credentials, timeout=timeout)
        self.policy = policy

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send, and send again while the policy says Okta would."""
        state = RetryState(self.policy)
        while True:
            try:
                response = super().request(method, path, **kwargs)
            except requests.Timeout:
                if state.after(0, None) is None:
                    raise
                continue
            wait = state.after(response.status_code, response.headers.get("Retry-After"))
            if wait is None:
                return response
            time.sleep(self.policy.capped(wait))


class EmbeddedMock:
    """``mockscim serve`` on a free loopback port with fresh credentials, optionally seeded."""

    def __init__(self, seed_users: int, prefix: str):
        self.folder = tempfile.TemporaryDirectory(prefix="mockscim-load-")
        token = secrets.token_urlsafe(16)
        self.auth = f"basic:load:{token}"
        command = [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--auth", self.auth, "-q"]
        if seed_users:
            command += ["--seed", str(self._seed(seed_users, prefix))]
        self.log = Path(self.folder.name) / "serve.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        self.base_url = self._await_banner() + "/scim/v2"

    def _seed(self, count: int, prefix: str) -> Path:
        """A seed file of ``count`` app users for imports to page through (§4)."""
        users = [
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": f"import{i}.{prefix}@example.com",
                "name": {"givenName": "Import", "familyName": f"User{i}"},
                "emails": [{"primary": True, "value": f"import{i}.{prefix}@example.com", "type": "work"}],
                "active": True,
            }
            for i in range(1, count + 1)
        ]
        path = Path(self.folder.name) / "seed.json"
        path.write_text(json.dumps({"users": users}), encoding="utf-8")
        return path

    def _await_banner(self) -> str:
        """The URL from ``mockscim serve``'s banner ("Listening on http://127.0.0.1:PORT")."""
        deadline = time.monotonic() + START_TIMEOUT
        assert self.process.stdout is not None
        for line in self.process.stdout:
            match = BANNER.search(line)
            if match:
                return match.group(1)
            if time.monotonic() > deadline:
                break
        self.stop()
        raise TargetError(f"the embedded mock did not start: {self.log.read_text()[-500:]}", 3)

    def stop(self) -> None:
        """Stop the server and remove its files."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.process.stdout:
            self.process.stdout.close()
        self.folder.cleanup()


def probe(client: ScimClient) -> None:
    """Okta's Test Connector Configuration (§3): ``GET /Users?startIndex=1&count=2`` must list users."""
    what = f"GET {client.base_url}/Users?startIndex=1&count=2"
    try:
        response = client.get("/Users", query={"startIndex": 1, "count": 2})
    except requests.RequestException as exc:
        raise TargetError(
            f"cannot reach the target: {what} failed ({type(exc).__name__}). Is it running? Check --base-url.",
            3,
        ) from None
    if response.status_code in (401, 403):
        raise TargetError(
            f"{what} answered {response.status_code}: the target refused the credentials; check --auth", 2
        )
    try:
        listed = response.status_code == 200 and isinstance(response.json().get("totalResults"), int)
    except (ValueError, AttributeError):
        listed = False
    if not listed:
        raise TargetError(
            f"{what} answered {response.status_code} without a SCIM ListResponse: is --base-url the SCIM base URL (for example https://host/scim/v2)?",
            2,
        )


def push_shared_groups(
    client: ScimClient, templates: Templates, prefix: str, count: int
) -> list[dict[str, str]]:
    """Push the groups every simulated worker changes at once (§9.1); link one that exists (§9.2)."""
    groups = []
    for index in range(1, count + 1):
        name = f"{prefix} shared {index}"
        response = client.post("/Groups", json=templates.create_group(name, []))
        if response.status_code == 409:
            query = {"filter": f"displayName eq {json.dumps(name)}", "startIndex": 1, "count": 100}
            found = client.get("/Groups", query=query).json().get("Resources") or [{}]
            gid = found[0].get("id")
        else:
            gid = response.json().get("id") if response.status_code == 201 else None
        if not isinstance(gid, str):
            raise TargetError(
                f"pushing group {name!r} answered {response.status_code}: {response.text[:200]}", 1
            )
        groups.append({"displayName": name, "id": gid})
    return groups
