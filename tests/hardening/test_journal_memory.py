"""The journal's memory is bounded in bytes, whatever the requests: each entry's size is estimated
from above when it is recorded, the oldest entries go past ``--journal-max-bytes``, anonymous
requests keep only a summary, and the journal file is compacted past its own bound. The live
test measures what the server really holds (``tracemalloc``) after thousands of worst-case
requests and compares it with the bound."""

from __future__ import annotations

import base64
import gc
import json
import os
import sys
import time
import tracemalloc
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from support import until

from mockscim.journal import Journal
from mockscim.journal import read_journal_file
from mockscim.journal_packing import _MEMORY_LEVEL
from mockscim.journal_packing import _WINDOW_BITS
from mockscim.journal_packing import _ZDICT
from mockscim.journal_packing import BATCH
from mockscim.journal_packing import WAKE_AT
from mockscim.journal_packing import WORTH_PACKING
from mockscim.journal_packing import Packer
from mockscim.journal_packing import Slot
from mockscim.journal_packing import encode
from mockscim.journal_packing import expand
from mockscim.journal_packing import is_packed
from mockscim.journal_packing import shrink

SCIM = "/scim/v2"
MiB = 1024 * 1024
BOUND = 2 * MiB
FILE_BOUND = 2 * MiB
SLACK = 2 * MiB  # what else a running server allocates meanwhile (threads, caches, buffers)


def measured(value: Any) -> int:
    """What a value really holds: ``sys.getsizeof`` of every object reached, shared ones once."""
    seen: set[int] = set()
    total, stack = 0, [value]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        total += sys.getsizeof(node)
        if isinstance(node, dict):
            stack += [*node.keys(), *node.values()]
        elif isinstance(node, list):
            stack += node
    return total


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**200), max_value=10**200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=12) | st.dictionaries(st.text(max_size=12), children, max_size=12)
    ),
    max_leaves=120,
)


def slot_memory(slot: Slot) -> int:
    """What one buffered entry really holds: the slot object and its packed bytes."""
    return sys.getsizeof(slot) + sys.getsizeof(slot.data)


@settings(
    max_examples=300, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
@given(JSON_VALUES)
def test_an_entry_is_accounted_at_least_what_it_holds_and_reads_back_the_same(value):
    journal = Journal(10)
    stored = journal.append({"request": {"body": value}})
    journal.pack_all()
    (slot,) = journal._entries  # a test may look inside: what the slot holds is the point
    assert journal.bytes == slot.size >= slot_memory(slot)
    assert journal.get(stored["id"]) == json.loads(json.dumps(stored))


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.binary(max_size=20_000))
def test_a_shrunk_body_is_what_a_fresh_compressor_with_the_dictionary_writes(plain):
    # shrink copies one primed compressor; a fresh one reading the same dictionary is the oracle.
    fresh = zlib.compressobj(1, zlib.DEFLATED, _WINDOW_BITS, _MEMORY_LEVEL, zdict=_ZDICT)
    assert shrink(plain) == fresh.compress(plain) + fresh.flush()
    assert expand(shrink(plain)) == plain


def test_threads_shrinking_at_once_each_get_their_own_body_back():
    bodies = [os.urandom(50) * (i % 40 + 1) for i in range(400)]
    with ThreadPoolExecutor(8) as pool:
        assert [expand(x) for x in pool.map(shrink, bodies)] == bodies


@pytest.mark.parametrize(
    "text",
    [
        "[" + ",".join(["[]"] * 20_000) + "]",
        "[" + ",".join(["{}"] * 20_000) + "]",
        "[" + ",".join(["1"] * 30_000) + "]",
        "{" + ",".join(f'"k{i}":null' for i in range(6_000)) + "}",
        json.dumps(["\U0001f600" * 1000] * 50),
        json.dumps([{"value": "x" * 36, "display": "y"} for _ in range(2000)]),
    ],
    ids=["lists", "objects", "ints", "keys", "astral", "members"],
)
def test_a_packed_entry_is_a_fraction_of_its_parsed_form(text):
    parsed = json.loads(text)
    journal = Journal(10)
    journal.append({"request": {"body": parsed}})
    journal.pack_all()
    (slot,) = journal._entries
    assert slot_memory(slot) <= slot.size < measured(parsed) / 4


