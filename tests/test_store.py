"""The in-memory store: copies, indexes, uniqueness, membership integrity, snapshots, threads."""

from __future__ import annotations

import threading

import pytest

from mockscim.clock import FixedClock
from mockscim.errors import InvalidValue
from mockscim.errors import NotFound
from mockscim.errors import PreconditionFailed
from mockscim.errors import Uniqueness
from mockscim.ids import IdGenerator
from mockscim.scim.filter import parse_filter
from mockscim.scim.query import SearchRequest
from mockscim.store import InMemoryStore
from mockscim.store import StoreOptions


@pytest.fixture
def store() -> InMemoryStore:
    """A store with a fixed clock and seeded ids."""
    return InMemoryStore(clock=FixedClock(), ids=IdGenerator(seed=1))


def user(name: str, **extra) -> dict:
    """Minimal stored user attributes."""
    return {"userName": name, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], **extra}


def search(text: str | None = None, **kw) -> SearchRequest:
    """A SearchRequest with a parsed filter."""
    return SearchRequest(filter=parse_filter(text) if text else None, **kw)


def test_create_assigns_id_meta_and_version(store):
    created = store.create("User", user("alice"))
    assert created["meta"] == {
        "resourceType": "User",
        "created": "2026-01-01T00:00:00.000Z",
        "lastModified": "2026-01-01T00:00:00.000Z",
        "version": 1,
    }
    assert store.get("User", created["id"]) == created


def test_ids_are_reproducible_with_the_same_seed():
    def ids(seed: int) -> list[str]:
        seeded = InMemoryStore(ids=IdGenerator(seed=seed))
        return [seeded.create("User", user(f"u{i}"))["id"] for i in range(3)]

    assert ids(3) == ids(3)
    assert ids(3) != ids(4)


def test_callers_get_copies(store):
    created = store.create("User", user("alice", emails=[{"value": "a@x"}]))
    created["emails"][0]["value"] = "changed"
    fetched = store.get("User", created["id"])
    fetched["userName"] = "changed"
    assert store.get("User", created["id"])["emails"][0]["value"] == "a@x"
    assert store.get("User", created["id"])["userName"] == "alice"


@pytest.mark.parametrize("other", ["alice", "ALICE", "Alice"])
def test_user_name_is_unique_case_insensitively(store, other):
    store.create("User", user("alice"))
    with pytest.raises(Uniqueness):
        store.create("User", user(other))


def test_replace_keeps_its_own_user_name_and_bumps_version(store):
    created = store.create("User", user("alice"))
    replaced = store.replace("User", created["id"], user("ALICE", title="x"))
    assert replaced["meta"]["version"] == 2
    assert replaced["meta"]["created"] == created["meta"]["created"]
    assert replaced["meta"]["lastModified"] != created["meta"]["lastModified"]


def test_group_put_of_its_own_name_does_not_conflict(store):
    group = store.create("Group", {"displayName": "Eng"})
    store.replace("Group", group["id"], {"displayName": "Eng"})
    store.create("Group", {"displayName": "Ops"})
    with pytest.raises(Uniqueness):
        store.replace("Group", group["id"], {"displayName": "ops"})


def test_group_names_may_repeat_when_the_option_is_off():
    store = InMemoryStore(options=StoreOptions(unique_group_names=False))
    store.create("Group", {"displayName": "Eng"})
    store.create("Group", {"displayName": "Eng"})
    assert store.counts()["Group"] == 2


@pytest.mark.parametrize("version", [0, 2, -1])
def test_stale_version_is_refused(store, version):
    created = store.create("User", user("alice"))
    with pytest.raises(PreconditionFailed):
        store.replace("User", created["id"], user("alice"), version=version)
    with pytest.raises(PreconditionFailed):
        store.delete("User", created["id"], version=version)
    store.replace("User", created["id"], user("alice"), version=1)


@pytest.mark.parametrize("operation", ["get", "replace", "delete"])
def test_unknown_id_is_not_found(store, operation):
    call = {
        "get": lambda: store.get("User", "nope"),
        "replace": lambda: store.replace("User", "nope", user("x")),
        "delete": lambda: store.delete("User", "nope"),
    }[operation]
    with pytest.raises(NotFound):
        call()


def test_members_must_exist_when_the_option_says_so():
    strict = InMemoryStore(options=StoreOptions(members_must_exist=True))
    with pytest.raises(InvalidValue, match="members\\[0\\].value 'ghost'"):
        strict.create("Group", {"displayName": "G", "members": [{"value": "ghost"}]})


def test_unknown_member_ids_are_kept_by_default_and_survive_a_snapshot(store):
    alice = store.create("User", user("alice"))
    members = [{"value": alice["id"]}, {"value": "ghost"}]
    group = store.create("Group", {"displayName": "G", "members": members})
    assert [m["value"] for m in store.get("Group", group["id"])["members"]] == [alice["id"], "ghost"]
    assert [g["value"] for g in store.get("User", alice["id"])["groups"]] == [group["id"]]
    strict = InMemoryStore(options=StoreOptions(members_must_exist=True))
    strict.restore(store.snapshot())  # what was accepted once is restored as it was
    assert [m["value"] for m in strict.get("Group", group["id"])["members"]] == [alice["id"], "ghost"]
    store.delete("Group", group["id"])
    assert "groups" not in store.get("User", alice["id"])


def test_member_limit(store):
    small = InMemoryStore(options=StoreOptions(max_members=1))
    a, b = small.create("User", user("a")), small.create("User", user("b"))
    with pytest.raises(InvalidValue, match="at most 1 members"):
        small.create("Group", {"displayName": "G", "members": [{"value": a["id"]}, {"value": b["id"]}]})


