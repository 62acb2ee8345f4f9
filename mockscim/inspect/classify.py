"""Which Okta operation a request is: a table of rules, Okta's client behaviour as data.

Each rule names the HTTP method, the path shape, an optional predicate over the envelope
(and the resource as it was before the request), the operation, the dialect, and the
``okta/*`` schema that describes Okta's exact shape. The first matching rule wins.
Section numbers cite ../shared/docs/okta-wire-reference.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Envelope = dict[str, Any]
Predicate = Callable[[Envelope, dict[str, Any] | None], bool]

OPERATIONS = (
    "test-connector",
    "import-users",
    "user-lookup",
    "create-user",
    "get-user",
    "replace-user",
    "deactivate-user",
    "reactivate-user",
    "password-sync",
    "import-groups",
    "create-group",
    "group-lookup",
    "get-group",
    "replace-group",
    "add-members",
    "remove-members",
    "update-members",
    "replace-members",
    "rename-group",
    "delete-group",
    "unknown",
)
_MEMBER_REMOVE = re.compile(r"^members\[.*\]$", re.S)


@dataclass(frozen=True)
class Classification:
    """The result: operation name, dialect (``aiw``/``oin``/None), shape schema, resource."""

    operation: str
    dialect: str | None = None
    schema: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Rule:
    """One row of the classification table."""

    method: str
    path: str  # "/Users", "/Users/{id}", "/Groups", "/Groups/{id}"
    operation: str
    schema: str | None
    dialect: str | None = None
    when: Predicate | None = None


def _ops(envelope: Envelope) -> list[dict[str, Any]]:
    """The PATCH operations in the body (empty when malformed)."""
    body = envelope.get("body")
    ops = body.get("Operations") if isinstance(body, dict) else None
    return [op for op in ops if isinstance(op, dict)] if isinstance(ops, list) else []


def _op_name(op: dict[str, Any]) -> str:
    """The lower-cased op of a PATCH operation."""
    return str(op.get("op", "")).lower()


def _sets(envelope: Envelope, attribute: str) -> tuple[bool, Any]:
    """Whether the PATCH sets ``attribute`` (path-less value or ``path: attribute``), and to what."""
    for op in _ops(envelope):
        if _op_name(op) not in ("replace", "add"):
            continue
        value, path = op.get("value"), op.get("path")
        if path is None and isinstance(value, dict):
            for key, item in value.items():
                if key.lower() == attribute.lower():
                    return True, item
        elif isinstance(path, str) and path.strip().lower() == attribute.lower():
            return True, value
    return False, None


def _patch_active(target: bool) -> Predicate:
    """PATCH that sets ``active`` to ``target`` (§7.1); "false" strings count, to be flagged."""
    return lambda env, _: _sets(env, "active")[0] and _truthy(_sets(env, "active")[1]) is target


def _truthy(value: Any) -> bool | None:
    """Read a boolean-ish value: real booleans, or "true"/"false" strings sent by mistake."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _put_active(target: bool) -> Predicate:
    """PUT whose body flips ``active`` to ``target`` relative to the stored user (§7.2, §7.3)."""

    def check(env: Envelope, prior: dict[str, Any] | None) -> bool:
        body = env.get("body")
        if not isinstance(body, dict) or _truthy(body.get("active")) is not target:
            return False
        return prior is None or prior.get("active", True) is not target

    return check


def _body_has(key: str) -> Predicate:
    """The JSON body has ``key`` at the top level."""
    return lambda env, _: isinstance(env.get("body"), dict) and key in env["body"]


def _query_has(key: str) -> Predicate:
    """The query string has parameter ``key``."""
    return lambda env, _: key in env.get("query", {})


def _connector_probe(env: Envelope, _: Any) -> bool:
    """``startIndex=1&count=2``: Test Connector Configuration and Save (§3)."""
    return env.get("query", {}).get("count") == "2" and "filter" not in env.get("query", {})


def _renames(env: Envelope, prior: dict[str, Any] | None) -> bool:
    """A group PUT whose displayName differs from the stored one (AIW rename, §9.5)."""
    body = env.get("body")
    return (
        isinstance(body, dict) and prior is not None and body.get("displayName") != prior.get("displayName")
    )


def _patch_only(*shapes: str) -> Predicate:
    """Every PATCH operation is of the given shapes: "remove-member", "add-members", ..."""
    return lambda env, _: bool(_ops(env)) and all(_shape(op) in shapes for op in _ops(env))


def _shape(op: dict[str, Any]) -> str:
    """Name the shape of one group PATCH operation."""
    name, path, value = _op_name(op), op.get("path"), op.get("value")
    path_text = path.strip() if isinstance(path, str) else None
    if name == "remove" and path_text and _MEMBER_REMOVE.match(path_text):
        return "remove-member"
    if name == "add" and path_text == "members":
        return "add-members"
    if name == "replace" and path_text == "members":
        return "replace-members"
    if name == "replace" and path is None and isinstance(value, dict):
        keys = {k.lower() for k in value}
        if "members" in keys:
            return "replace-members"
        if keys and keys <= {"id", "displayname"}:
            return "rename"
    return "other"


