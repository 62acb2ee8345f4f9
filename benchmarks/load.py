"""Drive load at a server: wrk (Debian's) with ``replay.lua``, or a bounded Python fallback.

Both replay a request file (``benchmarks.paths``) over keep-alive connections in a closed loop and
report req/s and latency percentiles. Run as a module, this is the Python fallback generator::

    python -m benchmarks.load URL FILE SECONDS CONNECTIONS TAG
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks import dataset
from benchmarks.paths import Request
from benchmarks.paths import read_file

LUA = Path(__file__).with_name("replay.lua")
OKTA_HEADERS = {
    "User-Agent": "Okta SCIM Client 1.0.0",
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "Accept-Encoding": "gzip,deflate",
}


@dataclass
class LoadResult:
    """What one load run measured."""

    tool: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    errors: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return asdict(self)


def authorization() -> str:
    """The Basic credentials every benchmark server accepts."""
    token = base64.b64encode(f"{dataset.AUTH_USER}:{dataset.AUTH_TOKEN}".encode()).decode()
    return f"Basic {token}"


def headers_for(body: str) -> dict[str, str]:
    """Okta's headers (plus Content-Type when there is a body)."""
    headers = {**OKTA_HEADERS, "Authorization": authorization()}
    if body:
        headers["Content-Type"] = "application/scim+json; charset=utf-8"
    return headers


def wrk_path() -> str | None:
    """Where wrk is, or None (also when MOCKSCIM_BENCH_LOAD=python asks for the Python generator)."""
    return None if os.environ.get("MOCKSCIM_BENCH_LOAD") == "python" else shutil.which("wrk")


def wrk_result(output: str) -> LoadResult:
    """Parse the WRKJSON line that ``replay.lua``'s ``done`` prints."""
    line = next((x for x in output.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    secs = raw["duration_us"] / 1e6
    ms = {f"{k}_ms": raw[f"{k}_us"] / 1000 for k in ("p50", "p90", "p99", "mean")}
    return LoadResult("wrk", raw["requests"], secs, raw["requests"] / secs, errors=errors, **ms)


def run_wrk(url: str, file: Path, seconds: int, connections: int, tag: str) -> LoadResult:
    """One closed-loop wrk run (two wrk threads, ``connections`` keep-alive connections)."""
    threads = min(2, connections)
    command = [wrk_path() or "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
    command += ["-s", str(LUA), url, "--", str(file), authorization(), tag]
    return wrk_result(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def run_python(url: str, file: Path, seconds: int, connections: int, tag: str) -> LoadResult:
    """The fallback: this module as a separate process, so it never shares the orchestrator's GIL."""
    command = [sys.executable, "-m", "benchmarks.load", url, str(file), str(seconds), str(connections), tag]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return LoadResult(**json.loads(output))


def run_load(url: str, file: Path, seconds: int, connections: int, tag: str) -> LoadResult:
    """wrk when installed, else the Python generator."""
    runner = run_wrk if wrk_path() else run_python
    return runner(url, file, seconds, connections, tag)


def send(conn: http.client.HTTPConnection, request: Request, unique: str) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection; return the status and body."""
    method, path, body = request
    payload = body.replace(dataset.UNIQUE, unique).encode() if body else None
    conn.request(method, path, body=payload, headers=headers_for(body))
    response = conn.getresponse()
    return response.status, response.read()


def warm_up(url: str, requests: list[Request], tag: str, count: int = 10) -> None:
    """Send a few requests first (compiles validators, fills caches); stop on any non-2xx."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        for n, request in enumerate(requests[:count]):
            status, body = send(conn, request, f"warm-{tag}-{n}")
            if status >= 300:
                raise RuntimeError(f"{request[0]} {request[1]} answered {status}: {body[:300]!r}")
    finally:
        conn.close()


def _worker(url: str, requests: list[Request], deadline: float, wid: int, tag: str, out: list[Any]) -> None:
    """One closed-loop connection: send until the deadline, recording latencies and errors."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    latencies, errors, n = [], 0, wid * 997
    while time.perf_counter() < deadline:
        n += 1
        started = time.perf_counter()
        status, _ = send(conn, requests[n % len(requests)], f"{tag}-{wid}-{n}")
        latencies.append(time.perf_counter() - started)
        errors += status >= 400
    conn.close()
    out.append((latencies, errors))


def python_load(url: str, requests: list[Request], seconds: float, connections: int, tag: str) -> LoadResult:
    """Closed-loop load from ``connections`` threads; a bounded stand-in for wrk."""
    out: list[Any] = []
    started = time.perf_counter()
    args = [(url, requests, started + seconds, i, tag, out) for i in range(connections)]
    threads = [threading.Thread(target=_worker, args=a) for a in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarize(
        sorted(x for lat, _ in out for x in lat), time.perf_counter() - started, sum(e for _, e in out)
    )


def summarize(latencies: list[float], elapsed: float, errors: int) -> LoadResult:
    """The Python generator's result from its sorted latencies (seconds)."""
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    mean = sum(latencies) / len(latencies) * 1000
    count = len(latencies)
    return LoadResult(
        "python", count, elapsed, count / elapsed, pick(0.5), pick(0.9), pick(0.99), mean, errors
    )


def main(argv: list[str]) -> None:
    """``python -m benchmarks.load URL FILE SECONDS CONNECTIONS TAG``: print one JSON result."""
    url, file, seconds, connections, tag = argv
    result = python_load(url, read_file(Path(file)), float(seconds), int(connections), tag)
    print(json.dumps(result.to_dict()))


if __name__ == "__main__":
    main(sys.argv[1:])
