"""The request body, read and parsed once per request and shared by every reader.

Inspection (the journal, strict mode, fault matching) and the views (``read_json``) see the
same parse: media type, size and syntax errors are decided here (RFC 7644 §3.1, §3.12). The
admin API's body helpers live here too, so blueprints never reach into each other.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.exceptions import RequestEntityTooLarge

from mockscim import jsontext
from mockscim.errors import InvalidSyntax
from mockscim.errors import InvalidValue
from mockscim.errors import PayloadTooLarge
from mockscim.errors import ScimError
from mockscim.errors import UnsupportedMediaType
from mockscim.server.context import current_request
from mockscim.server.context import scope

JSON_TYPES = ("application/scim+json", "application/json")
# Content-Type values as Okta and most clients write them, and their media type: read without
# werkzeug's header parser (about a tenth of a write's request handling before the view).
_USUAL_TYPES = {
    f"{media}{params}": media
    for media in JSON_TYPES
    for params in ("", "; charset=utf-8", "; charset=UTF-8", ";charset=utf-8", ";charset=UTF-8")
}


class RequestBody:
    """The current request's body: its bytes (None above ``--max-body``) and one lazy parse."""

    def __init__(self) -> None:
        self.too_large: RequestEntityTooLarge | None = None
        request = current_request()
        if _declares_no_body(request.environ):
            self.raw: bytes | None = b""  # a GET or DELETE: werkzeug would wrap the stream to read nothing
            return
        length = _plain_length(request.environ)
        limit = request.max_content_length
        if length is not None and (limit is None or length <= limit):
            self.raw = _read_exactly(request.environ["wsgi.input"], length)
            request._cached_data = self.raw  # werkzeug's cache: request.get_data() gives these bytes
            return
        try:
            self.raw = request.get_data(cache=True)  # capped by MAX_CONTENT_LENGTH
        except RequestEntityTooLarge as exc:
            self.raw, self.too_large = None, exc

    @property
    def size(self) -> int:
        """The body's length in bytes (the declared length when it was too large to read)."""
        return len(self.raw) if self.raw is not None else current_request().content_length or 0

    @cached_property
    def parsed(self) -> tuple[Any, ScimError | None]:
        """(JSON value, None), or (None, why the edge refuses it); parsed on first use only.

        ``jsontext.loads`` is the one reader: strict UTF-8, bounded nesting, no lone surrogates.
        """
        return parse_json(self.raw or b"")

    def parsed_already(self) -> tuple[Any, ScimError | None] | None:
        """The parse, if something has asked for it; None otherwise (nothing is parsed here)."""
        return self.__dict__.get("parsed")


def parse_json(raw: bytes) -> tuple[Any, ScimError | None]:
    """(JSON value, None), or (None, why the edge refuses it): the one parse of a request body,
    here and when the journal's completer parses the bytes it kept."""
    try:
        return jsontext.loads(raw), None
    except ScimError as exc:
        return None, exc


def _declares_no_body(environ: dict[str, Any]) -> bool:
    """True when the request has no body: no length (or 0) and not chunked (RFC 9112 §6.3).

    waitress turns a chunked body into one with a ``CONTENT_LENGTH``; other servers pass
    ``Transfer-Encoding`` on, and then the body is read as werkzeug reads it."""
    return environ.get("CONTENT_LENGTH") in (None, "", "0") and "HTTP_TRANSFER_ENCODING" not in environ


def _plain_length(environ: dict[str, Any]) -> int | None:
    """The declared Content-Length of a body that is not chunked, else None (werkzeug decides).

    Such a body is read straight from the server's stream: werkzeug's reader wraps it in a
    limited stream first, which took a third of the time a PUT spent reading its body."""
    length = environ.get("CONTENT_LENGTH")
    if not length or not length.isascii() or not length.isdigit() or "HTTP_TRANSFER_ENCODING" in environ:
        return None
    return int(length)


def _read_exactly(stream: Any, length: int) -> bytes:
    """``length`` bytes from ``stream``; a client that sent fewer is gone (as werkzeug says it)."""
    data = stream.read(length)
    while len(data) < length:  # a server may hand the body over in pieces
        more = stream.read(length - len(data))
        if not more:
            raise ClientDisconnected()
        data += more
    return data


def request_body() -> RequestBody:
    """The current request's body, read once and cached for the request."""
    g = scope()
    body = g.get("mockscim_body")
    if body is None:
        body = g.mockscim_body = RequestBody()
    return body


def _cut_at_limit(data: bytes) -> bool:
    """True for a streamed (chunked) body that goes on past the limit: werkzeug stops reading
    it at the limit instead of refusing it, which would turn a 413 into a 400 for bad JSON."""
    request = current_request()
    limit = request.max_content_length
    if limit is None or len(data) < limit or request.content_length is not None:
        return False  # the length first: werkzeug parses Content-Length on every read of it
    return bool(request.environ["wsgi.input"].read(1))


def read_json() -> Any:
    """The request body as JSON; raise 415 for other media types, 413 above the limit, 400 for bad JSON."""
    request = current_request()
    mimetype = _USUAL_TYPES.get(request.environ.get("CONTENT_TYPE", "")) or request.mimetype
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
    if error is not None:
        raise error
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
    raise InvalidValue(f"{name} must be true or false, not {str(value)[:40]!r}")


_INTEGER = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only: int() also reads "٣", and not "²"


def integer(value: Any, name: str, *, minimum: int | None = None) -> int | None:
    """Read an optional integer parameter: ASCII digits (at most 18) at or above ``minimum``.

    Anything else is a 400 naming the parameter, never a 500 (``int("²")`` raises, and
    ``"²".isdigit()`` is true) and never a silent reading of other scripts' digits.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise InvalidValue(f"{name} must be an integer, not {type(value).__name__}")
    if not _INTEGER.fullmatch(text):
        raise InvalidValue(f"{name} must be an integer of at most 18 ASCII digits, not {text[:40]!r}")
    number = int(text)
    if minimum is not None and number < minimum:
        raise InvalidValue(f"{name} must be at least {minimum}, not {number}")
    return number


def entry_bound(value: str | None, name: str) -> int | str | None:
    """A journal bound: an entry id (ASCII digits) or an ISO 8601 time such as ``2026-11-28T10:00:00Z``."""
    if value is None or _INTEGER.fullmatch(value):
        return integer(value, name, minimum=0)
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValue(
            f"{name} must be a journal entry id or an ISO 8601 time such as 2026-11-28T10:00:00Z, not {value[:40]!r}"
        ) from None
    return value
