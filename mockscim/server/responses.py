"""Building SCIM HTTP responses: media type, ETags and URLs derived from the request."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask import request

from mockscim.constants import SCIM_MEDIA_TYPE
from mockscim.server.state import get_state


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialize ``body`` as ``application/scim+json`` (RFC 7644 §8.1)."""
    payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    response = Response(payload, status=status, content_type=SCIM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def base_url() -> str:
    """The public SCIM base URL: ``--public-url`` if set, else the request's own host and scheme.

    ``Host`` and ``X-Forwarded-*`` are used only as the request presents them after the
    ``--trust-proxy`` middleware, so forwarded headers cannot poison URLs unless asked for.
    """
    settings = get_state().settings
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return request.url_root.rstrip("/") + settings.base_path  # url_root keeps /t/{tenant}


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
