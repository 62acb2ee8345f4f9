"""The request journal: a bounded, thread-safe ring buffer of JSON-safe entries.

Entries are plain dicts (never Flask objects), so they can be served by the admin API,
written as JSON Lines and exported as scenarios without conversion. Secrets are masked by
the caller before an entry arrives here (``mockscim.inspect.masking``).

Two bounds hold whatever the requests: at most ``max_entries`` entries, and at most
``max_bytes`` bytes of memory, each entry counted as its packed length (``journal_packing``) when
it is appended and again when it is completed; the oldest entries go first. The journal file is bounded too:
past ``file_max_bytes`` it is rewritten (atomically) with the newest entries that fit in half
of it, so it stays a faithful copy of what the journal holds.
"""

from __future__ import annotations

import bisect
import operator
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
from mockscim.journal_packing import Packer
from mockscim.journal_packing import Slot
from mockscim.journal_packing import encode
from mockscim.journal_packing import pack
from mockscim.journal_packing import slot_size

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
_LINE_DEPTH = jsontext.MAX_DEPTH + 8  # an entry wraps bodies (capped at the edge) in a few levels
# A deferred completion waits until no request has arrived for this long, so validation never
# competes with requests in flight (see ``Journal.append``).
IDLE_SECONDS = 0.05
_ID = operator.attrgetter("id")  # the key of the buffer's order (``_slot``)


@dataclass(frozen=True)
class Prepared:
    """An entry encoded for ``Journal.add``, before it has an id (``Journal.prepare``)."""

    entry: Entry
    text: bytes
    complete: Completer | None
    pending_bytes: int


