"""The in-memory store: copies, indexes, uniqueness, membership integrity, snapshots, threads."""

from __future__ import annotations

import random
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


@pytest.mark.parametrize("owned", [False, True])
def test_a_write_keeps_a_copy_unless_the_body_is_handed_over(store, owned):
    body = user("alice", emails=[{"value": "a@x"}])
    created = store.create("User", body, owned=owned)
    replacement = user("alice", emails=[{"value": "b@x"}])
    store.replace("User", created["id"], replacement, owned=owned)
    replacement["emails"][0]["value"] = "changed by the caller"
    kept = store.get("User", created["id"])["emails"][0]["value"]
    assert kept == ("changed by the caller" if owned else "b@x")  # owned: nothing was copied


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


def _write_at_random(store: InMemoryStore, rng: random.Random, created: list[str]) -> None:
    """One write of any kind, on a random user or group: what the creation order must follow."""
    users = [r["id"] for r in store.query("User", search(count=10_000))[1]]
    groups = [r["id"] for r in store.query("Group", search(count=10_000))[1]]
    kind = rng.choice(["create", "replace", "modify", "delete", "group", "member", "rollback"])
    if kind == "create" or not users:
        created.append(store.create("User", user(f"user{len(created)}", title="new"))["id"])
    elif kind == "replace":
        rid = rng.choice(users)
        store.replace("User", rid, user(store.get("User", rid)["userName"], title=f"put{rng.random()}"))
    elif kind == "modify":
        store.modify("User", rng.choice(users), lambda a: ({**a, "title": f"patch{rng.random()}"}, None))
    elif kind == "delete":
        store.delete("User", rng.choice(users))
    elif kind == "group" or not groups:
        store.create(
            "Group", {"displayName": f"group{rng.random()}", "members": [{"value": rng.choice(users)}]}
        )
    elif kind == "member":
        gid = rng.choice(groups)
        store.replace(
            "Group",
            gid,
            {
                "displayName": store.get("Group", gid)["displayName"],
                "members": [{"value": rng.choice(users)}],
            },
        )
    else:
        with pytest.raises(Uniqueness), store.atomically():
            store.replace("User", rng.choice(users), user("rolled-back", title="never"))
            store.create("User", user("ROLLED-BACK"))


@pytest.mark.parametrize("seed", range(8))
def test_unfiltered_pages_show_every_write_in_creation_order(store, seed):
    """The import page keeps the stored records in creation order (store_state.ordered): after
    every write each page must hold what ``get`` returns, at the place the user was created."""
    rng, created = random.Random(seed), []
    for step in range(120):
        _write_at_random(store, rng, created)
        if step % 40 == 39:
            store.restore(store.snapshot())  # a restored state builds its order afresh
        alive = [rid for rid in created if store.exists("User", rid)]
        start = rng.randrange(1, len(alive) + 2)
        total, page = store.query("User", search(start_index=start, count=7))
        assert total == len(alive)
        assert page == [store.get("User", rid) for rid in alive[start - 1 : start + 6]]


def test_rendered_pages_render_each_record_once_until_it_changes(store):
    """``rendered_page`` keeps what it made (server/wire.py relies on it for the import page's
    speed): a record is rendered again only once it is replaced; a group write re-derives the
    users' groups, not the users."""
    ids = [store.create("User", user(f"user{i}"))["id"] for i in range(5)]
    rendered: list[str] = []

    def render(views: list[dict]) -> list[str]:
        rendered.extend(view["id"] for view in views)
        return [(f"{view['userName']}:{view['meta']['version']}",) for view in views]

    def page(count: int = 10) -> tuple:
        total, slots = store.rendered_page(
            "User", search(count=count), render, lambda entry: entry["display"]
        )
        return total, [slot[0] for slot in slots], [slot[-1] for slot in slots]

    assert page(3) == (5, ["user0:1", "user1:1", "user2:1"], [None, None, None])
    assert page()[1] == [f"user{i}:1" for i in range(5)]
    assert rendered == ids  # each once, although the first three were read twice
    store.replace("User", ids[1], user("user1", title="put"))
    gid = store.create("Group", {"displayName": "team", "members": [{"value": ids[0]}]})["id"]
    assert page() == (5, ["user0:1", "user1:2", "user2:1", "user3:1", "user4:1"], [("team",), *[None] * 4])
    assert rendered == [*ids, ids[1]]
    store.replace("Group", gid, {"displayName": "renamed", "members": [{"value": ids[2]}]})
    store.delete("User", ids[3])
    assert page() == (4, ["user0:1", "user1:2", "user2:1", "user4:1"], [None, None, ("renamed",), None])
    assert rendered == [*ids, ids[1], ids[0], ids[1], ids[2], ids[4]]  # a delete rebuilds the order


def test_a_creation_order_out_of_step_with_the_records_is_rebuilt(store):
    """A replacement that cannot find its predecessor where ``_seq`` puts it rebuilds the order
    instead of overwriting another user's place (store_state.StoreState._order_put)."""
    ids = [store.create("User", user(f"user{i}"))["id"] for i in range(3)]
    store.query("User", search())  # builds the order
    store._state.order["User"].reverse()  # what a broken invariant would leave
    store.replace("User", ids[0], user("user0", title="put"))
    assert store.query("User", search())[1] == [store.get("User", rid) for rid in ids]


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


