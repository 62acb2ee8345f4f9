"""Slow and idle sockets against a legitimate request: what a slowloris client does to the server.

``python -m benchmarks.slowloris [SOCKETS] [--server mockscim|werkzeug]`` starts mockscim with 5,000
users (journal on) under the named server, opens SOCKETS connections that send half a request and
then a byte a second, and times a legitimate ``GET /Users`` (Okta's headers) while they are open, then
right after they all close at once. Prints one JSON line; docs/hardening.md records a run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sys
import time
from typing import Any

from benchmarks import dataset
from benchmarks import load
from benchmarks import servers

PATIENCE_S = 120.0
TRICKLE_ROUNDS = 3


def legitimate(port: int) -> float | None:
    """Seconds for ``GET /Users?count=1`` on a fresh connection, or None if not answered in time."""
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE_S)
        conn.request("GET", f"{dataset.BASE_PATH}/Users?count=1", headers=load.headers_for(""))
        ok = conn.getresponse().status == 200
        conn.close()
    except OSError:
        return None
    return round(time.perf_counter() - started, 3) if ok else None


def open_slow(port: int, count: int) -> list[socket.socket]:
    """Up to ``count`` connections, each with half a request sent; stops at the first connection
    the kernel no longer takes (the server's connections and its listen queue are full)."""
    opened = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
            sock.sendall(f"GET {dataset.BASE_PATH}/Users HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
        except OSError:
            break
        opened.append(sock)
    return opened


def trickle(slow: list[socket.socket]) -> int:
    """One more byte on every slow socket; return how many the server had already closed."""
    closed = 0
    for sock in slow:
        try:
            sock.sendall(b"a")
        except OSError:
            closed += 1
    return closed


def measure(count: int, server_name: str, max_connections: int | None = None) -> dict[str, Any]:
    """Open, trickle, probe, close all, probe."""
    extra = ("--max-connections", str(max_connections)) if max_connections else ()
    server = servers.start("mockscim", "5k", True, server_name, extra)
    try:
        before = legitimate(server.port)
        slow = open_slow(server.port, count)
        opened = len(slow)
        closed = 0
        for _ in range(TRICKLE_ROUNDS):
            time.sleep(1.0)
            closed = trickle(slow)
        during = legitimate(server.port)
        for sock in slow:
            sock.close()
        after = legitimate(server.port)
    finally:
        server.stop()
    return {
        "server": server_name,
        "max_connections": max_connections,
        "slow_sockets": count,
        "slow_sockets_opened": opened,
        "closed_by_server_while_trickling": closed,
        "get_users_s_before": before,
        "get_users_s_with_slow_open": during,
        "get_users_s_after_all_closed": after,
    }


def main(argv: list[str]) -> None:
    """Print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sockets", type=int, nargs="?", default=3000)
    parser.add_argument("--server", choices=("mockscim", "werkzeug"), default="mockscim")
    parser.add_argument("--max-connections", type=int, help="mockscim's --max-connections (default 4,000)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.sockets, args.server, args.max_connections)))


if __name__ == "__main__":
    main(sys.argv[1:])