class Journal:
    """Keeps the newest entries within ``max_entries`` and ``max_bytes``; counts the ones it dropped.

    Every entry is kept as its JSON text from the moment it arrives, and packed (compressed,
    ``mockscim.journal_packing``) by a thread of its own soon after; its length is its size. An entry may arrive with a *completer*: the expensive part
    (findings, the parsed response body) is filled in later, off the request path, by a worker
    that runs while the server is idle, or at once when somebody reads the entry. Readers always
    get complete entries, each a fresh copy. Until then the entry also counts ``pending_bytes``
    (what the completer holds).
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
        self._entries: deque[Slot] = deque()
        self._max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._lock = threading.Lock()
        self._next_id = 1
        self.dropped = 0
        self.file = file
        self.file_max_bytes = file_max_bytes
        self._file_bytes = 0
        self.compactions = 0
        self._listeners: list[Callable[[Entry], None]] = []
        self._pending: dict[int, Completer] = {}  # in id order (insertion order)
        self._completing = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._last_append = 0.0
        self._worker: threading.Thread | None = None
        self._packer = Packer(self._packed)
        if file is not None and file.exists():
            self._load(file)

    @property
    def max_entries(self) -> int:
        """The ring buffer's capacity in entries."""
        return self._max_entries

    def _load(self, file: Path) -> None:
        """Resume from a JSON Lines file written by an earlier run (last entries win)."""
        for entry in _read_lines(file):
            entry_id = int(entry.pop("id"))
            self._push(Slot(entry_id, pack(entry)))
            self._next_id = max(self._next_id, entry_id + 1)
        with file.open("rb+") as handle:
            self._file_bytes = handle.seek(0, 2)
            if self._file_bytes == 0:
                return
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                handle.write(b"\n")  # End a torn last line so the next entry starts cleanly.
                self._file_bytes += 1

    def _push(self, slot: Slot) -> None:
        """Append to the ring buffer (lock held), then drop the oldest entries past the bounds."""
        self._entries.append(slot)
        self.bytes += slot.size
        self._trim()

    def _trim(self) -> None:
        """Drop the oldest entries while either bound is exceeded; the newest always stays (lock held)."""
        while len(self._entries) > self._max_entries or (
            self.bytes > self.max_bytes and len(self._entries) > 1
        ):
            oldest = self._entries.popleft()
            self.dropped += 1
            self._pending.pop(oldest.id, None)
            self.bytes -= oldest.size

    def _slot(self, entry_id: int) -> Slot | None:
        """The buffered slot with this id (lock held): ids are consecutive, so usually O(1).

        Ids only grow along the buffer (a resumed file may leave gaps), so an id outside it is
        known at once and any other is found by bisection. A scan of the buffer cost 0.3 ms at
        10,000 entries: the packer asks for slots already dropped whenever it falls behind a
        full buffer, and with one ask per request it used a core's worth of CPU.
        """
        entries = self._entries
        if not entries or not entries[0].id <= entry_id <= entries[-1].id:
            return None
        index = entry_id - entries[0].id
        if index < len(entries) and entries[index].id == entry_id:
            return entries[index]
        index = bisect.bisect_left(entries, entry_id, key=_ID)
        return entries[index] if entries[index].id == entry_id else None

    @staticmethod
    def prepare(entry: Entry, complete: Completer | None = None, *, pending_bytes: int = 0) -> Prepared:
        """Encode ``entry`` for ``add``: the costly part of appending, which needs no lock or turn."""
        return Prepared(entry, encode(entry), complete, pending_bytes if complete is not None else 0)

    def append(self, entry: Entry, complete: Completer | None = None, *, pending_bytes: int = 0) -> Entry:
        """Assign the next id and store the entry; ``complete`` fills in the rest later."""
        return self.add(self.prepare(entry, complete, pending_bytes=pending_bytes))

    def add(self, prepared: Prepared) -> Entry:
        """Store a prepared entry under the next id; return it as stored so far, with its id.

        With a journal file the entry is completed at once, so the file is written in order.
        """
        complete = prepared.complete
        with self._lock:
            slot = Slot(self._next_id, prepared.text, prepared.pending_bytes)
            self._next_id += 1
            self._push(slot)
            if complete is not None:
                self._pending[slot.id] = complete
                self._last_append = time.monotonic()
                if self.file is None and (self._worker is None or len(self._pending) == 1):
                    self._start_worker()
            listeners = list(self._listeners)
        self._packer.offer(slot)
        shown = {"id": slot.id, **prepared.entry}
        if self.file is not None:
            self._write(self._complete(slot) or shown)
        for listener in listeners:
            listener(shown)
        return shown

    def _write(self, entry: Entry) -> None:
        """Append the entry's line to the journal file; compact the file once it passes its bound."""
        line = jsontext.encode(entry) + b"\n"
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
        for slot in reversed(self._entries):
            line = jsontext.encode(slot.read()) + b"\n"
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

    def _complete(self, slot: Slot) -> Entry | None:
        """Run the slot's completer if it is still pending; return the entry it completed."""
        with self._completing:
            with self._lock:
                complete = self._pending.get(slot.id)
            if complete is None:
                return None
            entry = slot.read()
            complete(entry)
            packed = pack({k: v for k, v in entry.items() if k != "id"})
            with self._lock:
                self._pending.pop(slot.id, None)
                self._swap(slot, packed)
            return entry

    def _swap(self, slot: Slot, data: bytes, extra: int = 0) -> None:
        """Hold ``data`` in ``slot`` (plus ``extra`` bytes a completer holds), accounting its new
        size if the slot is still held (lock held)."""
        if self._slot(slot.id) is slot:
            self.bytes -= slot.size
            slot.data, slot.size = data, slot_size(data) + extra
            self.bytes += slot.size
            self._trim()
        else:
            slot.data = data

    def _packed(self, batch: list[tuple[Slot, bytes, bytes]]) -> None:
        """The packer's results, each kept unless its slot changed meanwhile (a completion); then
        pending completers shrink what they hold, off the request path and outside the lock."""
        with self._lock:
            for slot, text, packed in batch:
                if slot.data is text:
                    self._swap(slot, packed, extra=slot.size - slot_size(text))  # a completer's share
            pending = [self._pending.get(slot.id) for slot, _, _ in batch]
        for squeeze in filter(None, (getattr(complete, "squeeze", None) for complete in pending)):
            squeeze()

    def pack_all(self) -> None:
        """Pack every entry still held as text, in the calling thread (tests, measurements)."""
        self._packer.drain()

    def _read(self, slot: Slot) -> Entry:
        """A fresh copy of the complete entry held by ``slot`` (completing it first if needed)."""
        if slot.id in self._pending:
            done = self._complete(slot)
            if done is not None:
                return done
        return slot.read()

    def ready(self, entry: Entry) -> Entry:
        """The complete form of ``entry`` (completed now if needed): a fresh copy while the entry
        is still buffered, else ``entry`` itself."""
        with self._lock:
            slot = self._slot(entry["id"])
        return self._read(slot) if slot is not None else entry

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
                oldest = next(iter(self._pending))
                slot = self._slot(oldest)
                if slot is None:
                    self._pending.pop(oldest, None)
            if slot is not None:
                self._complete(slot)

    def pending(self) -> int:
        """How many entries still wait for their completion."""
        with self._lock:
            return len(self._pending)

    def entries(self, where: EntryFilter | None = None, *, newest_first: bool = False) -> list[Entry]:
        """Complete entries matching ``where``, oldest first unless asked otherwise."""
        with self._lock:
            stored = list(self._entries)
        since = where.since_id if where is not None else None
        if since is not None:  # by id, before any entry is unpacked
            stored = [slot for slot in stored if slot.id > since]
        selected = [e for e in map(self._read, stored) if where is None or where.matches(e)]
        return selected[::-1] if newest_first else selected

    def get(self, entry_id: int) -> Entry | None:
        """The complete entry with this id, if it is still in the buffer."""
        with self._lock:
            slot = self._slot(entry_id)
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
