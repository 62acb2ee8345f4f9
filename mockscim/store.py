"""In-memory SCIM store: thread-safe, hands out copies, keeps indexes for Okta's lookups.

The store knows nothing about HTTP. It keeps an integer ``meta.version`` per resource; the
HTTP layer renders ``W/"n"`` ETags and ``meta.location``. Every public method returns copies,
so callers can never change stored state by accident.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockscim.clock import Clock
from mockscim.clock import SystemClock
from mockscim.clock import isoformat
from mockscim.errors import InvalidValue
from mockscim.errors import NotFound
from mockscim.errors import PreconditionFailed
from mockscim.errors import Uniqueness
from mockscim.ids import IdGenerator
from mockscim.indexes import Indexes
from mockscim.indexes import fold
from mockscim.scim.filter import Expr
from mockscim.scim.filter import compile_filter
from mockscim.scim.filter import equality_terms
from mockscim.scim.filter import referenced_paths
from mockscim.scim.query import SearchRequest
from mockscim.scim.query import sort_resources
from mockscim.scim.schema import GROUP_TYPE
from mockscim.scim.schema import RESOURCE_TYPES
from mockscim.scim.schema import USER_TYPE
from mockscim.scim.schema import ResourceType

SNAPSHOT_FORMAT = "mockscim-state/1"
Record = dict[str, Any]
Mutator = Callable[[Record], tuple[Record, str | None]]


def clone(value: Any) -> Any:
    """Deep-copy JSON-like data (dicts, lists, scalars) faster than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


@dataclass(frozen=True)
class StoreOptions:
    """Behaviour switches that the Okta profile and limits decide."""

    unique_group_names: bool = True
    max_members: int = 100_000
    # RFC 7644 §3.5.2 does not require member ids to exist: a provisioning client may add a
    # member before it creates the user. --strict refuses unknown ids (400 invalidValue).
    members_must_exist: bool = False


