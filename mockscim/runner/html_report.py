"""The HTML run report: one self-contained file (inline CSS and JS, no external asset) that a person
reads after a run, locally or from a CI artifact opened with file://.

Each scenario becomes a JSON-ready *view* (``scenario_view``) with every step's request as sent,
the response and the failures, secrets redacted; ``render`` turns views into HTML with Jinja
(autoescape on: every text from a server or a scenario is escaped). Views are plain data, so the
pytest plugin can carry them from xdist workers to the controller.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from mockscim import __version__
from mockscim.runner.client import Exchange
from mockscim.runner.execute import ScenarioResult
from mockscim.runner.execute import StepResult
from mockscim.runner.execute import Target
from mockscim.runner.groups import STATUSES
from mockscim.runner.groups import group_counts
from mockscim.runner.groups import group_of
from mockscim.runner.loader import display_path
from mockscim.runner.pointer import MISSING
from mockscim.runner.redaction import Redactor
from mockscim.runner.report import expected_text

MAX_LINES = 300  # body lines shown before the cut
MAX_LINE_CHARS = 1000
CONTEXT = 2  # lines around a highlighted difference past the cut
MAX_EXTRA = 60  # highlighted lines (with context) shown past the cut
TEMPLATE = "report.html.j2"


def _escape(token: str | int) -> str:
    """One RFC 6901 reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def json_lines(
    value: Any, where: str = "", depth: int = 0, key: str = "", tail: str = ""
) -> Iterator[tuple[str, str]]:
    """Pretty-printed JSON as (line, JSON Pointer of the value on that line), so differences can be marked."""
    pad = "  " * depth
    if isinstance(value, dict | list) and value:
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        yield f"{pad}{key}{opening}", where
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        for position, (name, item) in enumerate(items):
            label = json.dumps(name, ensure_ascii=False) + ": " if isinstance(value, dict) else ""
            comma = "," if position < len(items) - 1 else ""
            yield from json_lines(item, f"{where}/{_escape(name)}", depth + 1, label, comma)
        yield f"{pad}{closing}{tail}", where
    else:
        yield f"{pad}{key}{json.dumps(value, ensure_ascii=False)}{tail}", where


def _marked(where: str | None, pointers: Sequence[str]) -> bool:
    """True when the line's pointer is a failing pointer or lies inside one."""
    return where is not None and any(where == p or where.startswith(p + "/") for p in pointers)


def _kept(lines: list[tuple[str, str | None]], pointers: Sequence[str]) -> list[int]:
    """Line numbers to show: the first MAX_LINES, plus marked lines past the cut with context."""
    kept = list(range(min(len(lines), MAX_LINES)))
    extra = [i for i in range(MAX_LINES, len(lines)) if _marked(lines[i][1], pointers)]
    around = sorted(
        {j for i in extra for j in range(i - CONTEXT, i + CONTEXT + 1) if MAX_LINES <= j < len(lines)}
    )
    return kept + around[:MAX_EXTRA]


def _size(count: int) -> str:
    """``812 bytes`` or ``45.2 KB``."""
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.1f} KB"


def body_view(text: str, redactor: Redactor, pointers: Sequence[str] = ()) -> dict[str, Any]:
    """A body for the page: pretty JSON (or raw text), redacted, marked where it differs, cut if long."""
    if not text:
        return {"json": False, "lines": [], "note": "no body"}
    try:
        data = json.loads(text)
    except ValueError:
        data = MISSING
    if data is MISSING:
        lines: list[tuple[str, str | None]] = [(line, None) for line in redactor.raw(text).splitlines()]
    else:
        lines = list(json_lines(redactor.data(data)))
    shown, previous, out = _kept(lines, pointers), -1, []
    for index in shown:
        if index != previous + 1:
            out.append({"gap": index - previous - 1})
        line, where = lines[index]
        cut = line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + " …"
        out.append({"text": cut, "mark": _marked(where, pointers)})
        previous = index
    note = None
    if len(shown) < len(lines):
        note = f"showing {len(shown)} of {len(lines)} lines ({_size(len(text.encode()))}); the rest is cut"
    return {"json": data is not MISSING, "lines": out, "note": note}


def _failure_pointers(step: StepResult) -> list[str]:
    """Non-empty JSON Pointers of the step's failures (the whole body is never marked)."""
    return [f.pointer for f in step.failures if f.pointer]


