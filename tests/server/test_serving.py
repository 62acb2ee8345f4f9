"""The HTTP server itself (mockscim/server/serving.py, connections.py): keep-alive, the bounded
worker pool, timeouts, answers to broken HTTP, slow and idle sockets, and stopping cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
from support import until

from mockscim.constants import ERROR_SCHEMA
from mockscim.server import create_app
from mockscim.server.serving import BackgroundServer
from mockscim.server.serving import Limits
from mockscim.server.serving import start_background

SPC = "/scim/v2/ServiceProviderConfig"
# Generous bounds for a loaded 2-core CI machine: liveness checks, not timings.
ANSWER_WITHIN_S = 10.0


class Observed:
    """WSGI wrapper that records, per request, the client's port and how many requests ran at once;
    with ``hold``, each request first keeps its worker busy that long (a long-running request)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.extensions = app.extensions  # so the server reads the app's limits
        self.ports: list[str] = []
        self.running = 0
        self.most = 0
        self.hold = 0.0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self.ports.append(environ["REMOTE_PORT"])
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            threading.Event().wait(self.hold)  # busy, without stepping aside as a sleep does
            return self.app(environ, start_response)  # a stream is counted until its first chunk only
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def start(settings) -> Iterator[Callable[..., tuple[BackgroundServer, Observed]]]:
    """Start an observed mockscim server with changed settings; all are stopped afterwards."""
    running: list[BackgroundServer] = []

    def launch(**changes: Any) -> tuple[BackgroundServer, Observed]:
        observed = Observed(create_app(replace(settings, **changes)))
        running.append(start_background(observed))
        return running[-1], observed

    yield launch
    for server in running:
        server.stop(grace=0.5)


def _auth_header() -> str:
    """The test credentials as a Basic header value."""
    import base64

    from conftest import TOKEN
    from conftest import USER

    return "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()


def _get(path: str = SPC, *, extra: str = "", version: str = "1.1") -> bytes:
    """A raw GET request with the test credentials."""
    head = f"GET {path} HTTP/{version}\r\nHost: x\r\nAuthorization: {_auth_header()}\r\n{extra}\r\n"
    return head.encode()


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one response with a Content-Length body from a socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", 0)):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


def _closed(sock: socket.socket, within: float = ANSWER_WITHIN_S) -> bool:
    """True when the server closes the socket (EOF) within ``within`` seconds."""
    sock.settimeout(within)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def _add_fault(client: Any, server: BackgroundServer, spec: dict[str, Any]) -> int:
    """Register a fault through the admin API with the client's credentials; the status answered."""
    return client.session.post(server.url + "/__admin/faults", json=spec, timeout=5).status_code


def _connect(server: BackgroundServer) -> socket.socket:
    """A raw socket to the server."""
    return socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_WITHIN_S)


# -- keep-alive --------------------------------------------------------------------------------


def test_a_requests_session_sends_every_request_over_one_connection(start, scim_for):
    server, observed = start()
    client = scim_for(server)
    for _ in range(5):
        assert client.get("/ServiceProviderConfig").status_code == 200
    assert len(observed.ports) == 5 and len(set(observed.ports)) == 1  # the server saw one client port