class InMemoryStore:
    """Users and Groups in dicts keyed by id, guarded by one re-entrant lock."""

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
        self.reset()

    @property
    def lock(self) -> Any:
        """The store's re-entrant lock: hold it to make several steps atomic with the store's."""
        return self._lock

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def generation(self) -> int:
        """A counter that grows with every change, so persistence can tell stale snapshots."""
        return getattr(self, "_generation", 0)

    def _changed(self) -> None:
        """Count one change (called with the lock held)."""
        self._generation = self.generation + 1

    def reset(self) -> None:
        """Drop every resource and index."""
        with self._lock:
            self._changed()
            self._data: dict[str, dict[str, Record]] = {name: {} for name in RESOURCE_TYPES}
            self._idx = Indexes(tuple(RESOURCE_TYPES))
            # user id -> (sha256 digest, when): compact, since a store may hold 100,000 users.
            self._passwords: dict[str, tuple[bytes, str]] = {}
            self._order: dict[str, list[str]] = {}
            self._order_dirty: dict[str, bool] = {}
            self._schemas_pool: dict[tuple[str, ...], list[str]] = {}

    def counts(self) -> dict[str, int]:
        """Return how many resources of each type are stored."""
        with self._lock:
            return {name: len(items) for name, items in self._data.items()}

    # -- reads -----------------------------------------------------------------------------
    def get(self, rtype: str, rid: str) -> Record:
        """Return a copy of the resource (users carry derived ``groups``); raise NotFound."""
        with self._lock:
            return self._view(rtype, self._require(rtype, rid))

    def exists(self, rtype: str, rid: str) -> bool:
        """Whether a resource with this id is stored (cheap: nothing is copied)."""
        with self._lock:
            return rid in self._data[rtype]

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
                views = [self._view(rtype, r, copy=False) for r in matches]
                ordered = sort_resources(
                    views, self.types[rtype], search.sort_by, descending=search.descending
                )
                start = search.start_index - 1
                return len(ordered), ordered[start : start + search.count]
            start = min(search.start_index - 1, len(matches))
            return len(matches), [
                self._view(rtype, r, copy=False) for r in matches[start : start + search.count]
            ]

    def _unfiltered_page(self, rtype: str, search: SearchRequest) -> tuple[int, list[Record]]:
        """Okta's import page: a slice of the creation order, O(page) at any store size."""
        order = self._ordered(rtype)
        start = min(search.start_index - 1, len(order))
        records = self._data[rtype]
        page = [records[rid] for rid in order[start : start + search.count]]
        return len(order), [self._view(rtype, r, copy=False) for r in page]

    def _ordered(self, rtype: str) -> list[str]:
        """Ids in creation order; rebuilt only after a delete (Okta never deletes users)."""
        if self._order_dirty.get(rtype, True):
            self._order[rtype] = list(self._data[rtype])
            self._order_dirty[rtype] = False
        return self._order[rtype]

    def _matches(self, rtype: str, expr: Expr | None) -> list[Record]:
        """All records matching ``expr``, in creation order; index-backed for eq lookups."""
        records = self._data[rtype]
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
        records = self._data[rtype]
        for term in equality_terms(expr):
            name = term.path.attr.lower() if term.path.sub is None else ""
            if term.path.urn and term.path.urn.lower() != self.types[rtype].schema.id.lower():
                continue
            ids = self._idx.lookup(rtype, name, term.value)
            if ids is not None:
                found = [records[i] for i in ids if i in records]
                return sorted(found, key=lambda r: r["_seq"]) if len(found) > 1 else found
        return None

    # -- writes ----------------------------------------------------------------------------
    def create(
        self, rtype: str, resource: Record, *, password: str | None = None, rid: str | None = None
    ) -> Record:
        """Store a new resource (already validated); return a copy with id and meta."""
        with self._lock:
            rid = rid or self.ids.new_id()
            if rid in self._data[rtype]:
                raise Uniqueness(f"a {rtype} with id '{rid}' already exists")
            self._check_unique(rtype, resource, None)
            self._check_members(rtype, resource)
            now = isoformat(self.clock.now())
            record = {"id": rid, **clone(resource)}
            record["meta"] = {"resourceType": rtype, "created": now, "lastModified": now, "version": 1}
            record["_seq"] = self._next_seq()
            self._insert(rtype, record)
            self._set_password(rtype, rid, password, now)
            self._changed()
            return self._view(rtype, record)

    def replace(
        self,
        rtype: str,
        rid: str,
        resource: Record,
        *,
        password: str | None = None,
        version: int | None = None,
    ) -> Record:
        """Replace a resource's attributes (PUT); raise NotFound, PreconditionFailed or Uniqueness."""
        with self._lock:
            return self._replace(rtype, rid, clone(resource), password, version, copy=True)

    def _replace(
        self, rtype: str, rid: str, owned: Record, password: str | None, version: int | None, *, copy: bool
    ) -> Record:
        """Store ``owned`` (a dict nobody else holds) as the new attributes of ``rid``."""
        current = self._require(rtype, rid)
        self._check_version(current, version)
        self._check_unique(rtype, owned, rid)
        self._check_members(rtype, owned)
        now = isoformat(self.clock.now())
        meta = {**current["meta"], "lastModified": now, "version": current["meta"]["version"] + 1}
        record = {"id": rid, **owned, "meta": meta, "_seq": current["_seq"]}
        self._idx.remove(rtype, current)
        self._insert(rtype, record)  # Same key: the dict keeps the creation order.
        self._set_password(rtype, rid, password, now)
        self._changed()
        return self._view(rtype, record, copy=copy)

    def modify(self, rtype: str, rid: str, change: Mutator, *, version: int | None = None) -> Record:
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

    def delete(self, rtype: str, rid: str, *, version: int | None = None) -> None:
        """Delete a resource; users leave every group and groups leave every parent group."""
        with self._lock:
            current = self._require(rtype, rid)
            self._check_version(current, version)
            self._idx.remove(rtype, current)
            del self._data[rtype][rid]
            self._order_dirty[rtype] = True
            self._changed()
            self._passwords.pop(rid, None)
            self._drop_memberships(rid)

    def password_info(self, rid: str) -> dict[str, str] | None:
        """Return the fingerprint and change time of a user's last password, never the password."""
        with self._lock:
            info = self._passwords.get(rid)
            return {"sha256": info[0].hex(), "changed": info[1]} if info else None

    # -- snapshot ------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Return all resources as JSON-safe data (no passwords) for ``restore``."""
        with self._lock:
            strip = lambda r: {k: clone(v) for k, v in r.items() if k != "_seq"}  # noqa: E731
            return {
                "format": SNAPSHOT_FORMAT,
                "users": [strip(r) for r in self._data["User"].values()],
                "groups": [strip(r) for r in self._data["Group"].values()],
            }

    def versioned_snapshot(self) -> tuple[int, dict[str, Any]]:
        """A snapshot and the generation it reflects, taken atomically."""
        with self._lock:
            return self.generation, self.snapshot()

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Replace all state with a snapshot taken by ``snapshot``; refuse foreign data."""
        if not isinstance(snapshot, dict) or snapshot.get("format") != SNAPSHOT_FORMAT:
            raise InvalidValue(f"not a mockscim snapshot: 'format' must be '{SNAPSHOT_FORMAT}'")
        for key in ("users", "groups"):
            if not isinstance(snapshot.get(key, []), list):
                raise InvalidValue(f"a snapshot's '{key}' must be a list of resources")
        with self._lock:
            backup = (self._data, self._idx, self._order, self._order_dirty)
            self.reset()
            try:
                for key, rtype in (("users", "User"), ("groups", "Group")):
                    for record in snapshot.get(key, []):
                        self._restore_record(rtype, record)
            except Exception:
                self._data, self._idx, self._order, self._order_dirty = backup
                raise

    def _restore_record(self, rtype: str, record: Any) -> None:
        """Insert one snapshot record, checking the invariants a write would."""
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise InvalidValue(f"every {rtype} in a snapshot needs a string 'id'")
        attributes = {k: v for k, v in record.items() if k not in ("id", "meta")}
        self._check_unique(rtype, attributes, None)
        # State the server once accepted is restored as it was, dangling member ids included.
        self._check_members(rtype, attributes, check_existence=False)
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
        now = isoformat(self.clock.now())
        full_meta = {"resourceType": rtype, "created": now, "lastModified": now, "version": 1, **meta}
        self._insert(rtype, {**clone(record), "meta": full_meta, "_seq": self._next_seq()})

    # -- internals -----------------------------------------------------------------------------
    def _next_seq(self) -> int:
        """A monotonically increasing creation number; list order is stable across updates."""
        self._seq = getattr(self, "_seq", 0) + 1
        return self._seq

    def _require(self, rtype: str, rid: str) -> Record:
        """Return the stored record or raise NotFound."""
        record = self._data[rtype].get(rid)
        if record is None:
            raise NotFound(f"{rtype} '{rid}' not found")
        return record

    @staticmethod
    def _check_version(record: Record, version: int | None) -> None:
        """RFC 7644 §3.14: a stale If-Match version is refused with 412."""
        if version is not None and record["meta"]["version"] != version:
            raise PreconditionFailed(
                f"If-Match version {version} does not match the current version {record['meta']['version']}"
            )

    def _check_unique(self, rtype: str, resource: Record, rid: str | None) -> None:
        """userName is unique case-insensitively; group names too when the option is on.

        The resource being replaced never conflicts with itself (wire reference §9.4, S28).
        """
        if rtype == "User":
            owner = self._idx.user_names.get(fold(resource.get("userName")))
            if owner is not None and owner != rid:
                raise Uniqueness(f"userName '{resource.get('userName')}' is already taken by user {owner}")
        elif self.options.unique_group_names:
            owners = self._idx.group_names.get(fold(resource.get("displayName")), set()) - {rid}
            if owners:
                raise Uniqueness(f"a group named '{resource.get('displayName')}' already exists")

    def _check_members(self, rtype: str, resource: Record, *, check_existence: bool = True) -> None:
        """The member count is limited; with ``members_must_exist`` every member is a stored
        User or Group (a dangling id is otherwise kept, and derives no user's ``groups``)."""
        if rtype != "Group":
            return
        members = resource.get("members") or []
        if len(members) > self.options.max_members:
            raise InvalidValue(
                f"a group may hold at most {self.options.max_members} members, not {len(members)}"
            )
        if not (check_existence and self.options.members_must_exist):
            return
        for index, member in enumerate(members):
            value = member.get("value")
            if value not in self._data["User"] and value not in self._data["Group"]:
                raise InvalidValue(
                    f"members[{index}].value '{value}' is not the id of an existing User or Group"
                )

    def _insert(self, rtype: str, record: Record) -> None:
        """Store a record (replacing one with the same id in place) and index it."""
        rid = record["id"]
        if rtype == "Group":
            record["members"] = _dedupe_members(record.get("members"))
            if not record["members"]:
                record.pop("members")
        if isinstance(record.get("schemas"), list):
            # Most resources have the same schemas list: keep one shared copy (memory per user).
            record["schemas"] = self._schemas_pool.setdefault(tuple(record["schemas"]), record["schemas"])
        if rid not in self._data[rtype] and not self._order_dirty.get(rtype, True):
            self._order[rtype].append(rid)
        self._data[rtype][rid] = record
        self._idx.add(rtype, record)

    def _drop_memberships(self, rid: str) -> None:
        """Remove a deleted resource from every group that listed it as a member."""
        for gid in list(self._idx.groups_of.pop(rid, {})):
            group = self._data["Group"].get(gid)
            if group is None:
                continue
            kept = [m for m in group.get("members", []) if m.get("value") != rid]
            attributes = {k: v for k, v in group.items() if k not in ("id", "meta", "_seq")}
            attributes["members"] = kept
            self.replace("Group", gid, attributes)

    def _set_password(self, rtype: str, rid: str, password: str | None, now: str) -> None:
        """Keep only a fingerprint of a pushed password: enough to test sync, never the secret."""
        if rtype == "User" and password is not None:
            self._passwords[rid] = (hashlib.sha256(f"{rid}:{password}".encode()).digest(), now)

    def _with_groups(self, record: Record) -> Record:
        """A shallow view of a user with the derived ``groups`` attribute (RFC 7643 §4.1.2)."""
        gids = self._idx.groups_of.get(record["id"])
        if not gids:
            return record
        groups = self._data["Group"]
        derived = [
            {"value": gid, "display": groups[gid].get("displayName"), "type": "direct"}
            for gid in gids
            if gid in groups
        ]
        return {**record, "groups": derived}

    def _view(self, rtype: str, record: Record, *, copy: bool = True) -> Record:
        """What callers get: derived groups added, private fields removed; a deep copy unless
        ``copy`` is False (read-only views, see ``query``)."""
        source = self._with_groups(record) if rtype == "User" else record
        if copy:
            return {k: clone(v) for k, v in source.items() if k != "_seq"}
        return {k: v for k, v in source.items() if k != "_seq"}


def _dedupe_members(members: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Keep the first occurrence of each member value (PUT bodies may repeat a member)."""
    seen: set[Any] = set()
    out = []
    for member in members or []:
        if member.get("value") not in seen:
            seen.add(member.get("value"))
            out.append(member)
    return out


RESOURCE_NAMES = {USER_TYPE.endpoint: "User", GROUP_TYPE.endpoint: "Group"}
