"""The current request's headers and query, read straight from the WSGI environ.

Every SCIM request is recorded with its headers and query; werkzeug's lazy views of them
(``request.headers``, ``request.args``) cost several times more to list, on every request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" codec error handler

from mockscim.inspect.envelope import first_values
from mockscim.server.context import current_request
from mockscim.server.context import scope

# What werkzeug's EnvironHeaders lists besides the HTTP_* keys, and which HTTP_* keys it skips.
_CONTENT_KEYS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_SHADOWED_KEYS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def request_headers() -> dict[str, str]:
    """The request's headers, exactly as ``dict(request.headers)`` lists them, read from the WSGI
    environ in one pass (werkzeug's header view cost several times more, on every request)."""
    return headers_of(header_items(current_request().environ))


def header_items(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The environ's header keys and values as they are: what the journal keeps of the headers
    until it builds the entry (``headers_of`` names them then, off the request path)."""
    return [(k, v) for k, v in environ.items() if k.startswith("HTTP_") or k in _CONTENT_KEYS]


def headers_of(items: list[tuple[str, str]]) -> dict[str, str]:
    """Header names and values from ``header_items``, as ``dict(request.headers)`` lists them."""
    out = {}
    for key, value in items:
        if key.startswith("HTTP_"):
            if key not in _SHADOWED_KEYS:
                out[key[5:].replace("_", "-").title()] = value
        elif value:
            out[key.replace("_", "-").title()] = value
    return out


def query_pairs() -> list[tuple[str, str]]:
    """The query's (name, value) pairs in the order they came (werkzeug's ``request.args``
    holds the same pairs, grouped by name); parsed once per request, shared by the journal and
    the view."""
    g = scope()
    known: list[tuple[str, str]] | None = g.get("mockscim_query")
    if known is None:
        known = g.mockscim_query = _parsed_query(current_request())
    return known


def query_args() -> dict[str, str]:
    """Each query parameter's first value, as ``request.args[name]`` reads it."""
    return first_values(query_pairs())


def _parsed_query(request: Any) -> list[tuple[str, str]]:
    """The request's query pairs, its text read as UTF-8 as werkzeug reads it. Bytes that are
    not UTF-8 stay percent-encoded (werkzeug's ``args`` raised on them: a 500 for an app served
    by another WSGI server; mockscim's own server refuses a request target that is not ASCII)."""
    text = request.environ.get("QUERY_STRING", "")
    if not text.isascii():  # WSGI hands the query over as latin-1 text (PEP 3333)
        text = text.encode("latin-1", "replace").decode("utf-8", "werkzeug.url_quote")
    return parse_query(text) if text else []


def parse_query(text: str) -> list[tuple[str, str]]:
    """(name, value) pairs of a query string as werkzeug parses it (``urllib.parse.parse_qsl``
    keeping blank values, with werkzeug's handler for escapes that are not UTF-8), in about a
    third of the time: without parse_qsl's handling of bytes and options."""
    pairs = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((_unquoted(name), _unquoted(value)))
    return pairs


def _unquoted(text: str) -> str:
    """One name or value: ``+`` is a space, then %-escapes are decoded (RFC 3986 §2.1)."""
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text, errors="werkzeug.url_quote") if "%" in text else text
