"""The current request's headers and query, read straight from the WSGI environ.

Every SCIM request is recorded with its headers and query; werkzeug's lazy views of them
(``request.headers``, ``request.args``) cost several times more to list, on every request.
"""

from __future__ import annotations

from typing import Any

from mockscim.server.context import current_request

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
    """The query's (name, value) pairs in order; an empty query string is not parsed at all."""
    request = current_request()
    return list(request.args.items(multi=True)) if request.environ.get("QUERY_STRING") else []
