"""Final-state reconciliation: does the target end in the state a session intended?

A replay can pass step by step and still leave the target wrong: a group member lost to a
concurrent full-replace PUT, a second user after a retried create, a user left active after a
deactivation. This module reads the target's state the way Okta reads it (a ``userName eq``
lookup per user, docs/okta-reference.md §5.1; a ``displayName eq`` lookup per group and
``GET /Groups/{id}``, §9.2 and §9.6) and compares it, resource by resource, with what was
intended. It knows only the base URL (through ``ScimClient``) and computes nothing with the
server's code.

The expected state is plain data, as a scenario's ``final_state:`` block holds it::

    users:
      - {userName: pat@example.com, active: false, externalId: 00u1}
      - {userName: gone@example.com, exists: false}
    groups:
      - {displayName: Engineering, members: [pat@example.com]}

Fields left out are not checked; ``members`` lists userNames, compared without case (RFC 7643
§4.1.1 makes ``userName`` case-insensitive).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockscim.runner.client import ScimClient

USER_KEYS = {"userName", "exists", "active", "externalId", "displayName"}
GROUP_KEYS = {"displayName", "exists", "externalId", "members"}


class FinalStateError(ValueError):
    """The expected-state data is malformed; the message names the place and the fix."""


@dataclass(frozen=True)
class UserState:
    """What one user should look like at the end; None means "not checked"."""

    user_name: str
    exists: bool = True
    active: bool | None = None
    external_id: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class GroupState:
    """What one group should look like at the end; ``members`` are userNames (None: not checked)."""

    display_name: str
    exists: bool = True
    external_id: str | None = None
    members: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FinalState:
    """The intended end state of every user and group a session touched."""

    users: tuple[UserState, ...] = ()
    groups: tuple[GroupState, ...] = ()


@dataclass(frozen=True)
class Difference:
    """One way the target differs from the intended state, named by resource."""

    kind: str  # "user" or "group"
    name: str  # the userName or displayName
    message: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form for reports."""
        return {"kind": self.kind, "name": self.name, "message": self.message}


def parse_final_state(data: Any) -> FinalState:
    """Build a ``FinalState`` from its plain-data form; raise ``FinalStateError`` naming the problem."""
    if not isinstance(data, dict) or not set(data) <= {"users", "groups"}:
        raise FinalStateError("final_state must be a mapping with 'users' and/or 'groups' lists")
    users = tuple(_user(item, i) for i, item in enumerate(_items(data, "users")))
    groups = tuple(_group(item, i) for i, item in enumerate(_items(data, "groups")))
    return FinalState(users, groups)


def _items(data: dict[str, Any], key: str) -> list[Any]:
    """The list under ``key`` (empty when absent)."""
    items = data.get(key, [])
    if not isinstance(items, list):
        raise FinalStateError(f"final_state.{key} must be a list")
    return items


def _fields(item: Any, where: str, allowed: set[str], name_key: str) -> dict[str, Any]:
    """Check one entry's keys and its name; return it."""
    if not isinstance(item, dict):
        raise FinalStateError(f"{where} must be a mapping such as {{{name_key}: ...}}")
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise FinalStateError(f"{where}: unknown key {unknown[0]!r}; use {', '.join(sorted(allowed))}")
    if not isinstance(item.get(name_key), str) or not item[name_key]:
        raise FinalStateError(f"{where}.{name_key} must be a non-empty string")
    for key in ("exists", "active"):
        if key in item and not isinstance(item[key], bool):
            raise FinalStateError(f"{where}.{key} must be true or false")
    for key in ("externalId", "displayName"):
        if key in item and not isinstance(item[key], str):
            raise FinalStateError(f"{where}.{key} must be a string")
    return item


def _user(item: Any, index: int) -> UserState:
    """One expected user."""
    item = _fields(item, f"final_state.users[{index}]", USER_KEYS, "userName")
    return UserState(
        item["userName"],
        item.get("exists", True),
        item.get("active"),
        item.get("externalId"),
        item.get("displayName"),
    )


def _group(item: Any, index: int) -> GroupState:
    """One expected group."""
    where = f"final_state.groups[{index}]"
    item = _fields(item, where, GROUP_KEYS, "displayName")
    members = item.get("members")
    if members is not None and not (isinstance(members, list) and all(isinstance(m, str) for m in members)):
        raise FinalStateError(f"{where}.members must be a list of userNames")
    return GroupState(
        item["displayName"],
        item.get("exists", True),
        item.get("externalId"),
        None if members is None else tuple(members),
    )


class LookupFailed(Exception):
    """The target did not answer a read with a usable SCIM response."""


