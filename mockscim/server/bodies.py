"""The request body, read and parsed once per request and shared by every reader.

Inspection (the journal, strict mode, fault matching) and the views (``read_json``) see the
same parse: media type, size and syntax errors are decided here (RFC 7644 §3.1, §3.12). The
admin API's body helpers live here too, so blueprints never reach into each other.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from flask import g
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from mockscim.errors import InvalidSyntax
from mockscim.errors import InvalidValue
from mockscim.errors import PayloadTooLarge
from mockscim.errors import UnsupportedMediaType

JSON_TYPES = ("application/scim+json", "application/json")


def _reject_constant(name: str) -> Any:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{name} is not valid JSON")


class RequestBody:
    """The current request's body: its bytes (None above ``--max-body``) and one lazy parse."""

    def __init__(self) -> None:
        self.too_large: RequestEntityTooLarge | None = None
        try:
            self.raw: bytes | None = request.get_data(cache=True)  # capped by MAX_CONTENT_LENGTH
        except RequestEntityTooLarge as exc:
            self.raw, self.too_large = None, exc

    @property
    def size(self) -> int:
        """The body's length in bytes (the declared length when it was too large to read)."""
        return len(self.raw) if self.raw is not None else request.content_length or 0

    @cached_property
    def parsed(self) -> tuple[Any, Exception | None]:
        """(JSON value, None), or (None, the parser's error); parsed on first use only."""
        try:
            return json.loads(self.raw or b"", parse_constant=_reject_constant), None
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            return None, exc


def request_body() -> RequestBody:
    """The current request's body, read once and cached for the request."""
    if "mockscim_body" not in g:
        g.mockscim_body = RequestBody()
    return g.mockscim_body


def _cut_at_limit(data: bytes) -> bool:
    """True for a streamed (chunked) body that goes on past the limit: werkzeug stops reading
    it at the limit instead of refusing it, which would turn a 413 into a 400 for bad JSON."""
    limit = request.max_content_length
    if limit is None or request.content_length is not None or len(data) < limit:
        return False
    return bool(request.environ["wsgi.input"].read(1))


def read_json() -> Any:
    """The request body as JSON; raise 415 for other media types, 413 above the limit, 400 for bad JSON."""
    mimetype = request.mimetype
    if mimetype and mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Content-Type {mimetype!r} is not supported; send application/scim+json or application/json"
        )
    body = request_body()
    if body.too_large is not None:
        raise body.too_large
    data = body.raw or b""
    if _cut_at_limit(data):
        raise PayloadTooLarge(
            f"the request body is larger than the limit of {request.max_content_length} bytes"
        )
    if not data.strip():
        raise InvalidSyntax("the request body is empty; send a JSON object")
    value, error = body.parsed
    if isinstance(error, RecursionError):
        raise InvalidSyntax("the request body nests too deeply to parse")
    if error is not None:
        raise InvalidSyntax(f"the request body is not valid JSON: {error}")
    return value


def json_object(*, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object body; an absent body is ``{}`` when ``optional``."""
    body = request_body()
    if optional and body.raw is not None and not body.raw.strip():
        return {}
    body = read_json()
    if not isinstance(body, dict):
        raise InvalidValue("the admin API expects a JSON object body")
    return body


def flag(value: Any, name: str) -> bool | None:
    """Read a boolean from a query string or JSON body."""
    if value is None or isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes"):
        return True
    if str(value).lower() in ("false", "0", "no"):
        return False
    raise InvalidValue(f"{name} must be true or false, not {value!r}")


def integer(value: Any, name: str) -> int | None:
    """Read an optional integer parameter."""
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidValue(f"{name} must be an integer, not {value!r}") from None
