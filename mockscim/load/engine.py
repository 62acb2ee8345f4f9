"""The Locust side of ``mockscim load``: ``python -m mockscim.load.engine CONFIG.json``.

This is the only module that imports Locust, and importing Locust monkey-patches the process
with gevent, so it always runs in a process of its own (the CLI starts it; pytest never imports
it). One ``OktaUser`` is one of Okta's provisioning threads; Locust's stats group requests by
Okta operation (``name=``). In distributed mode the master sends the run's settings to the
workers in Locust's spawn message (custom ``parsed_options``), workers ship their beliefs and
counters in Locust's ``report_to_master`` data, and the master writes the result file.
"""

from __future__ import annotations

import json
import logging
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import locust  # noqa: F401  (first: gevent patches sockets and threads before anything else loads)
from locust import User
from locust import constant
from locust import task
from locust.argument_parser import get_empty_argument_parser
from locust.argument_parser import setup_parser_arguments
from locust.env import Environment
from locust.exception import StopUser

from mockscim.load.flows import OktaWorker
from mockscim.load.ledger import Ledger
from mockscim.load.metrics import merge_series
from mockscim.load.metrics import sum_snapshots
from mockscim.load.progress import progress_line
from mockscim.load.runconfig import build_context
from mockscim.load.session import Context
from mockscim.load.session import Stopped

FINAL = "mockscim-final"
WORKER_WAIT = 60.0  # seconds the master waits for --expect-workers to connect
FINAL_WAIT = 30.0  # seconds the master waits for every worker's last report after stopping
STOP_TIMEOUT = 10.0  # seconds a stopping user may finish the request it is in


class ScimAnswer(Exception):
    """A non-2xx answer or a lost one, as Locust's failure statistics group it ("HTTP 429")."""


class OktaUser(User):
    """One of Okta's provisioning threads, running flows back to back."""

    wait_time = constant(0)

    def on_start(self) -> None:
        """Build this thread's worker on the process's shared context."""
        self.okta = OktaWorker(self.environment.mockscim, random.Random())

    @task
    def provision(self) -> None:
        """One Okta flow; a spent budget idles the thread until the run stops."""
        try:
            self.okta.step()
        except Stopped:
            if self.environment.mockscim.stopping.is_set():
                raise StopUser() from None
            gevent.sleep(0.5)

    def on_stop(self) -> None:
        """Close this thread's connections."""
        self.okta.http.close()


class Aggregate:
    """What the master (or the local runner) has heard: beliefs, counters, time series."""

    def __init__(self) -> None:
        self.ledger = Ledger()
        self.series: dict[str, Any] = {}
        self.counters: dict[str, dict[str, Any]] = {}
        self.finals: set[str] = set()

    def take(self, worker: str, data: dict[str, Any]) -> None:
        """Merge one report from ``worker``."""
        self.ledger.merge(data["ledger"])
        merge_series(self.series, data["series"])
        self.counters[worker] = data["counters"]


def _payload(context: Context) -> dict[str, Any]:
    """Everything a process has to report since its last report."""
    return {
        "ledger": context.ledger.drain(),
        "series": context.recorder.drain_series(),
        "counters": context.recorder.snapshot(),
    }


def _wire(env: Environment, aggregate: Aggregate, *, worker: bool = False) -> None:
    """Event listeners: build the context at test start, stop flows at test stopping, report."""

    def on_start(environment: Environment, **_: Any) -> None:
        run = json.loads(environment.parsed_options.mockscim_run)
        environment.mockscim = build_context(run, _reporter(environment))

    def on_stopping(environment: Environment, **_: Any) -> None:
        context = getattr(environment, "mockscim", None)
        if context is not None:
            context.stopping.set()

    def on_report(client_id: str, data: dict[str, Any]) -> None:
        context = getattr(env, "mockscim", None)
        if context is not None:
            data["mockscim"] = _payload(context)

    def on_worker_report(client_id: str, data: dict[str, Any]) -> None:
        if "mockscim" in data:
            aggregate.take(client_id, data["mockscim"])

    def on_worker_stop(environment: Environment, **_: Any) -> None:
        # Locust has no public flush: send the last stats (and our data with them) before saying so.
        environment.runner._send_stats()
        environment.runner.send_message(FINAL, {"worker": environment.runner.client_id})

    env.events.test_start.add_listener(on_start)
    env.events.test_stopping.add_listener(on_stopping)
    env.events.report_to_master.add_listener(on_report)
    env.events.worker_report.add_listener(on_worker_report)
    if worker:
        env.events.test_stop.add_listener(on_worker_stop)


def _reporter(env: Environment) -> Any:
    """The callback that feeds Locust's request event, named by Okta operation."""

    def report(operation: str, method: str, elapsed: float, length: int, status: int, error: str) -> None:
        env.events.request.fire(
            request_type=method,
            name=operation,
            response_time=elapsed,
            response_length=length,
            exception=ScimAnswer(error) if error else None,
            context={"status": status},
        )

    return report


def _options(run: dict[str, Any]) -> Any:
    """Locust's default options plus ours (custom options travel to workers in spawn messages)."""
    parser = get_empty_argument_parser()
    setup_parser_arguments(parser)
    options = parser.parse_args(args=["--headless"])
    options.mockscim_run = json.dumps(run)
    return options


def run_worker(config: dict[str, Any]) -> int:
    """Connect to the master and run whatever it sends until it quits."""
    env = Environment(user_classes=[OktaUser], stop_timeout=STOP_TIMEOUT)
    _wire(env, Aggregate(), worker=True)
    runner = env.create_worker_runner(config["master_host"], config["master_port"])
    runner.greenlet.join()
    return 0


