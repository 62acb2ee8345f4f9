"""Match a flow's expected requests against journal entries, in order (issue: expect mode)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import unquote_plus

from mockscim.runner.model import Scenario
from mockscim.runner.model import Step
from mockscim.runner.pointer import MISSING
from mockscim.runner.pointer import resolve
from mockscim.runner.variables import REFERENCE
from mockscim.runner.variables import WHOLE
from mockscim.runner.variables import as_text
from mockscim.verify.templates import Bindings
from mockscim.verify.templates import match_text
from mockscim.verify.templates import match_value

Entry = dict[str, Any]


@dataclass(frozen=True)
class Expected:
    """One request the flow expects: templates with ``${...}`` placeholders."""

    name: str
    method: str
    path: str
    query: dict[str, Any]
    body: Any
    step: Step
    line: int
    shown: str = ""  # the request as written in the flow (vars not inlined), for reports


@dataclass
class StepResult:
    """An expected step: the journal entry that matched it, or the closest one and the differences."""

    expected: Expected
    entry: Entry | None = None
    closest: Entry | None = None
    differences: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        """True when a journal entry satisfied the step."""
        return self.entry is not None


@dataclass
class FlowResult:
    """The outcome of one flow: a result per expected step, and the final bindings."""

    name: str
    source: str
    steps: list[StepResult]
    bindings: Bindings

    @property
    def verifiable(self) -> bool:
        """False when the flow has no step Okta sends (every step is ``okta: false``)."""
        return bool(self.steps)

    @property
    def passed(self) -> bool:
        """True when every expected step matched (a flow with nothing to match never passes)."""
        return self.verifiable and all(step.matched for step in self.steps)

    @property
    def first_missing(self) -> StepResult | None:
        """The first step that no request satisfied."""
        return next((s for s in self.steps if not s.matched), None)


def _expand(value: Any, templates: dict[str, Any]) -> Any:
    """Inline ``vars`` into templates, so ``${user_name}`` becomes its ``...${unique}...`` form."""
    if isinstance(value, dict):  # keys too: ``${custom_urn}: {...}`` names an extension object
        return {_expand(k, templates): _expand(v, templates) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, templates) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = WHOLE.fullmatch(value)
    if whole and whole.group(1) in templates:
        return _expand(templates[whole.group(1)], templates)

    def inline(match: Any) -> str:
        name = match.group(1)
        if match.group(0) == "$${" or name not in templates:
            return match.group(0)
        value = templates[name]  # loop variables (index, item) are values, vars are templates
        return _expand(value, templates) if isinstance(value, str) else as_text(value)

    return REFERENCE.sub(inline, value)


def expected_steps(scenario: Scenario, *, include_checks: bool = False) -> list[Expected]:
    """The requests a flow expects a server to receive; ``okta: false`` steps are the
    harness's own checks and are left out unless asked for."""
    templates = dict(scenario.vars)
    out: list[Expected] = []
    for step in scenario.steps:
        if step.request is None or (not include_checks and not getattr(step, "okta", True)):
            continue  # a mock: step, or a check Okta never sends
        repeats = step.loop.count if step.loop else 1
        for index in range(1, repeats + 1):
            local = dict(templates, index=index)
            if step.loop and step.loop.items is not None:
                local["item"] = step.loop.items[index - 1]
            request = step.request
            out.append(
                Expected(
                    name=step.name if repeats == 1 else f"{step.name} [{index}/{repeats}]",
                    method=request.method.upper(),
                    path=_expand(request.path, local),
                    query=_expand(dict(request.query), local),
                    body=_expand(request.json, local),
                    step=step,
                    line=step.line,
                    shown=_shown(request.method, request.path, dict(request.query), request.json),
                )
            )
    return out


def _shown(method: str, path: str, query: dict[str, Any], body: Any) -> str:
    """``PUT /Users/${user_id} {"active": false}`` as written in the flow file."""
    text = f"{method.upper()} {path}"
    if query:
        text += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    if body is not MISSING:
        text += " " + json.dumps(body, ensure_ascii=False)
    return text if len(text) <= 240 else text[:237] + "..."


def compare(expected: Expected, entry: Entry, bindings: Bindings) -> list[str]:
    """Differences between an expected step and a recorded request (binds on success)."""
    request = entry["request"]
    trial = dict(bindings)
    diffs = []
    if request["method"] != expected.method:
        diffs.append(f"method is {request['method']}, expected {expected.method}")
    path, _, literal_query = expected.path.partition("?")
    actual_path = request.get("scim_path") or request["path"]
    if not match_text(path, actual_path, trial, segment=True):
        diffs.append(f"path is {actual_path}, expected {path}")
    diffs += _compare_query(expected, literal_query, request.get("query") or {}, trial)
    if expected.body is not MISSING:
        diffs += [f"body {d}" for d in match_value(expected.body, request.get("body"), trial)]
    diffs += _credentials(expected.step, request)
    if not diffs:
        bindings.update(trial)
    return diffs


