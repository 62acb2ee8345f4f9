"""Serving a WSGI app with waitress: keep-alive connections, a bounded worker pool, hard limits.

Chosen by measurement (docs/performance.md, "Choice of WSGI server"): waitress reads requests in
one event-loop thread and gives the workers only complete requests, so idle keep-alive
connections and slow clients hold no worker; it keeps connections open (Okta does,
docs/okta-reference.md §2.2) and has no dependencies. ``connections.py`` holds what mockscim
changes in it (timeouts, SCIM error bodies, the ``close`` fault's drop, the access log).

``build_server`` binds (port 0 picks a free port; ``port`` says which); ``serve_forever`` runs
the event loop in the calling thread until ``stop`` (from any thread) or KeyboardInterrupt;
``start_background`` does that in a daemon thread. ``stop`` stops accepting, lets requests in
flight finish for up to ``grace`` seconds, then closes every connection and the workers.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import resource
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel

from mockscim.server.connections import Dispatcher
from mockscim.server.connections import Server as _WaitressServer

log = logging.getLogger("mockscim.server")
LOOP_SECONDS = 1.0  # the event loop wakes at least this often (timeouts are checked then)
STOP_GRACE_SECONDS = 5.0  # mockscim serve on SIGTERM/SIGINT: requests in flight may finish
BACKGROUND_GRACE_SECONDS = 0.5  # tests and embedded mocks: stop quickly (an event stream never ends)
_FD_MARGIN = 64  # descriptors kept for files, pipes and the state file
# Workers that take requests, whatever the pool's size: with eight taking them under load, some
# rounds of writes made twice the thread switches per request and served a quarter fewer; with
# four they never did (docs/performance.md, "Four workers take requests"). The rest of the pool
# stands in for requests that wait: a fault's sleep, a paced body, an event stream.
RUNNING_WORKERS = 4


@dataclass(frozen=True)
class Limits:
    """The connection limits (``Settings`` declares them as serve options; these are its defaults)."""

    threads: int = 8
    max_connections: int = 4000
    request_timeout: float = 30.0
    idle_timeout: float = 60.0
    max_body_bytes: int = 1024 * 1024
    running: int | None = None  # workers taking requests (None: as many as ``threads``)

    @property
    def workers(self) -> int:
        """How many workers take requests (the others stand in for requests that wait)."""
        return min(self.running or self.threads, self.threads)

    @classmethod
    def of(cls, app: Any) -> Limits:
        """The limits a mockscim app's settings ask for; the defaults for any other app."""
        state = getattr(app, "extensions", {}).get("mockscim")
        if state is None:
            return cls()
        settings = state.settings
        return cls(
            threads=settings.threads,
            max_connections=settings.max_connections,
            request_timeout=settings.request_timeout,
            idle_timeout=settings.idle_timeout,
            max_body_bytes=settings.max_body_bytes,
            running=min(settings.threads, RUNNING_WORKERS),
        )


def _adjustments(host: str, port: int, limits: Limits) -> Adjustments:
    """waitress's settings for mockscim."""
    return Adjustments(
        host=host,
        port=port,
        ipv4=True,
        ipv6=True,
        threads=limits.threads,
        connection_limit=_connection_limit(limits.max_connections),
        channel_timeout=limits.idle_timeout,
        cleanup_interval=1,  # check the timeouts every second
        # The app answers 413 (journaled, SCIM) for bodies over --max-body; waitress stops
        # buffering a little later (bodies over 512 KiB are buffered in a temporary file), so a
        # huge body is refused before it is read whole.
        max_request_body_size=max(2 * limits.max_body_bytes, limits.max_body_bytes + 1024 * 1024),
        max_request_header_size=256 * 1024,
        channel_request_lookahead=1,  # keep reading while a request runs: notice a client hang up
        asyncore_use_poll=True,  # select() stops at 1,024 descriptors
        asyncore_loop_timeout=LOOP_SECONDS,
        ident="mockscim",  # the Server header: no library or version (hardening)
        server_name=host,  # SERVER_NAME: URLs come from the bound address (responses.base_url)
        clear_untrusted_proxy_headers=False,  # --trust-proxy decides, in the app (ProxyFix)
        log_socket_errors=False,  # clients that reset connections are routine, not errors
        expose_tracebacks=False,
    )


