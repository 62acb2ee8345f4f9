"""pytest plugin (``pytest11`` entry point ``mockscim``): runs ``*.scenario.yaml`` files as tests
and offers fixtures for hand-written SCIM tests.

Scenarios and fixtures target ``--mockscim-base-url`` / ``MOCKSCIM_BASE_URL`` (with
``--mockscim-auth`` / ``MOCKSCIM_AUTH`` and ``--mockscim-admin-url`` / ``MOCKSCIM_ADMIN_URL``) when given, else one embedded mockscim server per
session on a loopback port, reset before each scenario and each test that uses it.
At module level this imports only pytest and ``mockscim.runner``; the server is imported
lazily when the embedded mock is first needed.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

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
ENV_ADMIN_URL = "MOCKSCIM_ADMIN_URL"
ENV_TENANTS = "MOCKSCIM_TENANTS"
HTML_REPORT = "mockscim-html-report"  # the plugin name of mockscim.pytest_report.HtmlReport


@dataclass(frozen=True)
class IsolatedServer:
    """What one test gets: the server root, its own SCIM base URL and admin URL, and credentials."""

    url: str
    base_url: str
    admin_url: str | None
    auth: tuple[str, str] | None
    tenant: str | None


def tenant_target(target: Target, name: str) -> Target:
    """The same server seen through tenant ``name``: ``/t/{name}`` before the base path."""
    parts = urlsplit(target.base_url)
    root = f"{parts.scheme}://{parts.netloc}"
    return replace(
        target,
        base_url=f"{root}/t/{name}{parts.path}",
        admin_url=f"{root}/t/{name}/__admin",
        label=f"{target.label}, tenant {name}",
    )


class MockscimState:
    """Per-session state: the external target, or the lazily started embedded mock.

    Each test gets its own tenant of the embedded mock (and of an external mockscim with
    ``--mockscim-tenants``), so tests and xdist workers sharing one server never see each
    other's data; the tenant is deleted when the test ends.
    """

    def __init__(
        self,
        base_url: str | None,
        auth: str | None,
        timeout: float,
        admin_url: str | None = None,
        tenants: bool = False,
        variables: tuple[tuple[str, str], ...] = (),
    ):
        self.timeout = timeout
        self.tenants = tenants
        self.variables = variables
        self.external = (
            Target(
                base_url,
                Credentials.parse(auth),
                timeout,
                label="live server",
                admin_url=admin_url,
                admin_option="--mockscim-admin-url",
                variables=variables,
            )
            if base_url
            else None
        )
        self._embedded: Any = None
        self._names = itertools.count(1)
        self._run = secrets.token_hex(3)

    def embedded(self) -> Any:
        """The session's embedded mockscim (an EmbeddedMock), started on first use."""
        if self._embedded is None:
            from mockscim.commands.run import EmbeddedMock

            self._embedded = EmbeddedMock()
        return self._embedded

    def target(self) -> Target:
        """The session's target (not isolated)."""
        return self.external or replace(self.embedded().target(self.timeout), variables=self.variables)

    def isolate(self) -> tuple[Target, str | None]:
        """A target for one test: a fresh tenant, unless an external server is used without tenants."""
        target = self.target()
        if self.external is not None and not self.tenants:
            return target, None
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"pytest-{self._run}-{worker}-{next(self._names)}"
        return tenant_target(target, name), name

    def release(self, target: Target, name: str | None) -> None:
        """Delete a test's tenant (best effort: a leftover tenant only costs memory)."""
        if name is None:
            return
        root = target.base_url.split(f"/t/{name}/", 1)[0]
        headers = {target.credentials.header: target.credentials.value} if target.credentials.header else {}
        try:
            requests.delete(f"{root}/__admin/tenants/{name}", headers=headers, timeout=self.timeout)
        except requests.RequestException:
            pass

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
        "--mockscim-admin-url",
        metavar="URL",
        help="mockscim admin API for scenarios that require mock-admin, with --mockscim-base-url "
        f"(env {ENV_ADMIN_URL}); default: the base URL with /scim/v2 replaced by /__admin.",
    )
    group.addoption(
        "--mockscim-timeout", type=float, default=60.0, help="Per-request timeout in seconds (default 60)."
    )
    group.addoption(
        "--mockscim-var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Set a scenario variable (repeatable), e.g. --mockscim-var custom_urn=URN for your extension.",
    )
    group.addoption(
        "--mockscim-html-report",
        metavar="FILE",
        help="Write the HTML report (Okta readiness, summary, every step) of the scenarios run here.",
    )
    group.addoption(
        "--mockscim-profile",
        metavar="NAME",
        default="all",
        help="Okta app profile for the HTML report's readiness verdict: all (default) or invicti.",
    )
    group.addoption(
        "--mockscim-tenants",
        action="store_true",
        help="With --mockscim-base-url pointing at a mockscim server: give each test its own tenant "
        f"(/t/NAME/...), so parallel runs (pytest -n) share one server safely (env {ENV_TENANTS}=1).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Read the options once; bad credentials are a usage error."""
    base_url = config.getoption("mockscim_base_url") or os.environ.get(ENV_BASE_URL) or None
    auth = config.getoption("mockscim_auth") or os.environ.get(ENV_AUTH) or None
    admin_url = config.getoption("mockscim_admin_url") or os.environ.get(ENV_ADMIN_URL) or None
    timeout = config.getoption("mockscim_timeout")
    tenants = config.getoption("mockscim_tenants") or os.environ.get(ENV_TENANTS, "") in ("1", "true", "yes")
    try:
        variables = _vars(config.getoption("mockscim_var"))
        config.stash[STATE] = MockscimState(base_url, auth, timeout, admin_url, tenants, variables)
    except RunnerError as exc:
        raise pytest.UsageError(f"mockscim: {exc}") from None
    html = config.getoption("mockscim_html_report")
    if html:
        _register_html_report(config, Path(html), base_url)


def _register_html_report(config: pytest.Config, path: Path, base_url: str | None) -> None:
    """Register the HTML report collector (``mockscim.pytest_report``); a bad profile is a usage error."""
    from mockscim.pytest_report import HtmlReport
    from mockscim.runner.verdict import Readiness
    from mockscim.runner.verdict import UnknownProfile

    try:
        readiness = Readiness.choose(config.getoption("mockscim_profile"))
    except UnknownProfile as exc:
        raise pytest.UsageError(f"mockscim: --mockscim-profile: {exc}") from None
    target = {"base_url": base_url or "embedded mockscim", "label": "live server" if base_url else ""}
    config.pluginmanager.register(HtmlReport(path, readiness, target), HTML_REPORT)


def _vars(specs: list[str]) -> tuple[tuple[str, str], ...]:
    """``--mockscim-var NAME=VALUE`` pairs; a malformed one is a usage error."""
    pairs = []
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip().isidentifier():
            raise pytest.UsageError(
                f"mockscim: --mockscim-var {spec!r} must be NAME=VALUE, e.g. custom_attribute=costCenter"
            )
        pairs.append((name.strip(), value))
    return tuple(pairs)


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
        """Run the scenario against the session's target; skip it when the target lacks a requirement."""
        state = self.config.stash[STATE]
        target, tenant = state.isolate()
        try:
            result = run_scenario(self.scenario, target)
        finally:
            state.release(target, tenant)
        html = self.config.pluginmanager.get_plugin(HTML_REPORT)
        if html is not None:
            html.keep(self, result, target)
        if result.skip_reason is not None:
            pytest.skip(f"{self.scenario.name}: {result.skip_reason}")
        if result.failed:
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
def mockscim_isolated(pytestconfig: pytest.Config) -> Iterator[IsolatedServer]:
    """This test's own view of the target: its tenant's URLs and credentials (released afterwards)."""
    state = pytestconfig.stash[STATE]
    target, tenant = state.isolate()
    root = target.base_url.split(f"/t/{tenant}/", 1)[0] if tenant else target.base_url
    embedded = state.embedded() if state.external is None else None
    yield IsolatedServer(
        url=embedded.url if embedded else root,
        base_url=target.base_url,
        admin_url=target.admin_url,
        auth=embedded.auth if embedded else None,
        tenant=tenant,
    )
    state.release(target, tenant)


@pytest.fixture
def mockscim_server(pytestconfig: pytest.Config, mockscim_isolated: IsolatedServer) -> IsolatedServer:
    """The embedded mockscim as this test sees it (``.url``, ``.base_url``, ``.admin_url``,
    ``.auth`` = (user, password)): a tenant of its own, empty at the start of the test."""
    if pytestconfig.stash[STATE].external is not None:
        pytest.skip("mockscim_server is the embedded mock; this run targets --mockscim-base-url")
    return mockscim_isolated


@pytest.fixture
def mockscim_base_url(mockscim_isolated: IsolatedServer) -> str:
    """The SCIM base URL under test: this test's tenant, or ``--mockscim-base-url``."""
    return mockscim_isolated.base_url


@pytest.fixture
def unique_email() -> str:
    """An address no earlier run used (``ci-<random>@example.com``), so a test that creates a user
    passes again against a server that keeps its data (a second create would answer 409)."""
    return f"ci-{secrets.token_hex(5)}@example.com"


@pytest.fixture
def scim_client(request: pytest.FixtureRequest, mockscim_base_url: str) -> Iterator[ScimClient]:
    """A requests-based client that sends Okta's headers and credentials to the base URL under test."""
    state = request.config.stash[STATE]
    with ScimClient(mockscim_base_url, state.target().credentials, timeout=state.timeout) as client:
        yield client