def test_user_groups_are_derived_from_membership(store):
    alice = store.create("User", user("alice"))
    group = store.create("Group", {"displayName": "Eng", "members": [{"value": alice["id"]}]})
    assert store.get("User", alice["id"])["groups"] == [
        {"value": group["id"], "display": "Eng", "type": "direct"}
    ]
    store.replace("Group", group["id"], {"displayName": "Eng2"})
    assert "groups" not in store.get("User", alice["id"])


def test_deleting_a_user_removes_it_from_groups(store):
    alice, bob = store.create("User", user("alice")), store.create("User", user("bob"))
    members = [{"value": alice["id"]}, {"value": bob["id"]}]
    group = store.create("Group", {"displayName": "Eng", "members": members})
    store.delete("User", alice["id"])
    assert store.get("Group", group["id"])["members"] == [{"value": bob["id"]}]


def test_deleting_a_group_leaves_users_alone(store):
    alice = store.create("User", user("alice"))
    group = store.create("Group", {"displayName": "Eng", "members": [{"value": alice["id"]}]})
    store.delete("Group", group["id"])
    assert store.get("User", alice["id"])["userName"] == "alice"
    assert "groups" not in store.get("User", alice["id"])


def test_duplicate_members_collapse(store):
    alice = store.create("User", user("alice"))
    group = store.create(
        "Group", {"displayName": "G", "members": [{"value": alice["id"]}, {"value": alice["id"]}]}
    )
    assert group["members"] == [{"value": alice["id"]}]


def test_query_totals_count_all_matches_and_order_is_stable(store):
    ids = [store.create("User", user(f"user{i:03}", title="t" if i % 2 else "u"))["id"] for i in range(250)]
    store.replace("User", ids[0], user("user000", title="u"))  # an update must not reorder
    total, page = store.query("User", search(start_index=101, count=100))
    assert total == 250
    assert [r["id"] for r in page] == ids[100:200]
    total, page = store.query("User", search('title eq "t"', start_index=1, count=10))
    assert total == 125
    assert [r["id"] for r in page] == ids[1:21:2]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('userName eq "USER002"', ["user002"]),
        ('externalId eq "ext-2"', ["user002"]),
        ('externalId eq "EXT-2"', []),  # caseExact (RFC 7643 §3.1)
        ('userName eq "user002" and title eq "no"', []),
        ('userName eq "user002" or userName eq "user001"', ["user001", "user002"]),
        ('emails.value eq "user001@x"', ["user001"]),
    ],
)
def test_query_filters_with_and_without_indexes(store, text, found):
    for i in range(3):
        store.create("User", user(f"user{i:03}", externalId=f"ext-{i}", emails=[{"value": f"user{i:03}@x"}]))
    _, page = store.query("User", search(text, count=100))
    assert [r["userName"] for r in page] == found


def test_query_id_and_display_name_indexes(store):
    group = store.create("Group", {"displayName": "Test SCIMv2"})
    _, by_name = store.query("Group", search('displayName eq "test scimv2"', count=100))
    _, by_id = store.query("Group", search(f'id eq "{group["id"]}"', count=100))
    _, missing = store.query("Group", search('id eq "nope"', count=100))
    assert [g["id"] for g in by_name] == [g["id"] for g in by_id] == [group["id"]]
    assert missing == []


def test_query_on_derived_groups(store):
    alice, bob = store.create("User", user("alice")), store.create("User", user("bob"))
    group = store.create("Group", {"displayName": "Eng", "members": [{"value": bob["id"]}]})
    _, page = store.query("User", search(f'groups.value eq "{group["id"]}"', count=10))
    assert [u["id"] for u in page] == [bob["id"]]
    assert alice["id"] not in [u["id"] for u in page]


def test_snapshot_restore_round_trip(store):
    alice = store.create("User", user("alice"))
    store.create("Group", {"displayName": "Eng", "members": [{"value": alice["id"]}]})
    snap = store.snapshot()
    other = InMemoryStore()
    other.restore(snap)
    assert other.snapshot() == snap
    assert other.get("User", alice["id"])["groups"][0]["display"] == "Eng"


@pytest.mark.parametrize(
    "snapshot",
    [
        {"users": []},
        {"format": "other/1"},
        {"format": "mockscim-state/1", "users": [{"userName": "no-id"}]},
        {"format": "mockscim-state/1", "users": 5},
        {"format": "mockscim-state/1", "groups": {"id": "g"}},
    ],
)
def test_restore_refuses_bad_snapshots_and_keeps_state(store, snapshot):
    alice = store.create("User", user("alice"))
    with pytest.raises(InvalidValue):
        store.restore(snapshot)
    assert store.get("User", alice["id"])["userName"] == "alice"


def test_password_is_kept_only_as_a_fingerprint(store):
    alice = store.create("User", user("alice"), password="hunter2")
    info = store.password_info(alice["id"])
    assert "hunter2" not in str(info) and "hunter2" not in str(store.snapshot())
    store.replace("User", alice["id"], user("alice"))  # a PUT without password keeps it
    assert store.password_info(alice["id"]) == info
    store.replace("User", alice["id"], user("alice"), password="n3w")
    assert store.password_info(alice["id"])["sha256"] != info["sha256"]


def test_concurrent_creates_of_one_user_name_admit_exactly_one(store):
    results: list[str] = []
    barrier = threading.Barrier(16)

    def attempt() -> None:
        barrier.wait()
        try:
            store.create("User", user("same"))
            results.append("created")
        except Uniqueness:
            results.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict"] * 15 + ["created"]
