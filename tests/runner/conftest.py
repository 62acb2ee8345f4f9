"""Fixtures for the runner tests: deliberately wrong HTTP servers, targets, the data folder."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from requests.structures import CaseInsensitiveDict

from mockscim.runner import Credentials
from mockscim.runner import Scenario
from mockscim.runner import Target
from mockscim.runner import load_text

DATA = Path(__file__).resolve().parent / "data"


def pytest_configure(config: pytest.Config) -> None:
    """Enable pytester for the plugin tests.

    ``pytest_plugins = ["pytester"]`` here would be refused when the whole suite runs from the
    project root ("Defining 'pytest_plugins' in a non-top-level conftest is no longer
    supported"), so the plugin is registered from this (historic) hook instead.
    """
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@dataclass
class Canned:
    """The response a FakeServer gives to every request."""

    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    """One request as the FakeServer saw it (``target`` is the raw request target)."""

    method: str
    target: str
    headers: CaseInsensitiveDict
    body: bytes
    peer: int = 0  # the client's port: one value for every request sent on one connection


class FakeServer:
    """A tiny, deliberately configurable HTTP server: it answers whatever it is told to.

    ``reply`` sets the answer to every request; ``reply_at`` sets one for a single path.
    ``keep_alive`` makes it speak HTTP/1.1 and keep connections open (HTTP/1.0 closes each one).
    """

    def __init__(self) -> None:
        self.keep_alive = False
        self.canned = Canned()
        self.routes: dict[str, Canned] = {}
        self.received: list[Received] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll interval keeps shutdown() fast (the default 0.5 s is paid by every test).
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:port``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def reply(self, status: int = 200, json_body: Any = None, *, body: str = "", **options: Any) -> None:
        """Answer with ``status`` and a JSON body (``application/scim+json``) or a raw body."""
        self.canned = _canned(status, json_body, body, options)

    def reply_at(self, path: str, status: int = 200, json_body: Any = None, **options: Any) -> None:
        """Answer requests for ``path`` (without query) like ``reply``; other paths are unchanged."""
        self.routes[path] = _canned(status, json_body, options.pop("body", ""), options)

    def stop(self) -> None:
        """Shut down and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            @property  # type: ignore[override]
            def protocol_version(self) -> str:  # read for each request (http.server)
                return "HTTP/1.1" if fake.keep_alive else "HTTP/1.0"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = CaseInsensitiveDict(dict(self.headers))
                fake.received.append(Received(self.command, self.path, headers, body, self.client_address[1]))
                canned = fake.routes.get(self.path.split("?")[0], fake.canned)
                time.sleep(canned.delay)
                payload = canned.body.encode()
                self.send_response(canned.status)
                for name, value in canned.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                """Keep test output clean."""

        return Handler


def _canned(status: int, json_body: Any, body: str, options: dict[str, Any]) -> Canned:
    """A Canned answer: a JSON body (``application/scim+json``) or a raw body."""
    headers = options.pop("headers", None)
    if json_body is not None:
        body = json.dumps(json_body)
        headers = {"Content-Type": "application/scim+json", **(headers or {})}
    return Canned(status, body, headers or {}, **options)


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """A wrong-on-purpose SCIM server on a loopback port."""
    running = FakeServer()
    yield running
    running.stop()


@pytest.fixture
def fake_target(fake_server: FakeServer) -> Target:
    """A runner target for the fake server (base URL with /scim/v2, bearer credentials)."""
    return Target(fake_server.url + "/scim/v2", Credentials.parse("bearer:fake-token"), timeout=5)


@pytest.fixture
def mock_target(server: Any, scim: Any) -> Target:
    """A runner target for the real mockscim ``server`` fixture, with its Basic credentials."""
    user, token = scim.session.auth
    return Target(server.url + "/scim/v2", Credentials.parse(f"basic:{user}:{token}"), timeout=10)


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_step(expect: dict[str, Any], request: dict[str, Any] | None = None, **step: Any) -> Scenario:
    """A one-step scenario built from Python data (GET /Users unless ``request`` is given)."""
    first = {"name": "the step", "request": request or {"method": "GET", "path": "/Users"}, "expect": expect}
    document = {"name": "one step", "steps": [{**first, **step}]}
    return load_text(yaml.safe_dump(document, sort_keys=False), "one-step.yaml")


@pytest.fixture
def make_step() -> Any:
    """Factory: ``make_step(expect, request=None, **step_keys)`` -> a one-step Scenario."""
    return _one_step


@pytest.fixture
def make_scenario() -> Any:
    """Factory: ``make_scenario(yaml_text)`` -> Scenario."""
    return lambda text: load_text(text, "inline.yaml")
