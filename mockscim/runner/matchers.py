"""Compare a response with a step's expectations; return every failure, never stop early.

The comparisons are written here from the JSON and HTTP specifications; nothing is computed
with the server's own code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockscim import schemas
from mockscim.runner import pointer
from mockscim.runner.client import Exchange
from mockscim.runner.declared import DeclaredSchemas
from mockscim.runner.declared import needs_declarations
from mockscim.runner.model import Check
from mockscim.runner.model import Expect
from mockscim.runner.model import HeaderMatcher
from mockscim.runner.pointer import MISSING

NOT_JSON: Any = type("NotJson", (), {"__repr__": lambda self: "<not JSON>"})()


@dataclass(frozen=True)
class Failure:
    """One unmet expectation: ``kind`` (status, header, json, check, schema, time, save, ...)."""

    kind: str
    message: str
    pointer: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def short(value: Any, limit: int = 80) -> str:
    """A value as compact JSON text, cut to ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not MISSING else "<missing>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_body(text: str) -> Any:
    """The body as JSON: None when empty, NOT_JSON when it does not parse."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return NOT_JSON


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value (``integer`` only for numbers without a fraction)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, "1" is not 1, but 1 equals 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


# -- status, headers, time --------------------------------------------------------------


def check_status(expected: tuple[int, ...], exchange: Exchange) -> list[Failure]:
    """The status is one of ``expected``."""
    if exchange.status in expected:
        return []
    wanted = " or ".join(map(str, expected))
    return [Failure("status", f"expected {wanted}, got {exchange.status} {exchange.reason}".rstrip())]


def _header_ok(matcher: HeaderMatcher, actual: str | None) -> bool:
    """Whether one header matcher holds."""
    if matcher.op == "absent":
        return (actual is None) == matcher.value
    if actual is None:
        return False
    tests: dict[str, Callable[[str, str], bool]] = {
        "equals": lambda a, e: a == e,
        "startswith": lambda a, e: a.startswith(e),
        "contains": lambda a, e: e in a,
        "matches": lambda a, e: re.search(e, a) is not None,
    }
    return tests[matcher.op](actual, matcher.value)


def check_headers(matchers: tuple[HeaderMatcher, ...], exchange: Exchange) -> list[Failure]:
    """Each header matcher holds (names are case-insensitive, RFC 9110 §5.1)."""
    failures = []
    for matcher in matchers:
        actual = exchange.header(matcher.name)
        try:
            holds = _header_ok(matcher, actual)
        except re.error as exc:  # a pattern that became invalid after ${...} substitution
            failures.append(Failure("header", f"{matcher.name}: invalid regular expression: {exc}"))
            continue
        if not holds:
            want = (
                ("absent" if matcher.value else "present")
                if matcher.op == "absent"
                else f"{matcher.op} {matcher.value!r}"
            )
            got = "no such header" if actual is None else repr(actual)
            failures.append(Failure("header", f"{matcher.name}: expected {want}, got {got}"))
    return failures


def check_time(max_ms: float | None, exchange: Exchange) -> list[Failure]:
    """The response came within ``max_ms`` milliseconds."""
    if max_ms is None or exchange.elapsed_ms <= max_ms:
        return []
    return [Failure("time", f"took {exchange.elapsed_ms:.0f} ms, more than max_ms {max_ms:g}")]


# -- JSON body: subset or exact ------------------------------------------------------------


def diff(expected: Any, actual: Any, where: str = "", *, exact: bool = False) -> list[Failure]:
    """Mismatches of ``actual`` against ``expected`` (a subset unless ``exact``)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return _diff_object(expected, actual, where, exact)
    if isinstance(expected, list) and isinstance(actual, list):
        return (
            _diff_exact_list(expected, actual, where) if exact else _diff_subset_list(expected, actual, where)
        )
    if json_equal(expected, actual):
        return []
    return [Failure("json", f"{where or '(body)'}: expected {short(expected)}, got {short(actual)}", where)]


def _diff_object(expected: dict, actual: dict, where: str, exact: bool) -> list[Failure]:
    """Every expected key must match; with ``exact`` there may be no other keys."""
    failures = []
    for key, value in expected.items():
        at = pointer.join(where, key)
        if key not in actual:
            failures.append(Failure("json", f"{at}: missing, expected {short(value)}", at))
        else:
            failures += diff(value, actual[key], at, exact=exact)
    for key in [k for k in actual if k not in expected] if exact else []:
        at = pointer.join(where, key)
        failures.append(Failure("json", f"{at}: unexpected key (exact), got {short(actual[key])}", at))
    return failures


def _diff_exact_list(expected: list, actual: list, where: str) -> list[Failure]:
    """Same length, item by item."""
    if len(expected) != len(actual):
        message = f"{where or '(body)'}: expected {len(expected)} items, got {len(actual)}: {short(actual)}"
        return [Failure("json", message, where)]
    failures = []
    for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
        failures += diff(e, a, pointer.join(where, index), exact=True)
    return failures


