"""Which WSGI server mockscim runs on, by measurement: throughput, idle and slow connections, weight.

``python -m benchmarks.wsgi_choice [--rounds 3] [--seconds 6]`` starts the Flask hello app (the
ceiling) and mockscim with 5,000 users under each candidate (``benchmarks.launcher --server``, 8
threads each), loads each with wrk (``-t2 -c16``, keep-alive) in interleaved rounds (the order of the
servers is reversed every other round), then checks what idle and slow sockets do to a legitimate
request, and prints one JSON document and a table. The last candidate, ``mockscim``, is waitress as
``mockscim.server.serving`` configures it. docs/performance.md records a run.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import load
from benchmarks import paths
from benchmarks import servers
from benchmarks.dataset import SCALES
from benchmarks.report import table

CANDIDATES = ("werkzeug", "waitress", "cheroot", "gunicorn", "mockscim")
PATHS = ("ceiling", "lookup", "get_user")
SCALE = "5k"
IDLE_SOCKETS = 200
SLOW_SOCKETS = 50
PATIENCE_S = 10.0
# The distributions each server brings beyond Flask (which brings werkzeug).
DEPENDENCIES = {
    "werkzeug": ("werkzeug",),
    "waitress": ("waitress",),
    "cheroot": ("cheroot", "jaraco.functools", "more-itertools"),
    "gunicorn": ("gunicorn", "packaging"),
    "mockscim": ("waitress",),  # waitress as mockscim configures it (mockscim/server/serving.py)
}


def wrk(url: str, file: Path, seconds: int) -> float:
    """req/s of one wrk run (two threads, 16 keep-alive connections) replaying ``file``."""
    command = [load.wrk_path() or "wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(load.LUA), url, "--", str(file), load.authorization(), "choice"]
    result = load.wrk_result(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    if result.errors:
        raise RuntimeError(f"{url}: {result.errors} errors during a wrk run")
    return result.rps


def request_files(folder: Path) -> dict[str, Path]:
    """One request file per measured path."""
    files = {"ceiling": paths.write_file(paths.ceiling_requests("ceiling"), folder / "ceiling.req")}
    for name in PATHS[1:]:
        files[name] = paths.write_file(paths.requests_for(name, SCALES[SCALE]), folder / f"{name}.req")
    return files


def throughput(rounds: int, seconds: int, folder: Path) -> dict[str, dict[str, list[float]]]:
    """req/s of every path on every server; each round runs the servers in alternating order."""
    files = request_files(folder)
    rps: dict[str, dict[str, list[float]]] = {s: {p: [] for p in PATHS} for s in CANDIDATES}
    launched = {
        (s, app): servers.launch(app, None if app == "ceiling" else SCALE, True, s)
        for s in CANDIDATES
        for app in ("ceiling", "mockscim")
    }
    running = {key: servers.wait_ready(process) for key, process in launched.items()}
    try:
        for (_, app), server in running.items():
            _wait_listening(server.port)
            reqs = paths.read_file(files["ceiling" if app == "ceiling" else "lookup"])
            load.warm_up(server.url, reqs, "warm")
        for rnd in range(rounds):
            order = CANDIDATES if rnd % 2 == 0 else CANDIDATES[::-1]
            for path in PATHS:
                for name in order:
                    server = running[(name, "ceiling" if path == "ceiling" else "mockscim")]
                    rps[name][path].append(round(wrk(server.url, files[path], seconds), 1))
                    print(f"  round {rnd + 1} {path} {name}: {rps[name][path][-1]}", file=sys.stderr)
    finally:
        for server in running.values():
            server.stop()
    return rps


def _wait_listening(port: int) -> None:
    """Wait until the port accepts (gunicorn announces its port before its arbiter binds it)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _connect(port: int, sent: bytes) -> socket.socket:
    """A socket to the server that has sent ``sent`` and then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE_S)
    if sent:
        sock.sendall(sent)
    return sock


def _probe(port: int) -> float | None:
    """Seconds for a fresh GET /ping to be answered, or None if it was not within PATIENCE_S."""
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE_S) as sock:
            sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answered = sock.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return None
    return round(time.perf_counter() - started, 3) if answered else None


def _threads(pid: int) -> int:
    """How many threads the process runs now."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


def _worker_pid(server: servers.Server, name: str) -> int:
    """The process that serves: gunicorn's worker is the arbiter's child."""
    if name != "gunicorn":
        return server.pid
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return int(children[0]) if children else server.pid


def sockets(name: str) -> dict[str, Any]:
    """A legitimate request's wait with IDLE_SOCKETS idle and SLOW_SOCKETS half-sent requests open."""
    server = servers.start("ceiling", None, True, name)
    try:
        _wait_listening(server.port)
        time.sleep(0.5)
        before = _threads(_worker_pid(server, name))
        idle = [_connect(server.port, b"") for _ in range(IDLE_SOCKETS)]
        time.sleep(0.5)
        idle_probe, idle_threads = _probe(server.port), _threads(_worker_pid(server, name))
        slow = [_connect(server.port, b"GET /ping HTTP/1.1\r\nHost: x\r\n") for _ in range(SLOW_SOCKETS)]
        time.sleep(0.5)
        slow_probe = _probe(server.port)
        for sock in idle + slow:
            sock.close()
    finally:
        server.stop()
    return {
        "threads_before": before,
        "threads_with_idle": idle_threads,
        "probe_s_with_idle": idle_probe,
        "probe_s_with_slow": slow_probe,
    }


def weight(name: str) -> dict[str, Any]:
    """Distributions and installed bytes the server adds."""
    total, found = 0, []
    for dist in DEPENDENCIES[name]:
        try:
            files = metadata.distribution(dist).files or []
        except metadata.PackageNotFoundError:
            continue
        found.append(f"{dist} {metadata.version(dist)}")
        total += sum(f.size or 0 for f in files)
    return {"distributions": found, "installed_kb": round(total / 1024)}


def summary(rps: dict[str, dict[str, list[float]]], extra: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """Table rows: median req/s per path, the idle and slow probes, the weight."""
    rows = []
    for name in CANDIDATES:
        medians = [statistics.median(rps[name][p]) for p in PATHS]
        fact = extra[name]
        rows.append(
            [
                name,
                *(f"{m:.0f}" for m in medians),
                f"{fact['threads_before']} -> {fact['threads_with_idle']}",
                fact["probe_s_with_idle"] if fact["probe_s_with_idle"] is not None else "no answer",
                fact["probe_s_with_slow"] if fact["probe_s_with_slow"] is not None else "no answer",
                ", ".join(fact["distributions"]) + f" ({fact['installed_kb']} KiB)",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Measure every candidate and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=6)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="mockscim-choice-") as tmp:
        rps = throughput(args.rounds, args.seconds, Path(tmp))
    extra = {name: {**sockets(name), **weight(name)} for name in CANDIDATES}
    headers = ["server", "hello req/s", "lookup req/s", "get req/s", "threads (200 idle)"]
    headers += [f"GET with {IDLE_SOCKETS} idle (s)", f"GET with {SLOW_SOCKETS} slow (s)", "adds"]
    print(table(headers, summary(rps, extra)))
    print(json.dumps({"rps": rps, "sockets": extra, "rounds": args.rounds, "seconds": args.seconds}))


if __name__ == "__main__":
    main()
