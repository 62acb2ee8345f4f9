"""Render stored records for the wire: URLs, ETag versions, projection, attribute order."""

from __future__ import annotations

from typing import Any

from mockscim.scim.projection import project
from mockscim.scim.query import SearchRequest
from mockscim.scim.schema import ResourceType
from mockscim.server.responses import etag


def render(
    record: dict[str, Any], rtype: ResourceType, base: str, search: SearchRequest | None = None
) -> dict[str, Any]:
    """Return the client view: schemas and id first, meta with location and W/"n" version last."""
    out: dict[str, Any] = {"schemas": record.get("schemas", [rtype.schema.id]), "id": record["id"]}
    out.update((k, v) for k, v in record.items() if k not in ("schemas", "id", "meta"))
    meta = dict(record["meta"])
    meta["location"] = f"{base}{rtype.endpoint}/{record['id']}"
    meta["version"] = etag(meta["version"])
    out["meta"] = meta
    for urn, name in rtype.never_returned():  # writeOnly extension attributes (RFC 7643 §7)
        if isinstance(out.get(urn), dict) and name in out[urn]:
            out[urn] = {k: v for k, v in out[urn].items() if k != name}
            if not out[urn]:
                del out[urn]
    for group in out.get("groups", []):
        group["$ref"] = f"{base}/Groups/{group['value']}"
    if search is not None and (search.attributes or search.excluded):
        out = project(out, rtype, search.attributes, search.excluded)
    return out
