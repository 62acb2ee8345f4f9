"""``mockscim run``: play scenario files against the embedded mock or any SCIM server.

Exit codes: 0 nothing failed (skipped scenarios do not fail a run), 1 a scenario failed,
2 bad usage or a bad scenario file, 3 the target is unreachable.

When the target answers 401 to a request that carried the credentials (and did not expect
401), the run stops there: one line says the credentials were refused, the remaining
scenarios are reported as not run (skipped, with that reason), and the exit code is 1.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click

from mockscim.runner import Credentials
from mockscim.runner import Scenario
from mockscim.runner import ScenarioResult
from mockscim.runner import SelectionError
from mockscim.runner import Target
from mockscim.runner import TargetUnreachable
from mockscim.runner import json_report
from mockscim.runner import junit_xml
from mockscim.runner import load_scenarios
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.runner import select
from mockscim.runner.client import CredentialsError
from mockscim.runner.client import ScimClient
from mockscim.runner.execute import skipped
from mockscim.runner.html_report import html_report
from mockscim.runner.html_report import write_html
from mockscim.runner.readiness import PROFILES
from mockscim.runner.report import summary
from mockscim.runner.verdict import Readiness
from mockscim.runner.verdict import UnknownProfile
from mockscim.runner.verdict import text as verdict_text

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class EmbeddedMock:
    """mockscim in this process on a loopback port chosen by the OS, with fresh Basic credentials.

    This is a composition root, so it may import the server (lazily: ``--base-url`` runs never
    load Flask). The pytest plugin reuses it.
    """

    def __init__(self) -> None:
        from mockscim.config import AuthConfig
        from mockscim.config import Settings
        from mockscim.schema_extensions import example_path
        from mockscim.server import create_app
        from mockscim.server.serving import start_background

        config = AuthConfig.generate()
        # The packaged example extension, so the library's custom-attribute scenarios have one
        # to work with (scenarios/okta/*/custom-attributes*, docs/custom-attributes.md).
        self.app = create_app(Settings(port=0, auth=config, schema_extensions=(example_path(),)))
        settings = self.app.extensions["mockscim"].settings
        self.server = start_background(self.app, settings.host, 0)
        self.url = self.server.url
        self.base_url = self.url + settings.base_path
        self.admin_url = self.url + "/__admin"
        self.auth = (config.user, config.token)
        self.credentials = Credentials.parse(f"basic:{config.user}:{config.token}")

    def reset(self) -> None:
        """Empty the default tenant: resources, journal and faults, so nothing leaks between scenarios.

        In-process (like ``POST /__admin/reset`` plus ``DELETE /__admin/faults``) to save two
        requests per scenario.
        """
        state = self.app.extensions["mockscim"]
        state.store.reset()
        state.journal.clear()
        state.faults.clear()

    def target(self, timeout: float) -> Target:
        """A runner Target for this server, with its admin API for ``mock:`` steps."""
        return Target(
            self.base_url, self.credentials, timeout, label="embedded mockscim", admin_url=self.admin_url
        )

    def stop(self) -> None:
        """Shut the server down."""
        self.server.stop()


def _load(paths: tuple[Path, ...], keyword: str | None, dialect: str | None) -> list[Scenario]:
    """Load and select scenarios; exit 2 on bad files, bad -k or an empty selection."""
    from mockscim.library import library_root

    roots = paths or (library_root(),)
    scenarios, errors = load_scenarios(roots, trusted=not paths)  # the packaged library
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        raise click.exceptions.Exit(EXIT_USAGE)
    try:
        chosen = select(scenarios, keyword, dialect)
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    if not chosen:
        what = (
            f"{len(scenarios)} scenario(s) found, none selected"
            if scenarios
            else "no *.scenario.yaml files found"
        )
        click.echo(f"error: {what} under {', '.join(map(str, roots))}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    return chosen


def _echo_result(result: ScenarioResult) -> None:
    """Print the scenario line (coloured PASS/FAIL) and, on failure, its details."""
    text = scenario_report(result)
    label, rest = text[:4], text[4:]
    colour = {"passed": "green", "failed": "red", "skipped": "yellow"}[result.status]
    click.echo(click.style(label, fg=colour, bold=True) + rest)


def _run_all(
    scenarios: list[Scenario], target: Target, reset: Callable[[], None] | None, fail_fast: bool
) -> list[ScenarioResult]:
    """Run scenarios in order, resetting the embedded mock before each one.

    One client, so one connection pool, for the whole run: Okta keeps its connections open
    (``Connection: Keep-Alive``, docs/okta-reference.md §2.2), and a connection per scenario
    cost the runner time (docs/performance.md). Each scenario still starts without cookies."""
    with ScimClient(target.base_url, target.credentials, timeout=target.timeout) as client:
        return _run_each(scenarios, target, reset, fail_fast, client)


def _run_each(
    scenarios: list[Scenario],
    target: Target,
    reset: Callable[[], None] | None,
    fail_fast: bool,
    client: ScimClient,
) -> list[ScenarioResult]:
    """``_run_all``'s loop, with ``client`` shared by every scenario."""
    results: list[ScenarioResult] = []
    for index, scenario in enumerate(scenarios):
        if reset:
            reset()
        client.forget_cookies()
        result = run_scenario(scenario, target, client=client)
        if _credentials_refused(result):
            click.echo(f"error: {REFUSED}", err=True)
            _echo_result(result)
            rest = [skipped(s, f"not run: {REFUSED}") for s in scenarios[index + 1 :]]
            return [result, *rest]
        _echo_result(result)
        results.append(result)
        if fail_fast and result.failed:
            click.echo("stopping at the first failing scenario (--fail-fast)", err=True)
            break
    return results