def _credentials(step: Step, request: dict[str, Any]) -> list[str]:
    """``auth: none`` steps expect no Authorization header (values are masked in the journal)."""
    sent = "authorization" in {k.lower() for k in (request.get("headers") or {})}
    if step.request is not None and step.request.auth == "none" and sent:
        return ["sent an Authorization header, expected none (auth: none)"]
    return []


def _compare_query(expected: Expected, literal: str, actual: dict[str, str], bindings: Bindings) -> list[str]:
    """Every expected parameter must be present with a matching value (others may be extra)."""
    wanted = {
        k: str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in expected.query.items()
        if v is not None
    }
    for pair in filter(None, literal.split("&")):
        key, _, value = pair.partition("=")
        wanted.setdefault(unquote_plus(key), unquote_plus(value))  # the journal holds decoded values
    diffs = []
    for key, value in wanted.items():
        if key not in actual:
            diffs.append(f"query {key} is missing, expected {value!r}")
        elif not match_text(value, actual[key], bindings):
            diffs.append(f"query {key} is {actual[key]!r}, expected {value!r}")
    return diffs


def _save(step: Step, entry: Entry, bindings: Bindings) -> None:
    """Bind the step's ``save`` names from the matched entry's response."""
    response = entry.get("response") or {}
    for save in step.saves:
        if save.source == "header":
            headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
            value = headers.get(save.where.lower(), MISSING)
        else:
            value = resolve(response.get("body"), save.where)
        if value is not MISSING:
            bindings[save.name] = value  # like the runner: the latest save wins


def _closest(expected: Expected, entries: list[Entry], bindings: Bindings) -> tuple[Entry | None, list[str]]:
    """The recorded request that differs least from the expected one (method and path weigh most)."""
    best: tuple[float, Entry | None, list[str]] = (float("inf"), None, [])
    for entry in entries:
        diffs = compare(expected, entry, dict(bindings))
        weight = sum(3 if d.startswith(("method", "path")) else 1 for d in diffs)
        if weight < best[0]:
            best = (weight, entry, diffs)
    return best[1], best[2]


# How many starting points (candidates for the first step) a flow is tried from. Each is a
# full greedy pass; the cap keeps a long journal cheap.
MAX_STARTS = 20


def _greedy(
    steps: list[Expected], entries: list[Entry], start: int, first: int | None, strict: bool
) -> tuple[list[StepResult], Bindings]:
    """One pass: each step takes the first matching entry after the previous one."""
    bindings: Bindings = {}
    results: list[StepResult] = []
    position = start
    for index, expected in enumerate(steps):
        window = entries[position : position + 1] if strict else entries[position:]
        if index == 0 and first is not None:
            window = entries[first : first + 1]
            position = first
        hit = next((i for i, e in enumerate(window) if not compare(expected, e, bindings)), None)
        if hit is None:
            results.append(_missing(expected, entries, position, bindings))
            continue
        entry = window[hit]
        _save(expected.step, entry, bindings)
        results.append(StepResult(expected, entry=entry))
        position += hit + 1
    return results, bindings


def _missing(expected: Expected, entries: list[Entry], position: int, bindings: Bindings) -> StepResult:
    """A step nothing matched: the closest request after the previous step, and why it differs."""
    closest, diffs = _closest(expected, entries[position:] or entries, bindings)
    if closest is not None and not diffs:
        diffs = [f"journal #{closest['id']} matches but came too early (out of order)"]
    if closest is None or len(diffs) > 1 or diffs[0].startswith(("method", "path")):
        earlier = [e for e in entries[:position] if not compare(expected, e, dict(bindings))]
        if earlier:
            diffs.append(
                f"journal #{earlier[-1]['id']} matches but came before the previous step (out of order)"
            )
    return StepResult(expected, closest=closest, differences=diffs)


def _starts(first: Expected, entries: list[Entry]) -> list[int | None]:
    """Where the flow may begin: the latest entries matching its first step (None: no candidate)."""
    found = [i for i, e in enumerate(entries) if not compare(first, e, {})]
    return list(reversed(found[-MAX_STARTS:])) or [None]


def match_flow(
    scenario: Scenario, entries: list[Entry], *, strict_order: bool = False, name: str | None = None
) -> FlowResult:
    """Match a flow's steps to journal entries in order; other requests may come in between
    unless ``strict_order``. The flow is tried from each request that could be its first step
    (latest first), so an earlier unrelated session cannot capture the bindings; the complete
    match, else the one with most steps matched, is reported."""
    steps = expected_steps(scenario)
    best: tuple[list[StepResult], Bindings] | None = None
    for first in _starts(steps[0], entries) if steps else [None]:
        results, bindings = _greedy(steps, entries, 0, first, strict_order)
        score = sum(r.matched for r in results)
        if best is None or score > sum(r.matched for r in best[0]):
            best = (results, bindings)
        if score == len(steps):
            break
    results, bindings = best or ([], {})
    return FlowResult(name or scenario.name, str(scenario.path), results, bindings)