def test_curl_reuses_its_connection(start):
    server, observed = start()
    from conftest import TOKEN
    from conftest import USER

    url = server.url + SPC
    done = subprocess.run(
        ["curl", "-s", "-u", f"{USER}:{TOKEN}", "-w", "%{http_code} %{num_connects}\\n"]
        + ["-o", "/dev/null", url] * 3,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout.split("\n")[:3] == ["200 1", "200 0", "200 0"]  # one connect, three answers
    assert len(set(observed.ports)) == 1


@pytest.mark.parametrize(
    ("version", "extra", "kept"),
    [
        ("1.1", "", True),
        ("1.1", "Connection: close\r\n", False),
        ("1.0", "Connection: keep-alive\r\n", True),
        ("1.0", "", False),
    ],
    ids=["http11", "http11-close", "http10-keep-alive", "http10"],
)
def test_connections_stay_open_as_http_says(start, version, extra, kept):
    server, observed = start()
    with _connect(server) as sock:
        sock.sendall(_get(version=version, extra=extra))
        status, headers, _ = _read_response(sock)
        assert status == 200
        if kept:
            sock.sendall(_get(version=version, extra=extra))
            assert _read_response(sock)[0] == 200
            assert len(set(observed.ports)) == 1
        else:
            assert headers.get("connection", "").lower() == "close" and _closed(sock)


# -- the worker pool and idle sockets ------------------------------------------------------------


def test_the_worker_pool_is_bounded(start, scim_for):
    server, observed = start(threads=2)
    client = scim_for(server)
    spec = {"match": {"path": "/ServiceProviderConfig"}, "action": {"delay_ms": 300}}
    assert _add_fault(client, server, spec) == 201
    threads = [
        threading.Thread(target=lambda: scim_for(server).get("/ServiceProviderConfig")) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert observed.most == 2  # six requests, at most two served at once; the others waited


@pytest.mark.parametrize(("threads", "most"), [(8, 4), (4, 4), (3, 3)])
def test_at_most_four_requests_run_at_once(start, scim_for, threads, most):
    server, observed = start(threads=threads)
    observed.hold = 1.0  # long enough that all eight overlap even on a loaded machine
    clients = [scim_for(server) for _ in range(8)]
    calls = [threading.Thread(target=client.get, args=("/ServiceProviderConfig",)) for client in clients]
    for call in calls:
        call.start()
    for call in calls:
        call.join(timeout=30)
    assert observed.most == most  # eight at once; the rest waited for a worker


def test_requests_sleeping_in_a_fault_let_others_run(start, scim_for):
    server, observed = start(threads=8)
    spec = {"match": {"path": "/ServiceProviderConfig"}, "action": {"timeout_s": 60}}
    assert _add_fault(scim_for(server), server, spec) == 201
    sleepers = [_connect(server) for _ in range(6)]
    for sock in sleepers:
        sock.sendall(_get())
    # Six sleep at once, more than the four workers taking requests: each let a new one start.
    assert until(lambda: observed.running == 6)
    assert scim_for(server).get("/Users?count=1").status_code == 200
    for sock in sleepers:
        sock.close()  # the sleeps end when their clients have gone
    pool = server.server._waitress.task_dispatcher
    assert until(lambda: pool.lent == 0 and len(pool.threads) == 4)  # back to four workers


@pytest.mark.parametrize(
    ("path", "fault"),
    [
        ("/__admin/dashboard/api/events", None),
        (SPC, {"match": {"path": "/ServiceProviderConfig"}, "action": {"trickle_bps": 10}}),
    ],
    ids=["event stream", "paced body"],
)
def test_slow_answers_let_others_run(start, scim_for, path, fault):
    server, _ = start(threads=8)
    if fault is not None:
        assert _add_fault(scim_for(server), server, fault) == 201
    slow = [_connect(server) for _ in range(6)]
    for sock in slow:
        sock.sendall(_get(path))
    for sock in slow:  # each has begun its answer, two more than the four workers taking requests
        assert sock.recv(64).startswith(b"HTTP/1.1 200")
    assert scim_for(server).get("/Users?count=1").status_code == 200
    for sock in slow:
        sock.close()


def test_idle_connections_hold_no_worker(start):
    server, _ = start(threads=1)
    idle = [_connect(server) for _ in range(50)]
    kept = _connect(server)
    kept.sendall(_get())
    assert _read_response(kept)[0] == 200  # kept open afterwards, silent
    with _connect(server) as fresh:
        fresh.sendall(_get())
        assert _read_response(fresh)[0] == 200  # the one worker is free for it
    for sock in [*idle, kept]:
        sock.close()


def test_an_idle_connection_is_closed_after_the_idle_timeout(start):
    server, _ = start(idle_timeout=1)
    with _connect(server) as silent, _connect(server) as used:
        used.sendall(_get())
        assert _read_response(used)[0] == 200
        assert _closed(silent) and _closed(used)


def test_a_client_that_hangs_up_frees_its_worker(start, scim_for):
    server, _ = start(threads=1)
    client = scim_for(server)
    spec = {"match": {"path": "/ServiceProviderConfig"}, "action": {"timeout_s": 60}, "times": 1}
    assert _add_fault(client, server, spec) == 201
    with pytest.raises(requests.Timeout):
        requests.get(server.url + SPC, auth=client.session.auth, timeout=0.5)
    # The only worker would sleep for 61 s; it stops when the client has gone.
    assert scim_for(server).get("/ServiceProviderConfig").status_code == 200


# -- timeouts and broken HTTP ---------------------------------------------------------------------


def _scim_error(body: bytes, status: int) -> dict[str, Any]:
    """The SCIM Error document in ``body``, checked for ``status``."""
    document = json.loads(body)
    assert document["schemas"] == [ERROR_SCHEMA] and document["status"] == str(status)
    assert document["detail"]
    return document


@pytest.mark.parametrize(
    "sent",
    [
        b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n",
        _get(SPC).replace(b"\r\n\r\n", b"\r\nContent-Length: 50\r\n\r\n{"),
    ],
    ids=["headers", "body"],
)
def test_a_request_that_does_not_arrive_in_time_gets_a_408(start, sent):
    server, _ = start(request_timeout=1)
    with _connect(server) as sock:
        sock.sendall(sent)
        status, headers, body = _read_response(sock)
        assert status == 408 and headers["content-type"] == "application/scim+json"
        _scim_error(body, 408)
        assert _closed(sock)


CHUNKED = b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    "framing",
    [
        b"zz\r\n{}\r\n0\r\n\r\n",
        b"-5\r\n{}\r\n0\r\n\r\n",
        b"ffffffffffff\r\n{}",
        b"2\r\n{}XX0\r\n\r\n",
        b"1" * 2000,
    ],
    ids=["not-hex", "negative", "oversized", "unterminated", "endless-size-line"],
)
def test_a_malformed_chunked_body_is_a_400_scim_error(start, scim_for, framing):
    server, observed = start()
    with _connect(server) as sock:
        sock.sendall(CHUNKED + framing)
        status, _, body = _read_response(sock)
        assert status == 400 and _scim_error(body, 400)["scimType"] == "invalidSyntax"
        assert _closed(sock)
    assert observed.ports == []  # never reached the app
    assert scim_for(server).get("/ServiceProviderConfig").status_code == 200  # no worker hangs


def test_a_well_formed_chunked_body_is_read(start, scim_for):
    server, _ = start()
    body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "c@x.org"})
    chunks = (
        b"".join(f"{len(part):x}\r\n{part}\r\n".encode() for part in (body[:10], body[10:])) + b"0\r\n\r\n"
    )
    with _connect(server) as sock:
        sock.sendall(
            CHUNKED.replace(b"Host: x\r\n", f"Host: x\r\nAuthorization: {_auth_header()}\r\n".encode())
            + chunks
        )
        status, _, answer = _read_response(sock)
    assert status == 201 and json.loads(answer)["userName"] == "c@x.org"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /scim/v2/Users?filter=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /scim/v2/Users HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /scim/v2/Users HTTP/9.9\r\nHost: x\r\n\r\n", 505),
        (b"GARBAGE\r\n\r\n", 400),
        (b"get /scim/v2/Users HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /scim/v2/Users HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"GET /scim/v2/Users HTTP/1.1\r\nX: " + b"h" * 300_000 + b"\r\n\r\n", 431),
    ],
    ids=["uri-too-long", "http2", "http9.9", "garbage", "lowercase-method", "bad-header", "huge-headers"],
)
def test_what_http_refuses_is_answered_as_a_scim_error(start, request_bytes, status):
    server, observed = start()
    with _connect(server) as sock:
        sock.sendall(request_bytes)
        got, headers, body = _read_response(sock)
    assert got == status and headers["server"] == "mockscim"
    assert headers["content-type"] == "application/scim+json"
    _scim_error(body, status)
    assert observed.ports == []


