"""WSGI middleware that runs before routing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

_SLASHES = re.compile(r"/{2,}")
RAW_PATH_KEY = "mockscim.raw_path"


class PathNormalizer:
    """Collapse ``//`` in the path: Okta joins a base URL that ends in '/' as ``//Users``
    (docs/okta-reference.md §2.1, UNCONFIRMED), and a redirect would lose PUT/PATCH bodies.
    The original path is kept in the environ so the journal can flag it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Rewrite PATH_INFO when it has repeated slashes, then call the app."""
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            environ[RAW_PATH_KEY] = path
            environ["PATH_INFO"] = _SLASHES.sub("/", path)
        return self.app(environ, start_response)


_TENANT_PATH = re.compile(r"^/t/([^/]+)(/.*)?$")


class TenantDispatcher:
    """Route ``/t/{tenant}/rest`` to the app as ``/rest`` with the tenant in the environ.

    The prefix moves to SCRIPT_NAME, so URLs the app builds (``meta.location``) keep it.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], key: str):
        self.app = app
        self.key = key

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Strip and record the tenant prefix, then call the app."""
        match = _TENANT_PATH.match(environ.get("PATH_INFO", ""))
        if match:
            environ[self.key] = match.group(1)
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + f"/t/{match.group(1)}"
            environ["PATH_INFO"] = match.group(2) or "/"
        return self.app(environ, start_response)


CLOSE_KEY = "mockscim.close_connection"
# Set by the server (``serving.py``): close this request's connection without answering, and
# whether the client has hung up (so a fault's sleep can end when nobody waits for it).
DROP_KEY = "mockscim.drop_connection"
GONE_KEY = "mockscim.client_gone"
# Set by the server: this request is about to wait (a fault's sleep, a paced body, an event
# stream), so a new worker may take requests in its place (connections.Dispatcher).
STEP_ASIDE_KEY = "mockscim.step_aside"


class ConnectionCloser:
    """Close the client connection without any response when a fault asks for it.

    The server puts a callable under ``DROP_KEY`` that makes it send nothing for this request
    and close the connection; under a server without it (Flask's test client) the placeholder
    response is answered instead.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Run the app; if it flagged the request, drop the connection instead of answering."""
        result = self.app(environ, start_response)
        drop = environ.get(DROP_KEY)
        if not environ.get(CLOSE_KEY) or drop is None:
            return result
        if hasattr(result, "close"):
            result.close()
        drop()
        return []


TRICKLE_KEY = "mockscim.trickle_bps"


class BodyTrickler:
    """Send the body a few bytes at a time when a ``trickle`` fault asks for it.

    Pacing happens here, as the server writes, so every after-request hook (the journal
    included) sees the whole body; ``Content-Length`` stays that of the whole body.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Run the app; pace its body if the request was flagged."""
        result = self.app(environ, start_response)
        per_second = environ.get(TRICKLE_KEY)
        if not per_second:
            return result
        step_aside(environ)
        return _paced(result, per_second)


def step_aside(environ: dict[str, Any]) -> None:
    """Tell the server the request is about to wait (a no-op on a server that does not ask)."""
    aside = environ.get(STEP_ASIDE_KEY)
    if aside is not None:
        aside()


def _paced(result: Iterable[bytes], per_second: int) -> Iterator[bytes]:
    """Yield ``result`` in slices of a tenth of ``per_second`` bytes, one slice per tenth of a second."""
    step = max(1, per_second // 10)
    try:
        for chunk in result:
            for start in range(0, len(chunk), step):
                yield chunk[start : start + step]
                time.sleep(min(step, len(chunk) - start) / per_second)
    finally:
        if hasattr(result, "close"):
            result.close()
