"""Turn jsonschema errors on a scenario file into ``file:line: $.path: message`` problems.

Each message says what is wrong and how to fix it, using the schema's ``description`` of the
property (the schema is the single source of truth for the format).
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mockscim.runner.errors import Problem
from mockscim.runner.yamlmap import LineMap
from mockscim.runner.yamlmap import json_path
from mockscim.schemas import standalone_validator

JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


@cache
def scenario_schema() -> dict[str, Any]:
    """The packaged ``scenario.schema.json`` (draft 2020-12)."""
    text = resources.files("mockscim.runner").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator() -> Draft202012Validator:
    """A compiled validator for the scenario schema, its ``$ref``s inlined: resolving them again
    for every step was a third of validating the library (benchmarks.runner_overhead)."""
    return standalone_validator(scenario_schema())


def short(value: Any, limit: int = 60) -> str:
    """A value as compact JSON, cut to ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _described(message: str, schema: dict[str, Any]) -> str:
    """Append the schema's description as the how-to-fix hint."""
    description = schema.get("description")
    return f"{message}. {description}" if description else message


def _property_schema(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The sub-schema of property ``name``, following a local ``$ref``.

    A ``required`` inside ``if``/``then``/``else`` has no ``properties`` of its own; the
    definition of the same name (``request``, ``expect``) describes the key then.
    """
    sub = schema.get("properties", {}).get(name) or {"$ref": f"#/$defs/{name}"}
    ref = sub.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return scenario_schema()["$defs"].get(ref.removeprefix("#/$defs/"), {})
    return sub


def _unknown_keys(error: ValidationError) -> list[tuple[list, str]]:
    """One (path, message) per unexpected key, with a did-you-mean suggestion."""
    allowed = list(error.schema.get("properties", {}))
    out = []
    for key in [k for k in error.instance if k not in allowed]:
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        out.append(
            ([*error.absolute_path, key], f"unknown key {key!r}; {hint}allowed keys: {', '.join(allowed)}")
        )
    return out


def _message(error: ValidationError) -> str:
    """A friendlier message for the common validators."""
    kind, value = error.validator, error.instance
    if kind == "required":
        missing = next(k for k in error.validator_value if k not in value)
        return _described(f"missing required key {missing!r}", _property_schema(error.schema, missing))
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        got = JSON_TYPES.get(type(value), type(value).__name__)
        return _described(f"{short(value)} is {got}, expected {' or '.join(wanted)}", error.schema)
    if kind in ("minProperties", "maxProperties"):
        names = [name for name in error.schema.get("properties", {}) if name != "pointer"]
        if "pointer" in error.schema.get("properties", {}):
            return f"a check needs at least one assertion besides pointer: {', '.join(names)}"
        amount = "exactly one" if error.schema.get("maxProperties") == 1 else "at least one"
        return f"use {amount} of: {', '.join(names)}"
    if kind == "pattern":
        return _described(f"{short(value)} does not match the pattern {error.validator_value}", error.schema)
    if kind == "enum":
        choices = ", ".join(map(str, error.validator_value))
        return _described(f"{short(value)} is not one of: {choices}", error.schema)
    return _described(error.message, error.schema)


def schema_problems(data: Any, lines: LineMap, file: str) -> list[Problem]:
    """Every schema violation in ``data``, located by line and JSON path."""
    problems = []
    for error in _validator().iter_errors(data):
        if error.validator == "additionalProperties" and error.validator_value is False:
            pairs = _unknown_keys(error)
        else:
            pairs = [(list(error.absolute_path), _message(error))]
        for path, message in pairs:
            problems.append(Problem(file, lines.line(path), json_path(path), message))
    return problems
