"""Attribute projection: ``attributes`` and ``excludedAttributes`` (RFC 7644 §3.4.2.5, §3.9)."""

from __future__ import annotations

import copy
from typing import Any

from mockscim.errors import InvalidValue
from mockscim.scim.paths import split_urn
from mockscim.scim.schema import ResourceType

# Always returned whatever is requested (RFC 7643 §7 returned "always"; schemas is required).
_ALWAYS = ("id", "schemas")


def _parse(rtype: ResourceType, name: str) -> tuple[str | None, str, str | None]:
    """Resolve ``[urn:]attr[.sub]`` (or a bare extension URN) to (container, attr, sub)."""
    urns = tuple(s.id for s in rtype.schemas())
    urn, rest = split_urn(name, urns)
    if urn and not rest:
        ext = rtype.extension(urn)
        if ext is None:
            raise InvalidValue(f"'{name}' is not a schema of {rtype.name}")
        return ext.id, "", None
    attr_name, _, sub = rest.partition(".")
    schema = rtype.extension(urn) if urn and urn.lower() != rtype.schema.id.lower() else None
    attr = schema.attribute(attr_name) if schema else rtype.attribute(attr_name)
    if attr is None:
        raise InvalidValue(f"'{name}' is not an attribute of {rtype.name}; check the attributes list")
    sub_attr = attr.sub(sub) if sub else None
    if sub and sub_attr is None:
        raise InvalidValue(f"'{name}': {attr.name} has no sub-attribute '{sub}'")
    return (schema.id if schema else None), attr.name, (sub_attr.name if sub_attr else None)


def check_names(rtype: ResourceType, names: tuple[str, ...]) -> None:
    """Raise InvalidValue if any name in an attributes list is not an attribute of ``rtype``."""
    for name in names:
        _parse(rtype, name)


def _take(source: dict[str, Any], target: dict[str, Any], name: str, sub: str | None) -> None:
    """Copy ``name`` (or only its ``sub`` part) from source into target."""
    if name not in source:
        return
    value = source[name]
    if sub is None:
        target[name] = value
    elif isinstance(value, list):
        parts = [{sub: el[sub]} for el in value if isinstance(el, dict) and sub in el]
        if parts:
            existing = target.get(name)
            target[name] = _merge_lists(existing, parts) if isinstance(existing, list) else parts
    elif isinstance(value, dict) and sub in value:
        target.setdefault(name, {})[sub] = value[sub]


def _merge_lists(existing: list[dict[str, Any]], parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge per-element projections of the same multi-valued attribute (emails.value,emails.type)."""
    return [{**a, **b} for a, b in zip(existing, parts, strict=False)]


def _drop(target: dict[str, Any], name: str, sub: str | None) -> None:
    """Remove ``name`` (or only its ``sub`` part) from target."""
    if sub is None or name not in target:
        target.pop(name, None)
        return
    value = target[name]
    for element in value if isinstance(value, list) else [value]:
        if isinstance(element, dict):
            element.pop(sub, None)


def project(
    resource: dict[str, Any], rtype: ResourceType, attributes: tuple[str, ...], excluded: tuple[str, ...]
) -> dict[str, Any]:
    """Return the resource limited to ``attributes``, or without ``excluded``; id stays."""
    if attributes:
        out: dict[str, Any] = {k: resource[k] for k in _ALWAYS if k in resource}
        for name in attributes:
            container, attr, sub = _parse(rtype, name)
            if container is None:
                _take(resource, out, attr, sub)
            elif not attr:
                _take(resource, out, container, None)
            elif isinstance(resource.get(container), dict):
                _take(resource[container], out.setdefault(container, {}), attr, sub)
                if not out[container]:
                    out.pop(container)
        return out
    if not excluded:
        return resource
    out = copy.deepcopy(resource)
    for name in excluded:
        container, attr, sub = _parse(rtype, name)
        if container is None and attr not in _ALWAYS:
            _drop(out, attr, sub)
        elif container is not None and not attr:
            out.pop(container, None)
        elif isinstance(out.get(container), dict):
            _drop(out[container], attr, sub)
    return out
