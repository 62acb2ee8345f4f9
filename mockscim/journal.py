"""The request journal: a bounded, thread-safe ring buffer of JSON-safe entries.

Entries are plain dicts (never Flask objects), so they can be served by the admin API,
written as JSON Lines and exported as scenarios without conversion. Secrets are masked by
the caller before an entry arrives here (``mockscim.inspect.masking``).

A complete entry is kept as its compact JSON text (about 2 KB for an Okta request, where the
dicts took about 10 KB; docs/performance.md) and parsed again when it is read: every reader
gets its own copy.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Entry = dict[str, Any]


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to select; every field given must match (WireMock-style request matching)."""

    operation: str | None = None
    method: str | None = None
    path: str | None = None  # substring of the request path
    has_findings: bool | None = None
    severity: str | None = None  # "error" or "warning": has at least one finding of it
    since_id: int | None = None  # entries with an id greater than this

    def matches(self, entry: Entry) -> bool:
        """True when ``entry`` satisfies every given criterion."""
        request = entry["request"]
        findings = entry.get("findings", [])
        checks = (
            self.operation is None or entry.get("operation") == self.operation,
            self.method is None or request["method"].upper() == self.method.upper(),
            self.path is None or self.path in request["path"],
            self.has_findings is None or bool(findings) == self.has_findings,
            self.severity is None or any(f["severity"] == self.severity for f in findings),
            self.since_id is None or entry["id"] > self.since_id,
        )
        return all(checks)


Completer = Callable[[Entry], None]


class _Slot:
    """One buffered entry: its id, and the entry (a dict while it is being completed, then its
    compact JSON as UTF-8 bytes)."""

    __slots__ = ("data", "id")

    def __init__(self, entry: Entry) -> None:
        self.id: int = entry["id"]
        self.data: Entry | bytes = entry

    def pack(self, entry: Entry) -> bytes | None:
        """Keep ``entry`` as compact JSON; return the text (None if it is not JSON-safe)."""
        try:
            text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):
            self.data = entry  # kept as it is; it is still served, only larger
            return None
        self.data = text.encode("utf-8", "surrogatepass")
        return self.data

    def read(self) -> Entry | None:
        """A fresh copy of a packed entry; None while the entry is still a dict."""
        data = self.data
        if isinstance(data, bytes):
            return json.loads(data.decode("utf-8", "surrogatepass"))
        return None


# A deferred completion waits until no request has arrived for this long, so validation never
# competes with requests in flight (see ``Journal.append``).
IDLE_SECONDS = 0.05


