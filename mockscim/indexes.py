"""The store's lookup tables: what Okta looks resources up by, and who is in which group.

Okta looks users up by ``userName eq`` before every assignment (docs/okta-reference.md §5.1) and groups
by ``displayName eq`` (§9.2); ``externalId`` and ``id`` lookups are indexed too, so none of
them scans the store. ``groups_of`` maps a member to the groups listing it, which derives a
user's ``groups`` attribute (RFC 7643 §4.1.2) without reading every group.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]


def fold(value: Any) -> str:
    """Case-fold for case-insensitive attributes (userName, displayName: caseExact false)."""
    return value.casefold() if isinstance(value, str) else ""


class Indexes:
    """Index entries for one store; the store calls ``add``/``remove`` under its lock."""

    def __init__(self, resource_types: tuple[str, ...]) -> None:
        self.user_names: dict[str, str] = {}
        self.group_names: dict[str, set[str]] = {}
        # externalId -> one id, or a set of ids when several resources share it (rare): a plain
        # string per user keeps the index small at 100,000 users.
        self.external: dict[str, dict[str, str | set[str]]] = {name: {} for name in resource_types}
        self.groups_of: dict[str, dict[str, None]] = {}

    def copy(self) -> Indexes:
        """An independent copy (for a store transaction that may be rolled back)."""
        other = Indexes(tuple(self.external))
        other.user_names = dict(self.user_names)
        other.group_names = {name: set(ids) for name, ids in self.group_names.items()}
        other.external = {
            rtype: {k: set(v) if isinstance(v, set) else v for k, v in index.items()}
            for rtype, index in self.external.items()
        }
        other.groups_of = {member: dict(groups) for member, groups in self.groups_of.items()}
        return other

    def add(self, rtype: str, record: Record) -> None:
        """Add a record's entries."""
        rid = record["id"]
        if rtype == "User":
            self.user_names[fold(record.get("userName"))] = rid
        else:
            self.group_names.setdefault(fold(record.get("displayName")), set()).add(rid)
            for member in record.get("members", []):
                self.groups_of.setdefault(member["value"], {})[rid] = None
        if isinstance(record.get("externalId"), str):
            self._add_external(rtype, record["externalId"], rid)

    def remove(self, rtype: str, record: Record) -> None:
        """Remove a record's entries."""
        rid = record["id"]
        if rtype == "User":
            self.user_names.pop(fold(record.get("userName")), None)
        else:
            self.group_names.get(fold(record.get("displayName")), set()).discard(rid)
            for member in record.get("members", []):
                self.groups_of.get(member["value"], {}).pop(rid, None)
        if isinstance(record.get("externalId"), str):
            self._remove_external(rtype, record["externalId"], rid)

    def _add_external(self, rtype: str, value: str, rid: str) -> None:
        """Add ``rid`` under an externalId."""
        index = self.external[rtype]
        owners = index.get(value)
        if owners is None or owners == rid:
            index[value] = rid
        elif isinstance(owners, str):
            index[value] = {owners, rid}
        else:
            owners.add(rid)

    def _remove_external(self, rtype: str, value: str, rid: str) -> None:
        """Remove ``rid`` from under an externalId."""
        index = self.external[rtype]
        owners = index.get(value)
        if owners == rid:
            del index[value]
        elif isinstance(owners, set):
            owners.discard(rid)
            if len(owners) == 1:
                index[value] = next(iter(owners))

    def lookup(self, rtype: str, name: str, value: Any) -> set[str] | list[str] | None:
        """Ids whose attribute ``name`` (lower-case) equals ``value``; None when not indexed."""
        if not isinstance(value, str):
            return None
        if name == "id":
            return [value]
        if name == "externalid":
            owners = self.external[rtype].get(value, set())
            return {owners} if isinstance(owners, str) else owners
        if rtype == "User" and name == "username":
            rid = self.user_names.get(fold(value))
            return [rid] if rid else []
        if rtype == "Group" and name == "displayname":
            return self.group_names.get(fold(value), set())
        return None
