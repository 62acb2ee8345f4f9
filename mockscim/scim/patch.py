"""PATCH engine (RFC 7644 §3.5.2): apply add/replace/remove operations to a resource dict.

``apply_patch`` never mutates its input: it works on a copy and the caller stores the result
only if every operation succeeded, so a refused PATCH leaves the resource untouched.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from mockscim.constants import PATCH_OP
from mockscim.constants import SERVER_OWNED_ATTRIBUTES
from mockscim.errors import InvalidPath
from mockscim.errors import InvalidSyntax
from mockscim.errors import InvalidValue
from mockscim.errors import Mutability
from mockscim.errors import NoTarget
from mockscim.scim.filter import And
from mockscim.scim.filter import Compare
from mockscim.scim.filter import PatchPath
from mockscim.scim.filter import compile_expr
from mockscim.scim.filter import element_resolver
from mockscim.scim.filter import equality_terms
from mockscim.scim.filter import parse_patch_path
from mockscim.scim.multivalued import MultiValued
from mockscim.scim.multivalued import apply_indexed
from mockscim.scim.multivalued import identity
from mockscim.scim.multivalued import indexed_target
from mockscim.scim.multivalued import write_back
from mockscim.scim.paths import AttrPath
from mockscim.scim.resource import coerce_complex
from mockscim.scim.resource import coerce_extension
from mockscim.scim.resource import coerce_scalar
from mockscim.scim.resource import coerce_value
from mockscim.scim.resource import extension_attributes
from mockscim.scim.schema import Attribute
from mockscim.scim.schema import ResourceType

OPS = ("add", "replace", "remove")
# One request's work under the store lock is bounded: Okta sends at most 1,000 membership
# changes per PATCH (docs/okta-reference.md §9.3), one operation each at most.
MAX_OPERATIONS = 1000
# Keys a path-less add/replace may carry but that are not changes; the profile decides
# (``mockscim.profiles``: Okta's group rename sends {"id", "displayName"}, docs/okta-reference.md §9.5).
DEFAULT_PATHLESS_IGNORED = SERVER_OWNED_ATTRIBUTES


@dataclass(frozen=True)
class Operation:
    """One validated PATCH operation."""

    op: str
    path: str | None
    value: Any
    index: int


@dataclass(frozen=True)
class _Target:
    """Where a path points: container dict key (extension URN or None) and the attribute."""

    container: str | None
    attr: Attribute


def parse_operations(body: Any) -> list[Operation]:
    """Validate a PatchOp message body and return its operations (RFC 7644 §3.5.2)."""
    if not isinstance(body, dict):
        raise InvalidSyntax("the PATCH body must be a JSON object with 'schemas' and 'Operations'")
    schemas = body.get("schemas", [PATCH_OP])
    if not isinstance(schemas, list) or PATCH_OP not in schemas:
        raise InvalidValue(f"a PATCH body must list '{PATCH_OP}' in 'schemas'")
    ops = next((v for k, v in body.items() if k.lower() == "operations"), None)
    if not isinstance(ops, list) or not ops:
        raise InvalidValue("'Operations' must be a non-empty array of {op, path, value} objects")
    if len(ops) > MAX_OPERATIONS:
        # RFC 7644 §3.12: tooMany is about filter results; a request a server will not process
        # as sent is invalidValue. The body may be small (1 MiB holds 20,000 removals).
        raise InvalidValue(
            f"a PATCH may carry at most {MAX_OPERATIONS} operations, not {len(ops)}; "
            "send the changes in several PATCH requests"
        )
    return [_operation(raw, i) for i, raw in enumerate(ops)]


def _operation(raw: Any, index: int) -> Operation:
    """Validate one entry of ``Operations``; ``op`` is case-insensitive."""
    where = f"Operations[{index}]"
    if not isinstance(raw, dict):
        raise InvalidValue(f"{where} must be an object with 'op', 'path' and 'value'")
    op = raw.get("op")
    if not isinstance(op, str) or op.lower() not in OPS:
        raise InvalidValue(f"{where}.op must be one of add, replace, remove; got {op!r}")
    path = raw.get("path")
    if path is not None and (not isinstance(path, str) or not path.strip()):
        raise InvalidPath(f"{where}.path must be a non-empty string when given")
    op = op.lower()
    if op == "remove" and path is None:
        raise NoTarget(f"{where}: remove requires a 'path' (RFC 7644 §3.5.2.2)")
    if op != "remove" and "value" not in raw:
        raise InvalidValue(f"{where}: {op} requires a 'value'")
    return Operation(op, path, raw.get("value"), index)


def apply_patch(
    resource: dict[str, Any],
    operations: list[Operation],
    rtype: ResourceType,
    *,
    pathless_ignored: tuple[str, ...] = DEFAULT_PATHLESS_IGNORED,
    in_place: bool = False,
) -> dict[str, Any]:
    """Return a new resource with ``operations`` applied in order; ``resource`` is not changed,
    unless ``in_place`` says the caller handed over a private copy (saves a deep copy)."""
    doc = resource if in_place else copy.deepcopy(resource)
    live: MultiValued | None = None  # a run of indexed member operations (scim/multivalued.py)
    for operation in operations:
        indexed = indexed_target(operation, rtype)
        if indexed is not None:
            live = apply_indexed(doc, live, operation, *indexed)
            continue
        write_back(doc, live)
        live = None
        if operation.path is None:
            _apply_pathless(doc, operation, rtype, pathless_ignored)
        else:
            _apply_path(doc, operation, rtype)
    write_back(doc, live)
    return doc


def _apply_pathless(
    doc: dict[str, Any], operation: Operation, rtype: ResourceType, ignored: tuple[str, ...]
) -> None:
    """add/replace without a path: ``value`` is an object of attributes (RFC 7644 §3.5.2.1)."""
    value = operation.value
    if not isinstance(value, dict):
        raise InvalidValue(
            f"Operations[{operation.index}]: without a path, 'value' must be an object of attributes"
        )
    for key, sub_value in value.items():
        if key.lower() in ignored:
            continue
        ext = rtype.extension(key)
        if ext is not None and isinstance(sub_value, dict):
            where = f"Operations[{operation.index}].value.{ext.id}"
            for name, item in extension_attributes(ext, sub_value, where).items():
                _apply_path(doc, Operation(operation.op, f"{ext.id}:{name}", item, operation.index), rtype)
            continue
        _apply_path(doc, Operation(operation.op, key, sub_value, operation.index), rtype)


def _resolve(rtype: ResourceType, path: AttrPath, raw: str) -> _Target:
    """Find the attribute a PATCH path names; raise InvalidPath when it does not exist."""
    found = rtype.locate(path.urn, path.attr)
    if found is None:
        raise InvalidPath(f"path '{raw}' names no attribute of the {rtype.name} schema")
    return _Target(*found)


def _apply_path(doc: dict[str, Any], operation: Operation, rtype: ResourceType) -> None:
    """Apply one operation that has a path."""
    raw = operation.path or ""
    ext = rtype.extension(raw)
    if ext is not None:  # The path is a whole extension URN; its value is an object.
        _apply_extension_object(doc, operation, rtype, ext.id)
        return
    parsed = parse_patch_path(raw)
    target = _resolve(rtype, parsed.path, raw)
    _check_mutable(target.attr, raw)
    holder = doc if target.container is None else doc.setdefault(target.container, {})
    before = copy.deepcopy(holder.get(target.attr.name)) if target.attr.mutability == "immutable" else None
    if parsed.filter is not None:
        _apply_filtered(holder, target.attr, parsed, operation)
    elif parsed.path.sub is not None:
        _apply_sub(holder, target.attr, parsed.path.sub, operation)
    else:
        _apply_attribute(holder, target.attr, operation)
    if before is not None and holder.get(target.attr.name) != before:
        raise Mutability(f"'{raw}' is immutable: it is set and cannot be changed (RFC 7644 §3.5.2)")
    if target.container is not None and not holder:
        doc.pop(target.container, None)


def _apply_extension_object(doc: dict[str, Any], operation: Operation, rtype: ResourceType, urn: str) -> None:
    """Path is an extension URN: remove it, or add/replace its attributes one by one."""
    if operation.op == "remove":
        doc.pop(urn, None)
        return
    ext = rtype.extension(urn)
    coerce_extension(ext, operation.value, urn)  # type: ignore[arg-type]
    for name, item in extension_attributes(ext, operation.value, urn).items():  # type: ignore[arg-type]
        _apply_path(doc, Operation(operation.op, f"{urn}:{name}", item, operation.index), rtype)


def _check_mutable(attr: Attribute, raw: str) -> None:
    """Read-only attributes cannot be targeted by a PATCH (RFC 7644 §3.5.2, scimType mutability)."""
    if attr.read_only:
        raise Mutability(f"'{raw}' is read-only and cannot be modified by PATCH")


def _apply_attribute(holder: dict[str, Any], attr: Attribute, operation: Operation) -> None:
    """Operation on a whole attribute (``emails``, ``active``, ``name``)."""
    name = attr.name
    if operation.op == "remove":
        if operation.value is not None and attr.multi_valued:
            _remove_listed(holder, attr, operation.value)
        else:
            holder.pop(name, None)
        return
    where = _value_where(operation)
    if attr.multi_valued:
        items = operation.value if isinstance(operation.value, list) else [operation.value]
        new = coerce_value(attr, items, where) or []
        merged = new if operation.op == "replace" else _union(holder.get(name, []), new)
        _store(holder, name, merged)
    elif attr.is_complex:
        new = coerce_complex(attr, operation.value, where) if operation.value is not None else None
        _store(holder, name, {**holder.get(name, {}), **(new or {})} if new else None)
    else:
        _store(holder, name, coerce_value(attr, operation.value, where))


def _value_where(operation: Operation) -> str:
    """Where a value error is: the operation's value, and the attribute its path names."""
    return f"Operations[{operation.index}].value (for {operation.path})"