def run_driver(config: dict[str, Any]) -> int:
    """The local or master side: start, watch, stop, collect, write the result file."""
    run, aggregate = dict(config["run"]), Aggregate()
    env = Environment(user_classes=[OktaUser], stop_timeout=STOP_TIMEOUT, parsed_options=_options(run))
    _wire(env, aggregate)
    distributed = config["mode"] == "master"
    runner = (
        env.create_master_runner("*", config["master_port"]) if distributed else env.create_local_runner()
    )
    if distributed:
        runner.register_message(FINAL, lambda msg, **_: aggregate.finals.add(msg.data["worker"]))
    workers = _await_workers(runner, config) if distributed else 1
    if workers == 0:
        return 3
    run["budget"] = math.ceil(config["max_requests"] / workers) if config["max_requests"] else None
    run["concurrency"] = max(1, config["concurrency"] // workers)
    env.parsed_options.mockscim_run = json.dumps(run)
    if config.get("web"):
        env.create_web_ui("127.0.0.1", config["web_port"])
        print(f"Locust's web UI: http://127.0.0.1:{config['web_port']}", file=sys.stderr, flush=True)
    started = time.monotonic()
    runner.start(config["users"], config["spawn_rate"])
    stopped_by = _watch(env, runner, aggregate, config, started, distributed)
    duration = time.monotonic() - started
    if distributed:
        # Locust's own quit message: each worker stops its users gracefully, sends its last
        # report and our final message, and exits. (After a plain stop, Locust forgets the
        # workers until they report ready again, so a later quit would not reach them.)
        runner.send_message("quit")
        _await_finals(aggregate, workers)
    else:
        runner.stop()
        aggregate.take("local", _payload(env.mockscim))
    result = _result(env, aggregate, config, duration, stopped_by, workers)
    runner.quit()
    Path(config["result"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


def _await_workers(runner: Any, config: dict[str, Any]) -> int:
    """Wait for ``expect_workers`` workers; 0 when they did not come."""
    expected, deadline = config["expect_workers"], time.monotonic() + WORKER_WAIT
    print(f"waiting for {expected} worker(s) on port {config['master_port']}", file=sys.stderr, flush=True)
    while runner.worker_count < expected:
        if time.monotonic() > deadline:
            print(
                f"error: {runner.worker_count} of {expected} workers connected in {WORKER_WAIT:.0f} s",
                file=sys.stderr,
            )
            return 0
        gevent.sleep(0.2)
    return runner.worker_count


def _watch(
    env: Environment,
    runner: Any,
    aggregate: Aggregate,
    config: dict[str, Any],
    started: float,
    distributed: bool,
) -> str:
    """Print progress each second until the duration, the request budget or the UI ends the run."""
    tty = sys.stderr.isatty()
    try:
        while True:
            gevent.sleep(1)
            elapsed = time.monotonic() - started
            counters = (
                sum_snapshots(aggregate.counters.values())
                if distributed
                else env.mockscim.recorder.snapshot()
            )
            line = progress_line(elapsed, config["duration"], runner.user_count, env.stats.total, counters)
            print(("\r" + line) if tty else line, end="" if tty else "\n", file=sys.stderr, flush=True)
            if elapsed >= config["duration"]:
                return "duration"
            if config["max_requests"] and counters["requests"] >= config["max_requests"]:
                return "max-requests"
            if runner.state == "stopped":
                return "stopped in the web UI"
    except KeyboardInterrupt:
        return "interrupted"
    finally:
        if tty:
            print(file=sys.stderr)


def _await_finals(aggregate: Aggregate, workers: int) -> None:
    """Wait until every worker has sent its last report (or the wait runs out)."""
    deadline = time.monotonic() + FINAL_WAIT
    while len(aggregate.finals) < workers and time.monotonic() < deadline:
        gevent.sleep(0.1)


def _result(
    env: Environment,
    aggregate: Aggregate,
    config: dict[str, Any],
    duration: float,
    stopped_by: str,
    workers: int,
) -> dict[str, Any]:
    """The result file the CLI reconciles and reports from."""
    operations = []
    for (name, method), entry in sorted(env.stats.entries.items()):
        operations.append(_entry(name, method, entry, duration))
    return {
        "mode": config["mode"],
        "duration_s": round(duration, 3),
        "stopped_by": stopped_by,
        "workers": {worker: counters["requests"] for worker, counters in aggregate.counters.items()},
        "finals": sorted(aggregate.finals),
        "expected_workers": workers,
        "operations": operations,
        "total": _entry("all", "", env.stats.total, duration),
        "errors": [
            {"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
            for e in env.stats.errors.values()
        ],
        "counters": sum_snapshots(aggregate.counters.values()),
        "series": aggregate.series,
        "ledger": aggregate.ledger.entries,
    }


def _entry(name: str, method: str, entry: Any, duration: float) -> dict[str, Any]:
    """One row of Locust's stats: counts, percentiles (ms) and throughput."""
    percentile = entry.get_response_time_percentile
    return {
        "operation": name,
        "method": method,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": round(entry.num_requests / duration, 2) if duration else 0.0,
        "p50_ms": percentile(0.5) if entry.num_requests else 0,
        "p95_ms": percentile(0.95) if entry.num_requests else 0,
        "p99_ms": percentile(0.99) if entry.num_requests else 0,
        "avg_ms": round(entry.avg_response_time, 2),
        "max_ms": round(entry.max_response_time or 0, 2),
    }


def main(argv: list[str]) -> int:
    """Run the engine with the JSON config file named on the command line."""
    logging.basicConfig(level=logging.WARNING, format="locust: %(message)s", stream=sys.stderr)
    config = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    if config["mode"] == "worker":
        return run_worker(config)
    return run_driver(config)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