def _entry(size: int) -> dict[str, Any]:
    """A journal entry whose body holds ``size`` small lists."""
    return {"request": {"method": "POST", "path": "/Users", "body": [[] for _ in range(size)]}}


def _noise(size: int) -> str:
    """``size`` characters that do not compress (so an entry's packed size is about its length)."""
    return base64.b64encode(os.urandom(size * 3 // 4)).decode()


def test_the_journal_drops_the_oldest_entries_past_its_byte_bound():
    journal = Journal(1000, max_bytes=1_000_000)
    for _ in range(50):
        journal.append({"request": {"body": _noise(200_000)}})  # 200 kB as text, about 152 kB packed
    journal.pack_all()
    kept = journal.count()
    assert journal.bytes <= 1_000_000 and 4 <= kept <= 6
    assert journal.dropped == 50 - kept
    assert [e["id"] for e in journal.entries()][-1] == 50  # the newest stay
    journal.append({"request": {"body": _noise(2_000_000)}})  # one entry over the whole bound is kept alone
    assert journal.count() == 1


def test_a_pending_completion_is_counted_until_it_runs():
    journal = Journal(1000, max_bytes=1_000_000)

    def complete(entry: dict[str, Any]) -> None:
        entry["response"] = {"body": _noise(200_000)}

    for _ in range(3):
        journal.append({"request": {}}, complete, pending_bytes=400_000)
    assert journal.count() == 2  # three times 400 kB pending does not fit in 1 MB
    journal.entries()  # completes them: each is now about 152 kB
    assert journal.bytes <= 1_000_000 and journal.count() == 2
    assert 300_000 < journal.bytes < 400_000


def test_the_journal_file_is_compacted_past_its_bound_and_still_resumes(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(1000, file=path, file_max_bytes=100_000)
    for _ in range(200):
        journal.append(_entry(300))
    assert path.stat().st_size <= 100_000 and journal.compactions > 0
    kept = read_journal_file(path)
    assert kept and kept[-1]["id"] == 200 and [e["id"] for e in kept] == sorted(e["id"] for e in kept)
    resumed = Journal(1000, file=path, file_max_bytes=100_000)
    assert resumed.append(_entry(1))["id"] == 201


# -- the live server -------------------------------------------------------------------------------

WORST_BODIES = {
    "lists": "[" + ",".join(["[]"] * 20_000) + "]",
    "objects": '{"schemas": [], "x": [' + ",".join(["{}"] * 19_000) + "]}",
    "ints": '{"filter": [' + ",".join(["1"] * 29_000) + "]}",
    "broken": '{"userName": "' + "x" * 60_000,
    # Packing squeezes the shapes above to almost nothing; random text is what fills the bound.
    "noise": json.dumps({"schemas": [], "userName": _noise(60_000)}),
}
HEADERS = {f"X-Pad-{i}": "v" * 200 for i in range(60)}


def _send(session: requests.Session, url: str, count: int, *, light: bool = False) -> int:
    """Send ``count`` requests cycling through the worst bodies (a short one when ``light``: an
    anonymous body is only counted, so its content does not matter); return how many got a 5xx."""
    errors = 0
    bodies = ["{}"] if light else list(WORST_BODIES.values())
    paths = ("/Users", "/Users/.search", "/Groups", "/Users/.search")
    for index in range(count):
        body = bodies[index % len(bodies)]
        path = paths[index % len(paths)] + "?filter=" + "y" * 2000
        answer = session.post(url + SCIM + path, data=body, headers={**HEADERS, **JSON_TYPE}, timeout=30)
        errors += answer.status_code >= 500
    return errors


JSON_TYPE = {"Content-Type": "application/scim+json"}


def _held(journal: Journal) -> int:
    """What the journal really holds: its entries and pending completions, every object once."""
    with journal._lock:  # a test may look inside: the size of what is referenced is the point
        slots, pending = list(journal._entries), dict(journal._pending)
    return sum(map(slot_memory, slots)) + sum(len(raw) for raw in _pending_bytes(pending))


def _pending_bytes(pending: dict[int, Any]) -> list[bytes]:
    """The response bytes each pending completion keeps (the journal counts them until it runs)."""
    found = []
    for complete in pending.values():
        for cell in complete.__closure__ or ():
            if isinstance(cell.cell_contents, bytes):
                found.append(cell.cell_contents)
    return found


def test_resident_journal_memory_stays_under_the_bound_after_thousands_of_worst_case_requests(
    launch, connect, tmp_path, figures
):
    journal_file = tmp_path / "journal.jsonl"
    server = launch(journal_max_bytes=BOUND, journal_file=journal_file, journal_file_max_bytes=FILE_BOUND)
    journal = server.server.app.extensions["mockscim"].journal
    anonymous, client = connect(auth=None), connect()
    _send(client, server.url, 8)  # warm caches (schemas, templates) before measuring
    journal.entries()
    gc.collect()
    # Everything the server allocates and keeps, over a measured stretch (tracemalloc is slow:
    # a few hundred requests)...
    tracemalloc.start()
    try:
        errors = _send(anonymous, server.url, 300, light=True) + _send(client, server.url, 16)
        journal.entries()  # every completion has run
        gc.collect()
        allocated = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert allocated <= BOUND + SLACK, f"{allocated} bytes still allocated, bound {BOUND}"
    # ...then thousands more, and what the journal holds, object by object.
    errors += _send(anonymous, server.url, 2000, light=True) + _send(client, server.url, 60)
    held = _held(journal)
    figures["journal: worst-case requests sent (2,300 anonymous, 84 authenticated)"] += 2384
    figures[f"journal: bytes allocated and kept over 316 requests (bound {BOUND})"] = allocated
    figures[f"journal: bytes the journal holds after 2,384 requests (bound {BOUND})"] = held
    assert errors == 0
    assert journal.bytes <= BOUND and held <= BOUND and journal.dropped > 0
    assert journal_file.stat().st_size <= FILE_BOUND and journal.compactions > 0
    figures[f"journal: file bytes after them (bound {FILE_BOUND})"] = journal_file.stat().st_size
    resumed = read_journal_file(journal_file)
    assert resumed and resumed[-1]["id"] == journal.entries()[-1]["id"]


def test_an_anonymous_request_is_kept_as_a_bounded_summary(launch, connect):
    server = launch()
    anonymous = connect(auth=None)
    body = '{"userName": "a", "password": "never-kept-9f8e"' + ", " * 20_000 + "}"
    path = SCIM + "/Users?filter=" + "z" * 5000 + "&startIndex=1"
    anonymous.post(server.url + path, data=body, headers={**HEADERS, **JSON_TYPE})
    entry = connect().get(server.url + "/__admin/requests").json()["requests"][0]
    request = entry["request"]
    assert entry["response"]["status"] == 401 and entry["findings"] == []
    assert request["authenticated"] is False and request["body"] is None
    assert request["body_size"] == len(body.encode())
    assert len(request["headers"]) <= 17 and all(len(v) <= 300 for v in request["headers"].values())
    assert len(request["query"]["filter"]) <= 300 and request["query"]["startIndex"] == "1"
    assert len(json.dumps(entry)) < 12_000


def _long_entry(n: int) -> dict[str, Any]:
    """An entry long enough to be packed (over WORTH_PACKING bytes of JSON)."""
    return {"request": {"body": {"n": n, "userName": "user@example.com" * 12}}}


def test_the_packer_thread_packs_entries_without_being_asked():
    journal = Journal(100)
    for n in range(20):
        journal.append(_long_entry(n))
    assert until(lambda: all(is_packed(slot.data) for slot in list(journal._entries)))
    assert [e["request"]["body"]["n"] for e in journal.entries()] == list(range(20))


@pytest.mark.parametrize("entry", [{"at": "2026-12-01T18:01:53.771Z", "duration_ms": 0.429}, {}])
def test_the_packer_leaves_short_entries_as_text_of_their_own_length(entry):
    journal = Journal(1000)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(500):
            journal.append(entry)
        journal.pack_all()
        gc.collect()
        per_entry = (tracemalloc.get_traced_memory()[0] - before) / 500
    finally:
        tracemalloc.stop()
    assert all(not is_packed(slot.data) and len(slot.data) <= WORTH_PACKING for slot in journal._entries)
    assert per_entry < 1024  # the slot, its text and the deque's share; not the encoder's 4 KB buffer
    assert journal.entries()[-1] == {"id": 500, **entry}


class Squeezable:
    """A completer that can shrink what it holds, as the server's completions do."""

    def __init__(self) -> None:
        self.squeezed = 0

    def squeeze(self) -> None:
        self.squeezed += 1

    def __call__(self, entry: dict[str, Any]) -> None:
        entry["findings"] = []


@pytest.mark.parametrize("completed_first", [True, False], ids=["completed-first", "packed-first"])
def test_packing_and_completing_in_either_order_keep_the_complete_entry(completed_first):
    journal = Journal(100, max_bytes=10_000_000)
    completer = Squeezable()
    with journal._packer._busy:  # hold the packer back, so the order below is the order that runs
        stored = journal.append({"request": {"path": "/Users"}}, completer, pending_bytes=5000)
        if completed_first:
            assert journal.get(stored["id"])["findings"] == []
    journal.pack_all()
    assert journal.get(stored["id"]) == {**stored, "findings": []}
    assert completer.squeezed == (0 if completed_first else 1)
    (slot,) = journal._entries
    assert journal.bytes == slot.size  # nothing pending is counted once it completed


class Packed:
    """The packer's callback: the ids of the slots it packed."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.sizes: list[int] = []

    def __call__(self, batch: list[tuple[Slot, bytes, bytes]]) -> None:
        self.ids += [slot.id for slot, _, _ in batch]
        self.sizes.append(len(batch))


def _slot(n: int) -> Slot:
    return Slot(n, encode(_long_entry(n)))


@pytest.mark.parametrize(("count", "sizes"), [(1, [1]), (BATCH, [BATCH]), (2 * BATCH + 3, [BATCH, BATCH, 3])])
def test_the_packer_hands_the_journal_bounded_batches_in_order(count, sizes):
    packed = Packed()
    packer = Packer(packed, nap=3600.0)
    with packer._busy:  # the thread, woken by the backlog, waits while the queue fills
        for n in range(1, count + 1):
            packer.offer(_slot(n))
    packer.drain()
    assert until(lambda: len(packed.ids) == count)
    assert (packed.ids, sorted(packed.sizes, reverse=True)) == (list(range(1, count + 1)), sizes)


def test_the_packer_sleeps_through_a_short_backlog_and_wakes_at_a_long_one():
    packed = Packed()
    packer = Packer(packed, nap=3600.0)  # no nap ends during the test: only a backlog wakes it
    for n in range(1, WAKE_AT):
        packer.offer(_slot(n))
    time.sleep(0.3)
    assert packed.ids == []  # one wake per entry cost every request a thread switch
    packer.offer(_slot(WAKE_AT))
    assert until(lambda: len(packed.ids) == WAKE_AT)
    assert packed.ids == list(range(1, WAKE_AT + 1))


@pytest.mark.parametrize("count", [1, WAKE_AT - 1])
def test_the_packer_packs_a_short_backlog_after_its_nap(count):
    packed = Packed()
    packer = Packer(packed, nap=0.05)
    for n in range(1, count + 1):
        packer.offer(_slot(n))
    assert until(lambda: len(packed.ids) == count)


def test_the_packer_thread_ends_when_idle_and_starts_again(monkeypatch):
    monkeypatch.setattr("mockscim.journal_packing.IDLE_SECONDS", 0.1)
    packed = Packed()
    packer = Packer(packed, nap=0.02)
    packer.offer(_slot(1))
    assert until(lambda: packer._thread is None)
    packer.offer(_slot(2))
    assert until(lambda: packed.ids == [1, 2])