def _union(existing: list[Any], new: list[Any]) -> list[Any]:
    """Append values not already present, compared by ``value`` where elements have one.

    RFC 7644 §3.5.2.1 adds new values to a multi-valued attribute; adding a member that is
    already present must not create a second copy (Okta re-sends memberships on "Push now").
    """
    out = list(existing)
    seen = {identity(item) for item in out}
    for item in new:
        if identity(item) not in seen:
            out.append(item)
            seen.add(identity(item))
    return out


def _remove_listed(holder: dict[str, Any], attr: Attribute, value: Any) -> None:
    """Remove elements named in ``value`` (by their ``value`` sub-attribute), as Entra sends."""
    items = value if isinstance(value, list) else [value]
    gone = {i.get("value") for i in items if isinstance(i, dict)}
    kept = [el for el in holder.get(attr.name, []) if not (isinstance(el, dict) and el.get("value") in gone)]
    _store(holder, attr.name, kept)


def _store(holder: dict[str, Any], name: str, value: Any) -> None:
    """Set ``name``; an empty or null value removes it (RFC 7643 §2.5 unassigned)."""
    if value in (None, [], {}):
        holder.pop(name, None)
    else:
        holder[name] = value


def _apply_sub(holder: dict[str, Any], attr: Attribute, sub_name: str, operation: Operation) -> None:
    """Operation on ``attr.sub`` without a filter: every element for multi-valued attributes."""
    sub = attr.sub(sub_name) if attr.is_complex else None
    if sub is None:
        raise InvalidPath(f"'{operation.path}': {attr.name} has no sub-attribute '{sub_name}'")
    _check_mutable(sub, operation.path or "")
    if attr.multi_valued:
        for element in holder.get(attr.name, []):
            _set_sub(element, sub, operation)
        return
    element = holder.setdefault(attr.name, {})
    _set_sub(element, sub, operation)
    _store(holder, attr.name, element)