def _connection_limit(wanted: int) -> int:
    """``wanted``, raising the soft descriptor limit for it if needed (else as many as fit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + _FD_MARGIN
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
        if soft < needed:
            log.warning("only %d open files allowed: at most %d connections", soft, soft - _FD_MARGIN)
            return max(1, soft - _FD_MARGIN)
    return wanted


class Server:
    """A bound waitress server and its event loop."""

    def __init__(self, app: Any, host: str, port: int, limits: Limits) -> None:
        self.app = app
        self.limits = limits
        self._map: dict[int, Any] = {}
        adj, workers = _adjustments(host, port, limits), Dispatcher(limits.workers, limits.threads)
        self._waitress = _WaitressServer(app, map=self._map, adj=adj, dispatcher=workers)
        self._waitress.timeouts = (limits.request_timeout, limits.idle_timeout)
        self._running = threading.Event()
        self._finished = threading.Event()
        self._stopping = threading.Lock()
        self._stopped = False
        # Queueing is what a bounded pool does; waitress would warn about it on every request.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    @property
    def host(self) -> str:
        """The address actually bound."""
        return str(self._waitress.effective_host)

    @property
    def port(self) -> int:
        """The port actually bound."""
        return int(self._waitress.effective_port)

    @property
    def url(self) -> str:
        """``http://host:port`` of the server (IPv6 hosts in brackets)."""
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Run the event loop in this thread until ``stop`` or KeyboardInterrupt."""
        from waitress import wasyncore

        self._running.set()
        try:
            while self._map:
                wasyncore.loop(timeout=LOOP_SECONDS, map=self._map, use_poll=True, count=1)
        finally:
            self._finished.set()

    def wait(self) -> None:
        """Block until the event loop ends (KeyboardInterrupt and signals still reach this thread)."""
        while not self._finished.wait(0.5):
            pass

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop accepting, let requests in flight finish (up to ``grace`` s), close everything."""
        with self._stopping:
            if self._stopped:
                return
            self._stopped = True
        dispatcher = self._waitress.task_dispatcher
        if self._running.is_set() and not self._finished.is_set():
            self._in_loop(self._stop_accepting)
            deadline = time.monotonic() + grace
            while (dispatcher.queue or dispatcher.active_count) and time.monotonic() < deadline:
                time.sleep(0.01)
            self._in_loop(self._close_all)
            self._finished.wait(timeout=LOOP_SECONDS + 1)
        else:
            self._close_all()
        # Workers still inside a request (an event stream waiting for its next entry) are daemon
        # threads: their connection is closed, so their next write ends them.
        dispatcher.shutdown(cancel_pending=True, timeout=0.2)

    def _in_loop(self, thunk: Any) -> None:
        """Run ``thunk`` in the event-loop thread (waitress's trigger wakes the loop)."""
        done = threading.Event()

        def run() -> None:
            try:
                thunk()
            finally:
                done.set()

        if not self._finished.is_set():
            try:
                self._waitress.trigger.pull_trigger(run)
            except OSError:  # the loop ended and closed its trigger meanwhile: nothing runs there now
                pass
            else:
                done.wait(timeout=LOOP_SECONDS + 1)
                return
        run()

    def _stop_accepting(self) -> None:
        """Close the listening socket (new connections are refused from now on)."""
        self._waitress.accepting = False
        self._waitress.del_channel()
        self._waitress.socket.close()

    def _close_all(self) -> None:
        """Close every connection and the trigger; the event loop ends when nothing is left."""
        for dispatcher in list(self._map.values()):
            try:
                if isinstance(dispatcher, HTTPChannel):
                    dispatcher.handle_close()  # marks it disconnected, so workers stop writing
                else:
                    dispatcher.close()
            except OSError:
                pass
        self._map.clear()


def settle() -> None:
    """Move everything start-up made (the app, a loaded state file or seed) out of the cycle
    collector's reach: a full collection then scans only what serving made since. With 100,000
    users each full collection paused the server for about 0.2 s, and 16-19 ms once frozen
    (docs/performance.md, "Start-up objects frozen"). Only for a process that serves until it
    ends (``mockscim serve``): frozen objects are never collected as cycles, and the store's
    records hold none."""
    gc.freeze()


_M_ARENA_MAX = -8  # glibc's malloc.h: mallopt's parameter for the number of arenas


def limit_malloc_arenas() -> None:
    """Give every thread of this process glibc's one main malloc arena.

    glibc gives each thread that allocates while others do an arena of its own (up to eight per
    core), and memory freed in one arena serves only its threads: with eight workers, an
    import of every user left the server about 3 MiB larger at 5,000 users (docs/performance.md,
    "One malloc arena"). The workers allocate holding the GIL, so one arena costs them no
    waiting. Called before any thread starts (an arena is a thread's from its first
    allocation), and only by a process that is the server (``mockscim serve``): a process that
    embeds the mock keeps its own allocator settings. ``MALLOC_ARENA_MAX``, when set, wins.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        return
    mallopt(_M_ARENA_MAX, 1)  # musl's mallopt accepts it and does nothing


def build_server(app: Any, host: str, port: int, limits: Limits | None = None) -> Server:
    """A server bound to host:port (port 0 picks a free port), not yet serving."""
    return Server(app, host, port, limits or Limits.of(app))


@dataclass
class BackgroundServer:
    """A server running in a daemon thread; ``url`` is its root, ``stop()`` shuts it down."""

    server: Server
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The port actually bound."""
        return self.server.port

    @property
    def url(self) -> str:
        """``http://host:port`` of the server."""
        return self.server.url

    def stop(self, grace: float = BACKGROUND_GRACE_SECONDS) -> None:
        """Stop serving and close every socket (requests in flight get ``grace`` seconds)."""
        self.server.stop(grace)
        self.thread.join(timeout=5)


def start_background(
    app: Any, host: str = "127.0.0.1", port: int = 0, limits: Limits | None = None
) -> BackgroundServer:
    """Start ``app`` on a loopback port in a daemon thread and return a handle."""
    server = build_server(app, host, port, limits)
    thread = threading.Thread(target=server.serve_forever, name="mockscim-server", daemon=True)
    thread.start()
    server._running.wait(timeout=5)
    return BackgroundServer(server, thread)
