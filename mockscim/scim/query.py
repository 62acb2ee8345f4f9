"""Search requests: pagination, sorting, projection and the ListResponse (RFC 7644 §3.4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from mockscim.constants import LIST_RESPONSE
from mockscim.constants import SEARCH_REQUEST
from mockscim.errors import InvalidSyntax
from mockscim.errors import InvalidValue
from mockscim.scim.filter import Expr
from mockscim.scim.filter import parse_filter
from mockscim.scim.filter import resolve_attribute
from mockscim.scim.paths import AttrPath
from mockscim.scim.paths import parse_attr_path
from mockscim.scim.projection import check_names
from mockscim.scim.schema import ResourceType


@dataclass(frozen=True)
class Limits:
    """Server limits that shape a search (RFC 7644 §3.4.2.4 and the ServiceProviderConfig)."""

    default_count: int = 100
    max_count: int = 1000
    filter_max_length: int = 4096
    filter_max_depth: int = 32


@dataclass(frozen=True)
class SearchRequest:
    """A parsed query: filter, 1-based start index, page size, sort and projection."""

    filter: Expr | None = None
    start_index: int = 1
    count: int = 100
    sort_by: AttrPath | None = None
    descending: bool = False
    attributes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


def _int_param(name: str, raw: Any) -> int:
    """Parse an integer query parameter; anything else is a 400 invalidValue."""
    if isinstance(raw, bool):
        raise InvalidValue(f"{name} must be an integer, not {raw!r}")
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        raise InvalidValue(f"{name} must be an integer, not {raw!r}") from None


def _names(raw: Any, param: str) -> tuple[str, ...]:
    """Split a comma-separated attribute list (query string) or accept a JSON array (body)."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return tuple(raw)
    raise InvalidValue(f"{param} must be a comma-separated string or an array of attribute names")


def build_search(params: Mapping[str, Any], limits: Limits) -> SearchRequest:
    """Build a SearchRequest from query parameters or a /.search body (same parameter names)."""
    lowered = {str(k).lower(): v for k, v in params.items()}
    start = _int_param("startIndex", lowered.get("startindex", 1))
    count = _int_param("count", lowered.get("count", limits.default_count))
    order = str(lowered.get("sortorder", "ascending")).lower()
    if order not in ("ascending", "descending"):
        raise InvalidValue(f"sortOrder must be 'ascending' or 'descending', not {order!r}")
    raw_filter = lowered.get("filter")
    if raw_filter is not None and not isinstance(raw_filter, str):
        raise InvalidValue("filter must be a string")
    sort_by = lowered.get("sortby")
    return SearchRequest(
        filter=parse_filter(
            raw_filter, max_length=limits.filter_max_length, max_depth=limits.filter_max_depth
        )
        if raw_filter is not None
        else None,
        # RFC 7644 §3.4.2.4: startIndex < 1 is read as 1, negative count as 0, and a count
        # above the maximum is clamped to it.
        start_index=max(start, 1),
        count=min(max(count, 0), limits.max_count),
        sort_by=parse_attr_path(sort_by) if isinstance(sort_by, str) and sort_by else None,
        descending=order == "descending",
        attributes=_names(lowered.get("attributes"), "attributes"),
        excluded=_names(lowered.get("excludedattributes"), "excludedAttributes"),
    )


def search_body_params(body: Any) -> dict[str, Any]:
    """Validate a POST /.search body (RFC 7644 §3.4.3) and return its parameters."""
    if not isinstance(body, dict):
        raise InvalidSyntax("a /.search body must be a JSON object (a SearchRequest)")
    schemas = body.get("schemas", [SEARCH_REQUEST])
    if not isinstance(schemas, list) or SEARCH_REQUEST not in schemas:
        raise InvalidValue(f"a /.search body must list '{SEARCH_REQUEST}' in 'schemas'")
    return {k: v for k, v in body.items() if k != "schemas"}


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    """Build a ListResponse; ``Resources`` is always present (docs/okta-reference.md §3, S14)."""
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def sort_key(rtype: ResourceType, path: AttrPath) -> Any:
    """Return a key function ordering resources by ``path``; missing values sort last."""
    container, attr = resolve_attribute(rtype, path)
    sub = path.sub or ("value" if attr.multi_valued and attr.is_complex else None)
    fold = not (attr.sub(sub).case_exact if sub and attr.sub(sub) else attr.case_exact)

    def key(resource: dict[str, Any]) -> tuple[int, Any]:
        value = _sort_value(resource, container, attr.name, sub)
        if value is None:
            return (1, "")
        if isinstance(value, str) and fold:
            value = value.casefold()
        return (0, value if isinstance(value, str | int | float) else str(value))

    return key


def _sort_value(resource: dict[str, Any], container: str | None, name: str, sub: str | None) -> Any:
    """The value to sort by; multi-valued attributes use the primary value, else the first."""
    holder = resource.get(container, {}) if container else resource
    value = holder.get(name) if isinstance(holder, dict) else None
    if isinstance(value, list):
        if not value:
            return None
        value = next((v for v in value if isinstance(v, dict) and v.get("primary")), value[0])
    if sub is not None:
        return value.get(sub) if isinstance(value, dict) else None
    return value


def sort_resources(
    resources: list[dict[str, Any]], rtype: ResourceType, path: AttrPath, *, descending: bool
) -> list[dict[str, Any]]:
    """Sort by ``path`` (RFC 7644 §3.4.2.3); resources without a value always come last."""
    key = sort_key(rtype, path)
    keyed = [(key(r), r) for r in resources]
    present = [pair for pair in keyed if pair[0][0] == 0]
    missing = [r for k, r in keyed if k[0] == 1]
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [r for _, r in present] + missing


def _applies(rtype: ResourceType, name: str) -> bool:
    """True when ``name`` is an attribute (or extension) of ``rtype``."""
    try:
        check_names(rtype, (name,))
    except InvalidValue:
        return False
    return True


def check_root_names(types: tuple[ResourceType, ...], names: tuple[str, ...]) -> None:
    """A root search's attribute names must each belong to at least one resource type."""
    for name in names:
        if not any(_applies(rtype, name) for rtype in types):
            kinds = ", ".join(rtype.name for rtype in types)
            raise InvalidValue(f"'{name}' is not an attribute of any resource type ({kinds}); check the list")


def for_resource_type(search: SearchRequest, rtype: ResourceType) -> SearchRequest:
    """The projection of a root search (RFC 7644 §3.4.3) as it applies to ``rtype``.

    Names of another type's attributes are left out (``members`` for a User). When none of the
    requested ``attributes`` apply, only what is always returned (id, schemas) is, RFC 7644 §3.9.
    """
    attributes = tuple(name for name in search.attributes if _applies(rtype, name))
    if search.attributes and not attributes:
        attributes = ("id",)
    excluded = tuple(name for name in search.excluded if _applies(rtype, name))
    return replace(search, attributes=attributes, excluded=excluded)
