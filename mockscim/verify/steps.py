"""A flow's steps read the other way: the requests a server should receive, as templates.

``expected_steps`` turns a scenario's steps into ``Expected`` requests (loops unrolled, ``vars``
inlined, ``okta: false`` checks left out), which the matcher compares with journal entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mockscim.runner.model import Scenario
from mockscim.runner.model import Step
from mockscim.runner.pointer import MISSING
from mockscim.runner.variables import REFERENCE
from mockscim.runner.variables import WHOLE
from mockscim.runner.variables import as_text


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
