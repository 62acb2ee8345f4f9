"""Tickets that let requests finish in the order the store served them.

The store lock wraps only the view. A request that wants its journal entry in store order
takes a ticket while it still holds the lock, and appends when its ticket is called: the
journal then lists a tenant's requests in the order the store served them, though the after
hooks run unlocked (a replay of the journal must end in the same state).
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("mockscim.server")

# A ticket whose holder vanished without ``done`` would stop every later one: after this long
# a waiter goes ahead (and says so) rather than hang the server.
PATIENCE_SECONDS = 30.0


class Turnstile:
    """Numbered tickets, called one after another; every ticket taken must be ``done``."""

    def __init__(self, patience: float = PATIENCE_SECONDS) -> None:
        self._called = threading.Condition()
        self._issued = 0
        self._next = 1
        self._finished: set[int] = set()
        self._patience = patience

    def take(self) -> int:
        """The next ticket (take it while holding the lock whose order it records)."""
        with self._called:
            self._issued += 1
            return self._issued

    def wait(self, ticket: int) -> None:
        """Block until every earlier ticket is done."""
        with self._called:
            if not self._called.wait_for(lambda: self._next >= ticket, timeout=self._patience):
                log.warning(
                    "ticket %d waited %.0f s for ticket %d; going ahead", ticket, self._patience, self._next
                )

    def done(self, ticket: int) -> None:
        """Mark ``ticket`` finished (idempotent) and call the next one."""
        with self._called:
            if ticket < self._next:
                return
            self._finished.add(ticket)
            while self._next in self._finished:
                self._finished.discard(self._next)
                self._next += 1
            self._called.notify_all()
