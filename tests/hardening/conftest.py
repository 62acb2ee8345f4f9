"""Hardening fixtures: servers built from settings, and the figures the suite reports.

The figures (fuzzed requests, 5xx seen, concurrent operations, invariant violations, property
examples) are printed in pytest's terminal summary, so ``make test`` shows them every run.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from mockscim.clock import FixedClock
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.ids import IdGenerator
from mockscim.server import create_app
from mockscim.server.serving import BackgroundServer
from mockscim.server.serving import start_background

USER = "okta"
TOKEN = "s3cr3t-token-for-tests"
BASIC = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
_FIGURES = pytest.StashKey[Counter]()


def pytest_configure(config: pytest.Config) -> None:
    """Start an empty tally of figures for this run."""
    config.stash[_FIGURES] = Counter()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print the hardening figures, when any hardening test ran."""
    tally = config.stash.get(_FIGURES, Counter())
    if tally:
        terminalreporter.section("mockscim hardening figures")
        for name, value in sorted(tally.items()):
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def figures(request: pytest.FixtureRequest) -> Counter:
    """The run's tally: tests add what they measured (requests sent, 5xx seen, ...)."""
    return request.config.stash[_FIGURES]


@pytest.fixture
def hardened_settings() -> Settings:
    """Basic credentials on loopback, every other setting at its default."""
    return Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"))


@pytest.fixture
def launch(hardened_settings: Settings) -> Iterator[Callable[..., BackgroundServer]]:
    """Start real threaded servers with some settings changed; all are stopped afterwards."""
    running: list[BackgroundServer] = []

    def start(**changes: Any) -> BackgroundServer:
        app = create_app(replace(hardened_settings, **changes), clock=FixedClock(), ids=IdGenerator(seed=7))
        server = start_background(app)
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def connect() -> Callable[..., requests.Session]:
    """A session for a running server, with Basic credentials (``auth=None`` for none)."""

    def session(auth: tuple[str, str] | None = (USER, TOKEN)) -> requests.Session:
        client = requests.Session()
        client.auth = auth
        client.headers["Accept"] = "application/scim+json"
        return client

    return session
