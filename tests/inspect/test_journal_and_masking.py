"""Journal ring buffer, JSON Lines file, filters; masking of secrets."""

from __future__ import annotations

import json
import threading
import time
from collections import deque

import pytest

from mockscim.inspect.masking import mask_body
from mockscim.inspect.masking import mask_header
from mockscim.inspect.masking import mask_text
from mockscim.journal import EntryFilter
from mockscim.journal import Journal
from mockscim.journal import read_journal_file


def entry(
    method: str = "GET", path: str = "/scim/v2/Users", operation: str = "import-users", findings=()
) -> dict:
    """A minimal journal entry."""
    return {"request": {"method": method, "path": path}, "operation": operation, "findings": list(findings)}


def test_ring_buffer_keeps_the_newest_and_counts_drops():
    journal = Journal(3)
    for i in range(5):
        journal.append(entry(path=f"/p{i}"))
    assert [e["request"]["path"] for e in journal.entries()] == ["/p2", "/p3", "/p4"]
    assert [e["id"] for e in journal.entries(newest_first=True)] == [5, 4, 3]
    assert journal.dropped == 2
    assert journal.get(1) is None and journal.get(4)["request"]["path"] == "/p3"


@pytest.mark.parametrize(
    ("where", "paths"),
    [
        (EntryFilter(operation="create-user"), ["/b"]),
        (EntryFilter(method="post"), ["/b"]),
        (EntryFilter(path="/a"), ["/a"]),
        (EntryFilter(has_findings=True), ["/c"]),
        (EntryFilter(has_findings=False), ["/a", "/b"]),
        (EntryFilter(severity="error"), ["/c"]),
        (EntryFilter(severity="warning"), []),
        (EntryFilter(since_id=1), ["/b", "/c"]),
        (EntryFilter(method="GET", has_findings=False), ["/a"]),
    ],
)
def test_filters(where, paths):
    journal = Journal()
    journal.append(entry(path="/a"))
    journal.append(entry("POST", "/b", "create-user"))
    journal.append(
        entry(path="/c", findings=[{"severity": "error", "pointer": "", "rule": "x", "message": "m"}])
    )
    assert [e["request"]["path"] for e in journal.entries(where)] == paths
    assert journal.count(where) == len(paths)


def test_file_survives_a_restart_and_a_torn_last_line(tmp_path):
    path = tmp_path / "journal.jsonl"
    first = Journal(10, file=path)
    first.append(entry(path="/one"))
    first.append(entry(path="/two"))
    with path.open("a") as handle:
        handle.write('{"id": 3, "request": {"meth')  # a crash in the middle of a write
    resumed = Journal(10, file=path)
    assert [e["request"]["path"] for e in resumed.entries()] == ["/one", "/two"]
    assert resumed.append(entry(path="/three"))["id"] == 3
    assert [e["id"] for e in read_journal_file(path)] == [1, 2, 3]
    Journal(10, file=path)  # a clean file gains no blank line
    assert path.read_text().count("\n") == 4


def test_clear_keeps_ids_increasing():
    journal = Journal()
    journal.append(entry())
    journal.clear()
    assert journal.entries() == [] and journal.append(entry())["id"] == 2


def test_listeners_see_new_entries_until_unsubscribed():
    journal, seen = Journal(), []
    unsubscribe = journal.subscribe(lambda e: seen.append(e["id"]))
    journal.append(entry())
    unsubscribe()
    journal.append(entry())
    assert seen == [1]


