"""Validate and normalize resource bodies against the schema (RFC 7643 §2, §7; RFC 7644 §3.3).

The result of ``normalize_resource`` is what the store keeps: attribute names in canonical
case, nulls dropped, read-only attributes removed (RFC 7644 §3.5.1: they are ignored on input),
and ``password`` split off because it is write-only and never returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockscim.constants import SERVER_OWNED_ATTRIBUTES
from mockscim.errors import InvalidValue
from mockscim.errors import Mutability
from mockscim.scim.schema import Attribute
from mockscim.scim.schema import ResourceType
from mockscim.scim.schema import Schema

_IGNORED_ON_INPUT = SERVER_OWNED_ATTRIBUTES  # RFC 7644 §3.5.1: read-only values are ignored


def _type_name(value: Any) -> str:
    """Name a JSON value's type for error messages."""
    if isinstance(value, bool):
        return "boolean"
    return {str: "string", int: "integer", float: "number", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


def _wrong(where: str, expected: str, value: Any, *, secret: bool = False) -> InvalidValue:
    """Build the invalidValue error for a value of the wrong type; a secret is never echoed."""
    shown = "" if secret else f" {value!r}"
    return InvalidValue(f"{where} must be {expected}, not {_type_name(value)}{shown}"[:300])


_TEXT_TYPES = frozenset({"string", "reference", "binary"})


def coerce_scalar(attr: Attribute, value: Any, where: str) -> Any:
    """Check one simple value against ``attr.type``; return it unchanged when valid."""
    kind = attr.type
    if kind in _TEXT_TYPES:
        if isinstance(value, str):
            return value
        expected = "a string"
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
        expected = "a boolean (true or false, unquoted)"
    elif kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        expected = "an integer"
    elif kind == "decimal":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        expected = "a number"
    elif kind == "dateTime":
        if isinstance(value, str) and is_datetime(value):
            return value
        expected = "an RFC 3339 date-time string"
    else:
        return value
    # password (RFC 7643 §4.1.1) is returned never: its errors must not echo it
    raise _wrong(where, expected, value, secret=attr.returned == "never")


def is_datetime(text: str) -> bool:
    """True when ``text`` parses as an ISO 8601 / RFC 3339 timestamp."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def coerce_complex(attr: Attribute, value: Any, where: str) -> dict[str, Any] | None:
    """Check a complex value: an object whose keys are known sub-attributes."""
    if not isinstance(value, dict):
        raise _wrong(where, f"an object with sub-attributes of {attr.name}", value)
    out: dict[str, Any] = {}
    for key, sub_value in value.items():
        sub = attr.sub(key)
        if sub is None:
            known = ", ".join(s.name for s in attr.sub_attributes)
            raise InvalidValue(f"{where}.{key} is not a sub-attribute of {attr.name}; known: {known}")
        if sub_value is None or sub.read_only:
            continue  # null means unassigned (RFC 7643 §2.5); read-only input is ignored.
        out[sub.name] = coerce_scalar(sub, sub_value, f"{where}.{sub.name}")
    return out or None


def coerce_value(attr: Attribute, value: Any, where: str) -> Any:
    """Check a whole attribute value (single or multi-valued); None means unassigned."""
    if value is None:
        return None
    coerce = coerce_complex if attr.is_complex else coerce_scalar
    if not attr.multi_valued:
        return coerce(attr, value, where)
    if not isinstance(value, list):
        raise _wrong(where, f"an array of {attr.name} values", value)
    items = []
    for i, item in enumerate(value):
        # A null element, or an object whose members are all null, is no value (RFC 7643 §2.5).
        if item is not None and (coerced := coerce(attr, item, f"{where}[{i}]")) is not None:
            items.append(coerced)
    _check_primary(attr, items, where)
    return items


def _check_primary(attr: Attribute, items: list[Any], where: str) -> None:
    """RFC 7643 §2.4: ``primary: true`` appears at most once in a multi-valued attribute."""
    primaries = [i for i in items if isinstance(i, dict) and i.get("primary") is True]
    if len(primaries) > 1:
        raise InvalidValue(f"{where} has {len(primaries)} values marked primary; at most one may be")


def extension_attributes(schema: Schema, value: Any, where: str) -> dict[str, Any]:
    """The attributes of an extension object, without a ``schemas`` key naming the extension.

    RFC 7644 §3.5.2: a path (or key) that is the extension URN addresses the extension object;
    clients that serialise the extension as a resource add ``schemas`` to it, which is not an
    attribute of the extension. It is accepted when it names this extension only.
    """
    if not isinstance(value, dict):
        raise _wrong(where, "an object of extension attributes", value)
    key = next((k for k in value if k.lower() == "schemas"), None)
    if key is None:
        return value
    named = value[key]
    if not isinstance(named, list) or any(
        not isinstance(u, str) or u.lower() != schema.id.lower() for u in named
    ):
        raise InvalidValue(
            f"{where}.{key} inside the {schema.name} extension object may only list '{schema.id}'; "
            "remove it or list the extension URN"
        )
    return {k: v for k, v in value.items() if k != key}


def coerce_extension(schema: Schema, value: Any, where: str) -> dict[str, Any]:
    """Check the object stored under an extension URN key."""
    out: dict[str, Any] = {}
    for key, sub_value in extension_attributes(schema, value, where).items():
        attr = schema.attribute(key)
        if attr is None:
            raise InvalidValue(f"{where}.{key} is not an attribute of {schema.name} ({schema.id})")
        if attr.read_only:
            continue
        coerced = coerce_value(attr, sub_value, f"{where}.{attr.name}")
        if coerced is not None:
            out[attr.name] = coerced
    return out


def _declared(body: dict[str, Any], rtype: ResourceType) -> list[str]:
    """Validate ``schemas`` and return it; the core schema URN must be listed when present."""
    schemas = body.get("schemas")
    if schemas is None:
        return [rtype.schema.id]
    if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
        raise _wrong("schemas", "an array of schema URN strings", schemas)
    if rtype.schema.id.lower() not in (s.lower() for s in schemas):
        raise InvalidValue(f"schemas must include '{rtype.schema.id}' for a {rtype.name}")
    return schemas


def normalize_resource(
    body: Any, rtype: ResourceType, *, custom_extensions: bool = True
) -> tuple[dict[str, Any], str | None]:
    """Validate a POST/PUT body; return (resource to store, password or None)."""
    if not isinstance(body, dict):
        raise _wrong("the request body", f"a JSON object (a {rtype.name} resource)", body)
    declared = _declared(body, rtype)
    out: dict[str, Any] = {}
    password = None
    secret = rtype.attribute("password")
    for key, value in _core_members(body, rtype):
        low = key.lower()
        if low == "password" and secret is not None:
            password = coerce_scalar(secret, value, "password") if value is not None else None
        elif low not in _IGNORED_ON_INPUT:
            _place(out, key, low, value, rtype, declared, custom_extensions)
    _check_required(out, rtype, declared)
    out["schemas"] = _schemas_for(out, rtype)
    return out, password


def _core_members(body: dict[str, Any], rtype: ResourceType) -> list[tuple[str, Any]]:
    """The body's members with core attributes under their plain names: ``urn:...:User:password``
    is ``password``, and the members of an object under the core schema's own URN are core
    attributes (RFC 7644 §3.10), so a password sent either way is read as the password and
    never stored as data."""
    core = rtype.schema.id.lower()
    prefix = core + ":"
    members: list[tuple[str, Any]] = []
    for key, value in body.items():
        if key[:1].lower() != core[:1]:  # the common case: a plain attribute name
            members.append((key, value))
        elif (low := key.lower()) == core and isinstance(value, dict):
            members += [(inner, item) for inner, item in value.items() if inner.lower() != "schemas"]
        elif low.startswith(prefix):
            members.append((key[len(prefix) :], value))
        else:
            members.append((key, value))
    return members


def _place(
    out: dict[str, Any],
    key: str,
    low: str,
    value: Any,
    rtype: ResourceType,
    declared: list[str],
    custom: bool,
) -> None:
    """Validate one top-level key of a body (``low``: its lower-case form) and store it in ``out``
    under its canonical name."""
    named = rtype.top_level.get(low)
    if isinstance(named, Schema):
        coerced = coerce_extension(named, value, named.id) if value is not None else {}
        if coerced:
            out.setdefault(named.id, {}).update(coerced)
        return
    if named is None:
        if low.startswith("urn:"):
            _place_urn(out, key, value, rtype, declared, custom)
            return
        raise InvalidValue(
            f"'{key}' is not an attribute of the {rtype.name} schema; remove it, or put custom "
            "attributes under an extension schema URN listed in 'schemas'"
        )
    coerced = coerce_value(named, value, named.name)
    if coerced is not None and not named.read_only:
        out[named.name] = coerced


def _place_urn(
    out: dict[str, Any], key: str, value: Any, rtype: ResourceType, declared: list[str], custom: bool
) -> None:
    """Handle ``urn:...:Ext:attr`` keys and objects of custom (undeclared) extension schemas."""
    urn, _, name = key.rpartition(":")
    ext = rtype.extension(urn)
    if ext is not None and ext.attribute(name) is not None:
        coerced = coerce_extension(ext, {name: value}, ext.id)
        out.setdefault(ext.id, {}).update(coerced)
        return
    if custom and isinstance(value, dict) and key.lower() in (s.lower() for s in declared):
        out[key] = value  # A custom extension (Okta attribute mappings); kept opaque.
        return
    raise InvalidValue(
        f"'{key}' is not a known schema extension for {rtype.name}; list it in 'schemas' and send "
        "its attributes as an object"
    )


def _check_required(resource: dict[str, Any], rtype: ResourceType, declared: list[str]) -> None:
    """Every required attribute must have a non-empty value (RFC 7643 §2.2 ``required``).

    An extension's required attributes apply to a resource that carries the extension: its
    object is present or its URN is listed in ``schemas`` (the extensions are optional for
    the resource type, RFC 7643 §6 ``schemaExtensions.required`` false).
    """
    for attr in rtype.schema.required:
        if resource.get(attr.name) in (None, "", []):
            raise InvalidValue(f"{attr.name} is required for a {rtype.name} and must not be empty")
    listed = {urn.lower() for urn in declared}
    for ext, _ in rtype.extensions:
        values = resource.get(ext.id)
        if values is None and ext.id.lower() not in listed:
            continue
        for attr in ext.required:
            if (values or {}).get(attr.name) in (None, "", []):
                raise InvalidValue(
                    f"{ext.id}:{attr.name} is required for a {rtype.name} that carries the {ext.name} "
                    f"extension; send it, or leave '{ext.id}' out of schemas"
                )


def keep_immutable(current: dict[str, Any], new: dict[str, Any], rtype: ResourceType) -> None:
    """A replacement (PUT) may not change an immutable extension attribute once it is set
    (RFC 7643 §7, RFC 7644 §3.5.1); one it leaves out keeps its stored value."""
    for urn, name in rtype.immutable():
        old = (current.get(urn) or {}).get(name)
        if old is None:
            continue
        given = (new.get(urn) or {}).get(name)
        if given is None:
            new.setdefault(urn, {})[name] = old
        elif given != old:
            raise Mutability(f"{urn}:{name} is immutable: it is {old!r} and cannot become {given!r}")
    new["schemas"] = _schemas_for(new, rtype)


def _schemas_for(resource: dict[str, Any], rtype: ResourceType) -> list[str]:
    """The ``schemas`` value: the core URN, then each extension present in the resource."""
    urns = [rtype.schema.id]
    urns += [key for key in resource if key.lower().startswith("urn:")]
    return urns
