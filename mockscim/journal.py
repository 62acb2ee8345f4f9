"""The request journal: a bounded, thread-safe ring buffer of JSON-safe entries.

Entries are plain dicts (never Flask objects), so they can be served by the admin API,
written as JSON Lines and exported as scenarios without conversion. Secrets are masked by
the caller before an entry arrives here (``mockscim.inspect.masking``).

Every entry is kept as its compact JSON, compressed (a few hundred bytes for an Okta request,
where the dicts took about 10 KB; docs/performance.md), and parsed again when it is read:
every reader gets its own copy.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockscim.constants import ENTERPRISE_SCHEMA
from mockscim.constants import ERROR_SCHEMA
from mockscim.constants import GROUP_SCHEMA
from mockscim.constants import LIST_RESPONSE
from mockscim.constants import PATCH_OP
from mockscim.constants import USER_SCHEMA

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
# A completer finds the response body here when the caller handed it over as JSON text
# (``append(raw_body=...)``): it is kept as sent, without a parse, until the entry is completed.
RAW_BODY_KEY = "_raw_response_body"


def _dumps(entry: Entry) -> str:
    """Compact JSON text of an entry (lone surrogates survive: they are kept as they came)."""
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def _encode(text: str) -> bytes:
    """UTF-8 bytes of ``text``, lone surrogates included."""
    return text.encode("utf-8", "surrogatepass")


def _vocabulary() -> bytes:
    """What most entries say (keys, Okta's headers, SCIM URNs): a preset zlib dictionary, so even
    one short entry compresses well (a GET /Users/{id} entry: about 1,400 bytes of JSON, 250 packed)."""
    words = [
        '{"id":1,"at":"2026-01-01T00:00:00.000Z","duration_ms":1.0,"request":{"method":"GET","path":"/scim/v2/Users",',
        '"query":{"filter":"userName eq \\"","startIndex":"1","count":"100"},"headers":{"user-agent":"Okta SCIM Client 1.0.0",',
        '"host":"127.0.0.1","accept":"application/scim+json","accept-charset":"utf-8","accept-encoding":"gzip,deflate",',
        '"authorization":"Basic ***","content-type":"application/scim+json; charset=utf-8","content-length":"',
        '"connection":"keep-alive"},"body":null,"scim_path":"/Users/"},"response":{"status":200,"headers":{"Content-Type":',
        '"application/scim+json","Content-Length":"","ETag":"W/\\"1\\""},"body":{"schemas":["',
        f'{USER_SCHEMA}","{GROUP_SCHEMA}","{LIST_RESPONSE}","{PATCH_OP}","{ERROR_SCHEMA}","{ENTERPRISE_SCHEMA}',
        '"],"id":"00000000-0000-4000-8000-000000000000","userName":"@example.com","name":{"givenName":"","familyName":""},',
        '"emails":[{"primary":true,"value":"","type":"work"}],"displayName":"","locale":"en-US","externalId":"00u",',
        '"active":true,"groups":[],"meta":{"resourceType":"User","created":"","lastModified":"","location":"http://127.0.0.1',
        '"version":"W/\\"1\\""}},"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[',
        '"Operations":[{"op":"replace","value":{"active":false}}],"members":[{"value":"","display":""}],',
        '"operation":"user-lookup","dialect":"oin","fault":null,"findings":[],"resource":{"type":"User","id":""}}',
    ]
    return "".join(words).encode()


_ZDICT = _vocabulary()


def _shrink(plain: bytes) -> bytes:
    """``plain`` JSON compressed with the preset dictionary (zlib level 1: about 15 µs)."""
    squeezer = zlib.compressobj(1, zdict=_ZDICT)
    return squeezer.compress(plain) + squeezer.flush()


def _expand(packed: bytes) -> bytes:
    """The JSON that ``_shrink`` packed."""
    return zlib.decompressobj(zdict=_ZDICT).decompress(packed)


class _Slot:
    """One buffered entry: its id, and the rest of the entry as compressed compact JSON (or, for
    an entry that is not JSON-safe, the dict itself). The id is kept apart, so an entry is packed
    before it gets its id, outside every lock."""

    __slots__ = ("data", "id")

    def __init__(self, entry_id: int, data: Entry | bytes) -> None:
        self.id = entry_id
        self.data = data

    @classmethod
    def of(cls, entry: Entry) -> _Slot:
        """A slot holding ``entry`` (which has its id) packed."""
        packed = pack({k: v for k, v in entry.items() if k != "id"})
        return cls(entry["id"], packed if packed is not None else entry)

    def text(self) -> str | None:
        """The entry's JSON text, id first (None for an entry kept as a dict)."""
        data = self.data
        if not isinstance(data, bytes):
            return None
        rest = _expand(data).decode("utf-8", "surrogatepass")
        return f'{{"id":{self.id}' + ("," + rest[1:] if rest != "{}" else "}")

    def read(self) -> Entry:
        """A fresh copy of the entry, id first."""
        data = self.data
        if not isinstance(data, bytes):
            return data
        return {"id": self.id, **json.loads(_expand(data).decode("utf-8", "surrogatepass"))}


def pack(entry: Entry, raw_body: bytes | None = None) -> bytes | None:
    """``entry`` as compressed compact JSON, with ``raw_body`` (JSON text) spliced in under
    RAW_BODY_KEY when given; None if the entry is not JSON-safe."""
    try:
        text = _encode(_dumps(entry))
    except (TypeError, ValueError):
        return None
    if raw_body is not None:
        member = f'"{RAW_BODY_KEY}":'.encode() + raw_body
        text = text[:-1] + (b"," if text != b"{}" else b"") + member + b"}"
    return _shrink(text)


@dataclass(frozen=True)
class Prepared:
    """An entry made ready to append (packed), before it has an id: ``Journal.prepare``."""

    entry: Entry
    packed: bytes | None
    complete: Completer | None


# A deferred completion waits until no request has arrived for this long, so validation never
# competes with requests in flight (see ``Journal.append``).
IDLE_SECONDS = 0.05


class Journal:
    """Keeps the last ``max_entries`` entries; counts the ones it had to drop.

    An entry may arrive with a *completer*: the expensive part (findings, the masked response
    body) is filled in later, off the request path, by a worker that runs while the server is
    idle, or at once when somebody reads the entry. Readers always get complete entries. Every
    entry is kept as compact JSON from the moment it arrives, so entries waiting for their
    completion (all of them, under sustained load) are as small as complete ones.
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
        self._pending: dict[int, Completer] = {}  # in id order (insertion order)
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
            self._push(_Slot.of(entry))
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

    def _slot(self, entry_id: int) -> _Slot | None:
        """The buffered slot with this id (lock held): ids are consecutive, so usually O(1)."""
        if not self._entries:
            return None
        index = entry_id - self._entries[0].id
        if 0 <= index < len(self._entries) and self._entries[index].id == entry_id:
            return self._entries[index]
        return next((s for s in self._entries if s.id == entry_id), None)

    @staticmethod
    def prepare(
        entry: Entry, complete: Completer | None = None, *, raw_body: bytes | None = None
    ) -> Prepared:
        """Pack ``entry`` for ``add`` (the costly part of appending; it needs no lock and no turn).

        ``raw_body`` is the response body as JSON text, for the completer to find under
        RAW_BODY_KEY (only with a completer)."""
        return Prepared(entry, pack(entry, raw_body if complete is not None else None), complete)

    def append(
        self, entry: Entry, complete: Completer | None = None, *, raw_body: bytes | None = None
    ) -> Entry:
        """Assign the next id and store the entry; ``complete`` fills in the rest later."""
        return self.add(self.prepare(entry, complete, raw_body=raw_body))

    def add(self, prepared: Prepared) -> Entry:
        """Store a prepared entry under the next id; return it as stored so far, with its id.

        With a journal file the entry is completed at once, so the file is written in order.
        """
        entry, complete = prepared.entry, prepared.complete
        with self._lock:
            entry_id = self._next_id
            self._next_id += 1
            data = prepared.packed if prepared.packed is not None else {"id": entry_id, **entry}
            slot = _Slot(entry_id, data)
            self._push(slot)
            if complete is not None:
                self._pending[entry_id] = complete
                self._last_append = time.monotonic()
                if self.file is None and (self._worker is None or len(self._pending) == 1):
                    self._start_worker()
            listeners = list(self._listeners)
        shown = {"id": entry_id, **entry}
        if self.file is not None:
            if complete is not None:
                self._complete(slot)
            text = slot.text() or _dumps(shown)
            with self._lock, self.file.open("a", encoding="utf-8") as handle:
                handle.write(text + "\n")
        for listener in listeners:
            listener(shown)
        return shown

    def _complete(self, slot: _Slot) -> None:
        """Run the slot's completer if it is still pending."""
        with self._completing:
            with self._lock:
                complete = self._pending.get(slot.id)
            if complete is not None:
                entry = slot.read()
                complete(entry)
                packed = _Slot.of(entry)
                with self._lock:
                    slot.data = packed.data
                    self._pending.pop(slot.id, None)

    def ready(self, entry: Entry) -> Entry:
        """The complete form of ``entry`` (completed now if needed): a fresh copy while the entry
        is still buffered, else ``entry`` itself."""
        with self._lock:
            slot = self._slot(entry["id"])
        return self._read(slot) if slot is not None else entry

    def _read(self, slot: _Slot) -> Entry:
        """A fresh copy of the complete entry held by ``slot`` (completing it first if needed)."""
        if slot.id in self._pending:
            self._complete(slot)
        return slot.read()

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
        if since is not None:  # by id, before any entry is parsed
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
