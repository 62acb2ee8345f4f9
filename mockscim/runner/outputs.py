"""Machine-readable reports: JUnit XML (stdlib ``xml.etree``) and a stable JSON document.

JSON report shape (``"format": "mockscim-run/1"``; documented in docs/scenario-format.md)::

    {"format": "mockscim-run/1", "target": {"base_url": ..., "label": ...},
     "summary": {"total": n, "passed": n, "failed": n, "skipped": n, "duration_ms": x},
     "scenarios": [{"name", "file", "tags", "dialect", "status", "skip_reason", "duration_ms",
                    "steps": [{"name", "line", "status", "duration_ms", "iterations",
                               "total_iterations", "failures": [{"kind", "message", "pointer"}],
                               "request": {...} | null, "response": {...} | null}]}]}

``request`` and ``response`` are filled only for the failing step, to keep reports small. The
target's credentials and every password the scenarios sent or received are redacted
(``runner/redaction.py``), in this report and in the JUnit XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from mockscim.runner.client import Credentials
from mockscim.runner.client import Exchange
from mockscim.runner.execute import FAILED
from mockscim.runner.execute import ScenarioResult
from mockscim.runner.execute import StepResult
from mockscim.runner.execute import Target
from mockscim.runner.loader import display_path
from mockscim.runner.redaction import Redactor
from mockscim.runner.report import counts
from mockscim.runner.report import failure_lines
from mockscim.runner.report import scenario_report

FORMAT = "mockscim-run/1"


def _exchange(
    exchange: Exchange | None, redactor: Redactor
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(request, response) dicts of an exchange, credentials and passwords redacted."""
    if exchange is None:
        return None, None
    sent = exchange.request
    request = {
        "method": sent.method,
        "url": redactor.text(sent.url),
        "headers": redactor.headers(sent.headers),
        "body": None if sent.body is None else redactor.body(sent.body.decode("utf-8", errors="replace")),
    }
    if exchange.error:
        return request, {"error": redactor.text(exchange.error)}
    response = {
        "status": exchange.status,
        "headers": redactor.headers(exchange.headers),
        "body": redactor.body(exchange.text) if exchange.text else exchange.text,
        "elapsed_ms": round(exchange.elapsed_ms, 1),
    }
    return request, response


def _step(step: StepResult, redactor: Redactor) -> dict[str, Any]:
    """One step as JSON; request/response only when it failed."""
    request, response = _exchange(step.exchange, redactor) if step.status == FAILED else (None, None)
    return {
        "name": step.name,
        "line": step.line,
        "status": step.status,
        "duration_ms": round(step.duration_ms, 1),
        "iterations": step.iterations,
        "total_iterations": step.total_iterations,
        "failures": [
            {"kind": f.kind, "message": redactor.text(f.message), "pointer": f.pointer} for f in step.failures
        ],
        "request": request,
        "response": response,
    }


def _scenario(result: ScenarioResult, redactor: Redactor) -> dict[str, Any]:
    """One scenario as JSON (``json_report`` has taught the redactor every password first)."""
    return {
        "name": result.scenario.name,
        "file": display_path(result.scenario.path),
        "tags": list(result.scenario.tags),
        "dialect": result.scenario.dialect,
        "status": result.status,
        "skip_reason": result.skip_reason,
        "duration_ms": round(result.duration_ms, 1),
        "steps": [_step(step, redactor) for step in result.steps],
    }


def json_report(results: Sequence[ScenarioResult], target: Target, duration_ms: float) -> dict[str, Any]:
    """The whole run as a JSON-ready dict (shape in the module docstring); the target's credentials
    and every password a scenario sent or received are redacted, as in the HTML report."""
    redactor = Redactor(target.credentials)
    # Only a failure shows text a password could be in (its messages, its request and response):
    # a green run needs no learning; otherwise every scenario's passwords are learnt before any
    # of them is shown, so one scenario's password is hidden in another's failure too.
    if any(step.status == FAILED or step.failures for result in results for step in result.steps):
        redactor.learn_results(results)
    return {
        "format": FORMAT,
        "target": {"base_url": target.base_url, "label": target.label},
        "summary": {"total": len(results), **counts(results), "duration_ms": round(duration_ms, 1)},
        "scenarios": [_scenario(r, redactor) for r in results],
    }


def junit_xml(
    results: Sequence[ScenarioResult],
    duration_ms: float,
    suite: str = "mockscim",
    credentials: Credentials | None = None,
) -> bytes:
    """A JUnit XML document: one testcase per scenario, the report text in each failure (with
    ``credentials`` and the scenarios' passwords redacted)."""
    redactor = Redactor(credentials)
    if any(result.failed for result in results):  # only failures are shown
        redactor.learn_results(results)
    tally = counts(results)
    attributes = {
        "tests": str(len(results)),
        "failures": str(tally["failed"]),
        "errors": "0",
        "skipped": str(tally["skipped"]),
        "time": f"{duration_ms / 1000:.3f}",
    }
    root = ET.Element("testsuites", attributes)
    testsuite = ET.SubElement(root, "testsuite", {"name": suite, **attributes})
    for result in results:
        case = ET.SubElement(
            testsuite,
            "testcase",
            classname=display_path(result.scenario.path),
            name=result.scenario.name,
            time=f"{result.duration_ms / 1000:.3f}",
        )
        if result.skip_reason is not None:
            ET.SubElement(case, "skipped", message=result.skip_reason)
        elif result.failed:
            message = redactor.text("; ".join(failure_lines(result)))[:500]
            failure = ET.SubElement(case, "failure", message=message)
            failure.set("type", "ScenarioFailed")
            failure.text = redactor.text(scenario_report(result))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
