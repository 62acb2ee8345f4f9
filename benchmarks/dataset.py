"""Deterministic Okta-shaped users, groups and request bodies, shared by the launcher and the loads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BASE_PATH = "/scim/v2"
AUTH_USER, AUTH_TOKEN = "bench", "bench-token"
UNIQUE = "@U@"  # replaced by the load generator with a token unique to each request


@dataclass(frozen=True)
class Scale:
    """A store size: users and groups that partition them, so every user is in exactly one group.

    Group 0 holds the first ``max_members`` users, the last group the last ``SMALL_GROUP`` users, and
    the groups between share the rest; every sampled user therefore has the same shape at every scale.
    """

    name: str
    users: int
    groups: int
    max_members: int

    @property
    def small_group(self) -> int:
        """Index of the group with ``SMALL_GROUP`` members (the last one)."""
        return self.groups - 1


SMALL_GROUP = 10
SCALES = {
    "100": Scale("100", 100, 10, 50),
    "5k": Scale("5k", 5_000, 500, 2_500),
    "10k": Scale("10k", 10_000, 1_000, 5_000),
    "100k": Scale("100k", 100_000, 1_000, 10_000),
}


def user_id(k: int) -> str:
    """The uuid-shaped id of seeded user ``k``."""
    return f"00000000-0000-4000-8000-{k:012d}"


def group_id(i: int) -> str:
    """The uuid-shaped id of seeded group ``i``."""
    return f"00000000-0000-4000-9000-{i:012d}"


def user_name(k: int | str) -> str:
    """The userName (and work email) of user ``k``."""
    return f"user{k}@example.com"


def okta_user(k: int | str) -> dict[str, Any]:
    """Okta's POST /Users body (docs/okta-reference.md §5.2) for user ``k``."""
    name = user_name(k)
    return {
        "schemas": [USER_URN],
        "userName": name,
        "name": {"givenName": f"Given{k}", "familyName": f"Family{k}"},
        "emails": [{"primary": True, "value": name, "type": "work"}],
        "displayName": f"Given{k} Family{k}",
        "locale": "en-US",
        "externalId": f"00u{k:017d}" if isinstance(k, int) else "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def group_range(scale: Scale, i: int) -> range:
    """The user indexes that are members of group ``i`` (groups partition the users)."""
    if i == 0:
        return range(scale.max_members)
    if i == scale.small_group:
        return range(scale.users - SMALL_GROUP, scale.users)
    middle, first = scale.groups - 2, scale.max_members
    share = scale.users - SMALL_GROUP - first
    return range(first + share * (i - 1) // middle, first + share * i // middle)


def group_members(scale: Scale, i: int) -> list[dict[str, str]]:
    """Group ``i``'s members as Okta sends them: value and display."""
    return [{"value": user_id(k), "display": user_name(k)} for k in group_range(scale, i)]


def okta_group(scale: Scale, i: int) -> dict[str, Any]:
    """Okta's POST /Groups body (docs/okta-reference.md §9.1) for group ``i`` with its members."""
    return {"schemas": [GROUP_URN], "displayName": f"group-{i}", "members": group_members(scale, i)}


def compact(document: Any) -> str:
    """Single-line JSON, as Okta sends it."""
    return json.dumps(document, separators=(",", ":"))
