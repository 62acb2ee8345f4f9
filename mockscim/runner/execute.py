"""Run a scenario against a target: substitute, send, compare, save; stop after a failing step."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from mockscim.runner import pointer
from mockscim.runner.admin import MockAdmin
from mockscim.runner.admin import derive_admin_url
from mockscim.runner.client import DEFAULT_TIMEOUT
from mockscim.runner.client import Credentials
from mockscim.runner.client import Exchange
from mockscim.runner.client import Outgoing
from mockscim.runner.client import ScimClient
from mockscim.runner.client import encode_query
from mockscim.runner.client import join_url
from mockscim.runner.declared import DeclaredSchemas
from mockscim.runner.errors import UnknownVariable
from mockscim.runner.final_state import FinalStateError
from mockscim.runner.final_state import check_final_state
from mockscim.runner.final_state import parse_final_state
from mockscim.runner.matchers import Failure
from mockscim.runner.matchers import evaluate
from mockscim.runner.matchers import parse_body
from mockscim.runner.model import MOCK_ADMIN
from mockscim.runner.model import Check
from mockscim.runner.model import Expect
from mockscim.runner.model import Save
from mockscim.runner.model import Scenario
from mockscim.runner.model import Step
from mockscim.runner.pointer import MISSING
from mockscim.runner.variables import as_text
from mockscim.runner.variables import builtins
from mockscim.runner.variables import substitute

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class Target:
    """Where scenarios run: the SCIM base URL, credentials and the per-request timeout.

    ``admin_url`` is mockscim's admin API for ``mock:`` steps; None derives it from the base URL.
    ``admin_option`` is how the user sets it (named in skip reasons): ``--admin-url`` for
    ``mockscim run``, ``--mockscim-admin-url`` for the pytest plugin.
    """

    base_url: str
    credentials: Credentials = field(default_factory=Credentials)
    timeout: float = DEFAULT_TIMEOUT
    label: str = ""
    admin_url: str | None = None
    admin_option: str = "--admin-url"
    # --var NAME=VALUE: replaces the scenario's var of that name (or adds it), as text.
    variables: tuple[tuple[str, str], ...] = ()
    # The target's /Schemas, read once per run for schema: scim/User and scim/Group checks.
    declared: DeclaredSchemas = field(default_factory=DeclaredSchemas, compare=False, repr=False)


@dataclass(frozen=True)
class StepResult:
    """What happened in one step; ``exchange``/``expect`` are those of the last (or failing) iteration."""

    name: str
    status: str
    line: int = 0
    duration_ms: float = 0.0
    iterations: int = 0
    total_iterations: int = 1
    failures: tuple[Failure, ...] = ()
    exchange: Exchange | None = None
    expect: Expect | None = None


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome of one scenario run."""

    scenario: Scenario
    steps: tuple[StepResult, ...]
    duration_ms: float = 0.0
    skip_reason: str | None = None

    @property
    def passed(self) -> bool:
        """True when every step passed."""
        return self.skip_reason is None and all(step.status == PASSED for step in self.steps)

    @property
    def status(self) -> str:
        """``passed``, ``failed``, or ``skipped`` (the target lacks something the scenario requires)."""
        if self.skip_reason is not None:
            return SKIPPED
        return PASSED if self.passed else FAILED

    @property
    def failed(self) -> bool:
        """True when a step failed (a skipped scenario has not failed)."""
        return self.status == FAILED

    @property
    def failed_step(self) -> StepResult | None:
        """The step that failed, if any."""
        return next((step for step in self.steps if step.status == FAILED), None)


def resolve_expect(expect: Expect, scope: dict[str, Any]) -> Expect:
    """``expect`` with every ``${...}`` in header values, json and check operands substituted."""
    return replace(
        expect,
        headers=tuple(replace(m, value=substitute(m.value, scope)) for m in expect.headers),
        json=expect.json if expect.json is MISSING else substitute(expect.json, scope),
        checks=tuple(
            Check(c.pointer, tuple((op, substitute(v, scope)) for op, v in c.ops)) for c in expect.checks
        ),
    )