# -- one state object: all or nothing ------------------------------------------------------------


def test_a_refused_restore_keeps_everything_including_password_fingerprints(store):
    alice = store.create("User", user("alice", externalId="ext-a"), password="hunter2")
    group = store.create("Group", {"displayName": "Eng", "members": [{"value": alice["id"]}]})
    before = (store.snapshot(), store.password_info(alice["id"]), store.generation)
    bad = {"format": "mockscim-state/1", "users": [{"id": "x", "userName": "x"}], "groups": [{"id": 5}]}
    with pytest.raises(InvalidValue):
        store.restore(bad)
    assert (store.snapshot(), store.password_info(alice["id"]), store.generation) == before
    _, found = store.query("User", search('externalId eq "ext-a"', count=10))
    assert [u["id"] for u in found] == [alice["id"]]  # the indexes are the old ones too
    assert store.get("User", alice["id"])["groups"][0]["value"] == group["id"]


@pytest.mark.parametrize(
    ("write", "fragment"),
    [
        (lambda s: s.create("User", user("bad\ud800")), "userName is not valid Unicode"),
        (lambda s: s.create("User", user("ok"), password="pw\udfff"), "password is not valid Unicode"),
        (lambda s: s.create("User", user("ok", title=float("nan"))), "title is not a finite number"),
        (lambda s: s.create("User", user("ok", nickName={1, 2})), "nickName is a set"),
        (lambda s: s.create("Group", {"displayName": "G\ud800"}), "displayName is not valid Unicode"),
        (lambda s: s.create("User", user("ok", title=float("-inf"))), "title is not a finite number"),
        (
            lambda s: s.create("User", user("ok", emails=[{"value": float("inf")}])),
            r"emails\[0\].value is not",
        ),
        (
            lambda s: s.create("User", user("ok", title=None, nickName=float("nan"))),
            "nickName is not a finite",
        ),
    ],
)
def test_a_refused_write_changes_nothing(store, write, fragment):
    store.create("User", user("alice"), password="pw")
    before = (store.snapshot(), store.generation, store.counts())
    with pytest.raises(InvalidValue, match=fragment):
        write(store)
    assert (store.snapshot(), store.generation, store.counts()) == before
    assert "password" not in fragment or "pw\udfff" not in fragment


@pytest.mark.parametrize(
    "extra",
    [
        {"title": "null"},  # the text orjson's NaN would read as: json decides, and keeps it
        {"title": None, "nickName": "n"},
        {"x-count": 2**70},  # past 64 bits: orjson refuses it, json writes it
        {"title": "caf\u00e9 \U0001f600"},
    ],
)
def test_a_storable_write_is_kept(store, extra):
    created = store.create("User", user("alice", **extra))
    assert {k: store.get("User", created["id"]).get(k) for k in extra} == extra


def test_a_patch_that_fails_on_its_password_stores_none_of_its_changes(store):
    alice = store.create("User", user("alice", title="a"), password="pw")
    before = (store.get("User", alice["id"]), store.password_info(alice["id"]))

    def change(attributes: dict) -> tuple[dict, str]:
        attributes["title"] = "changed"  # the first operation of the PATCH
        return attributes, "\ud800"  # the second: a password that cannot be fingerprinted

    with pytest.raises(InvalidValue):
        store.modify("User", alice["id"], change)
    assert (store.get("User", alice["id"]), store.password_info(alice["id"])) == before


def test_atomically_rolls_every_write_back_on_error(store):
    alice = store.create("User", user("alice"), password="pw")
    before = (store.snapshot(), store.password_info(alice["id"]), store.generation)
    with pytest.raises(Uniqueness), store.atomically():
        store.create("User", user("bob"))
        store.delete("User", alice["id"])
        store.create("User", user("BOB"))
    assert (store.snapshot(), store.password_info(alice["id"]), store.generation) == before
    with store.atomically():
        store.create("User", user("bob"))
    assert store.counts()["User"] == 2


def test_ids_are_unique_across_resource_types(store):
    store.create("User", user("alice"), rid="same")
    with pytest.raises(Uniqueness, match="a User with id 'same'"):
        store.create("Group", {"displayName": "G"}, rid="same")


# -- nested groups (RFC 7643 §4.2) ---------------------------------------------------------------


def test_groups_may_contain_groups_and_leave_them_when_deleted(store):
    inner = store.create("Group", {"displayName": "Inner"})
    outer = store.create("Group", {"displayName": "Outer", "members": [{"value": inner["id"]}]})
    store.delete("Group", inner["id"])
    assert "members" not in store.get("Group", outer["id"])
    assert store.get("Group", outer["id"])["meta"]["version"] == 2


