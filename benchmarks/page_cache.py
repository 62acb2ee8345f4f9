"""The import page at 100,000 users, in one process, read two ways: the same page every time, and a
page at a random offset every time (as the load matrix reads it); beside the page at 100 users.
Before them, two imports of every page in order: the first renders every record and keeps its
JSON (mockscim/server/wire.py), the second reads only kept JSON.

The same page at 100k users does the same work as a random one (a slice of the creation order,
100 users rendered), but its records stay in the CPU's caches between reads, as the whole store
does at 100 users. So the gap between the two pages at 100k is what reading records that were
not read recently costs, and what is left between the same page at 100k and the page at 100 users
is what the store's size costs (docs/performance.md, "What was changed and found (phase 3,
seventh session)").

``python -m benchmarks.page_cache [ROUNDS]`` prints one JSON line (about a minute: seeding 100k
users takes most of it). Each way is timed in blocks of consecutive requests, so a block's reads
do not evict each other's records, and the blocks alternate in ABC, CBA order.
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
from werkzeug.test import EnvironBuilder

from benchmarks import dataset
from benchmarks.launcher import mockscim_app
from benchmarks.launcher import seed
from benchmarks.load import headers_for
from benchmarks.paths import Request
from benchmarks.paths import import_walk
from benchmarks.paths import requests_for

BLOCK = 200  # requests per timed block


def call(app: Flask, requests: list[Request]) -> Callable[[], Any]:
    """A function calling the WSGI app with the next GET (environs built once: Flask's test client
    would add more time per page than the store's size does), checking for a 200."""
    environs = [
        EnvironBuilder(path=path, method=method, headers=headers_for(body)).get_environ()
        for method, path, body in requests
    ]
    cycle = itertools.cycle(environs)

    def send() -> None:
        statuses: list[str] = []
        body = app(dict(next(cycle)), lambda status, headers, *_: statuses.append(status))
        b"".join(body)
        getattr(body, "close", lambda: None)()  # ends the request: teardown, the journal's turn
        if statuses != ["200 OK"]:
            raise RuntimeError(f"the import page answered {statuses}")

    return send


def block_us(action: Callable[[], Any]) -> float:
    """Mean µs per call over one block of BLOCK consecutive calls."""
    started = time.perf_counter()
    for _ in range(BLOCK):
        action()
    return (time.perf_counter() - started) / BLOCK * 1e6


def import_walks(app: Flask, scale: dataset.Scale) -> dict[str, Any]:
    """Okta's import twice over a store nobody has read: µs per page of every page in order, the
    first time (each record rendered and kept, server/wire.py) and the second (all kept)."""
    walk = import_walk(scale)
    figures = {}
    for name in ("first_import_page_100k_us", "second_import_page_100k_us"):
        send, started = call(app, walk), time.perf_counter()
        for _ in walk:
            send()
        figures[name] = round((time.perf_counter() - started) / len(walk) * 1e6)
    figures["first_over_second_import"] = round(
        figures["first_import_page_100k_us"] / figures["second_import_page_100k_us"], 3
    )
    return figures


def measure(rounds: int) -> dict[str, Any]:
    """Median µs per page of each way over ``rounds`` rounds of blocks, and their ratios."""
    small, large = mockscim_app(journal=True), mockscim_app(journal=True)
    seed(small, dataset.SCALES["100"])
    seed(large, dataset.SCALES["100k"])
    pages = requests_for("import_page", dataset.SCALES["100k"])
    walks = import_walks(large, dataset.SCALES["100k"])
    ways = {
        "page_100_users_us": call(small, requests_for("import_page", dataset.SCALES["100"])),
        "same_page_100k_us": call(large, [pages[len(pages) // 2]]),
        "random_page_100k_us": call(large, pages),
    }
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for round_ in range(rounds + 1):  # the first round warms up and is not counted
        order = list(ways) if round_ % 2 == 0 else list(ways)[::-1]
        for name in order:
            elapsed = block_us(ways[name])
            if round_:
                samples[name].append(elapsed)
    figures = {name: round(statistics.median(values)) for name, values in samples.items()}
    small_us, same_us, random_us = figures.values()
    return {
        **figures,
        **walks,
        "random_over_same_100k": round(random_us / same_us, 3),
        "same_100k_over_100_users": round(same_us / small_us, 3),
        "random_100k_over_100_users": round(random_us / small_us, 3),
    }


def main(argv: list[str]) -> None:
    """``python -m benchmarks.page_cache [ROUNDS]``: print the figures as one JSON line."""
    print(json.dumps(measure(int(argv[0]) if argv else 6)))


if __name__ == "__main__":
    main(sys.argv[1:])
