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


def _take(source: dict[str, Any], target: dict[str, Any], name: str, subs: set[str] | None) -> None:
    """Copy ``name`` from source into target: whole, or only the sub-attributes in ``subs``.

    A multi-valued attribute keeps one element per source element that has any requested
    sub-attribute, so ``emails.value,emails.type`` returns each email with its own type.
    """
    if name not in source:
        return
    value = source[name]
    if subs is None:
        target[name] = value
    elif isinstance(value, list):
        parts = [{k: v for k, v in el.items() if k in subs} for el in value if isinstance(el, dict)]
        if parts := [part for part in parts if part]:
            target[name] = parts
    elif isinstance(value, dict):
        if part := {k: v for k, v in value.items() if k in subs}:
            target[name] = part


def _wanted(
    rtype: ResourceType, attributes: tuple[str, ...]
) -> dict[tuple[str | None, str], set[str] | None]:
    """Group ``attributes`` by (container, attribute): None asks for all of it, else which subs."""
    wanted: dict[tuple[str | None, str], set[str] | None] = {}
    for name in attributes:
        container, attr, sub = _parse(rtype, name)
        key = (container, attr)
        if sub is None:
            wanted[key] = None
        elif key not in wanted:
            wanted[key] = {sub}
        elif wanted[key] is not None:
            wanted[key].add(sub)  # type: ignore[union-attr]
    return wanted


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
        wanted = _wanted(rtype, attributes)
        whole = {container for container, attr in wanted if container and not attr}
        for (container, attr), subs in wanted.items():
            if container in whole and attr:
                continue  # the whole extension is asked for: a part of it adds nothing
            if container is None:
                _take(resource, out, attr, subs)
            elif not attr:
                _take(resource, out, container, None)
            elif isinstance(resource.get(container), dict):
                part = dict(out.get(container) or {})  # a new dict: never write into shared values
                _take(resource[container], part, attr, subs)
                if part:
                    out[container] = part
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
