"""Snapshots of a store (``GET``/``PUT /__admin/state``, the ``--state-file``): check one whole,
then build the ``StoreState`` it describes.

A snapshot is checked completely before anything is built: its shape against the JSON Schema
``mockscim/state-file.schema.json``, each resource as a write would check it (the SCIM schema,
text that is valid Unicode), then the rules between resources (unique ids and userNames, members
that exist, no group containing itself). Every problem is reported as ``$.path: what is wrong;
how to fix it``, so a hand-edited file can be mended in one pass.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING
from typing import Any

from mockscim.errors import InvalidValue
from mockscim.errors import ScimError
from mockscim.indexes import fold
from mockscim.membership import dedupe_members
from mockscim.membership import find_cycle
from mockscim.schemas import standalone_validator
from mockscim.scim.resource import is_datetime
from mockscim.scim.resource import normalize_resource
from mockscim.scim.schema import RESOURCE_TYPES
from mockscim.store_state import StoreState
from mockscim.store_state import check_storable
from mockscim.store_state import clone

if TYPE_CHECKING:  # imported on first use: the server starts without jsonschema (cold start)
    from jsonschema import Draft202012Validator

SNAPSHOT_FORMAT = "mockscim-state/1"
FILE_FORMAT = "mockscim-state-file/1"
KEYS = (("users", "User"), ("groups", "Group"))
SCHEMA_URI = "https://schemas.mockscim.invalid/state-file"
MAX_PROBLEMS = 10
Problem = tuple[str, str]


class SnapshotError(InvalidValue):
    """A snapshot that cannot be restored; ``problems`` lists (JSON path, what to do)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems[:MAX_PROBLEMS]
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        super().__init__("; ".join(f"{path}: {text}" for path, text in self.problems) + more)


