"""Serving a WSGI app with werkzeug's threaded server, in the foreground or a background thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

access_log = logging.getLogger("mockscim.access")
_CONTROL_CHARS = str.maketrans({c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]})


class QuietHandler(WSGIRequestHandler):
    """Send werkzeug's per-request lines to the ``mockscim.access`` logger, not stderr."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """One line per request: method, path, status."""
        # ``path`` is unset when the request line was refused (414); escape control characters
        # so a crafted path cannot forge log lines or terminal escapes.
        path = vars(self).get("path")
        line = f"{self.command} {path}" if path is not None else vars(self).get("requestline", "-")
        access_log.info("%s %s", line.translate(_CONTROL_CHARS), code)

    def version_string(self) -> str:
        """The ``Server`` header: no library or Python versions (hardening issue)."""
        return "mockscim"

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's name
        """Route werkzeug's other messages to our logger too."""
        access_log.log(logging.ERROR if type == "error" else logging.INFO, message, *args)


def build_server(app: Any, host: str, port: int) -> BaseWSGIServer:
    """A multi-threaded server bound to host:port (port 0 picks a free port)."""
    return make_server(host, port, app, threaded=True, request_handler=QuietHandler)


@dataclass
class BackgroundServer:
    """A server running in a daemon thread; ``url`` is its root, ``stop()`` shuts it down."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The port actually bound."""
        return self.server.server_port

    @property
    def url(self) -> str:
        """``http://host:port`` of the server."""
        host = self.server.server_address[0]
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_background(app: Any, host: str = "127.0.0.1", port: int = 0) -> BackgroundServer:
    """Start ``app`` on a loopback port in a daemon thread and return a handle."""
    server = build_server(app, host, port)
    # A short poll interval makes stop() return quickly (the default waits up to 0.5 s).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="mockscim-server", daemon=True
    )
    thread.start()
    return BackgroundServer(server, thread)