def prepare(step: Step, scope: dict[str, Any], client: ScimClient) -> Outgoing:
    """The substituted request: URL with Okta-encoded query, default headers merged, body."""
    spec = step.request
    url = join_url(client.base_url, as_text(substitute(spec.path, scope)))
    query = encode_query(substitute(spec.query, scope))
    if query:
        url += ("&" if "?" in url else "?") + query
    headers = client.default_headers(with_body=spec.has_body, auth=spec.auth != "none")
    for name, value in substitute(spec.headers, scope).items():
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = as_text(value)
    body = None
    if spec.json is not MISSING:
        # Compact UTF-8 JSON, as Okta's Jackson client writes it.
        body = json.dumps(substitute(spec.json, scope), ensure_ascii=False, separators=(",", ":")).encode()
    elif spec.body is not None:
        body = as_text(substitute(spec.body, scope)).encode()
    return Outgoing(spec.method, url, dict(headers), body)


def save_values(
    saves: tuple[Save, ...], exchange: Exchange, body: Any, variables: dict[str, Any]
) -> list[Failure]:
    """Store each saved value in ``variables``; a value that is not there is a failure."""
    failures = []
    for save in saves:
        if save.source == "header":
            header = exchange.header(save.where)
            value = MISSING if header is None else header
            missing = f"{save.name}: the response has no {save.where} header"
        else:
            value = pointer.resolve(body, save.where) if body is not None else MISSING
            missing = f"{save.name}: {save.where or '(body)'} is not in the response body"
        if value is MISSING:
            failures.append(Failure("save", missing, save.where))
        else:
            variables[save.name] = value
    return failures


