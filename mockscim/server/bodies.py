"""Reading JSON request bodies safely: media type, size, syntax (RFC 7644 §3.1, §3.12)."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from mockscim.errors import InvalidSyntax
from mockscim.errors import UnsupportedMediaType

JSON_TYPES = ("application/scim+json", "application/json")


def _reject_constant(name: str) -> Any:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{name} is not valid JSON")


def read_json() -> Any:
    """Parse the request body as JSON; raise 415 for other media types, 400 for bad JSON."""
    mimetype = request.mimetype
    if mimetype and mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Content-Type {mimetype!r} is not supported; send application/scim+json or application/json"
        )
    data = request.get_data(cache=True)  # Size is capped by MAX_CONTENT_LENGTH (413).
    if not data.strip():
        raise InvalidSyntax("the request body is empty; send a JSON object")
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except RecursionError:
        raise InvalidSyntax("the request body nests too deeply to parse") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSyntax(f"the request body is not valid JSON: {exc}") from None