class Journal:
    """Keeps the last ``max_entries`` entries; counts the ones it had to drop.

    An entry may arrive with a *completer*: the expensive part (findings, the parsed response
    body) is filled in later, off the request path, by a worker that runs while the server is
    idle, or at once when somebody reads the entry. Readers always get complete entries.
    """

    def __init__(self, max_entries: int = 10_000, *, file: Path | None = None):
        if max_entries < 1:
            raise ValueError("the journal needs room for at least one entry")
        self._entries: deque[_Slot] = deque(maxlen=max_entries)
        self._lock = threading.Lock()
        self._next_id = 1
        self.dropped = 0
        self.file = file
        self._listeners: list[Callable[[Entry], None]] = []
        self._pending: dict[int, tuple[_Slot, Completer]] = {}  # in id order (insertion order)
        self._completing = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._last_append = 0.0
        self._worker: threading.Thread | None = None
        if file is not None and file.exists():
            self._load(file)

    @property
    def max_entries(self) -> int:
        """The ring buffer's capacity."""
        return self._entries.maxlen or 0

    def _load(self, file: Path) -> None:
        """Resume from a JSON Lines file written by an earlier run (last entries win)."""
        for entry in _read_lines(file):
            slot = _Slot(entry)
            slot.pack(entry)
            self._push(slot)
            self._next_id = max(self._next_id, int(entry["id"]) + 1)
        with file.open("rb+") as handle:
            if handle.seek(0, 2) == 0:
                return
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                handle.write(b"\n")  # End a torn last line so the next entry starts cleanly.

    def _push(self, slot: _Slot) -> None:
        """Append to the ring buffer, counting the entry that falls out."""
        if len(self._entries) == self._entries.maxlen:
            self.dropped += 1
            self._pending.pop(self._entries[0].id, None)
        self._entries.append(slot)

    def append(self, entry: Entry, complete: Completer | None = None) -> Entry:
        """Assign the next id and store the entry; ``complete`` fills in the rest later.

        With a journal file the entry is completed at once, so the file is written in order.
        """
        with self._lock:
            entry = {"id": self._next_id, **entry}
            self._next_id += 1
            slot = _Slot(entry)
            self._push(slot)
            if complete is not None and self.file is None:
                self._pending[entry["id"]] = (slot, complete)
                self._last_append = time.monotonic()
                if self._worker is None or len(self._pending) == 1:
                    self._start_worker()
            listeners = list(self._listeners)
        if complete is not None and self.file is not None:
            complete(entry)
        if complete is None or self.file is not None:
            packed = slot.pack(entry)
            if self.file is not None:
                line = packed.decode("utf-8", "surrogatepass") if packed else json.dumps(entry)
                with self._lock, self.file.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
        for listener in listeners:
            listener(entry)
        return entry

    def ready(self, entry: Entry) -> Entry:
        """Complete ``entry`` now if its completion is still pending; return it."""
        with self._completing:
            with self._lock:
                waiting = self._pending.get(entry["id"])
            if waiting is not None:
                slot, complete = waiting
                complete(entry)
                slot.pack(entry)
                with self._lock:
                    self._pending.pop(entry["id"], None)
        return entry

    def _read(self, slot: _Slot) -> Entry:
        """The complete entry held by ``slot`` (completing it now if it is still pending)."""
        data = slot.data
        if isinstance(data, bytes):
            return slot.read() or {}
        return self.ready(data)

    def _start_worker(self) -> None:
        """Start the idle-time completion worker if it is not running (lock held)."""
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._complete_when_idle, name="mockscim-journal", daemon=True
            )
            self._worker.start()
        self._wake.notify()

    def _complete_when_idle(self) -> None:
        """Complete pending entries, oldest first, whenever no request came for IDLE_SECONDS;
        exit once nothing has been pending for a while (restarted by the next append)."""
        while True:
            with self._lock:
                quiet = time.monotonic() - self._last_append
                if not self._pending:
                    if not self._wake.wait(timeout=2.0) and not self._pending:
                        self._worker = None
                        return
                    continue
                if quiet < IDLE_SECONDS:
                    self._wake.wait(timeout=IDLE_SECONDS - quiet)
                    continue
                slot, _ = next(iter(self._pending.values()))  # the oldest
                entry = slot.data
            if isinstance(entry, dict):
                self.ready(entry)

    def pending(self) -> int:
        """How many entries still wait for their completion."""
        with self._lock:
            return len(self._pending)

    def entries(self, where: EntryFilter | None = None, *, newest_first: bool = False) -> list[Entry]:
        """Complete entries matching ``where``, oldest first unless asked otherwise."""
        with self._lock:
            stored = list(self._entries)
        since = where.since_id if where is not None else None
        if since is not None:  # by id, before any entry is parsed
            stored = [slot for slot in stored if slot.id > since]
        selected = [e for e in map(self._read, stored) if where is None or where.matches(e)]
        return selected[::-1] if newest_first else selected

    def get(self, entry_id: int) -> Entry | None:
        """The complete entry with this id, if it is still in the buffer."""
        with self._lock:
            slot = next((s for s in self._entries if s.id == entry_id), None)
        return self._read(slot) if slot is not None else None

    def count(self, where: EntryFilter | None = None) -> int:
        """How many buffered entries match (counting them all completes nothing)."""
        if where is None:
            with self._lock:
                return len(self._entries)
        return len(self.entries(where))

    def clear(self) -> None:
        """Forget every entry (ids keep increasing, so old ids never come back)."""
        with self._lock:
            self._entries.clear()
            self._pending.clear()
            self.dropped = 0

    def subscribe(self, listener: Callable[[Entry], None]) -> Callable[[], None]:
        """Call ``listener`` with each new entry; return a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe


def _read_lines(file: Path) -> Iterator[Entry]:
    """Yield entries from a JSON Lines journal, skipping a torn last line."""
    with file.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # A crash can leave a partial last line; earlier lines are intact.
            if isinstance(entry, dict) and isinstance(entry.get("id"), int) and "request" in entry:
                yield entry


def read_journal_file(file: Path) -> list[Entry]:
    """Every entry in a JSON Lines journal file, oldest first."""
    return list(_read_lines(file))
