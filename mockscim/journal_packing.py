"""How the journal keeps an entry: compact JSON, zlib-compressed with a preset dictionary.

An Okta request's entry is about 1,400 bytes of JSON and 250 bytes packed, where the same entry
as Python dicts holds 7-10 KB (docs/performance.md, "journal memory"). The packed length is the
entry's size, exactly, so the journal's byte bound needs no estimate (until the packer thread
has packed an entry, its JSON text is its size). Every read parses a fresh copy, so no reader
can change what another one sees.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from typing import Any

from mockscim import jsontext
from mockscim.constants import ENTERPRISE_SCHEMA
from mockscim.constants import ERROR_SCHEMA
from mockscim.constants import GROUP_SCHEMA
from mockscim.constants import LIST_RESPONSE
from mockscim.constants import PATCH_OP
from mockscim.constants import USER_SCHEMA

Entry = dict[str, Any]


def _vocabulary() -> bytes:
    """What most entries say (keys, Okta's headers, SCIM URNs): a preset zlib dictionary, so even
    one short entry compresses well."""
    words = [
        '{"at":"2026-01-01T00:00:00.000Z","duration_ms":1.0,"request":{"method":"GET","path":"/scim/v2/Users",',
        '"query":{"filter":"userName eq \\"","startIndex":"1","count":"100"},"headers":{"User-Agent":"Okta SCIM Client 1.0.0",',
        '"Host":"127.0.0.1","Accept":"application/scim+json","Accept-Charset":"utf-8","Accept-Encoding":"gzip,deflate",',
        '"Authorization":"Basic ***","Content-Type":"application/scim+json; charset=utf-8","Content-Length":"',
        '"Connection":"keep-alive"},"body":null,"scim_path":"/Users/"},"response":{"status":200,"headers":{"Content-Type":',
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
_WINDOW_BITS = 13  # an 8 KiB window: larger than the dictionary and most entries
_MEMORY_LEVEL = 4
# A compressor that has read the dictionary, copied for each entry: setting the dictionary
# hashes all of it (3.4 µs, holding the GIL), a copy takes 1.4 µs; the output is the same.
_PRIMED = zlib.compressobj(1, zlib.DEFLATED, _WINDOW_BITS, _MEMORY_LEVEL, zdict=_ZDICT)


def shrink(plain: bytes) -> bytes:
    """``plain`` (JSON text, or any bytes) compressed with the preset dictionary.

    The journal's completers keep the response they will parse this way too, so an entry
    waiting for its findings stays small. Level 1 with an 8 KiB window and memLevel 4: zlib's
    defaults (32 KiB, 8) allocate about 256 KiB of state per call, which took 20-45 µs for a
    1 KB entry against 7 µs now, for 1-4 % larger output (entries are a few KB; the decompressor
    reads the window size from the stream)."""
    squeezer = _PRIMED.copy()
    return squeezer.compress(plain) + squeezer.flush()


def expand(packed: bytes) -> bytes:
    """The bytes that ``shrink`` compressed."""
    return zlib.decompressobj(zdict=_ZDICT).decompress(packed)


def encode(entry: Entry) -> bytes:
    """``entry`` (without its id) as compact JSON bytes; lone surrogates survive as they came.

    Raises TypeError for a value JSON cannot hold (a caller's bug: entries are JSON by contract).
    """
    try:
        return jsontext.fast_encode(entry)
    except TypeError:  # a lone surrogate, a huge integer: json writes those
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), check_circular=False)
        return text.encode("utf-8", "surrogatepass")


def pack(entry: Entry) -> bytes:
    """``entry`` (without its id) as compressed compact JSON."""
    return shrink(encode(entry))


def is_packed(data: bytes) -> bool:
    """True for compressed data, False for the JSON text of an entry (which starts with ``{``;
    a zlib stream starts with its header byte, never ``{``)."""
    return data[:1] != b"{"


def unpack(data: bytes) -> Entry:
    """A fresh copy of the entry that ``pack`` packed, or that ``encode`` wrote."""
    plain = expand(data) if is_packed(data) else data
    entry: Entry = json.loads(plain.decode("utf-8", "surrogatepass"))
    return entry


class Slot:
    """One buffered entry: its id, the rest as JSON text or packed, and the bytes the journal
    accounts for it. ``data`` is one attribute, so swapping the text for its packed form is atomic.
    """

    __slots__ = ("data", "id", "size")

    def __init__(self, entry_id: int, data: bytes, extra: int = 0) -> None:
        self.id = entry_id
        self.data = data
        self.size = slot_size(data) + extra

    def read(self) -> Entry:
        """A fresh copy of the entry, id first."""
        return {"id": self.id, **unpack(self.data)}


# What holding a slot costs beyond its packed bytes: the slot object, the bytes object's header,
# the deque's pointer and a pending-completion dict entry (measured with sys.getsizeof: about 160).
SLOT_OVERHEAD = 256


def slot_size(data: bytes) -> int:
    """The bytes of memory a slot holding ``data`` accounts for (an upper bound)."""
    return len(data) + SLOT_OVERHEAD


# Shorter JSON is kept as it is: compressing it saves nothing. An entry waiting for its completer
# is about 60 bytes (its time and duration); its completer's bytes are still squeezed.
WORTH_PACKING = 160
# The packer's rhythm: a nap between drains, and the backlog that cuts a nap short. At 3,000
# requests a second a nap lets about 60 entries queue (some 80 KB of text, packed in 0.5 ms).
NAP_SECONDS = 0.02
WAKE_AT = 64
IDLE_SECONDS = 2.0  # then the thread ends
BATCH = 64  # slots handed to the journal at once: its lock is held while it swaps them (~1 µs each)


class Packer:
    """Compresses entries' JSON text in a thread of its own, off the request path.

    zlib releases the GIL while it compresses; on a request thread that meant waiting to get it
    back behind the other workers, twice per request (the entry, and the response its completer
    keeps), and the requests queued behind that one's journal turn waited too: 365 against 668
    GETs/s with the same entries kept as text (docs/performance.md). Here the wait costs no
    request anything, and the compression runs beside the workers on another core. The
    backlog stays short: packing an entry takes about 7 µs, a request several hundred.

    The thread wakes every ``nap`` seconds, or at once when ``WAKE_AT`` slots wait, and packs
    what has queued. Waking it for every entry woke a sleeping thread on every request, which
    then wanted the GIL from the workers: in an interleaved A/B under load this way saved about
    one thread switch and 5-10 % of the server's CPU per request (docs/performance.md, "What
    was changed and found (phase 3, eleventh session)").
    """

    def __init__(
        self, packed: Callable[[list[tuple[Slot, bytes, bytes]]], None], nap: float = NAP_SECONDS
    ) -> None:
        self._queue: deque[Slot] = deque()  # append and popleft are atomic
        self._packed = packed  # called with a batch of (slot, its JSON text, that text packed)
        self._nap = nap
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None

    def offer(self, slot: Slot) -> None:
        """Queue a slot holding JSON text; start the thread if it is not running, wake it once
        ``WAKE_AT`` slots wait (it packs the rest at its next wake)."""
        self._queue.append(slot)
        with self._lock:  # the thread's exit checks the queue under this lock: no slot is stranded
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="mockscim-packer", daemon=True)
                self._thread.start()
        if len(self._queue) >= WAKE_AT:
            self._wake.set()

    def drain(self) -> None:
        """Pack every queued slot now, in the calling thread; when it returns, no slot is being
        packed by the thread either (each batch is packed holding ``_busy``)."""
        while True:
            with self._busy:
                batch = self._batch()
                if not batch:
                    return
                self._packed(batch)

    def _batch(self) -> list[tuple[Slot, bytes, bytes]]:
        """Up to ``BATCH`` queued slots still held as text, each with its text and packed form.

        Handed over together, so the journal takes its lock (which every request's append
        takes too) once per batch instead of once per slot."""
        batch = []
        while len(batch) < BATCH:
            try:
                slot = self._queue.popleft()
            except IndexError:
                break
            text = slot.data
            if not is_packed(text):
                packed = shrink(text) if len(text) > WORTH_PACKING else jsontext.exact(text)
                batch.append((slot, text, packed))
        return batch

    def _run(self) -> None:
        """Drain after each nap, or when woken; end once nothing came for ``IDLE_SECONDS``
        (``offer`` starts it again)."""
        idle_since = time.monotonic()
        while True:
            self._wake.wait(timeout=self._nap)
            self._wake.clear()
            if self._queue:
                self.drain()
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= IDLE_SECONDS:
                with self._lock:
                    if not self._queue:
                        self._thread = None
                        return
