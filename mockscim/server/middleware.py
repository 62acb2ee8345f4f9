"""WSGI middleware that runs before routing."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

_SLASHES = re.compile(r"/{2,}")
RAW_PATH_KEY = "mockscim.raw_path"


class PathNormalizer:
    """Collapse ``//`` in the path: Okta joins a base URL that ends in '/' as ``//Users``
    (wire reference §2.1, UNCONFIRMED), and a redirect would lose PUT/PATCH bodies.
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
