"""Load ``*.scenario.yaml`` files: ``yaml.safe_load`` (no custom tags), schema validation,
semantic checks, then the frozen model. Every problem reads ``file:line: $.path: message``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from mockscim.runner.errors import Problem
from mockscim.runner.errors import ScenarioError
from mockscim.runner.model import Check
from mockscim.runner.model import Expect
from mockscim.runner.model import HeaderMatcher
from mockscim.runner.model import Loop
from mockscim.runner.model import MockSpec
from mockscim.runner.model import RequestSpec
from mockscim.runner.model import Save
from mockscim.runner.model import Scenario
from mockscim.runner.model import Step
from mockscim.runner.pointer import MISSING
from mockscim.runner.semantics import semantic_problems
from mockscim.runner.validation import schema_problems
from mockscim.runner.yamldata import construct
from mockscim.runner.yamlmap import LineMap
from mockscim.runner.yamlmap import duplicate_keys
from mockscim.runner.yamlmap import json_path

PATTERN = "*.scenario.yaml"


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else as given."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def find_scenarios(paths: Iterable[Path]) -> list[Path]:
    """Files as given (any name), folders searched recursively for ``*.scenario.yaml``."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.rglob(PATTERN)) if path.is_dir() else [path])
    return found


def _syntax_problem(exc: yaml.YAMLError, file: str, text: str) -> Problem:
    """A YAML parse error as a Problem, with the usual fix for ``${...}`` in flow mappings."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else 1
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    if "${" in source:  # the usual cause: an unquoted ${...} read as a YAML flow mapping
        message += '; quote values that contain ${...}, e.g. path: "/Users/${user_id}"'
    return Problem(file, line, "", message)


# libyaml's loader when PyYAML was built with it: the runner's start-up is mostly YAML parsing.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_and_construct(text: str) -> tuple[Any, Any]:
    """Parse once: the node tree (for line numbers) and the data built from that same tree,
    exactly what ``yaml.safe_load`` would return."""
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        return root, (construct(loader, root) if root is not None else None)
    finally:
        loader.dispose()


def _python_error(text: str) -> yaml.YAMLError:
    """The pure-Python parser's error for text libyaml refused: its messages are clearer
    ("expected ',' or '}', but got '{'"), and errors are rare enough not to cost anything."""
    try:
        yaml.compose(text)
    except yaml.YAMLError as exc:
        return exc
    return yaml.YAMLError("the YAML is not valid")


def _parse(text: str, file: str) -> tuple[Any, LineMap]:
    """YAML text -> (data, line map); raise ScenarioError on syntax errors or duplicate keys."""
    try:
        root, data = _compose_and_construct(text)
    except yaml.YAMLError:
        raise ScenarioError([_syntax_problem(_python_error(text), file, text)]) from None
    duplicates = [
        Problem(file, line, json_path(path), f"duplicate key {path[-1]!r}; YAML keeps only the last one")
        for path, line in duplicate_keys(root)
    ]
    if duplicates:
        raise ScenarioError(duplicates)
    return data, LineMap(root)


def load_text(
    text: str, file: str = "<string>", path: Path | None = None, *, trusted: bool = False
) -> Scenario:
    """Validate scenario YAML text and build the model; raise ScenarioError listing every problem.

    ``trusted`` skips the JSON Schema pass (every other check stays): only for the packaged
    library, which the test suite validates against the schema (see ``load_scenarios``). A file
    the model cannot be built from without it gets the full check, so it is still reported
    as ``file:line`` problems, never a traceback.
    """
    data, lines = _parse(text, file)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise ScenarioError([Problem(file, 1, "$", f"the file is {kind}; a scenario needs name: and steps:")])
    if trusted:
        try:
            return _checked(data, lines, file, path, schema=False)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            pass  # not shaped as the library's files are (a changed install): the full check says why
    return _checked(data, lines, file, path, schema=True)


def _checked(data: dict[str, Any], lines: LineMap, file: str, path: Path | None, *, schema: bool) -> Scenario:
    """The schema pass (when ``schema``), then the semantic checks, then the model; raise
    ScenarioError listing every problem found."""
    problems = schema_problems(data, lines, file) if schema else []
    if not problems:
        problems = [
            Problem(file, lines.line(where), json_path(where), message)
            for where, message in semantic_problems(data)
        ]
    if problems:
        raise ScenarioError(problems)
    return build(data, path or Path(file), lines)


def load_scenario(path: Path | str, *, trusted: bool = False) -> Scenario:
    """Load one scenario file; raise ScenarioError (never a traceback) when it is wrong."""
    path = Path(path)
    file = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(file, 1, "", f"cannot read the file: {exc}")]) from None
    return load_text(text, file, path, trusted=trusted)


def load_scenarios(
    paths: Iterable[Path], *, trusted: bool = False
) -> tuple[list[Scenario], list[ScenarioError]]:
    """Load every scenario under ``paths``; bad files are returned as errors, not raised.

    ``trusted=True`` is for the packaged library alone (``mockscim run`` with no paths): the
    test suite validates every one of its files against the schema and checks that a trusted
    load builds the same scenarios, so a run does not validate them again. The schema pass was
    about half of loading the library (0.1 s here), and loading a large part of the runner's
    overhead over bare requests (benchmarks.runner_overhead, docs/performance.md).
    """
    scenarios, errors = [], []
    for path in find_scenarios(paths):
        try:
            scenarios.append(load_scenario(path, trusted=trusted))
        except ScenarioError as exc:
            errors.append(exc)
    return scenarios, errors


# -- model building (input is schema-valid and semantically checked) ---------------------


def build(data: dict[str, Any], path: Path, lines: LineMap) -> Scenario:
    """The Scenario model for a validated document."""
    steps = tuple(_step(raw, lines.line(["steps", i])) for i, raw in enumerate(data["steps"]))
    return Scenario(
        name=data["name"],
        steps=steps,
        path=path,
        description=data.get("description", ""),
        tags=tuple(data.get("tags", ())),
        vars=tuple(data.get("vars", {}).items()),
        requires=tuple(data.get("requires", ())),
    )


def _step(raw: dict[str, Any], line: int) -> Step:
    """One Step, with its loop and ``okta`` flag; a ``mock:`` step has no request or expect."""
    if "mock" in raw:
        mock = MockSpec(reset=raw["mock"].get("reset", False), faults=tuple(raw["mock"].get("faults", ())))
        return Step(raw["name"], None, None, line=line, mock=mock)
    if "final_state" in raw:  # reads the target, never part of Okta's flow
        return Step(raw["name"], None, None, line=line, okta=False, final_state=raw["final_state"])
    loop = None
    if "repeat" in raw:
        loop = Loop(count=raw["repeat"])
    elif "foreach" in raw:
        loop = Loop(count=len(raw["foreach"]), items=tuple(raw["foreach"]))
    saves = tuple(_save(name, source) for name, source in raw.get("save", {}).items())
    return Step(
        raw["name"],
        _request(raw["request"]),
        _expect(raw["expect"]),
        saves,
        loop,
        line,
        okta=raw.get("okta", True),
        precondition=raw.get("precondition"),
    )


def _request(raw: dict[str, Any]) -> RequestSpec:
    """The RequestSpec; the method is upper-cased."""
    return RequestSpec(
        method=raw["method"].upper(),
        path=raw["path"],
        query=dict(raw.get("query", {})),
        headers=dict(raw.get("headers", {})),
        json=raw.get("json", MISSING),
        body=raw.get("body"),
        auth=raw.get("auth", "default"),
    )


def _expect(raw: dict[str, Any]) -> Expect:
    """The Expect; a plain header string means ``equals``."""
    status = raw["status"]
    headers = tuple(
        HeaderMatcher(name, "equals", m)
        if isinstance(m, str)
        else HeaderMatcher(name, *next(iter(m.items())))
        for name, m in raw.get("headers", {}).items()
    )
    checks = tuple(
        Check(c["pointer"], tuple((op, v) for op, v in c.items() if op != "pointer"))
        for c in raw.get("checks", [])
    )
    return Expect(
        status=tuple(status) if isinstance(status, list) else (status,),
        headers=headers,
        json=raw.get("json", MISSING),
        exact=raw.get("exact", False),
        checks=checks,
        schema=raw.get("schema"),
        max_ms=raw.get("max_ms"),
    )


def _save(name: str, source: str | dict[str, str]) -> Save:
    """A Save from ``/pointer``, ``{pointer: ...}`` or ``{header: ...}``."""
    if isinstance(source, str):
        return Save(name, "body", source)
    kind, where = next(iter(source.items()))
    return Save(name, "body" if kind == "pointer" else "header", where)