def request_view(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    """The request as sent: method, URL, headers (credentials redacted), body (passwords redacted)."""
    sent = exchange.request
    body = None if sent.body is None else sent.body.decode("utf-8", errors="replace")
    return {
        "method": sent.method,
        "url": redactor.text(sent.url),
        "headers": redactor.headers(sent.headers),
        "body": body_view(body or "", redactor),
    }


def response_view(step: StepResult, redactor: Redactor) -> dict[str, Any] | None:
    """The response: status, headers and body, with the failing parts marked."""
    exchange = step.exchange
    if exchange is None:
        return None
    if exchange.error:
        return {"error": redactor.text(exchange.error)}
    kinds = {f.kind for f in step.failures}
    named = {f.message.split(":", 1)[0].lower() for f in step.failures if f.kind == "header"}
    return {
        "status": exchange.status,
        "reason": exchange.reason,
        "elapsed_ms": round(exchange.elapsed_ms, 1),
        "status_marked": "status" in kinds,
        "time_marked": "time" in kinds,
        "headers": [
            {"name": name, "value": redactor.header(name, value), "mark": name.lower() in named}
            for name, value in exchange.headers.items()
        ],
        "body": body_view(exchange.text, redactor, _failure_pointers(step)),
    }


def step_view(step: StepResult, redactor: Redactor) -> dict[str, Any]:
    """One step for the page and the verdict (the keys of a JSON-report step, plus the exchange)."""
    expect = step.expect
    if expect is not None and expect.json is not MISSING:
        expect = replace(expect, json=redactor.data(expect.json))
    return {
        "name": step.name,
        "line": step.line,
        "status": step.status,
        "duration_ms": round(step.duration_ms, 1),
        "iterations": step.iterations,
        "total_iterations": step.total_iterations,
        "admin": step.exchange is not None and step.expect is None,
        "failures": [
            {"kind": f.kind, "message": redactor.text(f.message), "pointer": f.pointer} for f in step.failures
        ],
        "request": request_view(step.exchange, redactor) if step.exchange is not None else None,
        "expected": redactor.text(expected_text(expect)) if expect is not None else None,
        "response": response_view(step, redactor),
    }


def scenario_view(result: ScenarioResult, redactor: Redactor) -> dict[str, Any]:
    """One scenario as JSON-ready data: the JSON report's keys, its group, description and step
    views (the caller has taught ``redactor`` the passwords of every scenario it shows)."""
    scenario = result.scenario
    return {
        "name": redactor.text(scenario.name),
        "file": display_path(scenario.path),
        "tags": list(scenario.tags),
        "dialect": scenario.dialect,
        "group": group_of(scenario.tags),
        "status": result.status,
        "skip_reason": redactor.text(result.skip_reason) if result.skip_reason else None,
        "duration_ms": round(result.duration_ms, 1),
        "description": redactor.text(scenario.description),
        "steps": [step_view(step, redactor) for step in result.steps],
    }


def _ms(value: float) -> str:
    """Milliseconds or seconds, whichever reads better."""
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def _environment() -> jinja2.Environment:
    """Jinja with autoescape, templates read from the installed package (importlib.resources)."""
    folder = resources.files("mockscim.runner") / "templates"

    def load(name: str) -> str:
        return (folder / name).read_text(encoding="utf-8")

    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["ms"] = _ms
    return environment


def _ordered(views: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failures first, then the rest in run order; each with its page anchor."""
    ranked = sorted(enumerate(views), key=lambda pair: (pair[1]["status"] != "failed", pair[0]))
    return [{**view, "anchor": f"s{index}"} for index, view in ranked]


def _anchors(ordered: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Page anchors by ``file`` (the scenario) and ``file:line`` (a step), for the verdict's links."""
    anchors = {}
    for view in ordered:
        anchors[view["file"]] = view["anchor"]
        for number, step in enumerate(view["steps"], 1):
            anchors.setdefault(f"{view['file']}:{step['line']}", f"{view['anchor']}-{number}")
    return anchors


def render(
    views: Sequence[dict[str, Any]],
    target: dict[str, str],
    duration_ms: float,
    verdict: dict[str, Any] | None = None,
    title: str = "mockscim run report",
) -> str:
    """The whole HTML page for these scenario views."""
    ordered = _ordered(views)
    totals = {status: sum(v["status"] == status for v in views) for status in STATUSES}
    context = {
        "title": title,
        "target": target,
        "duration_ms": duration_ms,
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "version": __version__,
        "totals": {**totals, "total": len(views)},
        "groups": group_counts(views),
        "scenarios": ordered,
        "anchors": _anchors(ordered),
        "verdict": verdict,
        "nonce": secrets.token_urlsafe(16),
    }
    return _environment().get_template(TEMPLATE).render(context)


def html_report(
    results: Sequence[ScenarioResult],
    target: Target,
    duration_ms: float,
    verdict: dict[str, Any] | None = None,
) -> str:
    """The HTML report of a run (credentials of ``target`` and passwords in bodies redacted)."""
    redactor = Redactor(target.credentials)
    redactor.learn_results(results)  # every scenario's, before any is shown
    views = [scenario_view(result, redactor) for result in results]
    return render(views, {"base_url": target.base_url, "label": target.label}, duration_ms, verdict)


def write_html(path: Path, html: str) -> None:
    """Write the report as UTF-8."""
    path.write_text(html, encoding="utf-8")