@pytest.mark.parametrize("write", ["create", "replace", "modify"])
def test_a_group_never_contains_itself(store, write):
    a = store.create("Group", {"displayName": "A"}, rid="g-a")
    b = store.create("Group", {"displayName": "B", "members": [{"value": a["id"]}]}, rid="g-b")
    c = store.create("Group", {"displayName": "C", "members": [{"value": b["id"]}]}, rid="g-c")
    before = store.snapshot()
    attempts = {
        # create: only a fixed id can name itself; replace/modify close the cycle A -> C -> B -> A
        "create": lambda: store.create(
            "Group", {"displayName": "D", "members": [{"value": "g-d"}]}, rid="g-d"
        ),
        "replace": lambda: store.replace(
            "Group", a["id"], {"displayName": "A", "members": [{"value": c["id"]}]}
        ),
        "modify": lambda: store.modify(
            "Group", a["id"], lambda attrs: ({**attrs, "members": [{"value": a["id"]}]}, None)
        ),
    }
    with pytest.raises(InvalidValue, match="never themselves"):
        attempts[write]()
    assert store.snapshot() == before


def test_a_state_with_nested_groups_round_trips(store):
    alice = store.create("User", user("alice"))
    inner = store.create("Group", {"displayName": "Inner", "members": [{"value": alice["id"]}]})
    store.create("Group", {"displayName": "Outer", "members": [{"value": inner["id"]}]})
    store.replace("Group", inner["id"], {"displayName": "Inner", "members": [{"value": alice["id"]}]})
    snap = store.snapshot()  # Outer (created later) now comes after Inner, but reversed it loads too
    snap["groups"].reverse()
    other = InMemoryStore()
    other.restore(snap)
    assert other.snapshot()["groups"] == snap["groups"]


# -- snapshots: checked whole, refused with a path -----------------------------------------------

GOOD = {"id": "u1", "userName": "alice"}


@pytest.mark.parametrize(
    ("users", "groups", "problem"),
    [
        (
            [GOOD],
            [{"id": "g", "displayName": "G", "members": [{"value": 5}]}],
            "$.groups[0].members[0].value: 5 is not of type 'string'",
        ),
        (
            [GOOD],
            [{"id": "g", "displayName": "G", "members": [5]}],
            "$.groups[0].members[0]: 5 is not of type 'object'",
        ),
        ([GOOD, {"id": "u1", "userName": "bob"}], [], "$.users[1].id: 'u1' is also the id of another User"),
        ([GOOD], [{"id": "u1", "displayName": "G"}], "$.groups[0].id: 'u1' is also the id of another User"),
        (
            [{"id": "u2"}],
            [],
            "$.users[0]: 'userName' is missing; add it (a user is an object with at least 'id' and 'userName')",
        ),
        (
            [{**GOOD, "meta": {"version": "abc"}}],
            [],
            "$.users[0].meta.version: 'abc' is not of type 'integer'",
        ),
        ([{**GOOD, "meta": {"version": 0}}], [], "$.users[0].meta.version: 0 is less than the minimum of 1"),
        (
            [{**GOOD, "meta": {"created": "yesterday"}}],
            [],
            "$.users[0].meta.created: 'yesterday' is not an RFC 3339",
        ),
        ([{**GOOD, "meta": {"resourceType": "Group"}}], [], "$.users[0].meta.resourceType: must be 'User'"),
        (
            [GOOD, {"id": "u2", "userName": "ALICE"}],
            [],
            "$.users[1].userName: 'ALICE' is taken by $.users[0]",
        ),
        ([{**GOOD, "active": "yes"}], [], "$.users[0]: active must be a boolean"),
        ([{**GOOD, "title": "\ud800"}], [], "$.users[0]: title is not valid Unicode text"),
        (
            [],
            [{"id": "g", "displayName": "G", "members": [{"value": "g"}]}],
            "groups contain themselves (g -> g)",
        ),
        (
            [],
            [
                {"id": "a", "displayName": "A", "members": [{"value": "b"}]},
                {"id": "b", "displayName": "B", "members": [{"value": "a"}]},
            ],
            "$.groups[0].members: groups contain themselves (a -> b -> a)",
        ),
        ([], [{"id": "a", "displayName": "A"}, {"id": "b", "displayName": "a"}], "$.groups[1].displayName"),
        ([{**GOOD, "unknown": 1}], [], "$.users[0]: 'unknown' is not an attribute of the User schema"),
    ],
)
def test_a_bad_snapshot_is_refused_with_the_path_of_each_problem(store, users, groups, problem):
    store.create("User", user("keep"))
    before = store.snapshot()
    with pytest.raises(InvalidValue) as refused:
        store.restore({"format": "mockscim-state/1", "users": users, "groups": groups})
    assert problem in refused.value.detail
    assert store.snapshot() == before


def test_a_restored_user_keeps_no_derived_groups_and_gets_meta(store):
    store.restore({"format": "mockscim-state/1", "users": [{**GOOD, "groups": [{"value": "x"}]}]})
    restored = store.get("User", "u1")
    assert "groups" not in restored
    assert restored["meta"]["version"] == 1 and restored["meta"]["resourceType"] == "User"