AUTH_FORMS = "basic:USER:PASSWORD, bearer:TOKEN, 'header:Name: value' or none"
REFUSED = f"the target refused the credentials (401): check --auth ({AUTH_FORMS})"


def _credentials_refused(result: ScenarioResult) -> bool:
    """True when a request that carried the credentials got a 401 it did not expect."""
    step = result.failed_step
    if step is None or step.exchange is None or step.exchange.status != 401:
        return False
    spec = next((s for s in result.scenario.steps if s.name == step.name and s.line == step.line), None)
    expected = step.expect.status if step.expect is not None else ()
    return (
        spec is not None and spec.request is not None and spec.request.auth != "none" and 401 not in expected
    )


def _write_reports(
    results: list[ScenarioResult],
    target: Target,
    duration_ms: float,
    junit: Path | None,
    report: Path | None,
    html: Path | None = None,
    readiness: Readiness | None = None,
) -> dict | None:
    """Write --junit-xml, --json and --html-report files; return the Okta readiness verdict."""
    if junit:
        junit.write_bytes(junit_xml(results, duration_ms, credentials=target.credentials))
    document = json_report(results, target, duration_ms)
    verdict = readiness.judge(document["scenarios"]) if readiness else None
    if report:
        document["readiness"] = verdict
        report.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if html:
        write_html(html, html_report(results, target, duration_ms, verdict))
    return verdict


def parse_vars(specs: tuple[str, ...] | list[str], option: str = "--var") -> tuple[tuple[str, str], ...]:
    """``NAME=VALUE`` pairs; a bad one is a usage error that shows the form."""
    pairs = []
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not VAR_NAME.fullmatch(name.strip()):
            raise click.UsageError(
                f"{option} {spec!r} must be NAME=VALUE, e.g. {option} custom_attribute=costCenter"
            )
        pairs.append((name.strip(), value))
    return tuple(pairs)


