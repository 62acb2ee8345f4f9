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
    """Complete the store's view ``record`` for the wire, in place (a view is a new dict made for
    its caller): meta gains location and the W/"n" version, groups their ``$ref``."""
    # In place, not a copy: an import page renders 100 of these (docs/performance.md). The view
    # comes in the client's order already: schemas and id first, meta last.
    out, meta = record, record["meta"]
    rid = out["id"]
    if "schemas" not in out:
        out = {"schemas": [rtype.schema.id]} | out
    out["meta"] = {**meta, "location": f"{base}{rtype.endpoint}/{rid}", "version": etag(meta["version"])}
    for urn, name in rtype.never_returned:  # writeOnly extension attributes (RFC 7643 §7)
        if isinstance(out.get(urn), dict) and name in out[urn]:
            out[urn] = {k: v for k, v in out[urn].items() if k != name}
            if not out[urn]:
                del out[urn]
    for group in out.get("groups", ()):  # the view's own dicts (derived for it, never stored)
        group["$ref"] = f"{base}/Groups/{group['value']}"
    if search is not None and (search.attributes or search.excluded):
        out = project(out, rtype, search.attributes, search.excluded)
    return out
