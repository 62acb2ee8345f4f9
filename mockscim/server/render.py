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
    # C-level merges instead of a loop over the keys: an import page renders 100 of these
    # (docs/performance.md). ``record``'s values replace the two placeholders where it has them.
    rid, meta = record["id"], record["meta"]
    out: dict[str, Any] = {"schemas": [rtype.schema.id], "id": rid} | record
    del out["meta"]  # then written last
    out["meta"] = {**meta, "location": f"{base}{rtype.endpoint}/{rid}", "version": etag(meta["version"])}
    for urn, name in rtype.never_returned:  # writeOnly extension attributes (RFC 7643 §7)
        if isinstance(out.get(urn), dict) and name in out[urn]:
            out[urn] = {k: v for k, v in out[urn].items() if k != name}
            if not out[urn]:
                del out[urn]
    if "groups" in out:
        out["groups"] = [{**group, "$ref": f"{base}/Groups/{group['value']}"} for group in out["groups"]]
    if search is not None and (search.attributes or search.excluded):
        out = project(out, rtype, search.attributes, search.excluded)
    return out
