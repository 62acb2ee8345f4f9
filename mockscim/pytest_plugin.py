"""pytest plugin (``pytest11`` entry point ``mockscim``): runs ``*.scenario.yaml`` files as tests
and offers fixtures for hand-written SCIM tests.

Scenarios and fixtures target ``--mockscim-base-url`` / ``MOCKSCIM_BASE_URL`` (with
``--mockscim-auth`` / ``MOCKSCIM_AUTH``) when given, else one embedded mockscim server per
session on a loopback port, reset before each scenario and each test that uses it.
At module level this imports only pytest and ``mockscim.runner``; the server is imported
lazily when the embedded mock is first needed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockscim.runner import Credentials
from mockscim.runner import RunnerError
from mockscim.runner import Scenario
from mockscim.runner import ScenarioError
from mockscim.runner import ScenarioFailed
from mockscim.runner import ScimClient
from mockscim.runner import Target
from mockscim.runner import TargetUnreachable
from mockscim.runner import load_scenario
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report

SUFFIX = ".scenario.yaml"
ENV_BASE_URL = "MOCKSCIM_BASE_URL"
ENV_AUTH = "MOCKSCIM_AUTH"


class MockscimState:
    """Per-session state: the external target, or the lazily started embedded mock."""

    def __init__(self, base_url: str | None, auth: str | None, timeout: float):
        self.timeout = timeout
        self.external = (
            Target(base_url, Credentials.parse(auth), timeout, label="live server") if base_url else None
        )
        self._embedded: Any = None

    def embedded(self) -> Any:
        """The session's embedded mockscim (an EmbeddedMock), started on first use."""
        if self._embedded is None:
            from mockscim.commands.run import EmbeddedMock

            self._embedded = EmbeddedMock()
        return self._embedded

    def target(self) -> Target:
        """Where scenarios run."""
        return self.external or self.embedded().target(self.timeout)

    def reset(self) -> None:
        """Empty the embedded mock (external servers are left alone)."""
        if self.external is None:
            self.embedded().reset()

    def close(self) -> None:
        """Stop the embedded mock if it was started."""
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None


STATE = pytest.StashKey[MockscimState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--mockscim-base-url``, ``--mockscim-auth`` and ``--mockscim-timeout``."""
    group = parser.getgroup("mockscim", "mockscim SCIM scenarios")
    group.addoption(
        "--mockscim-base-url",
        metavar="URL",
        help=f"Run scenarios and fixtures against this SCIM base URL (env {ENV_BASE_URL}); "
        "default: an embedded mockscim server.",
    )
    group.addoption(
        "--mockscim-auth",
        metavar="SPEC",
        help="Credentials for --mockscim-base-url: basic:USER:PASS, bearer:TOKEN or "
        f"'header:Name: value' (env {ENV_AUTH}).",
    )
    group.addoption(
        "--mockscim-timeout", type=float, default=60.0, help="Per-request timeout in seconds (default 60)."
    )


def pytest_configure(config: pytest.Config) -> None:
    """Read the options once; bad credentials are a usage error."""
    base_url = config.getoption("mockscim_base_url") or os.environ.get(ENV_BASE_URL) or None
    auth = config.getoption("mockscim_auth") or os.environ.get(ENV_AUTH) or None
    try:
        config.stash[STATE] = MockscimState(base_url, auth, config.getoption("mockscim_timeout"))
    except RunnerError as exc:
        raise pytest.UsageError(f"mockscim: {exc}") from None


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the embedded server at the end of the session."""
    state = config.stash.get(STATE, None)
    if state is not None:
        state.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``*.scenario.yaml`` files."""
    if file_path.name.endswith(SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    """One scenario file; a bad file is a collection error reading ``file:line: message``."""

    def collect(self) -> Iterator[pytest.Item]:
        """Load the file and yield its one scenario."""
        try:
            scenario = load_scenario(self.path)
        except ScenarioError as exc:
            raise self.CollectError(str(exc)) from None
        yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


class ScenarioItem(pytest.Item):
    """One scenario as a test; its tags are keywords, so ``-k aiw`` works."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any):
        super().__init__(**kwargs)
        self.scenario = scenario
        self.extra_keyword_matches.update(scenario.tags)

    def runtest(self) -> None:
        """Run the scenario against the session's target."""
        state = self.config.stash[STATE]
        target = state.target()
        state.reset()
        result = run_scenario(self.scenario, target)
        if not result.passed:
            raise ScenarioFailed(result, scenario_report(result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The runner's report text instead of a traceback."""
        if isinstance(excinfo.value, ScenarioFailed | TargetUnreachable):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """Location shown in pytest's summary."""
        return self.path, self.scenario.line - 1, f"scenario: {self.scenario.name}"


@pytest.fixture
def mockscim_server(pytestconfig: pytest.Config) -> Iterator[Any]:
    """The embedded mockscim (``.url``, ``.base_url``, ``.auth`` = (user, password)), reset for this test."""
    server = pytestconfig.stash[STATE].embedded()
    server.reset()
    yield server


@pytest.fixture
def mockscim_base_url(request: pytest.FixtureRequest) -> str:
    """The SCIM base URL under test: ``--mockscim-base-url`` or the embedded server's (reset)."""
    state = request.config.stash[STATE]
    if state.external is not None:
        return state.external.base_url
    return request.getfixturevalue("mockscim_server").base_url


@pytest.fixture
def scim_client(request: pytest.FixtureRequest, mockscim_base_url: str) -> Iterator[ScimClient]:
    """A requests-based client that sends Okta's headers and credentials to the base URL under test."""
    state = request.config.stash[STATE]
    target = state.target()
    with ScimClient(mockscim_base_url, target.credentials, timeout=state.timeout) as client:
        yield client
