"""What Okta believes after a load run: built only from the requests sent and the answers accepted.

Every simulated Okta worker owns its users (their userNames carry its token), so each user's
belief has one writer; shared groups are written by many, but each (group, member) pair only by
the member's owner. A write whose answer never came (timeout, dropped connection, the run
stopping mid-request) leaves that fact *uncertain*: Okta cannot know, so reconciliation does
not check it and the report lists it. The entries are plain dicts, so a worker can ship them to
the master over Locust's channel and the master keeps the last version of each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

USER, GROUP, MEMBER = "user", "group", "member"


def _key(kind: str, *names: str) -> str:
    """The entry key: kind and names joined by a character no userName holds."""
    return "\n".join((kind, *names))


class Ledger:
    """The beliefs of one process, with the keys changed since the last ``drain``."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed: set[str] = set()

    def _entry(self, key: str, **initial: Any) -> dict[str, Any]:
        """The entry at ``key`` (created from ``initial``), marked as changed."""
        self.changed.add(key)
        return self.entries.setdefault(key, {"key": key, "inflight": 0, "lost": False, **initial})

    def user(self, user_name: str, external_id: str = "") -> dict[str, Any]:
        """The belief about one user: ids from 201s, a linked id, active, 409s seen."""
        return self._entry(
            _key(USER, user_name),
            kind=USER,
            userName=user_name,
            externalId=external_id,
            ids=[],
            linked=None,
            active=True,
            conflicts=0,
        )

    def group(self, name: str) -> dict[str, Any]:
        """The belief about a group this process pushed: its id and its members' userNames."""
        return self._entry(_key(GROUP, name), kind=GROUP, displayName=name, ids=[], members=[], shared=False)

    def member(self, group: str, user_name: str) -> dict[str, Any]:
        """The belief about one user's membership of a shared group."""
        return self._entry(_key(MEMBER, group, user_name), kind=MEMBER, group=group, userName=user_name)

    @contextmanager
    def writing(self, entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Mark ``entry`` in flight while one write is sent; if the code never returns (the run
        stopped mid-request) the count stays up and the fact stays uncertain."""
        entry["inflight"] += 1
        self.changed.add(entry["key"])  # a report sent now shows the write in flight
        yield entry
        entry["inflight"] -= 1
        self.changed.add(entry["key"])  # and the next one its outcome

    def drain(self) -> dict[str, dict[str, Any]]:
        """The entries changed since the last drain (copies, safe to send)."""
        out = {key: _copy(self.entries[key]) for key in self.changed}
        self.changed.clear()
        return out

    def merge(self, entries: dict[str, dict[str, Any]]) -> None:
        """Take another process's drained entries (the newest version of each wins)."""
        for key, entry in entries.items():
            self.entries[key] = entry


def _copy(entry: dict[str, Any]) -> dict[str, Any]:
    """A copy deep enough for the lists an entry holds."""
    return {k: list(v) if isinstance(v, list) else v for k, v in entry.items()}


def accepted(status: int) -> bool:
    """An answer Okta takes as success (RFC 7644: 200, 201, 204)."""
    return 200 <= status < 300


def settle(entry: dict[str, Any], field: str, value: Any, status: int) -> None:
    """Record one write's outcome on ``entry[field]``: accepted sets it, no answer makes it uncertain."""
    if accepted(status):
        entry[field] = value
        entry["lost"] = False
    elif status == 0:
        entry["lost"] = True


def _uncertain(entry: dict[str, Any]) -> bool:
    """True when a write's outcome is unknown (no answer came, or it was still in flight)."""
    return bool(entry["lost"] or entry["inflight"])


def _exists(entry: dict[str, Any]) -> bool:
    """True when Okta holds an id for the resource (a 201, or a link after a lookup)."""
    return bool(entry["ids"] or entry.get("linked"))


def intended_state(entries: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The ``final_state`` data Okta would expect, and the facts left unchecked (uncertain)."""
    users: list[dict[str, Any]] = []
    unchecked: list[str] = []
    shared: dict[str, list[str]] = {}
    for entry in entries.values():
        if entry["kind"] == USER:
            users.extend(_user_state(entry, unchecked))
        elif entry["kind"] == MEMBER:
            names = shared.setdefault(entry["group"], [])
            if _uncertain(entry):
                unchecked.append(
                    f"group {entry['group']}: member {entry['userName']} (a change had no answer)"
                )
            elif entry.get("member"):
                names.append(entry["userName"])
    groups = [_group_state(e, unchecked) for e in entries.values() if e["kind"] == GROUP]
    groups += [{"displayName": name, "members": sorted(names)} for name, names in sorted(shared.items())]
    return {"users": users, "groups": [g for g in groups if g]}, sorted(unchecked)


def uncertain_members(entries: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Per shared group, the userNames whose membership is unknown (ignored by reconciliation)."""
    out: dict[str, set[str]] = {}
    for entry in entries.values():
        if entry["kind"] == MEMBER and _uncertain(entry):
            out.setdefault(entry["group"], set()).add(entry["userName"].casefold())
    return out


def _user_state(entry: dict[str, Any], unchecked: list[str]) -> list[dict[str, Any]]:
    """The expected-state item for one user (none when Okta holds no id for it)."""
    name = entry["userName"]
    if not _exists(entry):
        if _uncertain(entry):
            unchecked.append(f"user {name}: its create had no answer")
        return []
    item: dict[str, Any] = {"userName": name}
    if entry.get("externalId"):
        item["externalId"] = entry["externalId"]
    if _uncertain(entry):
        unchecked.append(f"user {name}: active (a change had no answer)")
    else:
        item["active"] = entry["active"]
    return [item]


def _group_state(entry: dict[str, Any], unchecked: list[str]) -> dict[str, Any]:
    """The expected-state item for one pushed group (empty when Okta holds no id for it)."""
    name = entry["displayName"]
    if not entry["ids"]:
        if _uncertain(entry):
            unchecked.append(f"group {name}: its create had no answer")
        return {}
    if _uncertain(entry):
        unchecked.append(f"group {name}: members (a change had no answer)")
        return {"displayName": name}
    return {"displayName": name, "members": sorted(entry["members"])}


def load_findings(entries: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """Failures seen in the answers themselves: 409 loops and users created more than once."""
    findings = []
    for entry in entries.values():
        if entry["kind"] != USER:
            continue
        name = entry["userName"]
        if entry["conflicts"] >= 2:
            message = f"409 loop: its create was answered 409 {entry['conflicts']} times"
            findings.append({"kind": "user", "name": name, "message": message})
        if len(entry["ids"]) >= 2:
            message = f"created {len(entry['ids'])} times (201 with ids {', '.join(entry['ids'])})"
            findings.append({"kind": "user", "name": name, "message": message})
    return findings
