"""Machine-readable reports: JUnit XML (stdlib ``xml.etree``) and a stable JSON document.

JSON report shape (``"format": "mockscim-run/1"``; documented in docs/scenario-format.md)::

    {"format": "mockscim-run/1", "target": {"base_url": ..., "label": ...},
     "summary": {"total": n, "passed": n, "failed": n, "skipped": n, "duration_ms": x},
     "scenarios": [{"name", "file", "tags", "dialect", "status", "skip_reason", "duration_ms",
                    "steps": [{"name", "line", "status", "duration_ms", "iterations",
                               "total_iterations", "failures": [{"kind", "message", "pointer"}],
                               "request": {...} | null, "response": {...} | null}]}]}

``request`` and ``response`` are filled only for the failing step, to keep reports small.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from mockscim.runner.client import Exchange
from mockscim.runner.execute import FAILED
from mockscim.runner.execute import ScenarioResult
from mockscim.runner.execute import StepResult
from mockscim.runner.execute import Target
from mockscim.runner.loader import display_path
from mockscim.runner.report import counts
from mockscim.runner.report import failure_lines
from mockscim.runner.report import scenario_report

FORMAT = "mockscim-run/1"


def _exchange(exchange: Exchange | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(request, response) dicts of an exchange."""
    if exchange is None:
        return None, None
    sent = exchange.request
    request = {
        "method": sent.method,
        "url": sent.url,
        "headers": sent.headers,
        "body": None if sent.body is None else sent.body.decode("utf-8", errors="replace"),
    }
    if exchange.error:
        return request, {"error": exchange.error}
    response = {
        "status": exchange.status,
        "headers": exchange.headers,
        "body": exchange.text,
        "elapsed_ms": round(exchange.elapsed_ms, 1),
    }
    return request, response


def _step(step: StepResult) -> dict[str, Any]:
    """One step as JSON; request/response only when it failed."""
    request, response = _exchange(step.exchange) if step.status == FAILED else (None, None)
    return {
        "name": step.name,
        "line": step.line,
        "status": step.status,
        "duration_ms": round(step.duration_ms, 1),
        "iterations": step.iterations,
        "total_iterations": step.total_iterations,
        "failures": [{"kind": f.kind, "message": f.message, "pointer": f.pointer} for f in step.failures],
        "request": request,
        "response": response,
    }


def json_report(results: Sequence[ScenarioResult], target: Target, duration_ms: float) -> dict[str, Any]:
    """The whole run as a JSON-ready dict (shape in the module docstring)."""
    return {
        "format": FORMAT,
        "target": {"base_url": target.base_url, "label": target.label},
        "summary": {"total": len(results), **counts(results), "duration_ms": round(duration_ms, 1)},
        "scenarios": [
            {
                "name": r.scenario.name,
                "file": display_path(r.scenario.path),
                "tags": list(r.scenario.tags),
                "dialect": r.scenario.dialect,
                "status": r.status,
                "skip_reason": r.skip_reason,
                "duration_ms": round(r.duration_ms, 1),
                "steps": [_step(step) for step in r.steps],
            }
            for r in results
        ],
    }


def junit_xml(results: Sequence[ScenarioResult], duration_ms: float, suite: str = "mockscim") -> bytes:
    """A JUnit XML document: one testcase per scenario, the report text in each failure."""
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
            failure = ET.SubElement(case, "failure", message="; ".join(failure_lines(result))[:500])
            failure.set("type", "ScenarioFailed")
            failure.text = scenario_report(result)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
