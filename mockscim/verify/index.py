"""An index of journal entries, so the matcher compares a step only with the requests that can match it.

Entries are filed by method and path shape (``GET /Users/{id}``), by exact path, and, built on
first use, by the value of each query parameter and top-level body field. For an expected step
and the names bound so far, ``candidates`` returns the smallest of the lists that every
matching entry must be in: a superset of the matches, in journal order, so looking through it
never misses one (``compare`` still decides). Building costs O(N) per list used; a look-up is a
dict access.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING
from typing import Any

from mockscim.inspect.classify import route_of
from mockscim.verify.templates import Bindings
from mockscim.verify.templates import bound_scalar
from mockscim.verify.templates import bound_text
from mockscim.verify.templates import wanted_query

if TYPE_CHECKING:
    from mockscim.verify.steps import Expected

Entry = dict[str, Any]
Key = tuple[str, Any]


def value_key(value: Any) -> Key | None:
    """A hashable key under which JSON equality (as the matcher compares leaves) is key equality:
    ``true`` is not ``1``, ``1`` is ``1.0``; objects and arrays get none."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    return ("z", None) if value is None else None


def template_shape(path: str) -> str | None:
    """The path shape a template can match (``/Users/${user_id}`` -> ``/Users/{id}``), or None
    when a name stands for more than an id segment."""
    shape = route_of(path)[0]
    return None if "${" in shape or "$" in shape else shape


class JournalIndex:
    """Entry positions by method, by (method, shape), by (method, path) and by field value."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_method: dict[str, list[int]] = {}
        self.by_shape: dict[tuple[str, str], list[int]] = {}
        self.by_path: dict[tuple[str, str], list[int]] = {}
        self.any_method: dict[str, list[int]] = {}
        self.shapes: list[tuple[str, str]] = []
        self._fields: dict[tuple[str, str, str, str], dict[Key, list[int]]] = {}
        for position, entry in enumerate(entries):
            request = entry["request"]
            method, path = request["method"], request.get("scim_path") or request["path"]
            shape = route_of(path.partition("?")[0])[0]
            self.shapes.append((method, shape))
            self.by_method.setdefault(method, []).append(position)
            self.by_shape.setdefault((method, shape), []).append(position)
            self.by_path.setdefault((method, path), []).append(position)
            self.any_method.setdefault(shape, []).append(position)

    def candidates(self, expected: Expected, bindings: Bindings) -> list[int]:
        """Positions of every entry that may match ``expected`` under ``bindings`` (a superset)."""
        method = expected.method
        path, _, literal = expected.path.partition("?")
        shape = template_shape(path)
        base = self.by_method.get(method, []) if shape is None else self.by_shape.get((method, shape), [])
        if not base:
            return base
        options = [base]
        exact = bound_text(path, bindings)
        if exact is not None:
            options.append(self.by_path.get((method, exact), []))
        if shape is not None:
            options += self._query_options(expected, literal, method, shape, bindings)
            options += self._body_options(expected, method, shape, bindings)
        return min(options, key=len)

    def _query_options(
        self, expected: Expected, literal: str, method: str, shape: str, bindings: Bindings
    ) -> list[list[int]]:
        """One list per query parameter whose value is fully determined."""
        out = []
        for name, template in wanted_query(expected.query, literal).items():
            text = bound_text(template, bindings)
            if text is not None:
                out.append(self._field(method, shape, "query", name).get(("s", text), []))
        return out

    def _body_options(
        self, expected: Expected, method: str, shape: str, bindings: Bindings
    ) -> list[list[int]]:
        """One list per top-level body field whose value is fully determined (never passwords,
        which the journal masks and the matcher accepts whatever they were)."""
        body = expected.body
        if not isinstance(body, dict):
            return []
        out = []
        for name, template in body.items():
            known, value = bound_scalar(template, bindings)
            key = value_key(value) if known else None
            if key is not None and name.lower() != "password":
                out.append(self._field(method, shape, "body", name).get(key, []))
        return out

    def _field(self, method: str, shape: str, where: str, name: str) -> dict[Key, list[int]]:
        """Positions of (method, shape) entries by the value of one query parameter or body field."""
        slot = (method, shape, where, name)
        if slot not in self._fields:
            table: dict[Key, list[int]] = {}
            for position in self.by_shape.get((method, shape), []):
                request = self.entries[position]["request"]
                source = request.get("query") if where == "query" else request.get("body")
                value = source.get(name) if isinstance(source, dict) else None
                key = value_key(value) if isinstance(source, dict) and name in source else None
                if key is not None:
                    table.setdefault(key, []).append(position)
            self._fields[slot] = table
        return self._fields[slot]


def after(positions: list[int], start: int) -> list[int]:
    """The positions at or after ``start`` (``positions`` is sorted)."""
    return positions[bisect_left(positions, start) :]
