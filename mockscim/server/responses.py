"""Building SCIM HTTP responses: media type, ETags and URLs derived from the request."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from flask import Response
from werkzeug.sansio.utils import get_host

from mockscim import jsontext
from mockscim.constants import SCIM_MEDIA_TYPE
from mockscim.server.context import current_request
from mockscim.server.state import get_state

# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text;
# the header is a comma-separated list of them (§13.1.1). Our versions are at most 18 digits.
_ENTITY_TAG = re.compile(r'[ \t]*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)')
_VERSION = re.compile(r"[0-9]{1,18}")
MAX_ETAG_HEADER = 1024


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialize ``body`` as ``application/scim+json`` (RFC 7644 §8.1); bytes are sent as they are."""
    # Compact: an import page of 100 users is about 10% smaller without the spaces.
    payload = b"" if body is None else body if isinstance(body, bytes) else jsontext.encode(body)
    response = Response(payload, status=status, content_type=SCIM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def base_url() -> str:
    """The public SCIM base URL: ``--public-url`` if set, else the address the server is bound to.

    The client's ``Host`` header (and ``X-Forwarded-*``, which ProxyFix copies into it) is used
    only with ``--trust-proxy``: otherwise anyone could make ``meta.location`` and ``Location``
    point at a host of their choosing (Host header poisoning).
    """
    settings, request = get_state().settings, current_request()
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if settings.trust_proxy:
        return request.url_root.rstrip("/") + settings.base_path  # url_root keeps /t/{tenant}
    environ = request.environ
    bound = (environ["SERVER_NAME"], int(environ["SERVER_PORT"]))
    return (
        f"{request.scheme}://{get_host(request.scheme, None, bound)}{request.script_root}{settings.base_path}"
    )


_LEADING_SLASHES = re.compile(r"^/{2,}")


def relative_redirect(response: Response) -> Response:
    """Make a redirect's ``Location`` relative (RFC 9110 §10.2.2 allows it).

    werkzeug builds the absolute URL of its own redirects (``/__admin`` -> ``/__admin/``) from
    the client's ``Host``, so anyone could make the server point a browser at another host. A
    leading ``//`` would read as another host too, so it is cut to one slash.
    """
    if not 300 <= response.status_code < 400:  # first: reading a header costs more
        return response
    location = response.headers.get("Location")
    if location is None:
        return response
    try:
        parts = urlsplit(location)
    except ValueError:  # a Host that is no host ("[") made werkzeug build a URL that cannot be split
        parts = urlsplit("/" + location.partition("://")[2].partition("/")[2])
    path = _LEADING_SLASHES.sub("/", parts.path) or "/"
    response.headers["Location"] = urlunsplit(("", "", path, parts.query, parts.fragment))
    return response


def etag(version: int) -> str:
    """A weak ETag from the integer version (RFC 7644 §3.14)."""
    return f'W/"{version}"'


def parse_etag(header: str | None) -> None | str | frozenset[int]:
    """Read If-Match/If-None-Match: None if absent, ``"*"`` for any, else the versions it names.

    RFC 9110 §13.1.1 makes both a list of entity-tags (§8.8.3: ``[W/]"opaque"``). Only tags of
    our own form ``W/"n"`` (or ``"n"``; compared weakly, as RFC 7644 §3.14 uses weak ETags) name
    a version. A malformed or over-long header names none: it matches no version, so If-Match
    answers 412 and If-None-Match serves the resource, and nothing is ever parsed unbounded.
    """
    if header is None:
        return None
    text = header.strip()
    if text == "*":
        return "*"
    if len(text) > MAX_ETAG_HEADER:
        return frozenset()
    versions: set[int] = set()
    position = 0
    while position < len(text):
        match = _ENTITY_TAG.match(text, position)
        if match is None:
            return frozenset()
        if _VERSION.fullmatch(match.group(1)):
            versions.add(int(match.group(1)))
        position = match.end()
    return frozenset(versions)