def _set_sub(element: dict[str, Any], sub: Attribute, operation: Operation) -> None:
    """Set or remove one sub-attribute of one complex element."""
    if operation.op == "remove" or operation.value is None:
        element.pop(sub.name, None)
        return
    if sub.mutability == "immutable" and sub.name in element and element[sub.name] != operation.value:
        raise Mutability(f"'{operation.path}' is immutable once set")
    element[sub.name] = coerce_scalar(sub, operation.value, _value_where(operation))


def _apply_filtered(holder: dict[str, Any], attr: Attribute, parsed: PatchPath, operation: Operation) -> None:
    """Operation on ``attr[filter]`` or ``attr[filter].sub`` (RFC 7644 §3.5.2 valuePath)."""
    if not attr.is_complex or not attr.multi_valued:
        raise InvalidPath(f"'{operation.path}': a value filter needs a multi-valued complex attribute")
    predicate = compile_expr(parsed.filter, element_resolver(attr))  # type: ignore[arg-type]
    elements = holder.get(attr.name, [])
    hits = [el for el in elements if isinstance(el, dict) and predicate(el)]
    if operation.op == "remove":
        _remove_hits(holder, attr, elements, hits, parsed.sub, operation)
        return
    if not hits:
        hits = _new_element(holder, attr, parsed, operation)
    for element in hits:
        _update_hit(holder, attr, element, parsed.sub, operation)