def test_concurrent_appends_get_unique_increasing_ids():
    journal = Journal(100_000)
    threads = [
        threading.Thread(target=lambda: [journal.append(entry()) for _ in range(200)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e["id"] for e in journal.entries()] == list(range(1, 1601))


class _Unscannable(deque):
    """A buffer that fails any walk over it while armed: a look-up by id must not read every entry."""

    armed = True

    def __iter__(self):
        if self.armed:
            raise AssertionError("the whole buffer was scanned")
        return super().__iter__()


@pytest.mark.parametrize(
    ("wanted", "path"), [(0, None), (1, "/1"), (3, None), (5, "/5"), (8, None), (9, "/9"), (10, None)]
)
def test_an_entry_is_found_by_id_across_the_gaps_of_a_resumed_file(tmp_path, wanted, path):
    file = tmp_path / "journal.jsonl"
    file.write_text("".join(json.dumps({"id": n, **entry(path=f"/{n}")}) + "\n" for n in (1, 2, 5, 9)))
    journal = Journal(10, file=file)
    journal._entries = _Unscannable(journal._entries)
    found = journal.get(wanted)
    assert (found and found["request"]["path"]) == path


def test_a_packer_far_behind_a_full_buffer_finds_dropped_entries_without_a_scan():
    journal = Journal(50)
    with journal._packer._busy:  # the packer falls behind by three buffers' worth
        for n in range(150):
            journal.append({**entry(path=f"/{n}"), "padding": "x" * 400})
        journal._entries = _Unscannable(journal._entries)
    journal.pack_all()  # 100 of the queued slots were dropped before their turn
    journal._entries.armed = False
    assert [e["request"]["path"] for e in journal.entries()] == [f"/{n}" for n in range(100, 150)]
    assert journal.bytes == sum(slot.size for slot in journal._entries)


@pytest.mark.parametrize(
    ("name", "value", "masked"),
    [
        ("Authorization", "Basic b2t0YTpzZWNyZXQ=", "Basic ***"),
        ("authorization", "Bearer abc.def", "Bearer ***"),
        ("Authorization", "raw-token-without-scheme", "***"),
        ("Cookie", "session=abc", "***"),
        ("User-Agent", "Okta SCIM Client 1.0.0", "Okta SCIM Client 1.0.0"),
    ],
)
def test_mask_header(name, value, masked):
    assert mask_header(name, value) == masked


@pytest.mark.parametrize(
    ("body", "masked"),
    [
        ({"userName": "a", "password": "hunter2"}, {"userName": "a", "password": "***"}),
        ({"Password": "x"}, {"Password": "***"}),
        (
            {"Operations": [{"op": "replace", "value": {"password": "p"}}]},
            {"Operations": [{"op": "replace", "value": {"password": "***"}}]},
        ),
        (
            {"Operations": [{"op": "replace", "path": "password", "value": "p"}]},
            {"Operations": [{"op": "replace", "path": "password", "value": "***"}]},
        ),
        ([{"password": "p"}], [{"password": "***"}]),
        ({"password": None}, {"password": None}),
        ("text", "text"),
    ],
)
def test_mask_body(body, masked):
    assert mask_body(body) == masked


def test_mask_text_for_bodies_that_are_not_json():
    # Text that mentions a password keeps its keys but no values (a conservative pattern).
    assert (
        mask_text('{"userName": "a", "password" : "hunter\\"2", oops')
        == '{"userName": "***", "password" : "***", oops'
    )
    assert "hunter" not in json.dumps(mask_text('{"PASSWORD":"hunter2"'))
    assert mask_text('{"userName": "a", oops') == '{"userName": "a", oops'  # no password: kept


def _completer(log: list[int]):
    """A completion that records which entries it completed."""

    def complete(entry: dict) -> None:
        log.append(entry["id"])
        entry["findings"] = []

    return complete


def test_deferred_completion_runs_when_idle():
    journal, done = Journal(), []
    for _ in range(3):
        journal.append(entry(), _completer(done))
    deadline = time.monotonic() + 5
    while journal.pending() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert done == [1, 2, 3] and journal.pending() == 0


def test_reading_completes_an_entry_at_once():
    journal, done = Journal(), []
    first = journal.append(entry(), _completer(done))
    assert journal.get(first["id"])["findings"] == [] and done == [1]
    journal.append(entry(), _completer(done))
    assert [e["id"] for e in journal.entries()] == [1, 2] and done == [1, 2]
    assert journal.count() == 2 and done == [1, 2]


def test_dropped_entries_are_never_completed():
    journal, done = Journal(2), []
    for _ in range(4):
        journal.append(entry(), _completer(done))
    assert [e["id"] for e in journal.entries()] == [3, 4]
    assert {3, 4} <= set(done) and journal.pending() == 0  # 1 and 2 left with their entries


def test_a_journal_file_gets_complete_entries_in_order(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(file=path)
    for _ in range(2):
        journal.append(entry(), _completer([]))
    assert [json.loads(line)["findings"] for line in path.read_text().splitlines()] == [[], []]
