"""Okta's membership PATCH in linear time: a multi-valued attribute indexed by ``value``.

Okta removes members with one operation each, ``remove members[value eq "<id>"]``, and adds
them all in one ``add members`` (docs/okta-reference.md §9.3), up to 1,000 changes per PATCH.
Applied one by one, each operation scans (and rebuilds) the whole list: 1,000 removals from a
5,000-member group are five million element visits under the store lock. ``apply_patch``
hands runs of such operations to a ``MultiValued``, where each costs O(1) per element it names,
and writes the list back once, before any other operation and at the end.

The results are exactly those of the general engine (``patch._apply_path``): a removal matches
``value`` as the filter would (case-insensitively unless the sub-attribute is caseExact), an
addition skips elements already present as ``patch._union`` does.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from mockscim.scim.filter import Compare
from mockscim.scim.filter import parse_patch_path
from mockscim.scim.resource import coerce_value
from mockscim.scim.schema import Attribute
from mockscim.scim.schema import ResourceType

_NAME_ONLY = re.compile(r"[A-Za-z][\w-]*")


def identity(item: Any) -> Any:
    """What makes two multi-valued elements the same value (compared by ``value`` if any)."""
    if isinstance(item, dict) and isinstance(item.get("value"), str | int | float | bool):
        return ("value", item["value"])
    return repr(item)


class MultiValued:
    """The elements of one multi-valued complex attribute, indexed by their ``value``."""

    def __init__(self, attr: Attribute, elements: list[Any]):
        value = attr.sub("value")
        self.attr = attr
        self._fold = (lambda v: v) if value is not None and value.case_exact else str.casefold
        self._items: dict[int, Any] = {}  # insertion order is list order
        self._next = 0
        self._by_value: dict[str, list[int]] = {}
        self._present: Counter[Any] = Counter()
        for element in elements:
            self._append(element)

    def _append(self, element: Any) -> None:
        """Add one element at the end and index it."""
        key, self._next = self._next, self._next + 1
        self._items[key] = element
        if isinstance(element, dict) and isinstance(element.get("value"), str):
            self._by_value.setdefault(self._fold(element["value"]), []).append(key)
        self._present[identity(element)] += 1

    def remove_value(self, value: str) -> None:
        """Remove every element whose ``value`` equals ``value`` (``attr[value eq "..."]``)."""
        for key in self._by_value.pop(self._fold(value), ()):
            element = self._items.pop(key)
            self._present[identity(element)] -= 1

    def add(self, new: list[Any]) -> None:
        """Append the elements of ``new`` that are not present yet (RFC 7644 §3.5.2.1)."""
        for element in new:
            if self._present[identity(element)] <= 0:
                self._append(element)

    def elements(self) -> list[Any]:
        """The current list, in order."""
        return list(self._items.values())


def indexed_target(operation: Any, rtype: ResourceType) -> tuple[Attribute, str | None] | None:
    """(attribute, value to remove, or None to add) when ``operation`` is one the index applies:
    ``remove attr[value eq "x"]`` or ``add attr`` on a core multi-valued complex attribute.
    Anything else (or anything invalid) is left to the general engine, which reports errors."""
    raw = operation.path
    if raw is None or (operation.op, "[" in raw) not in (("remove", True), ("add", False)):
        return None
    if (operation.op == "add" and not _NAME_ONLY.fullmatch(raw)) or rtype.extension(raw) is not None:
        return None
    parsed = parse_patch_path(raw)
    found = rtype.locate(parsed.path.urn, parsed.path.attr)
    if found is None or found[0] is not None or parsed.sub or parsed.path.sub:
        return None
    attr = found[1]
    if not attr.multi_valued or not attr.is_complex or attr.read_only:
        return None
    if operation.op == "add":
        return attr, None
    term = parsed.filter
    if (
        isinstance(term, Compare)
        and term.op == "eq"
        and isinstance(term.value, str)
        and term.path.sub is None
        and term.path.urn is None
        and getattr(attr.sub(term.path.attr), "name", None) == "value"
    ):
        return attr, term.value
    return None


def apply_indexed(
    doc: dict[str, Any], live: MultiValued | None, operation: Any, attr: Attribute, value: str | None
) -> MultiValued:
    """Apply one indexed operation to ``doc``, indexing ``attr`` first unless it is ``live``."""
    if live is None or live.attr is not attr:
        write_back(doc, live)
        live = MultiValued(attr, doc.get(attr.name) or [])
    if value is not None:
        live.remove_value(value)
    else:
        items = operation.value if isinstance(operation.value, list) else [operation.value]
        live.add(coerce_value(attr, items, f"Operations[{operation.index}].value") or [])
    return live


def write_back(doc: dict[str, Any], live: MultiValued | None) -> None:
    """Store an indexed attribute's elements in ``doc``; none left removes it (RFC 7643 §2.5)."""
    if live is None:
        return
    elements = live.elements()
    if elements:
        doc[live.attr.name] = elements
    else:
        doc.pop(live.attr.name, None)
