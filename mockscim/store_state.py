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
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from operator import itemgetter
from typing import Any

from mockscim import jsontext
from mockscim.errors import InvalidValue
from mockscim.indexes import Indexes
from mockscim.scim.schema import RESOURCE_TYPES

Record = dict[str, Any]
Render = Callable[[Any], Any]  # what the server makes of views to keep (tuples; server/wire.py)
Slot = tuple[Any, ...]  # ``Render``'s tuple, the group generation, the groups' kept forms or None
_STAMP = itemgetter(-2)
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
    # What the server rendered of each record in ``order``, at the same position (None: not
    # rendered since it was stored), and of each group a user's ``groups`` names: see
    # ``rendered_page``.
    rendered: dict[str, list[Slot | None]] = field(default_factory=dict)
    references: dict[str, Any] = field(default_factory=dict)
    reference_sets: dict[tuple[str, ...], tuple[Any, ...]] = field(default_factory=dict)
    group_generation: int = 0  # changes with every group write: derived groups may have changed
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
            rendered={name: list(kept) for name, kept in self.rendered.items()},
            references=dict(self.references),
            reference_sets=dict(self.reference_sets),
            group_generation=self.group_generation,
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
        self._written(rtype)

    def _written(self, rtype: str) -> None:
        """Count a write; a group's may change any user's derived groups, so their kept forms go."""
        self.generation += 1
        if rtype == "Group":
            self.group_generation += 1
            self.references.clear()
            self.reference_sets.clear()

    def take(self, rtype: str, rid: str) -> None:
        """Remove a record, its index entries and its password fingerprint."""
        record = self.records[rtype].pop(rid)
        self.indexes.remove(rtype, record)
        self.indexes.groups_of.pop(rid, None)
        self.passwords.pop(rid, None)
        self.order_dirty[rtype] = True
        self._written(rtype)

    def _order_put(self, rtype: str, current: Record | None, record: Record) -> None:
        """Keep the creation order up to date: a new record goes last (it has the highest
        ``_seq``), a replacement takes its predecessor's place, found by bisection on ``_seq``."""
        order, rendered = self.order[rtype], self.rendered[rtype]
        if current is None:
            order.append(record)
            rendered.append(None)
            return
        at = bisect_left(order, current["_seq"], key=_SEQ)
        if at < len(order) and order[at] is current:
            order[at], rendered[at] = record, None
        else:  # not where creation order puts it: rebuild on the next read
            self.order_dirty[rtype] = True

    def ordered(self, rtype: str) -> list[Record]:
        """Records in creation order; rebuilt only after a delete (Okta never deletes users).

        The records themselves, not their ids: an import page at 100,000 users then reads no
        hash table to find them (docs/performance.md, "What was changed and found (phase 3,
        twelfth session)")."""
        if self.order_dirty.get(rtype, True):
            self.order[rtype] = list(self.records[rtype].values())
            self.rendered[rtype] = [None] * len(self.order[rtype])
            self.order_dirty[rtype] = False
        return self.order[rtype]

    def rendered_page(
        self, rtype: str, start_index: int, count: int, render: Render, refer: Render
    ) -> tuple[int, list[Slot]]:
        """The total and the page of the creation order at ``start_index`` (1-based), as ``Slot``s:
        each record as ``render`` made it from its view without groups (a tuple), then the group
        generation and ``refer``'s forms of a user's derived groups (None for none, and for groups).

        Both are made once and kept at the record's place in ``rendered``: the record's part until
        the record is replaced (a stored record never changes), the groups until a group changes.
        A page then reads one slot per record, adjacent to the next one's, and no record
        (mockscim/server/wire.py)."""
        order, slots = self.ordered(rtype), self.rendered[rtype]
        start = min(start_index - 1, len(order))
        stop = min(start + count, len(order))
        stamp = self.group_generation if rtype == "User" else -1
        page = slots[start:stop]
        if None in page or list(map(_STAMP, page)).count(stamp) != len(page):
            self._refresh(rtype, range(start, stop), stamp, render, refer)
            page = slots[start:stop]
        return len(order), page  # type: ignore[return-value]

    def _refresh(self, rtype: str, span: range, stamp: int, render: Render, refer: Render) -> None:
        """Make the slots of ``span`` up to date: the records never rendered, all at once (as a
        page is encoded), and the derived groups from an older group generation."""
        order, slots = self.order[rtype], self.rendered[rtype]
        cold = [at for at in span if slots[at] is None]
        made = dict(zip(cold, render([self._finished(_FIRST | order[at], None) for at in cold]), strict=True))
        for at in span:
            slot = slots[at]
            if slot is None or slot[-2] != stamp:
                gids = self.indexes.groups_of.get(order[at]["id"]) if rtype == "User" else None
                kept = made[at] if slot is None else slot[:-2]
                slots[at] = (*kept, stamp, self._references(tuple(gids), refer) if gids else None)

    def _references(self, gids: tuple[str, ...], refer: Render) -> tuple[Any, ...]:
        """``refer``'s form of each derived group of ``gids`` (``derived_groups``), made once per
        group, and one tuple for all users in the same groups, until a group changes. A tuple,
        not a list: the collector stops tracking a tuple of bytes, and 100,000 kept slots it
        tracked cost two full collections (0.2 s each) while a first import filled them."""
        found = self.reference_sets.get(gids)
        if found is None:
            groups, references = self.records["Group"], self.references
            for gid in gids:
                if gid in groups and gid not in references:
                    display = groups[gid].get("displayName")
                    references[gid] = refer({"value": gid, "display": display, "type": "direct"})
            found = self.reference_sets[gids] = tuple(references[g] for g in gids if g in groups)
        return found

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
        # orjson first (about 1.5 µs for a user against 12 for json): it refuses lone surrogates,
        # keys that are not strings and the types JSON has no form for, but writes NaN and the
        # infinities as null, so any null, and any refusal, is decided by json as before.
        if b"null" not in jsontext.fast_encode(record):
            return
    except TypeError:
        pass
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
