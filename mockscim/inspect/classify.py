"""Which Okta operation a request is: the operation table's rules, tried in order.

The rules live in ``operations.py`` (one row per operation); this module shapes the path and
applies them. The first matching rule wins. ``OPERATIONS``, ``RULES`` and ``NEVER_SENT`` are
re-exported for older callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockscim.inspect.operations import NEVER_SENT
from mockscim.inspect.operations import OPERATIONS
from mockscim.inspect.operations import RULES
from mockscim.inspect.operations import Tolerance

Envelope = dict[str, Any]
__all__ = ["NEVER_SENT", "OPERATIONS", "RULES", "Classification", "classify", "route_of"]

_RESOURCES = {"Users": "User", "Groups": "Group"}
_DISCOVERY = ("Schemas", "ResourceTypes")  # read by "Import User Schema" (§15)


@dataclass(frozen=True)
class Classification:
    """The result: operation name, dialect (``aiw``/``oin``/``spec-test``/None), shape schema,
    resource, a note for requests Okta never sends, and the findings the form is known for."""

    operation: str
    dialect: str | None = None
    schema: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    note: str | None = None
    tolerates: tuple[Tolerance, ...] = ()


def route_of(path: str) -> tuple[str, str | None, str | None]:
    """Shape a SCIM path: ("/Users/{id}", "User", id), ("/Users", "User", None),
    ("/Schemas/{id}", None, None), or (path, None, None)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) == 1 and parts[0] in _RESOURCES:
        return f"/{parts[0]}", _RESOURCES[parts[0]], None
    if len(parts) == 2 and parts[0] in _RESOURCES and parts[1] != ".search":
        return f"/{parts[0]}/{{id}}", _RESOURCES[parts[0]], parts[1]
    if parts and parts[0] in _DISCOVERY and len(parts) <= 2:
        return "/" + parts[0] + ("/{id}" if len(parts) == 2 else ""), None, None
    if parts and parts[-1] == ".search":
        return "/.search", None, None
    return path, None, None


def classify(envelope: Envelope, prior: dict[str, Any] | None = None) -> Classification:
    """Name the Okta operation of a request; ``prior`` is the resource before it, if any."""
    shape, rtype, rid = route_of(envelope["path"])
    method = envelope["method"]
    for operation, rule in RULES:
        if rule.matches(method, shape, envelope, prior):
            return Classification(operation.name, rule.dialect, rule.schema, rtype, rid, None, rule.tolerates)
    note = (
        NEVER_SENT.get((method, shape))
        or f"{method} {envelope['path']} is not a request Okta's SCIM client sends"
    )
    return Classification("unknown", None, None, rtype, rid, note)
