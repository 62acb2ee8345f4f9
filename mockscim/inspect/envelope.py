"""The request envelope: the plain-dict view of a request that ``okta/*`` schemas validate."""

from __future__ import annotations

from typing import Any

from mockscim import jsontext
from mockscim.errors import ScimError
from mockscim.inspect.masking import mask_body
from mockscim.inspect.masking import mask_headers
from mockscim.inspect.masking import mask_query
from mockscim.inspect.masking import mask_text

# Bodies above this size are recorded as a note, not in full (the journal stays bounded).
DEFAULT_BODY_LIMIT = 64 * 1024


def parse_body(raw: bytes, limit: int = DEFAULT_BODY_LIMIT) -> tuple[Any, str | None]:
    """Return (JSON value or None, problem). Bodies that are not JSON are kept as masked text."""
    if not raw:
        return None, None
    if len(raw) > limit:
        return {"_truncated": True, "size": len(raw)}, None
    try:
        return jsontext.loads(raw, what="the body"), None
    except ScimError as exc:
        return mask_text(raw.decode("utf-8", errors="replace")), exc.detail.removeprefix("the body is ")[:200]


def make_envelope(
    method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
) -> dict[str, Any]:
    """Build a masked envelope: ``path`` relative to the SCIM base path, header names lower-case."""
    return {
        "method": method.upper(),
        "path": path or "/",
        "query": mask_query(query),
        "headers": mask_headers(headers),
        "body": mask_body(body),
    }


def first_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Map each query parameter to its first value (Okta never repeats a parameter)."""
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out
