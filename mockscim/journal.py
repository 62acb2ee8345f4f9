"""The request journal: a bounded, thread-safe ring buffer of JSON-safe entries.

Entries are plain dicts (never Flask objects), so they can be served by the admin API,
written as JSON Lines and exported as scenarios without conversion. Secrets are masked by
the caller before an entry arrives here (``mockscim.inspect.masking``).

Two bounds hold whatever the requests: at most ``max_entries`` entries, and at most
``max_bytes`` bytes of memory, each entry's size estimated (``estimated_size``) when it is appended
and again when it is completed; the oldest entries go first. The journal file is bounded too:
past ``file_max_bytes`` it is rewritten (atomically) with the newest entries that fit in half
of it, so it stays a faithful copy of what the journal holds.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockscim import jsontext
from mockscim.errors import ScimError

Entry = dict[str, Any]
DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # of memory, measured per entry (docs/hardening.md)
DEFAULT_FILE_MAX_BYTES = 256 * 1024 * 1024


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
_ID_BYTES = 100  # the "id" key and its integer, added to the measured entry
_LINE_DEPTH = jsontext.MAX_DEPTH + 8  # an entry wraps bodies (capped at the edge) in a few levels
# A deferred completion waits until no request has arrived for this long, so validation never
# competes with requests in flight (see ``Journal.append``).
IDLE_SECONDS = 0.05


def estimated_size(value: Any) -> int:
    """An upper bound of the bytes of memory a JSON value holds, from its JSON text.

    Counting objects one by one (``sys.getsizeof`` over a walk) costs about 2 microseconds each,
    8 ms for an import page; this costs a C-speed ``json.dumps`` and four counts. Every value in
    JSON text follows one of ``, : [ {`` (or is the whole text), and no Python object for one
    value costs more than 100 bytes beyond 4 bytes per character of its text (a dict's slot
    and key, a list's pointer, a str's header, an int's digits), so the bound holds for any
    shape, 20,000 empty lists included (tests/hardening/test_journal_memory.py checks it).
    """
    text = json.dumps(value, ensure_ascii=False, check_circular=False)
    values = text.count(",") + text.count(":") + text.count("[") + text.count("{") + 1
    return 4 * len(text) + 100 * values


class Journal:
    """Keeps the newest entries within ``max_entries`` and ``max_bytes``; counts the ones it dropped.

    An entry may arrive with a *completer*: the expensive part (findings, the parsed response
    body) is filled in later, off the request path, by a worker that runs while the server is
    idle, or at once when somebody reads the entry. Readers always get complete entries. Until
    then the entry counts its own size plus ``pending_bytes`` (what the completer holds).
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        file: Path | None = None,
        file_max_bytes: int = DEFAULT_FILE_MAX_BYTES,
    ):
        if max_entries < 1 or max_bytes < 1 or file_max_bytes < 1:
            raise ValueError("the journal needs room for at least one entry")
        self._entries: deque[Entry] = deque()
        self._max_entries = max_entries
        self.max_bytes = max_bytes
        self._sizes: dict[int, int] = {}  # entry id -> bytes accounted for it
        self.bytes = 0
        self._lock = threading.Lock()
        self._next_id = 1
        self.dropped = 0
        self.file = file
        self.file_max_bytes = file_max_bytes
        self._file_bytes = 0
        self.compactions = 0
        self._listeners: list[Callable[[Entry], None]] = []
        self._pending: dict[int, tuple[Entry, Completer]] = {}  # in id order (insertion order)
        self._completing = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._last_append = 0.0
        self._worker: threading.Thread | None = None
        if file is not None and file.exists():
            self._load(file)

    @property
    def max_entries(self) -> int:
        """The ring buffer's capacity in entries."""
        return self._max_entries

    def _load(self, file: Path) -> None:
        """Resume from a JSON Lines file written by an earlier run (last entries win)."""
        for entry in _read_lines(file):
            self._push(entry, estimated_size(entry))
            self._next_id = max(self._next_id, int(entry["id"]) + 1)
        with file.open("rb+") as handle:
            self._file_bytes = handle.seek(0, 2)
            if self._file_bytes == 0:
                return
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                handle.write(b"\n")  # End a torn last line so the next entry starts cleanly.
                self._file_bytes += 1

    def _push(self, entry: Entry, size: int) -> None:
        """Append to the ring buffer (lock held), then drop the oldest entries past the bounds."""
        self._entries.append(entry)
        self._sizes[entry["id"]] = size
        self.bytes += size
        self._trim()

    def _trim(self) -> None:
        """Drop the oldest entries while either bound is exceeded; the newest always stays (lock held)."""
        while len(self._entries) > self._max_entries or (
            self.bytes > self.max_bytes and len(self._entries) > 1
        ):
            oldest = self._entries.popleft()
            self.dropped += 1
            self._pending.pop(oldest["id"], None)
            self.bytes -= self._sizes.pop(oldest["id"], 0)

    def _resize(self, entry: Entry, size: int) -> None:
        """Account an entry's size again (after its completion), if it is still held."""
        with self._lock:
            if entry["id"] in self._sizes:
                self.bytes += size - self._sizes[entry["id"]]
                self._sizes[entry["id"]] = size
                self._trim()

    def append(self, entry: Entry, complete: Completer | None = None, *, pending_bytes: int = 0) -> Entry:
        """Assign the next id and store the entry; ``complete`` fills in the rest later.

        With a journal file the entry is completed at once, so the file is written in order.
        """
        size = estimated_size(entry) + pending_bytes + _ID_BYTES
        with self._lock:
            entry = {"id": self._next_id, **entry}
            self._next_id += 1
            self._push(entry, size)
            if complete is not None and self.file is None:
                self._pending[entry["id"]] = (entry, complete)
                self._last_append = time.monotonic()
                if self._worker is None or len(self._pending) == 1:
                    self._start_worker()
            listeners = list(self._listeners)
        if complete is not None and self.file is not None:
            complete(entry)
            self._resize(entry, estimated_size(entry))
        if self.file is not None:
            self._write(entry)
        for listener in listeners:
            listener(entry)
        return entry

    def _write(self, entry: Entry) -> None:
        """Append the entry's line to the journal file; compact the file once it passes its bound."""
        line = (jsontext.dumps(entry) + "\n").encode("utf-8")
        assert self.file is not None
        with self._lock:
            with self.file.open("ab") as handle:
                handle.write(line)
            self._file_bytes += len(line)
            if self._file_bytes > self.file_max_bytes:
                self._compact(self.file)

    def _compact(self, file: Path) -> None:
        """Rewrite the file with the newest held entries that fit in half its bound (lock held).

        Atomic (a temporary file, then ``os.replace``), so a crash leaves the old file or the
        new one; halving means a rewrite happens at most once per half-bound of appends.
        """
        lines: list[bytes] = []
        room = self.file_max_bytes // 2
        for entry in reversed(self._entries):
            line = (jsontext.dumps(entry) + "\n").encode("utf-8")
            if len(line) > room:
                break
            lines.append(line)
            room -= len(line)
        temporary = file.with_name(file.name + ".compacting")
        with temporary.open("wb") as handle:
            handle.writelines(reversed(lines))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, file)
        self._file_bytes = sum(map(len, lines))
        self.compactions += 1

    def ready(self, entry: Entry) -> Entry:
        """Complete ``entry`` now if its completion is still pending; return it."""
        with self._completing:
            with self._lock:
                waiting = self._pending.get(entry["id"])
            if waiting is not None:
                waiting[1](entry)
                with self._lock:
                    self._pending.pop(entry["id"], None)
                self._resize(entry, estimated_size(entry))
        return entry

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
                entry, _ = next(iter(self._pending.values()))  # the oldest
            self.ready(entry)

    def pending(self) -> int:
        """How many entries still wait for their completion."""
        with self._lock:
            return len(self._pending)

    def entries(self, where: EntryFilter | None = None, *, newest_first: bool = False) -> list[Entry]:
        """Complete entries matching ``where``, oldest first unless asked otherwise."""
        with self._lock:
            stored = list(self._entries)
        selected = [e for e in map(self.ready, stored) if where is None or where.matches(e)]
        return selected[::-1] if newest_first else selected

    def get(self, entry_id: int) -> Entry | None:
        """The complete entry with this id, if it is still in the buffer."""
        with self._lock:
            entry = next((e for e in self._entries if e["id"] == entry_id), None)
        return self.ready(entry) if entry is not None else None

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
            self._sizes.clear()
            self.bytes = 0
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
    with file.open("rb") as handle:
        for line in handle:
            try:
                entry = jsontext.loads(
                    line, what="a journal line", max_depth=_LINE_DEPTH, lone_surrogates=True
                )
            except ScimError:
                continue  # A crash can leave a partial last line; earlier lines are intact.
            if isinstance(entry, dict) and isinstance(entry.get("id"), int) and "request" in entry:
                yield entry


def read_journal_file(file: Path) -> list[Entry]:
    """Every entry in a JSON Lines journal file, oldest first."""
    return list(_read_lines(file))
