"""Runner overhead: the built-in library through ``mockscim run`` against the embedded mock, against
the same HTTP requests replayed by a bare ``requests`` loop on the same embedded mock.

Runs as its own process (``python -m benchmarks.runner_overhead [REPS [KEYWORD]]``) and prints one JSON line.
Every HTTP request the runner sends is recorded (``requests.Session.request`` is wrapped), and the
embedded mock's ``reset`` also reseeds its id generator, so the replay gets the same ids back.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import sys
import time
from typing import Any

import requests

from benchmarks.figures import geomean

Event = tuple[str, dict[str, Any]]  # ("reset", {}) or ("request", kwargs for Session.request)
STATUS = "_status"  # the status the runner got, kept with each recorded request


class SharedMock:
    """One EmbeddedMock for every pass: resets reseed its ids, and ``mockscim run`` cannot stop it."""

    def __init__(self) -> None:
        from mockscim.commands.run import EmbeddedMock

        self.mock = EmbeddedMock()
        self.resets = 0
        self.events: list[Event] | None = None
        self._reset, self.stop = self.mock.reset, self.mock.stop
        self.mock.reset = self.reset  # type: ignore[method-assign]
        self.mock.stop = lambda: None  # type: ignore[method-assign]

    def reset(self) -> None:
        """Reset the mock and restart its id sequence (the n-th reset of every pass gets seed n)."""
        self._reset()
        self.mock.app.extensions["mockscim"].store.ids.reseed(self.resets)
        self.resets += 1
        if self.events is not None:
            self.events.append(("reset", {}))

    def factory(self) -> Any:
        """What ``mockscim run`` constructs instead of a new EmbeddedMock."""
        return self.mock


def record_requests(events: list[Event]) -> Any:
    """Wrap ``requests.Session.request`` to append every call's arguments to ``events``."""
    original = requests.Session.request

    def recording(session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        call = {"method": method, "url": url, **kwargs}
        events.append(("request", call))
        response = original(session, method, url, **kwargs)
        call[STATUS] = response.status_code
        return response

    requests.Session.request = recording  # type: ignore[method-assign]
    return original


def runner_pass(shared: SharedMock, args: list[str], events: list[Event] | None = None) -> tuple[float, int]:
    """Time one ``mockscim run ARGS`` (built-in library) in this process; return (seconds, exit code)."""
    from mockscim.commands import run as run_command

    shared.resets, shared.events = 0, events
    original_mock, run_command.EmbeddedMock = run_command.EmbeddedMock, shared.factory
    original_send = record_requests(events) if events is not None else None
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            code = run_command.run.main(args=args, standalone_mode=False)
    finally:
        elapsed = time.perf_counter() - started
        run_command.EmbeddedMock = original_mock
        if original_send is not None:
            requests.Session.request = original_send  # type: ignore[method-assign]
        shared.events = None
    return elapsed, int(code or 0)


def bare_pass(shared: SharedMock, events: list[Event]) -> tuple[float, int]:
    """Time the recorded requests sent by a bare ``requests`` loop, with the same resets.

    Returns the seconds and how many answers had another status than the runner's (should be 0).
    """
    shared.resets, mismatches = 0, 0
    started = time.perf_counter()
    with requests.Session() as session:
        for kind, call in events:
            if kind == "reset":
                shared.reset()
                continue
            kwargs = {k: v for k, v in call.items() if k != STATUS}
            with contextlib.suppress(requests.RequestException):
                response = session.request(**kwargs)
                response.content  # noqa: B018 - read the body, as the runner does
                mismatches += response.status_code != call.get(STATUS)
    return time.perf_counter() - started, mismatches


def measure(reps: int, keyword: str | None = None) -> dict[str, Any]:
    """A recorded first pass, then ``reps`` ABBA pairs of bare and runner passes.

    ``reps`` 0 (bench-quick) compares the first pass with one bare pass: quicker, slightly unfair to
    the runner (its first pass also warms lazily built validators).
    """
    shared, events = SharedMock(), []
    args = ["-k", keyword] if keyword else []
    first, code = runner_pass(shared, args, events)
    bare, runner, mismatches = [], [] if reps else [first], 0
    for kind in abba(reps):
        if kind == "bare":
            seconds, mismatches = bare_pass(shared, events)
            bare.append(seconds)
        else:
            runner.append(runner_pass(shared, args)[0])
    shared.stop()
    extra = {"replay_status_mismatches": mismatches, "selection": keyword or "whole built-in library"}
    return {**summarize(first, code, bare, runner, events), **extra}


def abba(reps: int) -> list[str]:
    """bare, runner, runner, bare, ... for ``reps`` pairs; just one bare pass for 0."""
    if not reps:
        return ["bare"]
    return [
        kind for rep in range(reps) for kind in (("bare", "runner") if rep % 2 == 0 else ("runner", "bare"))
    ]


def summarize(
    first: float, code: int, bare: list[float], runner: list[float], events: list[Event]
) -> dict[str, Any]:
    """The figures: medians, ratios, and how many scenarios and requests a pass holds."""
    bare_s, runner_s = statistics.median(bare), statistics.median(runner)
    # Each runner pass over the bare pass next to it (the ABBA order makes them neighbours): a
    # ratio taken side by side, as the hot paths' are, so a slow minute of the machine weighs on
    # both sides of it. The ratio of the two medians mixed passes far apart in time.
    pairs = [r / b for r, b in zip(runner, bare, strict=False)]
    return {
        "scenarios": sum(1 for kind, _ in events if kind == "reset"),
        "requests": sum(1 for kind, _ in events if kind == "request"),
        "exit_code": code,
        "first_runner_s": round(first, 3),
        "runner_s": round(runner_s, 3),
        "bare_s": round(bare_s, 3),
        "ratio": geomean(pairs),  # exact: the report compares it with the goal
        "ratio_of_medians": round(runner_s / bare_s, 3),
        "first_ratio": round(first / bare_s, 3),
        "runner_runs_s": [round(x, 3) for x in runner],
        "bare_runs_s": [round(x, 3) for x in bare],
    }


def main(argv: list[str]) -> None:
    """``python -m benchmarks.runner_overhead [REPS [KEYWORD]]``: print the figures as one JSON line."""
    reps = int(argv[0]) if argv else 2
    print(json.dumps(measure(reps, argv[1] if len(argv) > 1 else None)))


if __name__ == "__main__":
    main(sys.argv[1:])
