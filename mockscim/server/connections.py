"""What mockscim changes in waitress's connection handling (``serving.py`` builds the server).

waitress reads every request, headers and body, in one event-loop thread and hands only complete
requests to the worker pool, so idle and slow sockets never hold a worker. On top of that:

- a request must arrive whole within ``request_timeout`` seconds of its first byte (else 408);
  a connection with nothing in flight is closed after ``idle_timeout`` seconds of silence;
- a request line over ``MAX_REQUEST_LINE`` is a 414, an HTTP version other than 1.0 or 1.1 a 505;
- every answer waitress makes itself (400 for broken framing such as a bad chunk size, 408, 413,
  414, 431, 501, 505, 500) is a SCIM Error body (RFC 7644 §3.12), logged like any request;
- the WSGI environ carries ``middleware.DROP_KEY`` (close the connection without answering, for
  the ``close`` fault) and ``middleware.GONE_KEY`` (has the client hung up?);
- fewer workers take requests than the pool may hold (``Dispatcher``): a request about to wait
  (a fault's sleep, a paced body, an event stream) steps aside through
  ``middleware.STEP_ASIDE_KEY`` and a new worker takes its place, up to the pool's size.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.receiver import ChunkedReceiver
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from waitress.task import ThreadedTaskDispatcher
from waitress.task import WSGITask
from waitress.utilities import BadRequest
from waitress.utilities import Error

from mockscim.constants import ERROR_SCHEMA
from mockscim.constants import SCIM_MEDIA_TYPE
from mockscim.server.middleware import DROP_KEY
from mockscim.server.middleware import GONE_KEY
from mockscim.server.middleware import STEP_ASIDE_KEY

access_log = logging.getLogger("mockscim.access")
_CONTROL_CHARS = str.maketrans({c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]})
MAX_REQUEST_LINE = 64 * 1024
MAX_CHUNK_LINE = 1024  # as http.server had it; a 70 KB filter in a query is a 414
_VERSIONS = ("1.0", "1.1")
# What the client should do about each answer waitress makes before the app sees the request.
_ADVICE = {
    400: "the request is not valid HTTP/1.1 ({reason}); check its request line, headers and framing",
    408: "the request did not arrive whole within {timeout} s of its first byte; send it at once",
    413: "the request body is too large ({reason})",
    414: "the request line is longer than {line} bytes; send long filters with POST /.search",
    431: "the request headers are too large ({reason})",
    501: "{reason}; send the body with Content-Length or chunked encoding",
    505: "HTTP version {reason} is not supported; use HTTP/1.1",
    500: "internal error in mockscim; the server log has the details",
}


class RequestTimeout(BadRequest):
    """408: the request did not arrive whole in time."""

    code = 408
    reason = "Request Timeout"


class UriTooLong(BadRequest):
    """414: the request line is over MAX_REQUEST_LINE bytes."""

    code = 414
    reason = "URI Too Long"


class VersionNotSupported(Error):
    """505: an HTTP version other than 1.0 or 1.1."""

    code = 505
    reason = "HTTP Version Not Supported"


def escaped(text: str) -> str:
    """``text`` with control characters escaped, so a crafted path cannot forge log lines."""
    return text.translate(_CONTROL_CHARS)


class Chunks(ChunkedReceiver):
    """waitress's chunked-body reader, which also refuses a chunk size line longer than
    MAX_CHUNK_LINE or a chunk that would take the body past the limit (instead of waiting for it)."""

    def __init__(self, buf: Any, limit: int) -> None:
        super().__init__(buf)
        self.limit = limit

    def received(self, s: bytes) -> int:
        """Read as waitress does, then check the sizes."""
        consumed = super().received(s)
        if self.error is None and len(self.control_line) > MAX_CHUNK_LINE:
            self.error = BadRequest(f"a chunk size line is longer than {MAX_CHUNK_LINE} bytes")
        elif self.error is None and len(self.buf) + self.chunk_remainder > self.limit:
            self.error = BadRequest(f"a chunk size takes the body past {self.limit} bytes")
        if self.error is not None:
            self.all_chunks_received = True
        return consumed


class Parser(HTTPRequestParser):
    """waitress's parser, plus the request's start time, the 414 and the 505."""

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.monotonic()  # created when the request's first byte arrives
        self.line_seen = b""  # the start of the request line, for the access log

    def received(self, data: bytes) -> int:
        """Refuse a request line over MAX_REQUEST_LINE before waiting for the rest of it."""
        if self.body_rcv is None and not self.completed:
            head = self.header_plus + data
            end = head.find(b"\n")
            self.line_seen = head[: min(end if end >= 0 else len(head), 200)]
            if (end < 0 and len(head) > MAX_REQUEST_LINE) or end > MAX_REQUEST_LINE:
                self.error = UriTooLong(f"over {MAX_REQUEST_LINE} bytes")
                self.completed = True
                return len(data)
        return super().received(data)

    def parse_header(self, header_plus: bytes) -> None:
        """Parse as waitress does; a version other than 1.0 or 1.1 becomes a 505."""
        super().parse_header(header_plus)
        if self.chunked and isinstance(self.body_rcv, ChunkedReceiver):
            self.body_rcv = Chunks(self.body_rcv.buf, self.adj.max_request_body_size)
        if self.version not in _VERSIONS and self.error is None:
            self.error = VersionNotSupported(f"HTTP/{self.version}" if self.version else "HTTP/0.9")
            self.completed = True


def _log(line: str, status: str) -> None:
    """One access line: request line and status (control characters escaped)."""
    if access_log.isEnabledFor(logging.INFO):
        access_log.info("%s %s", escaped(line), status)


class Task(WSGITask):
    """A request for the app; it can drop its connection without answering, and is logged."""

    dropped = False
    lent = False  # stepped aside: a worker started in its place

    def get_environment(self) -> dict[str, Any]:
        """waitress's environ plus the drop, client-gone and step-aside callables."""
        environ = super().get_environment()
        environ[DROP_KEY] = self.drop
        environ[GONE_KEY] = self.channel.check_client_disconnected
        environ[STEP_ASIDE_KEY] = self.step_aside
        return environ

    def step_aside(self) -> None:
        """The request is about to wait: let a new worker take its place while the pool has room."""
        if not self.lent:
            self.lent = self.channel.server.task_dispatcher.lend()

    def drop(self) -> None:
        """Send nothing more (not even the status line) and close the connection after the app."""
        self.dropped = True

    def write(self, data: bytes) -> None:
        """Write unless the connection is being dropped."""
        if not self.dropped:
            super().write(data)

    def finish(self) -> None:
        """End the answer, or close the connection with nothing sent."""
        if self.dropped:
            self.close_on_finish = True
            return
        super().finish()

    def service(self) -> None:
        """Run the app, then log the request."""
        try:
            super().service()
        finally:
            if self.lent:
                self.channel.server.task_dispatcher.reclaim()
            status = "closed" if self.dropped else self.status.split(" ", 1)[0]
            _log(f"{self.request.command} {self.request.request_uri}", status)