RULES: tuple[Rule, ...] = (
    Rule("GET", "/Users", "user-lookup", "okta/user-lookup", when=_query_has("filter")),  # §5.1
    Rule("GET", "/Users", "test-connector", "okta/test-connector", when=_connector_probe),  # §3
    Rule("GET", "/Users", "import-users", "okta/import-users"),  # §4
    Rule("POST", "/Users", "create-user", "okta/create-user"),  # §5.2
    Rule("GET", "/Users/{id}", "get-user", "okta/get-user"),  # §10.1
    Rule(
        "PATCH", "/Users/{id}", "deactivate-user", "okta/deactivate-user-patch", "oin", _patch_active(False)
    ),
    Rule("PATCH", "/Users/{id}", "reactivate-user", "okta/reactivate-user-patch", "oin", _patch_active(True)),
    Rule(
        "PATCH",
        "/Users/{id}",
        "password-sync",
        "okta/password-sync-patch",
        "oin",
        lambda e, _: _sets(e, "password")[0],
    ),
    Rule(
        "PUT", "/Users/{id}", "deactivate-user", "okta/deactivate-user-put", "aiw", _put_active(False)
    ),  # §7.2
    Rule(
        "PUT", "/Users/{id}", "reactivate-user", "okta/reactivate-user-put", "aiw", _put_active(True)
    ),  # §7.3
    Rule("PUT", "/Users/{id}", "password-sync", "okta/password-sync-put", "aiw", _body_has("password")),  # §8
    Rule("PUT", "/Users/{id}", "replace-user", "okta/replace-user", "aiw"),  # §6
    Rule("GET", "/Groups", "group-lookup", "okta/group-lookup", when=_query_has("filter")),  # §9.2
    Rule("GET", "/Groups", "import-groups", "okta/import-groups"),  # §3, §4
    Rule("POST", "/Groups", "create-group", "okta/create-group"),  # §9.1
    Rule("GET", "/Groups/{id}", "get-group", "okta/get-group"),  # §9.6
    Rule("PUT", "/Groups/{id}", "rename-group", "okta/replace-group", "aiw", _renames),  # §9.5
    Rule("PUT", "/Groups/{id}", "replace-group", "okta/replace-group", "aiw"),  # §9.4
    Rule(
        "PATCH", "/Groups/{id}", "remove-members", "okta/remove-members", "oin", _patch_only("remove-member")
    ),
    Rule("PATCH", "/Groups/{id}", "add-members", "okta/add-members", "oin", _patch_only("add-members")),
    # Removes then one add in a single PATCH, as in the wire ref §9.3 example.
    Rule(
        "PATCH",
        "/Groups/{id}",
        "update-members",
        "okta/update-members",
        "oin",
        _patch_only("add-members", "remove-member"),
    ),
    Rule(
        "PATCH",
        "/Groups/{id}",
        "replace-members",
        "okta/replace-members",
        "oin",
        _patch_only("replace-members"),
    ),
    Rule("PATCH", "/Groups/{id}", "rename-group", "okta/rename-group", "oin", _patch_only("rename")),  # §9.5
    Rule("DELETE", "/Groups/{id}", "delete-group", "okta/delete-group"),  # §9.7
)

# Requests Okta's cloud client never sends (§10.2): classified "unknown" with this note.
NEVER_SENT = {
    ("DELETE", "/Users/{id}"): "Okta never deletes users; it deactivates them (wire ref §7, §10.2)",
    ("PATCH", "/Users/{id}"): "Okta's PATCH dialect only changes active and password on users (wire ref §1)",
    (
        "PATCH",
        "/Groups/{id}",
    ): "Okta's group PATCHes only add, remove or replace members and rename (wire ref §9)",
    ("POST", "/.search"): "Okta never uses POST /.search (wire ref §10.2)",
}


def route_of(path: str) -> tuple[str, str | None, str | None]:
    """Shape a SCIM path: ("/Users/{id}", "User", id), ("/Users", "User", None), or (path, None, None)."""
    parts = [p for p in path.split("/") if p]
    names = {"Users": "User", "Groups": "Group"}
    if len(parts) == 1 and parts[0] in names:
        return f"/{parts[0]}", names[parts[0]], None
    if len(parts) == 2 and parts[0] in names and parts[1] != ".search":
        return f"/{parts[0]}/{{id}}", names[parts[0]], parts[1]
    if parts and parts[-1] == ".search":
        return "/.search", None, None
    return path, None, None


def classify(envelope: Envelope, prior: dict[str, Any] | None = None) -> Classification:
    """Name the Okta operation of a request; ``prior`` is the resource before it, if any."""
    shape, rtype, rid = route_of(envelope["path"])
    method = envelope["method"]
    for rule in RULES:
        if rule.method == method and rule.path == shape and (rule.when is None or rule.when(envelope, prior)):
            return Classification(rule.operation, rule.dialect, rule.schema, rtype, rid)
    note = (
        NEVER_SENT.get((method, shape))
        or f"{method} {envelope['path']} is not a request Okta's SCIM client sends"
    )
    return Classification("unknown", None, None, rtype, rid, note)
