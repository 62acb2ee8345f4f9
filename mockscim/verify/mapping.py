"""Attribute-mapping expectations: what a team's Okta profile mappings must put in requests.

A mapping file names operations and, for each, JSON Pointers into the request body that must
be present, equal a value, or match a regex. Every journal entry of that operation is checked,
so a team can verify its Okta app configuration (e.g. ``title`` sent as the enterprise
``department``, a custom ``urn:`` extension in the create body) before going live::

    create-user:
      present:
        - /urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department
      equals:
        /locale: en-US
      matches:
        /externalId: "^00u"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mockscim.inspect.operations import OPERATIONS
from mockscim.runner.pointer import MISSING
from mockscim.runner.pointer import PointerError
from mockscim.runner.pointer import parse
from mockscim.runner.pointer import resolve

Entry = dict[str, Any]
_KINDS = ("present", "absent", "equals", "matches")


class MappingError(ValueError):
    """A mapping file is malformed; the message says where and how to fix it."""


@dataclass(frozen=True)
class Rule:
    """One expectation: an operation, a body pointer, a kind and its operand."""

    operation: str
    pointer: str
    kind: str
    operand: Any = None

    def check(self, body: Any) -> str | None:
        """A failure message, or None when the body satisfies the rule."""
        value = resolve(body, self.pointer)
        if self.kind == "present":
            return None if value is not MISSING else f"{self.pointer} is missing"
        if self.kind == "absent":
            return None if value is MISSING else f"{self.pointer} is present ({value!r})"
        if value is MISSING:
            return f"{self.pointer} is missing"
        if self.kind == "equals":
            return (
                None if value == self.operand else f"{self.pointer} is {value!r}, expected {self.operand!r}"
            )
        matched = isinstance(value, str) and re.search(self.operand, value)
        return None if matched else f"{self.pointer} is {value!r}, expected to match {self.operand!r}"


def _pointer(text: Any, where: str) -> str:
    """Validate a JSON Pointer from the file."""
    try:
        parse(text)
    except (PointerError, TypeError):
        raise MappingError(f"{where}: {text!r} is not a JSON Pointer such as /title") from None
    return text


def load_mappings(document: Any) -> list[Rule]:
    """Validate a mapping document (``{operation: {present|absent: [...], equals|matches: {...}}}``)."""
    if not isinstance(document, dict):
        raise MappingError("a mapping file is a mapping of operation names, e.g. create-user:")
    rules: list[Rule] = []
    for operation, kinds in document.items():
        if operation not in OPERATIONS:
            raise MappingError(f"{operation!r} is not an operation; use one of {', '.join(OPERATIONS)}")
        if not isinstance(kinds, dict) or set(kinds) - set(_KINDS):
            raise MappingError(f"{operation}: use present, absent (lists) and equals, matches (mappings)")
        rules += _rules(operation, kinds)
    return rules


def _rules(operation: str, kinds: dict[str, Any]) -> list[Rule]:
    """The rules of one operation."""
    rules = []
    for kind, body in kinds.items():
        where = f"{operation}.{kind}"
        if kind in ("present", "absent"):
            if not isinstance(body, list):
                raise MappingError(f"{where}: a list of JSON Pointers")
            rules += [Rule(operation, _pointer(p, where), kind) for p in body]
            continue
        if not isinstance(body, dict):
            raise MappingError(f"{where}: a mapping of JSON Pointer to value")
        for pointer, operand in body.items():
            if kind == "matches":
                try:
                    re.compile(str(operand))
                except re.error as exc:
                    raise MappingError(f"{where}: {operand!r} is not a regex: {exc}") from None
            rules.append(Rule(operation, _pointer(pointer, where), kind, operand))
    return rules


@dataclass(frozen=True)
class MappingFailure:
    """A journal entry that broke a mapping rule."""

    entry_id: int
    operation: str
    message: str


def check_mappings(rules: list[Rule], entries: list[Entry]) -> tuple[int, list[MappingFailure]]:
    """Check every entry of each rule's operation; return (entries checked, failures)."""
    operations = {r.operation for r in rules}
    checked = [e for e in entries if e.get("operation") in operations]
    failures = []
    for entry in checked:
        for rule in rules:
            if rule.operation == entry["operation"] and (message := rule.check(entry["request"].get("body"))):
                failures.append(MappingFailure(entry["id"], rule.operation, message))
    return len(checked), failures