def _bindings(step: Step, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """Loop variables per iteration: none, ``index`` (repeat) or ``index`` + ``item`` (foreach)."""
    if step.loop is None:
        return [{}]
    width = len(str(step.loop.count))  # ${padded_index}: 001..150 for 150 iterations
    if step.loop.items is None:
        return [{"index": i, "padded_index": f"{i:0{width}d}"} for i in range(1, step.loop.count + 1)]
    return [
        {"index": i, "padded_index": f"{i:0{width}d}", "item": substitute(item, variables)}
        for i, item in enumerate(step.loop.items, 1)
    ]


def _iteration(
    step: Step,
    scope: dict[str, Any],
    client: ScimClient,
    admin: MockAdmin | None = None,
    declared: DeclaredSchemas | None = None,
) -> tuple[list[Failure], Exchange | None, Expect | None]:
    """One request of a step (or the admin calls of a ``mock:`` step, or the reads of a
    ``final_state:`` step) and its failures."""
    if step.final_state is not None:
        return reconcile(step.final_state, scope, client), None, None
    if step.mock is not None:
        if admin is None:  # the loader requires mock-admin, so only direct model users get here
            return [Failure("admin", "a mock: step needs a scenario with requires: [mock-admin]")], None, None
        try:
            return *admin.apply(step.mock, scope), None
        except UnknownVariable as exc:
            return [Failure("variables", str(exc))], None, None
    try:
        outgoing = prepare(step, scope, client)
        expect = resolve_expect(step.expect, scope)
    except UnknownVariable as exc:
        return [Failure("variables", str(exc))], None, step.expect
    exchange = client.send(outgoing)
    if exchange.error:
        return [Failure("transport", exchange.error)], exchange, expect
    body = parse_body(exchange.text)
    if declared is not None:
        declared.learn(exchange)
    failures = evaluate(expect, exchange, body, declared)
    return failures or save_values(step.saves, exchange, body, scope), exchange, expect


def reconcile(raw: Any, scope: dict[str, Any], client: ScimClient) -> list[Failure]:
    """A ``final_state:`` block, substituted then checked: one Failure per Difference."""
    try:
        expected = parse_final_state(substitute(raw, scope))
    except UnknownVariable as exc:
        return [Failure("variables", str(exc))]
    except FinalStateError as exc:
        return [Failure("final_state", f"{exc} (after substituting variables)")]
    return [Failure("final_state", str(difference)) for difference in check_final_state(client, expected)]


def run_step(
    step: Step,
    client: ScimClient,
    variables: dict[str, Any],
    admin: MockAdmin | None = None,
    declared: DeclaredSchemas | None = None,
) -> StepResult:
    """Run every iteration of a step until one fails; saved values land in ``variables``."""
    started = time.perf_counter()
    try:
        bindings = _bindings(step, variables)
    except UnknownVariable as exc:
        return StepResult(step.name, FAILED, step.line, failures=(Failure("variables", str(exc)),))
    failures: list[Failure] = []
    exchange, expect, done = None, step.expect, 0
    for binding in bindings:
        scope = {**variables, **binding}
        failures, exchange, expect = _iteration(step, scope, client, admin, declared)
        variables.update({k: v for k, v in scope.items() if k not in binding})
        done += 1
        if failures:
            break
    return StepResult(
        name=step.name,
        status=FAILED if failures else PASSED,
        line=step.line,
        duration_ms=(time.perf_counter() - started) * 1000,
        iterations=done,
        total_iterations=len(bindings),
        failures=tuple(failures),
        exchange=exchange,
        expect=expect,
    )


def scenario_variables(
    scenario: Scenario, target: Target, rng: random.Random | None = None
) -> dict[str, Any]:
    """Built-ins for this run, then the scenario's ``vars`` in order; a ``--var`` given for
    the target replaces the var of its name (later vars see the given value)."""
    variables = builtins(target.base_url, rng)
    given = dict(target.variables)
    for name, value in scenario.vars:
        variables[name] = given.pop(name) if name in given else substitute(value, variables)
    variables.update(given)
    return variables


def run_scenario(
    scenario: Scenario,
    target: Target,
    *,
    client: ScimClient | None = None,
    rng: random.Random | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> ScenarioResult:
    """Run every step in order; after the first failing step the rest are skipped.

    A ``requires: [mock-admin]`` scenario is skipped (``skip_reason`` set, only the probe sent) when
    the target has no mockscim admin API; faults it added are removed when it ends.

    :raises TargetUnreachable: when no connection can be made to the target.
    """
    started = time.perf_counter()
    admin, reason = _admin(scenario, target)
    if reason is not None:
        return skipped(scenario, reason)
    own = client is None
    client = client or ScimClient(target.base_url, target.credentials, timeout=target.timeout)
    try:
        target.declared.attach(client)
        results, reason = _run_steps(scenario, target, client, rng, on_step, admin)
    finally:
        if own:
            client.close()
        if admin is not None:
            admin.clean_up()
            admin.close()
    return ScenarioResult(scenario, tuple(results), (time.perf_counter() - started) * 1000, reason)


def _admin(scenario: Scenario, target: Target) -> tuple[MockAdmin | None, str | None]:
    """The admin client a ``requires: [mock-admin]`` scenario needs, or why it must be skipped."""
    if MOCK_ADMIN not in scenario.requires:
        return None, None
    url = target.admin_url or derive_admin_url(target.base_url)
    if url is None:
        return None, (
            f"requires mock-admin, and no admin URL can be derived from {target.base_url} "
            f"(it does not end in /scim/v2); give {target.admin_option}"
        )
    admin = MockAdmin(url, target.credentials, target.timeout)
    reason = admin.unavailable()
    if reason is not None:
        admin.close()
        return (
            None,
            f"requires mock-admin: {reason} (a mockscim target: give its admin API with {target.admin_option})",
        )
    return admin, None


def skipped(scenario: Scenario, reason: str) -> ScenarioResult:
    """A scenario that did not run: every step skipped, with the reason."""
    steps = tuple(
        StepResult(step.name, SKIPPED, step.line, total_iterations=step.loop.count if step.loop else 1)
        for step in scenario.steps
    )
    return ScenarioResult(scenario, steps, skip_reason=reason)


def _run_steps(
    scenario: Scenario,
    target: Target,
    client: ScimClient,
    rng: random.Random | None,
    on_step: Callable[[StepResult], None] | None,
    admin: MockAdmin | None = None,
) -> tuple[list[StepResult], str | None]:
    """The step loop of ``run_scenario``: the step results, and the skip reason of a step
    whose ``precondition`` was not met."""
    try:
        variables = scenario_variables(scenario, target, rng)
    except UnknownVariable as exc:
        return [StepResult("vars", FAILED, failures=(Failure("variables", str(exc)),))], None
    results: list[StepResult] = []
    reason = None
    for step in scenario.steps:
        if results and results[-1].status != PASSED:
            result = StepResult(
                step.name, SKIPPED, step.line, total_iterations=step.loop.count if step.loop else 1
            )
        else:
            result = run_step(step, client, variables, admin, target.declared)
            reason = _unmet(step, result, variables)
            result = replace(result, status=SKIPPED) if reason else result
        results.append(result)
        if on_step:
            on_step(result)
    return results, reason


def _unmet(step: Step, result: StepResult, variables: dict[str, Any]) -> str | None:
    """The skip reason when ``step`` is a precondition its response did not meet."""
    if step.precondition is None or result.status != FAILED:
        return None
    if any(f.kind in ("transport", "variables") for f in result.failures):
        return None  # not an answer about the target's features: a real failure
    try:
        text = as_text(substitute(step.precondition, variables))
    except UnknownVariable:
        text = step.precondition
    return f"precondition not met: {text}"
