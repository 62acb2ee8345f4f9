"""In-memory SCIM store: thread-safe, hands out copies, keeps indexes for Okta's lookups.

The store knows nothing about HTTP. It keeps an integer ``meta.version`` per resource; the
HTTP layer renders ``W/"n"`` ETags and ``meta.location``. Every public method returns copies
(or read-only views when asked), so callers can never change stored state by accident.

All of its content is one ``StoreState`` (``store_state.py``). Every write is all or nothing:
it builds the new record and runs every check that can fail (uniqueness, members, nesting, text
that is valid Unicode, the password fingerprint) before it changes anything, and a restore builds
a whole new state (``snapshots.py``) that replaces the old one only when it is valid.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mockscim.clock import Clock
from mockscim.clock import SystemClock
from mockscim.clock import isoformat
from mockscim.errors import NotFound
from mockscim.errors import PreconditionFailed
from mockscim.errors import Uniqueness
from mockscim.ids import IdGenerator
from mockscim.indexes import fold
from mockscim.membership import check_members
from mockscim.membership import check_nesting
from mockscim.membership import dedupe_members
from mockscim.membership import without_member
from mockscim.scim.filter import Expr
from mockscim.scim.filter import compile_filter
from mockscim.scim.filter import equality_terms
from mockscim.scim.filter import referenced_paths
from mockscim.scim.query import SearchRequest
from mockscim.scim.query import sort_resources
from mockscim.scim.schema import RESOURCE_TYPES
from mockscim.scim.schema import ResourceType
from mockscim.snapshots import SNAPSHOT_FORMAT
from mockscim.snapshots import build_state
from mockscim.store_state import Fingerprint
from mockscim.store_state import Render
from mockscim.store_state import Slot
from mockscim.store_state import StoreState
from mockscim.store_state import check_storable
from mockscim.store_state import clone
from mockscim.store_state import fingerprint

__all__ = ["SNAPSHOT_FORMAT", "InMemoryStore", "StoreOptions", "clone"]

Record = dict[str, Any]
Mutator = Callable[[Record], tuple[Record, str | None]]
Versions = int | Collection[int] | None  # what If-Match accepts: one version, any of several, or any


@dataclass(frozen=True)
class StoreOptions:
    """Behaviour switches that the Okta profile and limits decide."""

    unique_group_names: bool = True
    max_members: int = 100_000
    # RFC 7644 §3.5.2 does not require member ids to exist: a provisioning client may add a
    # member before it creates the user. --strict refuses unknown ids (400 invalidValue).
    members_must_exist: bool = False


class InMemoryStore:
    """Users and Groups in one ``StoreState``, guarded by one re-entrant lock."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        options: StoreOptions | None = None,
        types: Mapping[str, ResourceType] | None = None,
    ):
        self.clock = clock or SystemClock()
        self.ids = ids or IdGenerator()
        self.options = options or StoreOptions()
        # The resource types filters and sorts resolve against (declared extensions included).
        self.types = types or RESOURCE_TYPES
        self._lock = threading.RLock()
        self._state = StoreState.empty()
        self.reset()

    @property
    def lock(self) -> Any:
        """The store's re-entrant lock: hold it to make several steps atomic with the store's."""
        return self._lock

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def generation(self) -> int:
        """A counter that grows with every change, so persistence can tell stale snapshots."""
        return self._state.generation

    def reset(self) -> None:
        """Drop every resource and index."""
        with self._lock:
            self._state = StoreState.empty(generation=self._state.generation + 1)

    def counts(self) -> dict[str, int]:
        """Return how many resources of each type are stored."""
        with self._lock:
            return {name: len(items) for name, items in self._state.records.items()}

    @contextmanager
    def atomically(self) -> Iterator[InMemoryStore]:
        """Several writes as one: if the block raises, the store is as it was before it.

        It works on a copy of the state (records shared, indexes copied: O(store)); seeds use it.
        """
        with self._lock:
            before = self._state
            self._state = before.copy()
            try:
                yield self
            except BaseException:
                self._state = before
                raise

    # -- reads -----------------------------------------------------------------------------
    def get(self, rtype: str, rid: str, *, copy: bool = True) -> Record:
        """A copy of the resource (with derived ``groups``), or a read-only view; raise NotFound."""
        with self._lock:
            return self._view(rtype, self._require(rtype, rid), copy=copy)

    def peek(self, rtype: str, rid: str, names: tuple[str, ...]) -> dict[str, Any] | None:
        """The named attributes of a stored resource, uncopied (read only), or None: no copy."""
        record = self._state.records.get(rtype, {}).get(rid, {})  # replaced, never changed in place
        return {name: record[name] for name in names if name in record} if record else None

    def exists(self, rtype: str, rid: str) -> bool:
        """Whether a resource with this id is stored (cheap: nothing is copied)."""
        with self._lock:
            return rid in self._state.records[rtype]

    def query(self, rtype: str, search: SearchRequest) -> tuple[int, list[Record]]:
        """Return (totalResults, the requested page) for a search.

        Pages are shallow views: they share nested values with the store, which never changes
        a stored record in place (writes store new records), so callers must only read them.
        Skipping the deep copy makes an import page of 100 users much cheaper.
        """
        with self._lock:
            if search.filter is None and search.sort_by is None:
                return self._unfiltered_page(rtype, search)
            matches = self._matches(rtype, search.filter)
            if search.sort_by is not None:
                views = self._state.views(rtype, matches)
                ordered = sort_resources(
                    views, self.types[rtype], search.sort_by, descending=search.descending
                )
                start = search.start_index - 1
                return len(ordered), ordered[start : start + search.count]
            start = min(search.start_index - 1, len(matches))
            return len(matches), self._state.views(rtype, matches[start : start + search.count])

    def _unfiltered_page(self, rtype: str, search: SearchRequest) -> tuple[int, list[Record]]:
        """Okta's import page: a slice of the creation order, O(page) at any store size."""
        order = self._state.ordered(rtype)
        start = min(search.start_index - 1, len(order))
        return len(order), self._state.views(rtype, order[start : start + search.count])

    def rendered_page(
        self, rtype: str, search: SearchRequest, render: Render, refer: Render
    ) -> tuple[int, list[Slot]]:
        """``query``'s unfiltered, unsorted page as kept slots: each record as ``render`` made it,
        then per user ``refer``'s form of its derived groups (``StoreState.rendered_page``)."""
        with self._lock:
            return self._state.rendered_page(rtype, search.start_index, search.count, render, refer)

    def _matches(self, rtype: str, expr: Expr | None) -> list[Record]:
        """All records matching ``expr``, in creation order; index-backed for eq lookups."""
        records = self._state.records[rtype]
        if expr is None:
            return list(records.values())
        predicate = compile_filter(expr, self.types[rtype])
        candidates = self._candidates(rtype, expr)
        pool = records.values() if candidates is None else candidates
        needs_groups = rtype == "User" and any(p.attr.lower() == "groups" for p in referenced_paths(expr))
        if needs_groups:
            return [r for r in pool if predicate(self._with_groups(r))]
        return [r for r in pool if predicate(r)]

    def _candidates(self, rtype: str, expr: Expr) -> list[Record] | None:
        """Use an index for ``userName``/``externalId``/``id``/``displayName`` eq terms."""
        records = self._state.records[rtype]
        for term in equality_terms(expr):
            name = term.path.attr.lower() if term.path.sub is None else ""
            if term.path.urn and term.path.urn.lower() != self.types[rtype].schema.id.lower():
                continue
            ids = self._state.indexes.lookup(rtype, name, term.value)
            if ids is not None:
                found = [records[i] for i in ids if i in records]
                return sorted(found, key=lambda r: r["_seq"]) if len(found) > 1 else found
        return None

    # -- writes ----------------------------------------------------------------------------
    def create(
        self,
        rtype: str,
        resource: Record,
        *,
        password: str | None = None,
        rid: str | None = None,
        owned: bool = False,
    ) -> Record:
        """Store a new resource (already validated); return a copy with id and meta. ``owned``: the
        caller hands ``resource`` over, to be kept as it is; a read-only view is returned."""
        with self._lock:
            state = self._state
            rid = rid or self.ids.new_id()
            if (owner := state.owner(rid)) is not None:
                raise Uniqueness(f"a {owner} with id '{rid}' already exists; ids are unique across types")
            now = isoformat(self.clock.now())
            meta = {"resourceType": rtype, "created": now, "lastModified": now, "version": 1}
            record = {"id": rid, **(resource if owned else clone(resource)), "meta": meta}
            secret = self._prepare(rtype, record, password, now)
            state.seq += 1
            record["_seq"] = state.seq
            state.put(rtype, record, secret)
            return self._view(rtype, record, copy=not owned)

    def replace(
        self,
        rtype: str,
        rid: str,
        resource: Record,
        *,
        password: str | None = None,
        version: Versions = None,
        copy: bool = True,
        owned: bool = False,
    ) -> Record:
        """Replace a resource's attributes (PUT; ``owned`` as for ``create``); raise NotFound,
        PreconditionFailed or Uniqueness."""
        with self._lock:
            return self._replace(
                rtype, rid, resource if owned else clone(resource), password, version, copy=copy
            )

    def _replace(
        self, rtype: str, rid: str, owned: Record, password: str | None, version: Versions, *, copy: bool
    ) -> Record:
        """Store ``owned`` (a dict nobody else holds) as the new attributes of ``rid``."""
        current = self._require(rtype, rid)
        self._check_version(current, version)
        now = isoformat(self.clock.now())
        meta = {**current["meta"], "lastModified": now, "version": current["meta"]["version"] + 1}
        record = {"id": rid, **owned, "meta": meta, "_seq": current["_seq"]}
        secret = self._prepare(rtype, record, password, now)
        self._state.put(rtype, record, secret)
        return self._view(rtype, record, copy=copy)

    def modify(self, rtype: str, rid: str, change: Mutator, *, version: Versions = None) -> Record:
        """Apply ``change`` to a private copy of the stored attributes, atomically (PATCH).

        ``change`` may edit the dict it gets in place and must return a fresh resource (as
        ``normalize_resource`` does). The result is a read-only view (see ``query``): a PATCH
        of a 10,000-member group copies the group once, not five times.
        """
        with self._lock:
            current = self._require(rtype, rid)
            self._check_version(current, version)
            attributes = {k: clone(v) for k, v in current.items() if k not in ("id", "meta", "_seq")}
            resource, password = change(attributes)
            return self._replace(rtype, rid, resource, password, None, copy=False)

    def delete(self, rtype: str, rid: str, *, version: Versions = None) -> None:
        """Delete a resource; users leave every group and groups leave every parent group."""
        with self._lock:
            state = self._state
            current = self._require(rtype, rid)
            self._check_version(current, version)
            now = isoformat(self.clock.now())
            groups = state.records["Group"]
            parents = [without_member(groups[gid], rid, now) for gid in state.indexes.groups_of.get(rid, ())]
            state.take(rtype, rid)
            for parent in parents:
                state.put("Group", parent)

    def password_info(self, rid: str) -> dict[str, str] | None:
        """Return the fingerprint and change time of a user's last password, never the password."""
        with self._lock:
            info = self._state.passwords.get(rid)
            return {"sha256": info[0].hex(), "changed": info[1]} if info else None

    # -- snapshot ------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Return all resources as JSON-safe data (no passwords) for ``restore``."""
        with self._lock:
            strip = lambda r: {k: clone(v) for k, v in r.items() if k != "_seq"}  # noqa: E731
            records = self._state.records
            return {
                "format": SNAPSHOT_FORMAT,
                "users": [strip(r) for r in records["User"].values()],
                "groups": [strip(r) for r in records["Group"].values()],
            }

    def versioned_snapshot(self) -> tuple[int, dict[str, Any]]:
        """A snapshot and the generation it reflects, taken atomically."""
        with self._lock:
            return self.generation, self.snapshot()

    def restore(self, snapshot: Any, *, trusted: bool = False) -> None:
        """Replace all state with a snapshot taken by ``snapshot``; refuse it whole if any part is
        wrong (``snapshots.SnapshotError`` lists the problems) and then change nothing.

        Snapshots hold no passwords, so a restored store has no password fingerprints.
        ``trusted`` skips the per-resource checks of an unchanged file mockscim wrote itself.
        """
        built = build_state(
            snapshot,
            now=isoformat(self.clock.now()),
            max_members=self.options.max_members,
            unique_group_names=self.options.unique_group_names,
            trusted=trusted,
        )
        with self._lock:
            built.generation = self._state.generation + 1
            self._state = built

    # -- internals -----------------------------------------------------------------------------
    def _require(self, rtype: str, rid: str) -> Record:
        """Return the stored record or raise NotFound."""
        record = self._state.records[rtype].get(rid)
        if record is None:
            raise NotFound(f"{rtype} '{rid}' not found")
        return record

    @staticmethod
    def _check_version(record: Record, version: Versions) -> None:
        """RFC 7644 §3.14: a stale If-Match version is refused with 412."""
        if version is None:
            return
        wanted = {version} if isinstance(version, int) else set(version)
        current = record["meta"]["version"]
        if current not in wanted:
            named = ", ".join(f'W/"{v}"' for v in sorted(wanted)) or "no valid ETag"
            raise PreconditionFailed(
                f'If-Match names {named}, but the current version is W/"{current}"; GET the resource again'
            )

    def _prepare(self, rtype: str, record: Record, password: str | None, now: str) -> Fingerprint | None:
        """Everything a write can fail on, checked before the state changes; return the
        password fingerprint to store. ``record`` is new and private, so it may be adjusted."""
        self._check_unique(rtype, record)
        if rtype == "Group":
            members = dedupe_members(record.get("members"))
            check_nesting(record["id"], members, self._state.indexes.groups_of)
            check_members(
                members,
                self._state.records,
                self.options.max_members,
                must_exist=self.options.members_must_exist,
            )
            if members:
                record["members"] = members  # in place: the key keeps its position
            else:
                record.pop("members", None)
        check_storable(record)
        return fingerprint(record["id"], password, now) if rtype == "User" else None

    def _check_unique(self, rtype: str, record: Record) -> None:
        """userName is unique case-insensitively; group names too when the option is on.

        The resource being replaced never conflicts with itself (docs/okta-reference.md §9.4).
        """
        rid, indexes = record["id"], self._state.indexes
        if rtype == "User":
            owner = indexes.user_names.get(fold(record.get("userName")))
            if owner is not None and owner != rid:
                raise Uniqueness(f"userName '{record.get('userName')}' is already taken by user {owner}")
        elif self.options.unique_group_names:
            if indexes.group_names.get(fold(record.get("displayName")), set()) - {rid}:
                raise Uniqueness(f"a group named '{record.get('displayName')}' already exists")

    def _with_groups(self, record: Record) -> Record:
        """A shallow view of a user with the derived ``groups`` attribute (RFC 7643 §4.1.2)."""
        derived = self._state.groups_of(record["id"])
        return record if derived is None else {**record, "groups": derived}

    def _view(self, rtype: str, record: Record, *, copy: bool = True) -> Record:
        """What callers get: a new dict (``StoreState.view``); a deep copy unless ``copy`` is
        False (read-only views, see ``query``). One dict per record: an import page makes 100
        of them, and the renderer completes them in place instead of copying again."""
        view = self._state.view(rtype, record)
        return {k: clone(v) for k, v in view.items()} if copy else view
