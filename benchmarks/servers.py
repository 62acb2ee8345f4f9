"""Benchmark server processes: start ``benchmarks.launcher``, read its announcement, stop it."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    """A running launcher process."""

    process: subprocess.Popen[str]
    port: int
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:port``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's process id (for py-spy)."""
        return self.process.pid

    def rss_kb(self) -> int:
        """The server's current VmRSS in KiB, read from /proc/<pid>/status."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    def cpu_ticks(self) -> int:
        """User plus system CPU ticks the process has used."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def switches(self) -> int:
        """Voluntary context switches of the server's threads so far: a thread that waits (for
        the GIL, a lock or the network) makes one. Under load each costs CPU, so their count per
        request tells a run in which the threads kept handing over from one that did not."""
        total = 0
        for status in glob.glob(f"/proc/{self.pid}/task/*/status"):
            try:
                with open(status, encoding="ascii") as lines:
                    total += next(
                        int(x.split()[1]) for x in lines if x.startswith("voluntary_ctxt_switches:")
                    )
            except (OSError, StopIteration):  # a thread that ended meanwhile
                continue
        return total

    def wait_idle(self, quiet_s: float = 0.5, limit_s: float = 30.0) -> None:
        """Wait until the server has used no CPU for ``quiet_s`` (see ``wait_all_idle``)."""
        wait_all_idle([self], quiet_s, limit_s)

    def stop(self) -> None:
        """Terminate the process and wait for it."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ticks_to_seconds(ticks: int) -> float:
    """CPU clock ticks (``/proc/PID/stat``) in seconds."""
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_all_idle(running: list[Server], quiet_s: float = 0.5, limit_s: float = 30.0) -> None:
    """Wait until none of the servers has used CPU for ``quiet_s``: the journal's idle worker has
    then completed the entries of the last run (their findings), so that deferred work does not
    land in the next run, on whichever server it measures."""
    deadline = time.monotonic() + limit_s
    last, still = [s.cpu_ticks() for s in running], 0.0
    while still < quiet_s and time.monotonic() < deadline:
        time.sleep(0.1)
        now = [s.cpu_ticks() for s in running]
        still = still + 0.1 if now == last else 0.0
        last = now


def environment() -> dict[str, str]:
    """The child environment: the repository on sys.path, no bytecode writes, quiet Python."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def launch(
    app: str = "mockscim",
    scale: str | None = None,
    journal: bool = True,
    server: str = "mockscim",
    extra: tuple[str, ...] = (),
) -> subprocess.Popen[str]:
    """Start a launcher process (``server``: the WSGI server; ``extra``: more launcher options);
    ``wait_ready`` reads its announcement."""
    command = [sys.executable, "-m", "benchmarks.launcher", "--app", app, "--server", server, *extra]
    command += ["--journal", "on" if journal else "off"] + (["--scale", scale] if scale else [])
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=environment())


def wait_ready(process: subprocess.Popen[str]) -> Server:
    """Read the launcher's JSON line (it is printed once the store is seeded and the port bound)."""
    line = process.stdout.readline() if process.stdout else ""
    if not line:
        process.wait()
        raise RuntimeError(
            f"a benchmark server exited with {process.returncode}: {' '.join(map(str, process.args))}"
        )
    facts = json.loads(line)
    return Server(process, facts.pop("port"), facts)


def start(
    app: str = "mockscim",
    scale: str | None = None,
    journal: bool = True,
    server: str = "mockscim",
    extra: tuple[str, ...] = (),
) -> Server:
    """Start a launcher and wait until it serves."""
    return wait_ready(launch(app, scale, journal, server, extra))
