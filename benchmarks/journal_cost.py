"""Journal cost in one process, without sockets: per-request time of each hot path with the journaling
hooks on and off (Flask's test client), and of the journaling pieces alone.

``python -m benchmarks.journal_cost`` prints one JSON line; the served on/off comparison is in
``benchmarks.run`` (same hooks removed, measured with wrk).
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import g

from benchmarks import dataset
from benchmarks.launcher import mockscim_app
from benchmarks.launcher import seed
from benchmarks.load import headers_for
from benchmarks.paths import HOT_PATHS
from benchmarks.paths import Request
from benchmarks.paths import requests_for

SCALE = dataset.SCALES["100"]
_counter = itertools.count()


def timed(actions: list[Callable[[], Any]], repeat: int) -> list[float]:
    """Median microseconds of ``repeat`` calls of each action, interleaved so noise hits all alike."""
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, times in zip(actions, samples, strict=True):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) * 1e6 for times in samples]


def call(app: Flask, requests: list[Request]) -> Callable[[], Any]:
    """A function sending the next sample request through the app's test client (checking 2xx)."""
    client, cycle = app.test_client(), itertools.cycle(requests)

    def send() -> None:
        method, path, body = next(cycle)
        data = body.replace(dataset.UNIQUE, f"jc-{next(_counter)}") if body else None
        response = client.open(path, method=method, data=data, headers=headers_for(body))
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.get_data()[:200]!r}")

    return send


def inspection_only(app: Flask, request: Request) -> Callable[[], Any]:
    """A function running ``inspection.inspection()`` (envelope, classify; findings stay lazy) for one request."""
    from mockscim.server.inspection import inspection

    method, path, body = request
    data = body.replace(dataset.UNIQUE, "jc-inspect") if body else None

    def inspect_once() -> None:
        with app.test_request_context(path, method=method, data=data, headers=headers_for(body)):
            g.pop("mockscim_inspection", None)
            inspection()

    return inspect_once


def context_only(app: Flask, request: Request) -> Callable[[], Any]:
    """The same request context with nothing in it, to subtract from ``inspection_only``."""
    method, path, body = request
    data = body.replace(dataset.UNIQUE, "jc-inspect") if body else None

    def empty() -> None:
        with app.test_request_context(path, method=method, data=data, headers=headers_for(body)):
            pass

    return empty


def measure(repeat: int) -> dict[str, Any]:
    """Per hot path: median µs with hooks on, off, and of inspection() alone."""
    on, off = mockscim_app(journal=True), mockscim_app(journal=False)
    for app in (on, off):
        seed(app, SCALE)
    figures = {}
    for name in HOT_PATHS:
        requests = requests_for(name, SCALE)
        actions = [call(on, requests), call(off, requests)]
        actions += [inspection_only(on, requests[0]), context_only(on, requests[0])]
        timed(actions, 20)
        on_us, off_us, inspect_us, base_us = timed(actions, repeat)
        figures[name] = {
            "on_us": round(on_us),
            "off_us": round(off_us),
            "cost": round(1 - off_us / on_us, 3),
            "inspection_us": round(inspect_us - base_us),
        }
    return figures


def main(argv: list[str]) -> None:
    """``python -m benchmarks.journal_cost [REPEAT]``: print the figures as one JSON line."""
    print(json.dumps(measure(int(argv[0]) if argv else 300)))


if __name__ == "__main__":
    main(sys.argv[1:])
