"""Tickets that put journal entries in the order the store served their requests.

A request that wants its journal entry in store order takes a ticket while it still holds the
store lock, builds its entry unlocked, and hands the append to ``deliver``: the turnstile runs
appends in ticket order, whichever thread delivers them. The journal then lists a tenant's
requests in the order the store served them (a replay of the journal must end in the same state).

No thread waits for its turn. A request whose predecessor is still being answered leaves its
append behind, and the predecessor's thread runs it after its own. An earlier version made each
request wait on a condition until its turn came; under load one GET in eleven and one lookup in
five waited, and each wait cost thread switches and a wake-up of every waiter
(docs/performance.md, "What was changed (phase 3, sixth session)").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("mockscim.server")

# A ticket whose holder vanished without ``done`` would hold back every later append: once a
# later one has waited this long, the missing tickets are skipped (and the log says so).
PATIENCE_SECONDS = 30.0
Action = Callable[[], object] | None  # None: a ticket with nothing to append
_NOT_YET = object()  # the next ticket has not been delivered


class Turnstile:
    """Numbered tickets whose deliveries run in ticket order; every ticket taken must be
    delivered or ``done``."""

    def __init__(self, patience: float = PATIENCE_SECONDS) -> None:
        self._lock = threading.Lock()
        self._issued = 0
        self._next = 1
        self._ready: dict[int, Action] = {}
        self._waiting_since: float | None = None  # when an append first waited for a missing ticket
        self._skipped: set[int] = set()  # tickets given up on: delivered late, they run at once
        self._draining = False
        self._patience = patience

    def take(self) -> int:
        """The next ticket (take it while holding the lock whose order it records)."""
        with self._lock:
            self._issued += 1
            return self._issued

    def deliver(self, ticket: int, action: Action) -> None:
        """Run ``action`` once every earlier ticket's has run: now, in this thread, when it is
        the ticket's turn (then the later ones already delivered too), else later, in the thread
        that delivers the missing one. ``None`` only marks the ticket done."""
        with self._lock:
            late = ticket in self._skipped  # its place was given up: appended now, out of order
            if late:
                self._skipped.discard(ticket)
            elif ticket < self._next or ticket in self._ready:
                return  # done already (a teardown may call it twice)
            else:
                self._ready[ticket] = action
                if self._draining:
                    return
                self._draining = True
        if late:
            self._run(action)
        else:
            self._drain()

    def done(self, ticket: int) -> None:
        """Mark ``ticket`` finished with nothing to append (idempotent)."""
        self.deliver(ticket, None)

    def _drain(self) -> None:
        """Run the deliveries whose turn has come, one after another, outside the lock; only one
        thread drains at a time, so they run in ticket order."""
        while True:
            with self._lock:
                action = self._next_ready()
                if action is _NOT_YET:
                    self._draining = False
                    return
            self._run(action)

    @staticmethod
    def _run(action: Action) -> None:
        """Run one delivery; a failure is logged, and the ones after it still run."""
        if action is None:
            return
        try:
            action()
        except Exception:  # noqa: BLE001 - one failed append must not stop the others
            log.exception("a journal append failed")

    def _next_ready(self) -> Any:
        """The next delivery to run, or ``_NOT_YET`` when the next ticket has not been delivered
        (lock held)."""
        if self._next not in self._ready and self._ready and self._overdue():
            missing = min(self._ready)
            log.warning("tickets %d-%d never finished; appending after them", self._next, missing - 1)
            self._skipped.update(range(self._next, missing))
            self._next = missing
        if self._next not in self._ready:
            return _NOT_YET
        self._waiting_since = None
        self._next += 1
        return self._ready.pop(self._next - 1)

    def _overdue(self) -> bool:
        """True once a delivered append has waited ``patience`` seconds for a missing ticket."""
        now = time.monotonic()
        if self._waiting_since is None:
            self._waiting_since = now
        return now - self._waiting_since >= self._patience

    def pending(self) -> int:
        """How many deliveries wait for an earlier ticket."""
        with self._lock:
            return len(self._ready)
