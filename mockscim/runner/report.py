"""Human-readable report text, shared by ``mockscim run`` and the pytest plugin."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

from mockscim.runner.client import Exchange
from mockscim.runner.execute import ScenarioResult
from mockscim.runner.execute import StepResult
from mockscim.runner.loader import display_path
from mockscim.runner.matchers import short
from mockscim.runner.model import Expect
from mockscim.runner.pointer import MISSING

MAX_LINES = 40
MAX_CHARS = 4000
LABELS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}


def trim(text: str, max_lines: int = MAX_LINES, max_chars: int = MAX_CHARS) -> str:
    """Cut long text to a readable size, saying how much was left out."""
    lines = text.splitlines()
    kept = "\n".join(lines[:max_lines])[:max_chars]
    left = len(text) - len(kept)
    return kept if left <= 0 else f"{kept}\n... ({left} more characters)"


def pretty_body(text: str) -> str:
    """A body as indented JSON when it parses, else as sent; trimmed."""
    if not text:
        return "(no body)"
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pass
    return trim(text)


def _ms(value: float) -> str:
    """Milliseconds or seconds, whichever reads better."""
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def scenario_line(result: ScenarioResult) -> str:
    """``PASS  name  (file)  12 ms``, or ``SKIP  name  (file)  reason``: the one line per scenario."""
    where = f"{LABELS[result.status]}  {result.scenario.name}  ({display_path(result.scenario.path)})"
    if result.skip_reason is not None:
        return f"{where}  skipped: {result.skip_reason}"
    return f"{where}  {_ms(result.duration_ms)}"


def step_line(step: StepResult) -> str:
    """``FAIL  step name  [3/150]  4 ms`` for the step list."""
    loop = f"  [{step.iterations}/{step.total_iterations}]" if step.total_iterations > 1 else ""
    timing = f"  {_ms(step.duration_ms)}" if step.status != "skipped" else ""
    return f"{LABELS[step.status]}  {step.name}{loop}{timing}"


def request_text(exchange: Exchange) -> str:
    """The request line, headers and body as sent (credentials redacted)."""
    lines = [f"{exchange.request.method} {exchange.request.url}"]
    lines += [f"{name}: {value}" for name, value in exchange.request.headers.items()]
    if exchange.request.body is not None:
        lines.append(pretty_body(exchange.request.body.decode("utf-8", errors="replace")))
    return "\n".join(lines)


def response_text(exchange: Exchange) -> str:
    """The status line, headers and body received."""
    if exchange.error:
        return f"no response: {exchange.error}"
    lines = [f"{exchange.status} {exchange.reason}  ({_ms(exchange.elapsed_ms)})"]
    lines += [f"{name}: {value}" for name, value in exchange.headers.items()]
    lines.append(pretty_body(exchange.text))
    return "\n".join(lines)


def _matcher_text(op: str, value: object) -> str:
    """``startswith "text"``, ``absent`` or ``present``."""
    if op == "absent":
        return "absent" if value else "present"
    return f"{op} {short(value)}"


def expected_text(expect: Expect) -> str:
    """The step's expectations, after substitution."""
    lines = [f"status {' or '.join(map(str, expect.status))}"]
    lines += [f"header {m.name} {_matcher_text(m.op, m.value)}" for m in expect.headers]
    if expect.json is not MISSING:
        mode = "exactly" if expect.exact else "containing (subset)"
        lines.append(f"json {mode}:\n" + trim(json.dumps(expect.json, indent=2, ensure_ascii=False)))
    for check in expect.checks:
        ops = ", ".join(f"{op} {short(value)}" for op, value in check.ops)
        lines.append(f"check {check.pointer or '(body)'}: {ops}")
    if expect.schema:
        lines.append(f"schema {expect.schema}")
    if expect.max_ms is not None:
        lines.append(f"max_ms {expect.max_ms:g}")
    return "\n".join(lines)


def _section(title: str, body: str) -> str:
    """A titled, indented block."""
    return f"{title}:\n{textwrap.indent(body, '  ')}"


def failure_text(result: ScenarioResult, step: StepResult) -> str:
    """Everything needed to understand one failing step."""
    title = f"at {display_path(result.scenario.path)}:{step.line}"
    if step.total_iterations > 1:
        title += f", iteration {step.iterations} of {step.total_iterations}"
    parts = [title]
    if step.exchange is not None:
        label = "admin request" if step.expect is None else "request"
        parts.append(_section(label, request_text(step.exchange)))
    if step.expect is not None:
        parts.append(_section("expected", expected_text(step.expect)))
    if step.exchange is not None:
        parts.append(_section("actual", response_text(step.exchange)))
    parts.append(_section("failures", "\n".join(f"- {failure}" for failure in step.failures)))
    return "\n".join(parts)


def scenario_report(result: ScenarioResult) -> str:
    """The scenario line; on failure also its steps and the failing step's details."""
    lines = [scenario_line(result)]
    failed = result.failed_step
    if failed is None:
        return lines[0]
    for step in result.steps:
        lines.append(textwrap.indent(step_line(step), "  "))
        if step is failed:
            lines.append(textwrap.indent(failure_text(result, step), "    "))
    return "\n".join(lines)


def counts(results: Sequence[ScenarioResult]) -> dict[str, int]:
    """How many scenarios passed, failed and were skipped."""
    statuses = [r.status for r in results]
    return {status: statuses.count(status) for status in ("passed", "failed", "skipped")}


def summary(results: Sequence[ScenarioResult], duration_ms: float, target: str = "") -> str:
    """``2 passed, 1 failed, 1 skipped in 0.31 s against URL`` (zero failed/skipped left out)."""
    tally = counts(results)
    counts_text = [f"{tally['passed']} passed"]
    counts_text += [f"{tally[k]} {k}" for k in ("failed", "skipped") if tally[k]]
    against = f" against {target}" if target else ""
    return f"{', '.join(counts_text)} in {_ms(duration_ms)}{against}"


def failure_lines(result: ScenarioResult) -> list[str]:
    """The failures of a result as plain strings (first line of JUnit messages)."""
    step = result.failed_step
    return [f"{step.name}: {failure}" for failure in step.failures] if step else []
