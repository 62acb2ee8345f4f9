"""Group members that reference no stored resource: a finding computed while the store is as it was.

Okta only puts users it provisioned to the app into a pushed group (docs/okta-reference.md §9.1,
§9.4), so a member ``value`` the store does not know points at a user that was never created (or
was created elsewhere). The server's journaling hook calls ``unknown_members`` before the view
runs, with a function that asks the store whether an id exists; the result joins the entry's
findings as a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockscim.inspect.classify import route_of
from mockscim.inspect.findings import Finding

Envelope = dict[str, Any]
RULE = "state/unknown-member"
_WHOLE = {("POST", "/Groups"), ("PUT", "/Groups/{id}")}


def member_references(envelope: Envelope) -> list[tuple[str, str]]:
    """(JSON Pointer, id) of every member value a group POST, PUT or PATCH sends."""
    body = envelope.get("body")
    if not isinstance(body, dict):
        return []
    key = (envelope["method"], route_of(envelope["path"])[0])
    if key in _WHOLE:
        return _values(body.get("members"), "/body/members")
    if key != ("PATCH", "/Groups/{id}") or not isinstance(body.get("Operations"), list):
        return []
    found: list[tuple[str, str]] = []
    for index, op in enumerate(body["Operations"]):
        found += _patch_values(op, f"/body/Operations/{index}/value")
    return found


def _patch_values(op: Any, where: str) -> list[tuple[str, str]]:
    """Members an add or replace operation sends: ``path: members`` or a path-less value."""
    if not isinstance(op, dict) or str(op.get("op", "")).lower() not in ("add", "replace"):
        return []
    path, value = op.get("path"), op.get("value")
    if isinstance(path, str) and path.strip().lower() == "members":
        return _values(value, where)
    if path is None and isinstance(value, dict):
        return [
            hit for key in value if key.lower() == "members" for hit in _values(value[key], f"{where}/{key}")
        ]
    return []


def _values(members: Any, where: str) -> list[tuple[str, str]]:
    """(pointer, value) of each member object with a string value."""
    if not isinstance(members, list):
        return []
    return [
        (f"{where}/{index}/value", member["value"])
        for index, member in enumerate(members)
        if isinstance(member, dict) and isinstance(member.get("value"), str)
    ]


def unknown_members(envelope: Envelope, exists: Callable[[str], bool]) -> list[Finding]:
    """A warning for each member value ``exists`` does not know (call it before the view runs)."""
    return [
        Finding(
            "warning",
            pointer,
            RULE,
            f"member references an unknown User: no user or group has the id {value!r} in the "
            "mock's store; Okta only sends members it provisioned to the app (docs/okta-reference.md §9.1)",
        )
        for pointer, value in member_references(envelope)
        if not exists(value)
    ]