class ScimErrorTask(ErrorTask):
    """An answer waitress makes itself, as a SCIM Error body; the connection is closed after it."""

    def execute(self) -> None:
        """Write the status, the SCIM Error body and ``Connection: close``."""
        error = self.request.error
        server = self.channel.server
        detail = _ADVICE.get(error.code, "{reason}").format(
            reason=str(error.body)[:200],
            timeout=server.timeouts[0],
            line=MAX_REQUEST_LINE,
        )
        document = {"schemas": [ERROR_SCHEMA], "status": str(error.code)}
        if error.code == 400:
            document["scimType"] = "invalidSyntax"
        body = json.dumps({**document, "detail": detail}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", SCIM_MEDIA_TYPE))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        line = getattr(self.request, "line_seen", b"").decode("latin-1")
        _log(line or "-", str(error.code))


class Channel(HTTPChannel):
    """A client connection with mockscim's parser and tasks."""

    parser_class = Parser
    task_class = Task
    error_task_class = ScimErrorTask

    def expire(self, now: float, request_timeout: float) -> None:
        """Answer 408 if the request being received started more than ``request_timeout`` ago."""
        with self.requests_lock:
            partial = self.request
            if partial is None or self.requests or self.will_close or self.close_when_flushed:
                return
            if now - partial.started < request_timeout:
                return
            partial.error = RequestTimeout(f"{request_timeout} s")
            partial.completed = True
            self.request = None
            self.requests.append(partial)
        self.server.add_task(self)


class Dispatcher(ThreadedTaskDispatcher):
    """waitress's worker pool with ``running`` workers taking requests; a request about to wait
    lends its place to a new worker, so up to ``most`` requests are in flight, and no more than
    ``running`` of them run unless some that waited wake up."""

    def __init__(self, running: int, most: int) -> None:
        super().__init__()
        self.running, self.most, self.lent = running, most, 0
        self._lending = threading.Lock()  # orders the pool's resizes
        self._closed = False
        self.set_thread_count(running)

    def lend(self) -> bool:
        """Start a worker in the caller's place if the pool has room; True if one was started."""
        with self._lending:
            if self._closed or self.running + self.lent >= self.most:
                return False
            self.lent += 1
            self.set_thread_count(self.running + self.lent)
        return True

    def reclaim(self) -> None:
        """A request that lent its place has ended: the pool shrinks back by one worker."""
        with self._lending:
            self.lent -= 1
            if not self._closed:
                self.set_thread_count(self.running + self.lent)

    def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool:
        """Stop every worker; a request ending meanwhile starts no new one."""
        with self._lending:
            self._closed = True
        return bool(super().shutdown(cancel_pending, timeout))


class Server(TcpWSGIServer):
    """waitress's TCP server with mockscim's channels and request timeout."""

    channel_class = Channel
    timeouts: tuple[float, float] = (30.0, 60.0)  # (request, idle) seconds, set by serving.py

    def maintenance(self, now: float) -> None:
        """Close idle connections (waitress's ``channel_timeout``), then time out slow requests."""
        super().maintenance(now)
        mono = time.monotonic()
        for channel in list(self.active_channels.values()):
            if isinstance(channel, Channel):
                channel.expire(mono, self.timeouts[0])
