"""The whole content of one store in one object, and the checks a record passes before it enters.

``InMemoryStore`` holds a single ``StoreState``: records, indexes, memberships (in the indexes),
password fingerprints, creation order and the generation. A write computes everything that can
fail first (``check_storable``, ``fingerprint``, the store's uniqueness and membership checks) and
only then changes the state with steps that cannot fail (``put``, ``take``). A restore builds a
new ``StoreState`` completely and the store swaps it in only when it is valid.
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from operator import itemgetter
from typing import Any

from mockscim.errors import InvalidValue
from mockscim.indexes import Indexes
from mockscim.scim.schema import RESOURCE_TYPES

Record = dict[str, Any]
Fingerprint = tuple[bytes, str]  # sha256 digest, when: compact, since a store may hold 100,000 users
_SEQ, _ID = itemgetter("_seq"), itemgetter("id")
_FIRST: Record = {"schemas": None}  # a view's first key (see ``StoreState.view``); never changed


def clone(value: Any) -> Any:
    """Deep-copy JSON-like data (dicts, lists, scalars) faster than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


@dataclass
class StoreState:
    """Users, groups, their indexes, password fingerprints, creation order and the generation."""

    records: dict[str, dict[str, Record]]
    indexes: Indexes
    passwords: dict[str, Fingerprint] = field(default_factory=dict)
    generation: int = 0
    seq: int = 0
    order: dict[str, list[Record]] = field(default_factory=dict)
    order_dirty: dict[str, bool] = field(default_factory=dict)
    schemas_pool: dict[tuple[str, ...], list[str]] = field(default_factory=dict)

    @classmethod
    def empty(cls, generation: int = 0) -> StoreState:
        """A state holding nothing."""
        names = tuple(RESOURCE_TYPES)
        return cls({name: {} for name in names}, Indexes(names), generation=generation)

    def copy(self) -> StoreState:
        """An independent copy; records are shared, since a stored record is never changed in place."""
        return StoreState(
            records={name: dict(items) for name, items in self.records.items()},
            indexes=self.indexes.copy(),
            passwords=dict(self.passwords),
            generation=self.generation,
            seq=self.seq,
            order={name: list(records) for name, records in self.order.items()},
            order_dirty=dict(self.order_dirty),
            schemas_pool=dict(self.schemas_pool),
        )

    def owner(self, rid: str) -> str | None:
        """The resource type holding ``rid`` (ids are unique across types), or None."""
        return next((name for name, items in self.records.items() if rid in items), None)

    def pooled(self, record: Record) -> None:
        """Share one copy of identical ``schemas`` lists (memory per user); ``record`` is new."""
        schemas = record.get("schemas")
        if isinstance(schemas, list) and all(isinstance(s, str) for s in schemas):
            record["schemas"] = self.schemas_pool.setdefault(tuple(schemas), schemas)

    def put(self, rtype: str, record: Record, fingerprint: Fingerprint | None = None) -> None:
        """Store a checked record (replacing the one with its id, in place) and index it."""
        rid = record["id"]
        items = self.records[rtype]
        current = items.get(rid)
        if current is not None:
            self.indexes.remove(rtype, current)
        if not self.order_dirty.get(rtype, True):
            self._order_put(rtype, current, record)
        self.pooled(record)
        items[rid] = record  # Same key: the dict keeps the creation order.
        self.indexes.add(rtype, record)
        if fingerprint is not None:
            self.passwords[rid] = fingerprint
        self.generation += 1

    def take(self, rtype: str, rid: str) -> None:
        """Remove a record, its index entries and its password fingerprint."""
        record = self.records[rtype].pop(rid)
        self.indexes.remove(rtype, record)
        self.indexes.groups_of.pop(rid, None)
        self.passwords.pop(rid, None)
        self.order_dirty[rtype] = True
        self.generation += 1

    def _order_put(self, rtype: str, current: Record | None, record: Record) -> None:
        """Keep the creation order up to date: a new record goes last (it has the highest
        ``_seq``), a replacement takes its predecessor's place, found by bisection on ``_seq``."""
        order = self.order[rtype]
        if current is None:
            order.append(record)
            return
        at = bisect_left(order, current["_seq"], key=_SEQ)
        if at < len(order) and order[at] is current:
            order[at] = record
        else:  # not where creation order puts it: rebuild on the next read
            self.order_dirty[rtype] = True

    def ordered(self, rtype: str) -> list[Record]:
        """Records in creation order; rebuilt only after a delete (Okta never deletes users).

        The records themselves, not their ids: an import page at 100,000 users then reads no
        hash table to find them (docs/performance.md, "What was changed and found (phase 3,
        twelfth session)")."""
        if self.order_dirty.get(rtype, True):
            self.order[rtype] = list(self.records[rtype].values())
            self.order_dirty[rtype] = False
        return self.order[rtype]

    def view(self, rtype: str, record: Record) -> Record:
        """What callers read of ``record``: a new dict in the order a client reads it
        (``schemas`` and ``id`` first, a user's derived ``groups``, ``meta`` last), private
        fields removed. Its values are the record's: callers copy them or only read them."""
        gids = self.indexes.groups_of.get(record["id"]) if rtype == "User" else None
        return self._finished(_FIRST | record, gids)  # C-level merge: the key first, the record's value

    def views(self, rtype: str, page: list[Record]) -> list[Record]:
        """``view`` of every record of ``page``.

        The records' ids, their memberships and then the records are read in C-level ``map``
        passes: at 100,000 users a page's records are rarely in the CPU's caches, and a tight
        loop waits for several of them at once where a Python loop waits for each in turn: a
        fifth less time at 100,000 users (docs/performance.md, "What was changed and found
        (phase 3, twelfth session)")."""
        if rtype != "User":
            return [self._finished(view, None) for view in list(map(_FIRST.__or__, page))]
        # The ids first: that pass reads each record's dict, so the merges find it cached.
        memberships = list(map(self.indexes.groups_of.get, list(map(_ID, page))))
        return list(map(self._finished, list(map(_FIRST.__or__, page)), memberships))

    def _finished(self, view: Record, gids: Iterable[str] | None) -> Record:
        """``_FIRST | record`` without ``_seq`` (and ``schemas`` when the record has none), with
        the derived ``groups`` of the groups ``gids`` before ``meta``."""
        del view["_seq"]
        if view["schemas"] is None:
            del view["schemas"]  # a record stored without one (the renderer names the core schema)
        if gids:
            view["groups"] = self.derived_groups(gids)
            view["meta"] = view.pop("meta")
        return view

    def groups_of(self, rid: str) -> list[Record] | None:
        """The derived ``groups`` of user ``rid`` (RFC 7643 §4.1.2); None when no group holds it."""
        gids = self.indexes.groups_of.get(rid)
        return self.derived_groups(gids) if gids else None

    def derived_groups(self, gids: Iterable[str]) -> list[Record]:
        """The derived ``groups`` entries for the groups ``gids`` (those still stored)."""
        groups = self.records["Group"]
        return [
            {"value": g, "display": groups[g].get("displayName"), "type": "direct"}
            for g in gids
            if g in groups
        ]