@cache
def file_schema() -> dict[str, Any]:
    """The packaged JSON Schema of the state file (``$defs/snapshot`` is a snapshot)."""
    text = resources.files("mockscim").joinpath("state-file.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator(part: str) -> Draft202012Validator:
    """A validator for the whole file (``file``), its envelope only, or a snapshot."""
    schema = file_schema()
    if part == "snapshot":
        schema = {"$ref": "#/$defs/snapshot", "$defs": schema["$defs"]}
    elif part == "envelope":  # the file around the snapshot; the snapshot is checked by restore
        schema = {**schema, "properties": {**schema["properties"], "state": {"type": "object"}}}
    # $refs inlined: resolving them again for every resource was most of a large file's load time.
    return standalone_validator({**schema, "$id": SCHEMA_URI})


def shape_problems(document: Any, part: str = "snapshot") -> list[Problem]:
    """What the JSON Schema finds wrong with ``document``, first problems first."""
    errors = sorted(_validator(part).iter_errors(document), key=lambda e: [str(p) for p in e.path])
    return [(error.json_path, _explain(error)) for error in errors[: MAX_PROBLEMS + 1]]


def _explain(error: Any) -> str:
    """A jsonschema error as 'what is wrong; how to fix it'."""
    fix = error.schema.get("x-fix") if isinstance(error.schema, dict) else None
    if error.validator == "required":
        name = error.message.split("'")[1] if "'" in error.message else "a key"
        return f"'{name}' is missing; add it" + (f" ({fix})" if fix else "")
    if error.validator == "additionalProperties":
        return f"{error.message}; " + (fix or "remove the unknown keys")
    return f"{error.message}; {fix}" if fix else error.message


def build_state(
    snapshot: Any, *, now: str, max_members: int, unique_group_names: bool, trusted: bool = False
) -> StoreState:
    """The complete state a snapshot describes; raise SnapshotError listing what is wrong.

    ``now`` is the time given to resources without ``meta.created``/``lastModified``.
    ``trusted``: mockscim wrote this snapshot and it is unchanged (the state file's checksum
    matches), so each resource already passed a write's checks; the schema and per-resource
    checks (about 0.2 ms a resource: 20 s for 100,000 users) are skipped, the rules between
    resources are checked all the same.
    """
    if not isinstance(snapshot, dict) or snapshot.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(
            [
                (
                    "$.format",
                    f"not a mockscim snapshot: 'format' must be '{SNAPSHOT_FORMAT}' (GET /__admin/state gives one)",
                )
            ]
        )
    problems = [] if trusted else shape_problems(snapshot)
    if problems:
        raise SnapshotError(problems)
    state, where = StoreState.empty(), {}
    for key, rtype in KEYS:
        for index, record in enumerate(snapshot.get(key, [])):
            where.setdefault(record["id"], f"$.{key}[{index}]")
            problems += _add(state, rtype, record, f"$.{key}[{index}]", now, trusted)
            if len(problems) > MAX_PROBLEMS:
                raise SnapshotError(problems)
    problems += _uniqueness(state, where, unique_group_names) + _membership(state, where, max_members)
    if problems:
        raise SnapshotError(problems)
    return state


def _add(
    state: StoreState, rtype: str, record: dict[str, Any], where: str, now: str, trusted: bool
) -> list[Problem]:
    """Check one resource as a write would and put it into ``state``; return its problems."""
    rid = record["id"]
    if (other := state.owner(rid)) is not None:
        return [
            (f"{where}.id", f"'{rid}' is also the id of another {other}; every resource needs its own id")
        ]
    attributes = _attributes(rtype, record)
    try:
        # Checked as a write would check it; stored as it is, so a snapshot round-trips exactly.
        if not trusted:
            normalize_resource(attributes, RESOURCE_TYPES[rtype])
            check_storable(attributes)
    except ScimError as exc:
        return [(where, f"{exc.detail}; fix or remove this {rtype}")]
    meta, problems = _meta(rtype, record.get("meta") or {}, where, now)
    if rtype == "Group" and "members" in attributes:
        attributes["members"] = dedupe_members(attributes["members"])
    state.seq += 1
    full = {"id": rid, **attributes, "meta": meta, "_seq": state.seq}
    state.put(rtype, full)
    return problems


def _attributes(rtype: str, record: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record without what the store derives (id, meta, a user's groups)."""
    derived = ("id", "meta", "groups") if rtype == "User" else ("id", "meta")
    return {k: clone(v) for k, v in record.items() if k not in derived}


def _meta(rtype: str, meta: dict[str, Any], where: str, now: str) -> tuple[dict[str, Any], list[Problem]]:
    """The stored ``meta`` of a restored resource; missing times are ``now``, the version 1."""
    problems = [
        (f"{where}.meta.{name}", f"{meta[name]!r} is not an RFC 3339 date-time; use one such as {now}")
        for name in ("created", "lastModified")
        if name in meta and not is_datetime(meta[name])
    ]
    if meta.get("resourceType", rtype) != rtype:
        problems.append(
            (f"{where}.meta.resourceType", f"must be '{rtype}' (or absent) in the '{rtype}' list")
        )
    out = {
        "resourceType": rtype,
        "created": meta.get("created", now),
        "lastModified": meta.get("lastModified", now),
        "version": meta.get("version", 1),
    }
    return out, problems


def _uniqueness(state: StoreState, where: dict[str, str], unique_group_names: bool) -> list[Problem]:
    """userName is unique case-insensitively; so are group names when the profile says so."""
    checks = [("User", "userName")] + ([("Group", "displayName")] if unique_group_names else [])
    problems = []
    for rtype, name in checks:
        seen: dict[str, str] = {}
        for record in state.records[rtype].values():
            key = fold(record[name])
            if key in seen:
                problems.append(
                    (
                        f"{where[record['id']]}.{name}",
                        f"{record[name]!r} is taken by {where[seen[key]]}; "
                        "names are unique regardless of case: change one",
                    )
                )
            seen.setdefault(key, record["id"])
    return problems


def _membership(state: StoreState, where: dict[str, str], max_members: int) -> list[Problem]:
    """Groups are not too large and none contains itself. A member id that names no resource is
    kept: the server accepts one without --strict (RFC 7644 §3.5.2), so its state file holds it."""
    groups = state.records["Group"]
    problems = []
    for gid, group in groups.items():
        members = group.get("members", [])
        if len(members) > max_members:
            problems.append((f"{where[gid]}.members", f"holds {len(members)} members; at most {max_members}"))
    cycle = find_cycle(groups)
    if cycle is not None:
        problems.append(
            (
                f"{where[cycle[0]]}.members",
                f"groups contain themselves ({' -> '.join(cycle)}); remove one member of that cycle",
            )
        )
    return problems