def _diff_subset_list(expected: list, actual: list, where: str) -> list[Failure]:
    """Each expected item matches a different actual item, in any order; an expected ``[]``
    matches only ``[]`` (verify's matcher uses the same rule: mockscim/verify/templates.py)."""
    if not expected and actual:
        message = f"{where or '(body)'}: expected an empty array, got {len(actual)} items: {short(actual)}"
        return [Failure("json", message, where)]
    unused = list(range(len(actual)))
    failures = []
    for item in expected:
        match = next((i for i in unused if not diff(item, actual[i])), None)
        if match is None:
            message = f"{where or '(body)'}: no item matches {short(item)}; got {short(actual)}"
            failures.append(Failure("json", message, where))
        else:
            unused.remove(match)
    return failures


# -- checks by JSON Pointer ----------------------------------------------------------------


def _length(value: Any) -> int | None:
    """len() of a string, array or object; None for other types."""
    return len(value) if isinstance(value, str | list | dict) else None


def _number(value: Any) -> bool:
    """A JSON number (booleans are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _contains(value: Any, operand: Any) -> bool:
    """Substring, array item (subset match) or object subset."""
    if isinstance(value, str):
        return isinstance(operand, str) and operand in value
    if isinstance(value, list):
        return any(not diff(operand, item) for item in value)
    return isinstance(value, dict) and not diff(operand, value)


def _type_ok(value: Any, wanted: str | list[str]) -> bool:
    """The value has one of the wanted JSON types (an integer also counts as a number)."""
    names = {json_type(value)} | ({"number"} if json_type(value) == "integer" else set())
    return bool(names & set([wanted] if isinstance(wanted, str) else wanted))


# op -> (holds(value, operand), description of the expectation)
OPS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "type": (_type_ok, "type {operand}"),
    "equals": (json_equal, "equal to {operand}"),
    "not_equals": (lambda v, o: not json_equal(v, o), "not equal to {operand}"),
    "matches": (
        lambda v, o: isinstance(v, str) and re.search(o, v) is not None,
        "a string matching {operand}",
    ),
    "length": (lambda v, o: _length(v) == o, "length {operand}"),
    "min_length": (lambda v, o: _length(v) is not None and _length(v) >= o, "length >= {operand}"),
    "max_length": (lambda v, o: _length(v) is not None and _length(v) <= o, "length <= {operand}"),
    "contains": (_contains, "containing {operand}"),
    "min": (lambda v, o: _number(v) and v >= o, "a number >= {operand}"),
    "max": (lambda v, o: _number(v) and v <= o, "a number <= {operand}"),
}


def check_value(check: Check, body: Any) -> list[Failure]:
    """Every op of one check against the value its pointer selects."""
    value = pointer.resolve(body, check.pointer)
    where = check.pointer or "(body)"
    failures = []
    for op, operand in check.ops:
        if op == "absent":
            if (value is MISSING) != operand:
                state = "absent" if operand else "present"
                failures.append(
                    Failure("check", f"{where}: expected {state}, got {short(value)}", check.pointer)
                )
            continue
        if value is MISSING:
            failures.append(
                Failure("check", f"{where}: missing (expected {op} {short(operand)})", check.pointer)
            )
            continue
        holds, description = OPS[op]
        try:
            ok = holds(value, operand)
        except re.error as exc:  # a pattern that became invalid after ${...} substitution
            failures.append(Failure("check", f"{where}: invalid regular expression: {exc}", check.pointer))
            continue
        if not ok:
            wanted = description.format(operand=short(operand))
            failures.append(
                Failure("check", f"{where}: expected {wanted}, got {short(value)}", check.pointer)
            )
    return failures


def check_schema(name: str, body: Any, declared: DeclaredSchemas | None = None) -> list[Failure]:
    """The body satisfies a packaged JSON Schema (``mockscim.schemas``); ``scim/User`` and
    ``scim/Group`` also accept what the target declares in its /Schemas (``declared``)."""
    findings = [(f.pointer, f.message) for f in schemas.validate(name, body)]
    label = name
    validator = None
    if declared is not None and needs_declarations(name, body, bool(findings)):
        validator = declared.validator(name)
    if validator is not None:
        errors = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
        findings = [(schemas.pointer_of(e.absolute_path), e.message) for e in errors]
        label = f"{name} (with the target's /Schemas)"
    return [
        Failure("schema", f"{label} {where or '(body)'}: {message}", where) for where, message in findings
    ]


def _needs_json(expect: Expect) -> bool:
    """Whether any expectation reads the body as JSON."""
    return expect.json is not MISSING or bool(expect.checks) or expect.schema is not None


def evaluate(
    expect: Expect, exchange: Exchange, body: Any, declared: DeclaredSchemas | None = None
) -> list[Failure]:
    """Every failure of ``exchange`` against ``expect`` (``body`` is the parsed JSON)."""
    failures = check_status(expect.status, exchange) + check_headers(expect.headers, exchange)
    failures += check_time(expect.max_ms, exchange)
    if body is NOT_JSON and _needs_json(expect):
        return [*failures, Failure("json", f"the response body is not JSON: {exchange.text[:200]!r}")]
    if expect.json is not MISSING:
        failures += diff(expect.json, body, exact=expect.exact)
    for check in expect.checks:
        failures += check_value(check, body)
    if expect.schema is not None:
        failures += check_schema(expect.schema, body, declared)
    return failures
