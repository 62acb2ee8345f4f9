"""Checks the JSON Schema cannot express: methods, variables, pointers,
regular expressions, schema names, shadowed built-ins and mutually exclusive keys.

Each check yields ``(json_path_parts, message)``; the loader adds file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mockscim import schemas
from mockscim.runner import pointer
from mockscim.runner import variables
from mockscim.runner.final_state import FinalStateError
from mockscim.runner.final_state import parse_final_state
from mockscim.runner.model import MOCK_ADMIN

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
Found = Iterator[tuple[tuple[str | int, ...], str]]


def strings(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string inside a JSON-like value, with its path (mapping keys that hold ``${`` too:
    they are substituted)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "${" in key:
                yield (*path, key), key
            yield from strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*path, index))


def check_references(value: Any, path: tuple[str | int, ...], known: set[str]) -> Found:
    """Invalid or unknown ``${...}`` references inside ``value``."""
    for where, text in strings(value, path):
        for reference in variables.references(text):
            problem = variables.check_reference(reference)
            if problem is None and variables.root_name(reference) not in known:
                problem = str(variables.UnknownVariable(variables.root_name(reference), sorted(known)))
                problem += " (define it under vars: or save: it in an earlier step)"
            if problem:
                yield where, problem


def _templates(step: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """The parts of a step where ``${...}`` is substituted."""
    if "mock" in step:
        yield ("mock", "faults"), step["mock"].get("faults", [])
        return
    if "final_state" in step:
        yield ("final_state",), step["final_state"]
        return
    request, expect = step["request"], step["expect"]
    if "precondition" in step:
        yield ("precondition",), step["precondition"]
    for key in ("path", "query", "headers", "json", "body"):
        if key in request:
            yield ("request", key), request[key]
    for key in ("headers", "json"):
        if key in expect:
            yield ("expect", key), expect[key]
    for index, check in enumerate(expect.get("checks", [])):
        for op, operand in check.items():
            if op != "pointer":
                yield ("expect", "checks", index, op), operand


def check_variables(data: dict[str, Any]) -> Found:
    """Unknown variables, in file order: vars, then each step with the saves before it."""
    known = set(variables.BUILTINS)
    for name, value in data.get("vars", {}).items():
        yield from check_references(value, ("vars", name), known)
        known.add(name)
    for index, step in enumerate(data["steps"]):
        base = ("steps", index)
        yield from check_references(step.get("foreach", []), (*base, "foreach"), known)
        counted = {"index", "padded_index"}
        loop = counted if "repeat" in step else counted | {"item"} if "foreach" in step else set()
        for where, value in _templates(step):
            yield from check_references(value, (*base, *where), known | loop)
        known |= set(step.get("save", {}))


def check_shadowing(data: dict[str, Any]) -> Found:
    """vars and save names must not hide a built-in or a loop variable."""
    reserved = set(variables.BUILTINS) | set(variables.LOOP_VARIABLES)
    named = [(("vars", n), n) for n in data.get("vars", {})]
    for index, step in enumerate(data["steps"]):
        named += [(("steps", index, "save", n), n) for n in step.get("save", {})]
    for path, name in named:
        if name in reserved:
            yield path, f"{name!r} shadows the built-in variable ${{{name}}}; choose another name"


def _check_regex(text: str) -> str | None:
    """An error message if ``text`` is not a valid regular expression (skipped if templated)."""
    if "${" in text:
        return None
    try:
        re.compile(text)
    except re.error as exc:
        return f"invalid regular expression {text!r}: {exc}; escape literal characters with \\"
    return None


def _check_pointer(text: str) -> str | None:
    """An error message if ``text`` is not an RFC 6901 JSON Pointer."""
    try:
        pointer.parse(text)
    except pointer.PointerError as exc:
        return str(exc)
    return None


def check_mock_step(step: dict[str, Any], base: tuple[str | int, ...], requires: list[str]) -> Found:
    """A ``mock:`` step sends no SCIM request (so it takes no ``okta:`` either), and its
    scenario must declare ``mock-admin``."""
    for key in ("request", "expect", "save", "repeat", "foreach", "precondition"):
        if key in step:
            yield (
                (*base, key),
                f"a mock: step configures the mock and sends no SCIM request, so it takes no {key}; "
                "put the request in a step of its own",
            )
    if "okta" in step:
        yield (
            (*base, "okta"),
            "a mock: step sends no SCIM request, so there is nothing for okta: to mark "
            "(mockscim verify never looks for mock: steps); remove okta: from this step",
        )
    if MOCK_ADMIN not in requires:
        yield (
            (*base, "mock"),
            "a mock: step needs 'requires: [mock-admin]' at the top of the file, so that targets "
            "without mockscim's admin API skip the scenario instead of failing it",
        )


def check_final_state_step(step: dict[str, Any], base: tuple[str | int, ...]) -> Found:
    """A ``final_state:`` step only reads the target: no request of its own, no ``okta: true``
    (Okta never sends it: ``okta: false`` is implied), and its users and groups must parse."""
    for key in ("request", "expect", "save", "repeat", "foreach", "mock", "okta"):
        if key in step and not (key == "okta" and step[key] is False):
            yield (
                (*base, key),
                f"a final_state: step reads the target's end state and sends no request of its own, "
                f"so it takes no {key}; put the request in a step of its own",
            )
    try:
        parse_final_state(step["final_state"])
    except FinalStateError as exc:
        yield (*base, "final_state"), f"{exc}"


def check_step(step: dict[str, Any], base: tuple[str | int, ...]) -> Found:
    """Method, exclusive keys, regexes, pointers and schema names within one step."""
    request, expect = step["request"], step["expect"]
    if request["method"].upper() not in METHODS:
        yield (
            (*base, "request", "method"),
            f"unknown HTTP method {request['method']!r}; use one of {', '.join(METHODS)}",
        )
    for first, second, where in (("json", "body", request), ("repeat", "foreach", step)):
        if first in where and second in where:
            path = (*base, "request") if where is request else base
            yield (*path, second), f"use either {first} or {second}, not both"
    if expect.get("exact") and "json" not in expect:
        yield (*base, "expect", "exact"), "exact: true needs an expected json: body to compare with"
    yield from _check_expect(expect, (*base, "expect"))
    for name, source in step.get("save", {}).items():
        text = source if isinstance(source, str) else source.get("pointer")
        problem = _check_pointer(text) if text is not None else None
        if problem:
            yield (*base, "save", name), problem


def _check_expect(expect: dict[str, Any], base: tuple[str | int, ...]) -> Found:
    """Regexes, pointers and the schema name inside ``expect``."""
    for name, matcher in expect.get("headers", {}).items():
        problem = (
            _check_regex(matcher["matches"]) if isinstance(matcher, dict) and "matches" in matcher else None
        )
        if problem:
            yield (*base, "headers", name, "matches"), problem
    for index, check in enumerate(expect.get("checks", [])):
        problem = _check_pointer(check["pointer"])
        if problem:
            yield (*base, "checks", index, "pointer"), problem
        problem = _check_regex(check["matches"]) if "matches" in check else None
        if problem:
            yield (*base, "checks", index, "matches"), problem
    if "schema" in expect:
        try:
            schemas.load(expect["schema"])
        except KeyError as exc:
            yield (*base, "schema"), str(exc.args[0])


def semantic_problems(data: dict[str, Any]) -> Found:
    """Every semantic problem in a schema-valid scenario document."""
    for index, step in enumerate(data["steps"]):
        if "final_state" in step:
            yield from check_final_state_step(step, ("steps", index))
        elif "mock" in step:
            yield from check_mock_step(step, ("steps", index), data.get("requires", []))
        else:
            yield from check_step(step, ("steps", index))
    yield from check_shadowing(data)
    yield from check_variables(data)
