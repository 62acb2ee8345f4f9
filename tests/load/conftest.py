"""Deliberately wrong SCIM servers: mockscim behind WSGI wrappers that break what load reveals."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.server import create_app
from mockscim.server.serving import BackgroundServer
from mockscim.server.serving import start_background

USER, TOKEN = "okta", "load-test-token"
AUTH = f"basic:{USER}:{TOKEN}"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"


class Wrapper:
    """A WSGI app in front of mockscim that may answer some requests itself."""

    def __init__(self, app: Any):
        self.app = app
        self.inner = Client(app)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(raw)
        answer = self.intercept(environ, json.loads(raw) if raw else None)
        if answer is None:
            return self.app(environ, start_response)
        start_response(
            answer.status, [(k, v) for k, v in answer.headers.items() if k.lower() != "content-length"]
        )
        return [answer.get_data()]

    def intercept(self, environ: dict[str, Any], body: Any) -> Any:
        """A response to send instead of mockscim's, or None."""
        return None

    def forward(self, environ: dict[str, Any], method: str, **kwargs: Any) -> Any:
        """Send a request to mockscim with the caller's credentials."""
        headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
        return self.inner.open(environ["PATH_INFO"], method=method, headers=headers, **kwargs)


class LosesConcurrentGroupWrites(Wrapper):
    """Applies member PATCHes as read, wait, write the whole list: of two concurrent additions,
    the later write drops the earlier one (the naive server the reconciliation must catch)."""

    def intercept(self, environ: dict[str, Any], body: Any) -> Any:
        operations = body.get("Operations", []) if isinstance(body, dict) else []
        paths = [str(op.get("path", "")) for op in operations]
        if (
            environ["REQUEST_METHOD"] != "PATCH"
            or not paths
            or not all(p.startswith("members") for p in paths)
        ):
            return None
        group = self.forward(environ, "GET").get_json()
        time.sleep(0.05)  # the window in which a concurrent write is lost
        members = list(group.get("members") or [])
        for op in operations:
            if op["op"] == "add":
                members += op["value"]
            else:
                gone = op["path"].split('"')[1]
                members = [m for m in members if m["value"] != gone]
        replaced = {"schemas": [GROUP_URN], "displayName": group["displayName"], "members": members}
        return self.forward(environ, "PUT", json=replaced)


class BlindLookup(Wrapper):
    """Answers every ``userName eq`` lookup with no match, so a 409'd create is retried forever."""

    def __init__(self, app: Any):
        super().__init__(app)
        self.blind = threading.Event()

    def intercept(self, environ: dict[str, Any], body: Any) -> Any:
        if (
            self.blind.is_set()
            and environ["REQUEST_METHOD"] == "GET"
            and "filter=userName" in environ.get("QUERY_STRING", "")
        ):
            empty = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 0,
                "startIndex": 1,
                "itemsPerPage": 0,
                "Resources": [],
            }
            return self.inner.application.response_class(
                json.dumps(empty), 200, content_type="application/scim+json"
            )
        return None


class SlowGroupReads(Wrapper):
    """A correct server whose group reads answer in pairs: a read is served, then held until
    another group read has been served too (or PARTNER_SECONDS passed), so two concurrent
    read-modify-write clients both read the list before either writes. A fixed 50 ms delay
    left that to the scheduler, and a busy machine started the second read too late."""

    PARTNER_SECONDS = 1.0

    def __init__(self, app: Any):
        super().__init__(app)
        self._paired = threading.Condition()
        self._waiting = False
        self._pairs = 0

    def intercept(self, environ: dict[str, Any], body: Any) -> Any:
        if environ["REQUEST_METHOD"] != "GET" or "/Groups/" not in environ["PATH_INFO"]:
            return None
        answer = self.forward(environ, "GET")
        with self._paired:
            if self._waiting:  # a read is held for a partner: this is it
                self._waiting, self._pairs = False, self._pairs + 1
                self._paired.notify_all()
            else:
                self._waiting, pairs = True, self._pairs
                if not self._paired.wait_for(lambda: self._pairs != pairs, self.PARTNER_SECONDS):
                    self._waiting = False  # a lone read
        return answer


WRAPPERS = {
    "plain": Wrapper,
    "slow-reads": SlowGroupReads,
    "lossy": LosesConcurrentGroupWrites,
    "blind": BlindLookup,
}


@pytest.fixture
def wrapped() -> Iterator[Callable[[str], tuple[BackgroundServer, Wrapper]]]:
    """Start mockscim behind a wrapper (named as in WRAPPERS) on a loopback port; all are stopped afterwards."""
    running: list[BackgroundServer] = []

    def start(kind: str) -> tuple[BackgroundServer, Wrapper]:
        wrapper = WRAPPERS[kind](create_app(Settings(port=0, auth=AuthConfig.parse(AUTH))))
        running.append(start_background(wrapper))
        return running[-1], wrapper

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def auth_spec() -> str:
    """The credentials of the wrapped servers, as an --auth spec."""
    return AUTH
