"""Packaged JSON Schemas (draft 2020-12), addressed by name: ``scim/User``, ``okta/create-user``.

Two families live here:

- ``scim/*`` describe SCIM resources and messages (RFC 7643/7644): User, Group, ListResponse,
  Error, PatchOp, ServiceProviderConfig, ResourceType, Schema.
- ``okta/*`` describe the exact requests Okta's SCIM client sends (``docs/schemas.md`` lists
  them). They validate a *request envelope*, a plain dict::

      {"method": "PUT", "path": "/Users/abc", "query": {"startIndex": "1"},
       "headers": {"content-type": "..."}, "body": {...} or None}

  ``path`` is relative to the SCIM base path, ``query`` maps each parameter to its first value
  (already URL-decoded), and header names are lower-case.

This module is data plus jsonschema: it imports no server code, so the runner may use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:  # imported where used: the server starts without jsonschema (cold start)
    from jsonschema import Draft202012Validator
    from referencing import Registry

from mockscim.schemas.inline import inline

BASE_URI = "https://schemas.mockscim.invalid/"
FAMILIES = ("scim", "okta")


@dataclass(frozen=True)
class SchemaFinding:
    """One validation error: where (a JSON Pointer into the instance) and what."""

    pointer: str
    message: str


@lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, Any]]:
    """Load every packaged schema once; the files never change at run time."""
    root = resources.files(__name__)
    catalog: dict[str, dict[str, Any]] = {}
    for family in FAMILIES:
        for entry in sorted(root.joinpath(family).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                catalog[f"{family}/{entry.name[:-5]}"] = json.loads(entry.read_text(encoding="utf-8"))
    return catalog


def names() -> list[str]:
    """Every schema name, sorted (``okta/...`` then ``scim/...``)."""
    return sorted(_catalog())


def load(name: str) -> dict[str, Any]:
    """Return the schema document called ``name``; raise KeyError naming the known ones."""
    try:
        return _catalog()[name]
    except KeyError:
        raise KeyError(f"unknown schema {name!r}; known schemas: {', '.join(names())}") from None


@lru_cache(maxsize=1)
def registry() -> Registry:
    """A registry holding every schema under ``BASE_URI + name + '.json'`` for ``$ref``."""
    from referencing import Registry
    from referencing import Resource

    pairs = [(f"{BASE_URI}{n}.json", Resource.from_contents(doc)) for n, doc in _catalog().items()]
    return Registry().with_resources(pairs)


def standalone_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A compiled validator for a schema document of its own (it has an ``$id``), with its
    ``$ref``s inlined; a recursive one resolves against the document itself."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing import Resource
    from referencing.jsonschema import DRAFT202012

    uri = schema["$id"]  # a part of a document may lack "$schema": draft 2020-12 is mockscim's
    registry = Registry().with_resource(
        uri, Resource.from_contents(schema, default_specification=DRAFT202012)
    )
    return Draft202012Validator(inline(schema, uri, registry), registry=registry)


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for ``name``, its ``$ref``s inlined (see ``inline.py``)."""
    from jsonschema import Draft202012Validator

    document = inline(load(name), f"{BASE_URI}{name}.json", registry())
    return Draft202012Validator(document, registry=registry())


def pointer_of(path: Any) -> str:
    """Render a jsonschema error path as an RFC 6901 JSON Pointer."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def validate(name: str, instance: Any) -> list[SchemaFinding]:
    """Validate ``instance`` against schema ``name``; return every error, in document order."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [SchemaFinding(pointer_of(e.absolute_path), e.message) for e in errors]
