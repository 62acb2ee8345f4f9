"""Seed files: users and groups (YAML or JSON) loaded into a store at start-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from mockscim.errors import BadInput
from mockscim.errors import ScimError
from mockscim.scim.resource import normalize_resource
from mockscim.scim.schema import GROUP_TYPE
from mockscim.scim.schema import USER_TYPE
from mockscim.store import InMemoryStore


class SeedError(BadInput):
    """A seed file could not be loaded; the message names the file and the entry."""


def read_seed(path: Path) -> dict[str, Any]:
    """Parse a seed file: ``{users: [...], groups: [...]}`` in YAML or JSON."""
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
        raise SeedError(f"{path}: a seed file is a mapping with 'users' and/or 'groups' lists")
    return data


def load_seed(store: InMemoryStore, data: dict[str, Any], *, source: str = "seed") -> dict[str, int]:
    """Create the seed's users, then its groups; entries may fix their own ``id``."""
    counts = {"users": 0, "groups": 0}
    for key, rtype in (("users", USER_TYPE), ("groups", GROUP_TYPE)):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            raise SeedError(f"{source}: '{key}' must be a list")
        for index, entry in enumerate(entries):
            try:
                resource, password = normalize_resource(entry, rtype)
                rid = entry.get("id") if isinstance(entry.get("id"), str) else None
                store.create(rtype.name, resource, password=password, rid=rid)
            except ScimError as exc:
                raise SeedError(f"{source}: {key}[{index}]: {exc.detail}") from None
            counts[key] += 1
    return counts
