"""Group membership rules: members exist, are few enough, and never make a group contain itself.

RFC 7643 §4.2 lets a group's ``members`` name users and other groups, so groups may nest. A
group that contains itself, directly or through other groups, has no meaning (its members would
be defined in terms of themselves) and could not be restored from a file in any order, so the
store refuses it with ``invalidValue`` on every write path and at load.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from mockscim.errors import InvalidValue

Record = dict[str, Any]


def dedupe_members(members: Any) -> list[Record]:
    """Keep the first occurrence of each member value (PUT bodies may repeat a member)."""
    seen: set[Any] = set()
    out = []
    for member in members or []:
        value = member.get("value") if isinstance(member, dict) else None
        key = value if isinstance(value, str) else ("unhashable", id(member))
        if key not in seen:
            seen.add(key)
            out.append(member)
    return out


def check_members(
    members: list[Any], records: Mapping[str, Mapping[str, Record]], limit: int, *, must_exist: bool = True
) -> None:
    """A group holds at most ``limit`` members, each with a string id; with ``must_exist`` each
    is an existing User or Group. RFC 7644 §3.5.2 does not require that: a client may add a
    member before it creates the user, and the id is kept (it derives no user's ``groups``)."""
    if len(members) > limit:
        raise InvalidValue(f"a group may hold at most {limit} members, not {len(members)}")
    users, groups = records["User"], records["Group"]
    for index, member in enumerate(members):
        value = member.get("value") if isinstance(member, dict) else None
        unknown = isinstance(value, str) and value not in users and value not in groups
        if not isinstance(value, str) or (must_exist and unknown):
            raise InvalidValue(
                f"members[{index}].value {value!r} is not the id of an existing User or Group; "
                "create the resource first or remove the member"
            )


def ancestors(gid: str, groups_of: Mapping[str, Mapping[str, None]]) -> set[str]:
    """``gid`` and every group that contains it, directly or through other groups."""
    found, frontier = {gid}, [gid]
    while frontier:
        for parent in groups_of.get(frontier.pop(), ()):
            if parent not in found:
                found.add(parent)
                frontier.append(parent)
    return found


def check_nesting(gid: str, members: list[Record], groups_of: Mapping[str, Mapping[str, None]]) -> None:
    """Refuse a member that is the group itself or a group containing it (a cycle).

    A new edge ``gid -> m`` closes a cycle exactly when ``m`` already reaches ``gid``, that is
    when ``m`` is ``gid`` or one of its ancestors; the walk goes upwards through ``groups_of``,
    which is usually a handful of groups, so the check is linear in the members.
    """
    above = ancestors(gid, groups_of)
    for index, member in enumerate(members):
        value = member.get("value") if isinstance(member, dict) else None
        if isinstance(value, str) and value in above:
            what = "this group itself" if value == gid else "a group that contains this group"
            raise InvalidValue(
                f"members[{index}].value '{value}' is {what}: groups may contain other "
                "groups (RFC 7643 §4.2) but never themselves, directly or through other groups; "
                "remove that member"
            )


def find_cycle(groups: Mapping[str, Record]) -> list[str] | None:
    """A list of group ids forming a membership cycle (first id repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in groups:
        if state.get(start):
            continue
        path, stack = [start], [iter(_member_groups(groups[start], groups))]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append(iter(_member_groups(groups[child], groups)))
    return None


def _member_groups(group: Record, groups: Mapping[str, Record]) -> Iterable[str]:
    """The ids of the members of ``group`` that are groups."""
    return [m["value"] for m in group.get("members", ()) if m.get("value") in groups]


def without_member(group: Record, rid: str, now: str) -> Record:
    """A new version of ``group`` without member ``rid`` (its member was deleted)."""
    record = {
        **group,
        "meta": {**group["meta"], "lastModified": now, "version": group["meta"]["version"] + 1},
    }
    members = [m for m in group.get("members", []) if m.get("value") != rid]
    if members:
        record["members"] = members
    else:
        record.pop("members", None)
    return record
