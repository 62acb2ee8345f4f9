"""Reading JSON request bodies safely: media type, size, syntax (RFC 7644 §3.1, §3.12)."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from mockscim.errors import InvalidSyntax
from mockscim.errors import PayloadTooLarge
from mockscim.errors import UnsupportedMediaType

JSON_TYPES = ("application/scim+json", "application/json")


def _reject_constant(name: str) -> Any:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{name} is not valid JSON")


def _cut_at_limit(data: bytes) -> bool:
    """True for a streamed (chunked) body that goes on past the limit: werkzeug stops reading
    it at the limit instead of refusing it, which would turn a 413 into a 400 for bad JSON."""
    limit = request.max_content_length
    if limit is None or request.content_length is not None or len(data) < limit:
        return False
    return bool(request.environ["wsgi.input"].read(1))


def read_json() -> Any:
    """Parse the request body as JSON; raise 415 for other media types, 400 for bad JSON."""
    mimetype = request.mimetype
    if mimetype and mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Content-Type {mimetype!r} is not supported; send application/scim+json or application/json"
        )
    data = request.get_data(cache=True)  # Size is capped by MAX_CONTENT_LENGTH (413).
    if _cut_at_limit(data):
        raise PayloadTooLarge(
            f"the request body is larger than the limit of {request.max_content_length} bytes"
        )
    if not data.strip():
        raise InvalidSyntax("the request body is empty; send a JSON object")
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except RecursionError:
        raise InvalidSyntax("the request body nests too deeply to parse") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSyntax(f"the request body is not valid JSON: {exc}") from None
