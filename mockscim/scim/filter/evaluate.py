"""Compile a filter AST against a resource type into a predicate over resource dicts.

Compilation checks attribute names and operator/type combinations once, so that evaluation
over thousands of resources does no schema lookups (RFC 7644 §3.4.2.2).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

from mockscim.errors import InvalidFilter
from mockscim.scim.filter.ast import And
from mockscim.scim.filter.ast import Compare
from mockscim.scim.filter.ast import Expr
from mockscim.scim.filter.ast import Not
from mockscim.scim.filter.ast import Or
from mockscim.scim.filter.ast import Present
from mockscim.scim.filter.ast import ValuePath
from mockscim.scim.paths import AttrPath
from mockscim.scim.schema import Attribute
from mockscim.scim.schema import ResourceType

Predicate = Callable[[dict[str, Any]], bool]
Getter = Callable[[dict[str, Any]], list[Any]]
Resolver = Callable[[AttrPath], tuple[Getter, Attribute]]

_STRING_TYPES = ("string", "reference", "binary")
_ORDER_OPS = ("gt", "ge", "lt", "le")


def resolve_attribute(rtype: ResourceType, path: AttrPath) -> tuple[str | None, Attribute]:
    """Find the definition for ``path``: (extension URN or None, top-level attribute)."""
    if path.urn and path.urn.lower() != rtype.schema.id.lower() and rtype.extension(path.urn) is None:
        raise InvalidFilter(f"unknown schema '{path.urn}' in '{path}'")
    found = rtype.locate(path.urn, path.attr)
    if found is None:
        raise InvalidFilter(f"'{path}' is not an attribute of the {rtype.name} schema")
    return found


def _leaf(attr: Attribute, path: AttrPath) -> tuple[str | None, Attribute]:
    """Pick the sub-attribute a path compares; multi-valued complex defaults to ``value``."""
    if path.sub is not None:
        sub = attr.sub(path.sub) if attr.is_complex else None
        if sub is None:
            raise InvalidFilter(f"'{path}': {attr.name} has no sub-attribute '{path.sub}'")
        return sub.name, sub
    if attr.is_complex and attr.multi_valued and attr.sub("value") is not None:
        return "value", attr.sub("value")  # type: ignore[return-value]
    return None, attr


def _getter(container: str | None, name: str, sub: str | None) -> Getter:
    """Build a function returning the flat list of values at container/name/sub."""

    def get(resource: dict[str, Any]) -> list[Any]:
        obj = resource.get(container) if container else resource
        value = obj.get(name) if isinstance(obj, dict) else None
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        if sub is None:
            return [item for item in items if item is not None]
        return [i[sub] for i in items if isinstance(i, dict) and i.get(sub) is not None]

    return get


def resource_resolver(rtype: ResourceType) -> Resolver:
    """Resolve top-level attribute paths of ``rtype`` to (values getter, compared attribute)."""

    def resolve(path: AttrPath) -> tuple[Getter, Attribute]:
        container, attr = resolve_attribute(rtype, path)
        if path.sub is None and attr.is_complex and not attr.multi_valued:
            return _getter(container, attr.name, None), attr
        sub_name, leaf = _leaf(attr, path)
        return _getter(container, attr.name, sub_name), leaf

    return resolve


def element_resolver(parent: Attribute) -> Resolver:
    """Resolve sub-attribute names inside a value filter such as ``emails[type eq "work"]``."""

    def resolve(path: AttrPath) -> tuple[Getter, Attribute]:
        sub = parent.sub(path.attr) if path.sub is None and path.urn is None else None
        if sub is None:
            raise InvalidFilter(f"'{path}' is not a sub-attribute of {parent.name}")
        return _getter(None, sub.name, None), sub

    return resolve


def _parse_datetime(text: Any) -> datetime | None:
    """Parse an xsd:dateTime / RFC 3339 timestamp, or return None.

    RFC 7643 §2.3.5 says dateTime is xsd:dateTime, whose time zone is optional; a value without
    one is read as UTC (the server's time zone), so it compares with stored values, which
    always carry one. Comparing a naive with an aware datetime would raise TypeError.
    """
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _normalizer(attr: Attribute, op: str, value: Any, where: str) -> tuple[Callable[[Any], Any], Any]:
    """Return (normalize, normalized comparison value) for a comparison, or raise InvalidFilter."""
    if attr.type in _STRING_TYPES:
        if not isinstance(value, str):
            raise InvalidFilter(f"'{where}' compares a string attribute; quote the value")
        if attr.case_exact:
            return (lambda v: v if isinstance(v, str) else None), value
        return (lambda v: v.casefold() if isinstance(v, str) else None), value.casefold()
    if op in ("co", "sw", "ew"):
        raise InvalidFilter(f"'{where}': '{op}' applies only to string attributes")
    if attr.type == "boolean":
        if op in _ORDER_OPS or not isinstance(value, bool):
            raise InvalidFilter(f"'{where}': a boolean supports only eq and ne with true or false")
        return (lambda v: v if isinstance(v, bool) else None), value
    if attr.type == "dateTime":
        moment = _parse_datetime(value)
        if moment is None:
            raise InvalidFilter(f"'{where}': {value!r} is not an RFC 3339 date-time")
        return _parse_datetime, moment
    if attr.type in ("integer", "decimal"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidFilter(f"'{where}' compares a number; give an unquoted number")
        return (lambda v: v if isinstance(v, int | float) and not isinstance(v, bool) else None), value
    raise InvalidFilter(f"'{where}': {attr.name} is complex; compare one of its sub-attributes")


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "co": lambda a, b: b in a,
    "sw": lambda a, b: a.startswith(b),
    "ew": lambda a, b: a.endswith(b),
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def _compile_compare(expr: Compare, resolve: Resolver) -> Predicate:
    """Compile ``path op value``; ``ne`` is the negation of ``eq`` (absent counts as not equal)."""
    getter, attr = resolve(expr.path)
    if expr.value is None:
        if expr.op not in ("eq", "ne"):
            raise InvalidFilter(f"'{expr.path} {expr.op} null': only eq and ne accept null")
        return (lambda r: not getter(r)) if expr.op == "eq" else (lambda r: bool(getter(r)))
    norm, target = _normalizer(attr, expr.op, expr.value, f"{expr.path} {expr.op}")
    test = _TESTS["eq" if expr.op == "ne" else expr.op]

    def match(resource: dict[str, Any]) -> bool:
        for raw in getter(resource):
            value = norm(raw)
            if value is not None and test(value, target):
                return True
        return False

    return (lambda r: not match(r)) if expr.op == "ne" else match


def _present(value: Any) -> bool:
    """RFC 7644 §3.4.2.2 ``pr``: has a non-empty, non-null value."""
    return value not in ("", [], {}) and value is not None


def compile_expr(expr: Expr, resolve: Resolver, rtype: ResourceType | None = None) -> Predicate:
    """Compile a filter expression; ``rtype`` is given at the top level, where value paths may appear."""
    if isinstance(expr, Compare):
        return _compile_compare(expr, resolve)
    if isinstance(expr, Present):
        getter, _ = resolve(expr.path)
        return lambda r: any(_present(v) for v in getter(r))
    if isinstance(expr, And):
        left, right = compile_expr(expr.left, resolve, rtype), compile_expr(expr.right, resolve, rtype)
        return lambda r: left(r) and right(r)
    if isinstance(expr, Or):
        left, right = compile_expr(expr.left, resolve, rtype), compile_expr(expr.right, resolve, rtype)
        return lambda r: left(r) or right(r)
    if isinstance(expr, Not):
        inner = compile_expr(expr.expr, resolve, rtype)
        return lambda r: not inner(r)
    return _compile_value_path(expr, resolve, rtype)


def _compile_value_path(expr: ValuePath, resolve: Resolver, rtype: ResourceType | None) -> Predicate:
    """Compile ``attr[filter]``: true when one element of ``attr`` satisfies ``filter``."""
    if rtype is None:
        raise InvalidFilter(f"'{expr.path}[...]': value filters cannot be nested")
    container, attr = resolve_attribute(rtype, expr.path)
    if not attr.is_complex:
        raise InvalidFilter(f"'{expr.path}[...]': value filters apply to complex attributes only")
    elements = _getter(container, attr.name, None)
    inner = compile_expr(expr.filter, element_resolver(attr))
    return lambda r: any(isinstance(el, dict) and inner(el) for el in elements(r))


def compile_filter(expr: Expr, rtype: ResourceType) -> Predicate:
    """Check ``expr`` against ``rtype`` and return a predicate; raise InvalidFilter if unsupported."""
    return compile_expr(expr, resource_resolver(rtype), rtype)


def equality_terms(expr: Expr) -> list[Compare]:
    """Return the ``eq`` comparisons that every match must satisfy (for index lookups)."""
    if isinstance(expr, Compare) and expr.op == "eq" and expr.value is not None:
        return [expr]
    if isinstance(expr, And):
        return equality_terms(expr.left) + equality_terms(expr.right)
    return []