def _target(
    base_url: str | None, auth_spec: str | None, timeout: float, admin_url: str | None = None
) -> tuple[Target | None, EmbeddedMock | None]:
    """The external Target, or a started EmbeddedMock."""
    if base_url is None:
        for given, option in ((auth_spec, "--auth"), (admin_url, "--admin-url")):
            if given:
                raise click.UsageError(f"{option} needs --base-url (the embedded mock has its own)")
        return None, EmbeddedMock()
    for url, option in ((base_url, "--base-url"), (admin_url, "--admin-url")):
        if url is not None and not url.startswith(("http://", "https://")):
            raise click.UsageError(f"{option} {url!r} must start with http:// or https://")
    try:
        credentials = Credentials.parse(auth_spec)
    except CredentialsError as exc:
        raise click.UsageError(str(exc)) from None
    return Target(base_url, credentials, timeout, label="live server", admin_url=admin_url), None


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--base-url", metavar="URL", help="SCIM base URL of a live server, e.g. https://host/scim/v2.")
@click.option(
    "--auth",
    "auth_spec",
    metavar="SPEC",
    help="Credentials for --base-url: basic:USER:PASSWORD, bearer:TOKEN (sent as 'Authorization: "
    "Bearer TOKEN'), 'header:Name: value' (any header, sent as given) or none (no credentials).",
)
@click.option(
    "--admin-url",
    metavar="URL",
    help="mockscim admin API for scenarios that require mock-admin "
    "(default: --base-url with /scim/v2 replaced by /__admin).",
)
@click.option(
    "--var",
    "var_specs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a scenario variable (repeatable), e.g. --var custom_urn=urn:...:User for your extension.",
)
@click.option("-k", "keyword", metavar="EXPR", help="Select by name, file or tag: words with and/or/not.")
@click.option(
    "--dialect", type=click.Choice(["aiw", "oin"]), help="aiw (PUT) or oin (PATCH); neutral ones always run."
)
@click.option("--fail-fast", "-x", is_flag=True, help="Stop at the first failing scenario.")
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Per-request timeout in seconds (Okta's is 60).",
)
@click.option(
    "--junit-xml", "junit", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML here."
)
@click.option(
    "--json", "report", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON report here."
)
@click.option(
    "--html-report",
    "html",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a self-contained HTML report here: Okta readiness, summary, every step.",
)
@click.option(
    "--profile",
    "profile_name",
    default="all",
    show_default=True,
    metavar="NAME",
    help=f"Okta app profile for the readiness verdict: {', '.join(sorted(PROFILES))}.",
)
def run(
    paths: tuple[Path, ...],
    base_url: str | None,
    auth_spec: str | None,
    admin_url: str | None,
    var_specs: tuple[str, ...],
    keyword: str | None,
    dialect: str | None,
    fail_fast: bool,
    timeout: float,
    junit: Path | None,
    report: Path | None,
    html: Path | None,
    profile_name: str,
) -> None:
    """Run scenario files or folders (default: the built-in library) as Okta's SCIM client."""
    try:
        readiness = Readiness.choose(profile_name, dialect)
    except UnknownProfile as exc:
        raise click.UsageError(str(exc)) from None
    scenarios = _load(paths, keyword, dialect)
    given = parse_vars(var_specs)
    target, embedded = _target(base_url, auth_spec, timeout, admin_url)
    target = replace(target or embedded.target(timeout), variables=given)  # type: ignore[union-attr]
    click.echo(f"mockscim run: {len(scenarios)} scenario(s) against {target.base_url} ({target.label})")
    started = time.perf_counter()
    try:
        results = _run_all(scenarios, target, embedded.reset if embedded else None, fail_fast)
    except TargetUnreachable as exc:
        click.echo(f"error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_UNREACHABLE) from None
    finally:
        if embedded:
            embedded.stop()
    duration_ms = (time.perf_counter() - started) * 1000
    verdict = _write_reports(results, target, duration_ms, junit, report, html, readiness)
    click.echo(summary(results, duration_ms, target.base_url))
    click.echo(verdict_text(verdict))
    if any(r.skip_reason == f"not run: {REFUSED}" for r in results):
        click.echo(REFUSED)
    raise click.exceptions.Exit(EXIT_FAILED if any(r.failed for r in results) else EXIT_OK)
