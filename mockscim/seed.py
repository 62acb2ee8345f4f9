"""Seed files: users and groups (YAML or JSON) loaded into a store at start-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mockscim.errors import BadInput
from mockscim.errors import ScimError
from mockscim.scim.resource import normalize_resource
from mockscim.scim.schema import ResourceType
from mockscim.store import InMemoryStore


class SeedError(BadInput):
    """A seed file could not be loaded; the message names the file and the entry."""


def read_seed(path: Path) -> dict[str, Any]:
    """Parse a seed file: ``{users: [...], groups: [...]}`` in YAML or JSON."""
    import yaml  # only when a seed file is given: a plain `mockscim serve` starts without it

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"{path}: cannot read the seed file: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SeedError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None
    if data is None:
        return {"users": [], "groups": []}
    if not isinstance(data, dict) or set(data) - {"users", "groups"}:
        raise SeedError(
            f"{path}: $: a seed file is a mapping with 'users' and/or 'groups' lists, nothing else"
        )
    return data


def load_seed(store: InMemoryStore, data: dict[str, Any], *, source: str = "seed") -> dict[str, int]:
    """Create the seed's users, then its groups, all or none; entries may fix their own ``id``.

    A group may name users and the groups listed before it. Any problem raises SeedError
    (``source: $.path: what is wrong``) and leaves the store as it was.
    """
    counts = {"users": 0, "groups": 0}
    with store.atomically():
        for key, rtype in (("users", store.types["User"]), ("groups", store.types["Group"])):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                raise SeedError(f"{source}: $.{key}: must be a list of {rtype.name} objects")
            for index, entry in enumerate(entries):
                _create(store, rtype, entry, f"{source}: $.{key}[{index}]")
                counts[key] += 1
    return counts


def _create(store: InMemoryStore, rtype: ResourceType, entry: Any, where: str) -> None:
    """Create one seed entry, or raise SeedError naming it."""
    if not isinstance(entry, dict):
        raise SeedError(f"{where}: must be an object (a {rtype.name}), not {type(entry).__name__}")
    rid = entry.get("id")
    if rid is not None and (not isinstance(rid, str) or not rid.strip()):
        raise SeedError(f"{where}.id: must be a non-empty string, or absent to have one generated")
    try:
        resource, password = normalize_resource(entry, rtype)
        store.create(rtype.name, resource, password=password, rid=rid)
    except ScimError as exc:
        raise SeedError(f"{where}: {exc.detail}") from None