def fingerprint(rid: str, password: str | None, now: str) -> Fingerprint | None:
    """Keep only a fingerprint of a pushed password: enough to test sync, never the secret."""
    if password is None:
        return None
    try:
        data = f"{rid}:{password}".encode()
    except UnicodeEncodeError:
        # Never echo the password (it is a secret even when it is broken text).
        raise InvalidValue(
            "password is not valid Unicode text (it holds a lone UTF-16 surrogate); send it as UTF-8"
        ) from None
    return hashlib.sha256(data).digest(), now


def check_storable(record: Record) -> None:
    """Refuse a record the state file or a response could not hold: every string must be valid
    Unicode (a lone UTF-16 surrogate such as "\\ud800" is not, RFC 8259 §8.2) and every number
    finite. Checked before the record enters the store, so a refused write changes nothing."""
    try:
        json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError):
        where, problem = _first_problem(record, "")
        raise InvalidValue(f"{where or 'the resource'} {problem}") from None


def _first_problem(value: Any, where: str) -> tuple[str, str]:
    """The path to the first value JSON-in-UTF-8 cannot hold, and what is wrong with it."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or _bad_text(key):
                return where, "has an attribute name that is not valid Unicode text"
            found = _first_problem(item, f"{where}.{key}" if where else key)
            if found[1]:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_problem(item, f"{where}[{index}]")
            if found[1]:
                return found
    elif isinstance(value, str) and _bad_text(value):
        return where, "is not valid Unicode text (it holds a lone UTF-16 surrogate); send it as UTF-8"
    elif isinstance(value, float) and not math.isfinite(value):
        return where, "is not a finite number; JSON has no NaN or Infinity"
    elif not isinstance(value, str | int | float | bool | type(None)):
        return where, f"is a {type(value).__name__}, which JSON cannot hold; send a string"
    return where, ""


def _bad_text(text: str) -> bool:
    """True when ``text`` cannot be encoded as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
