"""Cold start: from process start to the first 200 on ``/ServiceProviderConfig`` of ``mockscim serve``.

Measured as an installed mockscim starts: with its modules' bytecode already compiled (pip compiles
a wheel's modules when it installs them). The checkout's own modules get theirs in a private cache
(``PYTHONPYCACHEPREFIX``), written by one start that is not counted; an environment that forbids
bytecode writes (``PYTHONDONTWRITEBYTECODE``) would otherwise recompile every module on every start.

Beside every start, the same interpreter imports Flask and waitress and exits: the floor under any
Flask app served by waitress, measured in the same seconds. What lies above it is mockscim's own
share (its modules, ``create_app``, binding, the first request).
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks import dataset
from benchmarks.load import authorization
from benchmarks.servers import ROOT
from benchmarks.servers import environment


def free_port() -> int:
    """A loopback port the OS says is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def probe(port: int) -> int | None:
    """GET /ServiceProviderConfig once; the status, or None while nothing listens."""
    request = (
        f"GET {dataset.BASE_PATH}/ServiceProviderConfig HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: {authorization()}\r\nConnection: close\r\n\r\n"
    ).encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(request)
            head = sock.recv(64)
    except OSError:
        return None
    return int(head.split()[1]) if head.startswith(b"HTTP/") else None


def bytecode_environment(cache: str) -> dict[str, str]:
    """The child environment, with bytecode cached under ``cache`` (as an installed package has it)."""
    env = environment()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def one_start(env: dict[str, str]) -> float:
    """Seconds from Popen of ``python -m mockscim serve`` to its first 200."""
    port = free_port()
    command = [sys.executable, "-m", "mockscim", "serve", "--port", str(port), "-q"]
    command += ["--auth", f"basic:{dataset.AUTH_USER}:{dataset.AUTH_TOKEN}"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        while probe(port) != 200:
            if process.poll() is not None:
                raise RuntimeError(f"mockscim serve exited with {process.returncode}")
            time.sleep(0.002)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=10)


FRAMEWORK = "import flask, waitress"  # what every Flask app on mockscim's server imports
# The interpreter leaves at once, as a started server has not yet begun to: tearing down the
# modules it imported took 0.1 s more here, and no start to the first 200 pays that.
_LEAVE = "; import os; os._exit(0)"


def import_time(code: str = "pass", env: dict[str, str] | None = None) -> float:
    """Seconds for an interpreter to run ``code`` and leave without tearing down (``pass``: the
    floor under any start)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code + _LEAVE], check=True, cwd=ROOT, env=env)
    return time.perf_counter() - started


def measure(runs: int) -> dict[str, Any]:
    """Median (and every run) of ``runs`` cold starts, each beside an import of Flask and waitress
    (the framework's floor), with the bare interpreter's start for scale.

    A first start writes the bytecode and is reported apart (``first_start_s``), not counted.
    """
    starts, framework = [], []
    with tempfile.TemporaryDirectory(prefix="mockscim-pycache-") as cache:
        env = bytecode_environment(cache)
        first = one_start(env)
        import_time(FRAMEWORK, env)  # its bytecode too (the first start wrote only what it imported)
        for _ in range(runs):
            starts.append(one_start(env))
            framework.append(import_time(FRAMEWORK, env))
    floors = [import_time() for _ in range(runs)]
    median, floor = statistics.median(starts), statistics.median(framework)
    return {
        "median_s": median,  # exact: the report compares it with the goal
        "first_start_s": round(first, 3),
        "runs_s": [round(x, 3) for x in starts],
        "python_startup_s": round(statistics.median(floors), 3),
        "framework_import_s": round(floor, 3),
        "own_share_s": round(median - floor, 3),
    }