def test_port_zero_reports_the_port_it_bound(settings):
    running = start_background(create_app(settings), port=0)
    try:
        assert running.port > 0 and running.url == f"http://127.0.0.1:{running.port}"
        assert requests.get(running.url + "/__admin/health", timeout=5).status_code == 200
    finally:
        running.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", running.port), timeout=1).close()


# -- slow sockets ---------------------------------------------------------------------------------

SLOW_SOCKETS = 600


def test_hundreds_of_slow_sockets_do_not_stop_a_legitimate_request(start, scim_for):
    server, _ = start(threads=4)
    slow = []
    for _ in range(SLOW_SOCKETS):
        sock = _connect(server)
        sock.sendall(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never the rest
        slow.append(sock)
    client = scim_for(server)
    assert client.get("/Users").status_code == 200
    for sock in slow:
        sock.sendall(b"a")  # a byte each, as slowloris keeps sockets alive
    for sock in slow:
        sock.close()  # all at once
    assert scim_for(server).get("/Users").status_code == 200


# -- stopping -------------------------------------------------------------------------------------


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    """``mockscim serve`` on a free port; returns the process and its root URL once it answers."""
    from conftest import TOKEN
    from conftest import USER

    command = [
        sys.executable,
        "-m",
        "mockscim",
        "serve",
        "--port",
        "0",
        "--auth",
        f"basic:{USER}:{TOKEN}",
        *args,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:  # type: ignore[union-attr]
        if line.startswith("Listening on "):
            return process, line.split()[2]
    raise AssertionError(f"mockscim serve did not start: {process.stderr.read()}")  # type: ignore[union-attr]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_serve_after_the_request_in_flight(signum):
    from conftest import TOKEN
    from conftest import USER

    process, url = _serve()
    try:
        spec = {"match": {"path": "/ServiceProviderConfig"}, "action": {"delay_ms": 1000}, "times": 1}
        assert (
            requests.post(url + "/__admin/faults", json=spec, auth=(USER, TOKEN), timeout=5).status_code
            == 201
        )
        answers: list[int] = []
        slow = threading.Thread(
            target=lambda: answers.append(requests.get(url + SPC, auth=(USER, TOKEN), timeout=10).status_code)
        )
        slow.start()
        time.sleep(0.3)  # the request is in flight
        os.kill(process.pid, signum)
        _, errors = process.communicate(timeout=15)
        assert process.returncode == 0
        slow.join(timeout=10)
        assert answers == [200]  # answered before the server went
        assert "Stopped." in errors
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/__admin/health", timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_stopping_with_a_connection_open_and_a_stream_running_does_not_hang(start):
    server, _ = start()
    with _connect(server) as kept, _connect(server) as stream:
        kept.sendall(_get())
        assert _read_response(kept)[0] == 200
        stream.sendall(_get("/__admin/dashboard/api/events"))
        assert stream.recv(64).startswith(b"HTTP/1.1 200")  # the event stream is running
        started = time.monotonic()
        server.stop(grace=0.5)
        assert time.monotonic() - started < ANSWER_WITHIN_S
        assert _closed(kept) and _closed(stream)


def test_limits_come_from_the_settings(settings):
    app = create_app(replace(settings, threads=3, max_connections=40, request_timeout=4, idle_timeout=9))
    assert Limits.of(app) == Limits(
        threads=3,
        max_connections=40,
        request_timeout=4,
        idle_timeout=9,
        max_body_bytes=settings.max_body_bytes,
        running=3,
    )


def test_stop_survives_a_loop_whose_trigger_is_already_closed(app):
    # Seen once in CI: the loop had closed its trigger before stop() pulled it (EBADF at teardown).
    running = start_background(app)
    running.server._waitress.trigger.close()  # as _close_all does when the loop ends
    running.stop()
    assert not running.thread.is_alive()