def _remove_hits(
    holder: dict[str, Any],
    attr: Attribute,
    elements: list[Any],
    hits: list[Any],
    sub: str | None,
    operation: Operation,
) -> None:
    """Remove matching elements, or one sub-attribute of each; no match is not an error."""
    if sub is None:
        gone = {id(hit) for hit in hits}  # a set: removing every member is linear, not quadratic
        _store(holder, attr.name, [el for el in elements if id(el) not in gone])
        return
    sub_attr = attr.sub(sub)
    if sub_attr is None:
        raise InvalidPath(f"'{operation.path}': {attr.name} has no sub-attribute '{sub}'")
    for element in hits:
        _set_sub(element, sub_attr, operation)


def _new_element(
    holder: dict[str, Any], attr: Attribute, parsed: PatchPath, operation: Operation
) -> list[Any]:
    """No element matched: ``add`` creates one from the filter's equalities; ``replace`` fails.

    RFC 7644 §3.5.2.3 requires noTarget for replace. For add, clients such as Entra send
    ``emails[type eq "work"].value`` to create the element, so we build it from the filter.
    """
    terms = equality_terms(parsed.filter) if operation.op == "add" else []  # type: ignore[arg-type]
    if not terms or not _only_equalities(parsed.filter, len(terms)):
        raise NoTarget(f"'{operation.path}' matched no value of {attr.name}")
    element = {t.path.attr: t.value for t in terms}
    element = coerce_complex(attr, element, f"Operations[{operation.index}].path") or {}
    holder.setdefault(attr.name, []).append(element)
    return [element]


def _only_equalities(expr: Any, count: int) -> bool:
    """True when the filter is nothing but ``count`` eq comparisons joined by ``and``."""
    return _count_leaves(expr) == count


def _count_leaves(expr: Any) -> int:
    """Count the leaves of an And tree (a Compare is one leaf)."""
    if isinstance(expr, And):
        return _count_leaves(expr.left) + _count_leaves(expr.right)
    return 1 if isinstance(expr, Compare) else 0


def _update_hit(
    holder: dict[str, Any], attr: Attribute, element: dict[str, Any], sub: str | None, operation: Operation
) -> None:
    """add/replace on one matching element: set a sub-attribute, or merge/replace the element."""
    if sub is not None:
        sub_attr = attr.sub(sub)
        if sub_attr is None:
            raise InvalidPath(f"'{operation.path}': {attr.name} has no sub-attribute '{sub}'")
        _set_sub(element, sub_attr, operation)
        return
    new = coerce_complex(attr, operation.value, f"Operations[{operation.index}].value") or {}
    if operation.op == "replace":
        element.clear()
    element.update(new)
    _store(holder, attr.name, holder.get(attr.name))