@dataclass
class _Reader:
    """Reads the target's resources, remembering which id belongs to which userName."""

    client: ScimClient
    user_names: dict[str, str | None] = field(default_factory=dict)  # id -> userName (None: no user)

    def lookup(self, endpoint: str, attribute: str, value: str) -> list[dict[str, Any]]:
        """The resources whose ``attribute`` equals ``value`` (without case), by Okta's eq lookup."""
        query = {"filter": f"{attribute} eq {json.dumps(value)}", "startIndex": 1, "count": 100}
        body = self._json(self.client.get(endpoint, query=query), f"GET {endpoint}?filter={query['filter']}")
        resources = body.get("Resources") if isinstance(body, dict) else None
        if resources is None and isinstance(body, dict) and body.get("totalResults") == 0:
            resources = []  # RFC 7644 §3.4.2 requires Resources only when there are results
        if not isinstance(resources, list):
            raise LookupFailed(f"GET {endpoint} lookup answered without a Resources list")
        # A server that ignores the filter returns everything; keep only real matches.
        found = [r for r in resources if isinstance(r, dict) and _same(r.get(attribute), value)]
        for resource in found:
            if endpoint == "/Users" and isinstance(resource.get("id"), str):
                self.user_names[resource["id"]] = resource.get("userName")
        return found

    def user_name(self, rid: str) -> str | None:
        """The userName of user ``rid`` (None when the target has no such user)."""
        if rid not in self.user_names:
            response = self.client.get(f"/Users/{rid}")
            if response.status_code == 404:
                self.user_names[rid] = None
            else:
                body = self._json(response, f"GET /Users/{rid}")
                self.user_names[rid] = body.get("userName") if isinstance(body, dict) else None
        return self.user_names[rid]

    def members(self, group: dict[str, Any]) -> list[Any]:
        """A group's member values, reading the group itself when the list left them out."""
        if "members" not in group and isinstance(group.get("id"), str):
            group = self._json(self.client.get(f"/Groups/{group['id']}"), f"GET /Groups/{group['id']}")
        members = group.get("members") if isinstance(group, dict) else None
        return [m.get("value") for m in members or [] if isinstance(m, dict)]

    @staticmethod
    def _json(response: Any, what: str) -> Any:
        """The JSON body of a 200 answer; anything else is a failed lookup."""
        if response.status_code != 200:
            raise LookupFailed(f"{what} answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise LookupFailed(f"{what} answered 200 with a body that is not JSON") from None


def _same(actual: Any, expected: str) -> bool:
    """Case-insensitive string equality (userName and Group displayName are caseExact=false)."""
    return isinstance(actual, str) and actual.casefold() == expected.casefold()


def check_final_state(client: ScimClient, expected: FinalState) -> list[Difference]:
    """Every difference between the target's state and ``expected``, users first, in order."""
    reader = _Reader(client)
    differences: list[Difference] = []
    for user in expected.users:
        differences += _guarded("user", user.user_name, lambda u=user: _check_user(reader, u))
    for group in expected.groups:
        differences += _guarded("group", group.display_name, lambda g=group: _check_group(reader, g))
    return differences


def _guarded(kind: str, name: str, check: Any) -> list[Difference]:
    """Run one resource's check; a failed read becomes a difference for that resource."""
    try:
        return [Difference(kind, name, message) for message in check()]
    except LookupFailed as exc:
        return [Difference(kind, name, f"could not be read: {exc}")]


def _existence(found: list[dict[str, Any]], exists: bool, noun: str) -> list[str]:
    """Messages about presence: missing, present though deleted, or duplicated."""
    if not exists:
        return [f"still exists (id {_ids(found)}), expected it deleted"] if found else []
    if not found:
        return [f"missing: no {noun} matches it"]
    if len(found) > 1:
        return [f"{len(found)} resources share this {noun} (duplicates: ids {_ids(found)})"]
    return []


def _ids(found: Iterable[dict[str, Any]]) -> str:
    """The ids of some resources, for messages."""
    return ", ".join(str(r.get("id")) for r in found)


def _attribute(resource: dict[str, Any], name: str, expected: Any) -> list[str]:
    """A message when attribute ``name`` is not ``expected`` (None expected: not checked)."""
    if expected is None or resource.get(name, _ABSENT) == expected:
        return []
    actual = resource.get(name, _ABSENT)
    shown = "absent" if actual is _ABSENT else json.dumps(actual)
    return [f"{name} is {shown}, expected {json.dumps(expected)}"]


_ABSENT = object()


def _check_user(reader: _Reader, user: UserState) -> list[str]:
    """Differences for one user."""
    found = reader.lookup("/Users", "userName", user.user_name)
    problems = _existence(found, user.exists, "userName")
    if problems or not user.exists:
        return problems
    resource = found[0]
    return (
        _attribute(resource, "active", user.active)
        + _attribute(resource, "externalId", user.external_id)
        + _attribute(resource, "displayName", user.display_name)
    )


def _check_group(reader: _Reader, group: GroupState) -> list[str]:
    """Differences for one group, its membership by userName included."""
    found = reader.lookup("/Groups", "displayName", group.display_name)
    problems = _existence(found, group.exists, "displayName")
    if problems or not group.exists:
        return problems
    resource = found[0]
    problems = _attribute(resource, "externalId", group.external_id)
    if group.members is not None:
        problems += _membership(reader, reader.members(resource), group.members)
    return problems


def _membership(reader: _Reader, values: list[Any], expected: tuple[str, ...]) -> list[str]:
    """Missing, unexpected and dangling members, each named."""
    actual: dict[str, str] = {}
    problems = []
    for value in values:
        name = reader.user_name(value) if isinstance(value, str) else None
        if name is None:
            problems.append(f"member {value!r} is not a user the target knows")
        else:
            actual[name.casefold()] = name
    wanted = {name.casefold(): name for name in expected}
    problems += [f"member {wanted[key]} missing" for key in wanted if key not in actual]
    problems += [f"unexpected member {actual[key]}" for key in actual if key not in wanted]
    return problems
