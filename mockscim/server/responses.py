"""Building SCIM HTTP responses: media type, ETags and URLs derived from the request."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask import g
from flask import has_request_context
from flask import request
from werkzeug.sansio.utils import get_host

from mockscim.constants import SCIM_MEDIA_TYPE
from mockscim.server.state import get_state

# The body a view rendered and its bytes, so the journal records it without parsing it back.
RENDERED = "mockscim_rendered"


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialize ``body`` as ``application/scim+json`` (RFC 7644 §8.1)."""
    # Compact separators: an import page of 100 users is about 10% smaller and faster to encode.
    payload = b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(payload, status=status, content_type=SCIM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if has_request_context():
        setattr(g, RENDERED, (body, payload))
    return response


def base_url() -> str:
    """The public SCIM base URL: ``--public-url`` if set, else the address the server is bound to.

    The client's ``Host`` header (and ``X-Forwarded-*``, which ProxyFix copies into it) is used
    only with ``--trust-proxy``: otherwise anyone could make ``meta.location`` and ``Location``
    point at a host of their choosing (Host header poisoning; hardening issue).
    """
    settings = get_state().settings
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if settings.trust_proxy:
        return request.url_root.rstrip("/") + settings.base_path  # url_root keeps /t/{tenant}
    environ = request.environ
    bound = (environ["SERVER_NAME"], int(environ["SERVER_PORT"]))
    return (
        f"{request.scheme}://{get_host(request.scheme, None, bound)}{request.script_root}{settings.base_path}"
    )


def etag(version: int) -> str:
    """A weak ETag from the integer version (RFC 7644 §3.14)."""
    return f'W/"{version}"'


def parse_etag(header: str | None) -> int | None | str:
    """Read If-Match/If-None-Match: None if absent, ``"*"`` for any, -1 if unparseable."""
    if header is None:
        return None
    text = header.strip()
    if text == "*":
        return "*"
    text = text.removeprefix("W/").strip('"')
    return int(text) if text.isdigit() else -1
