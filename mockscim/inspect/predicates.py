"""Predicates over a request envelope: the conditions the operation table's rules test.

Each takes the envelope and the stored resource as it was before the request (``prior``, or
None) and returns a bool. They read plain dicts only, so classification stays a pure function.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mockscim.constants import OKTA_USER_AGENT

Envelope = dict[str, Any]
Predicate = Callable[[Envelope, dict[str, Any] | None], bool]

# The User-Agent of Okta's Runscope SPEC test suite: a test tool, not the provisioning engine
# (docs/okta-reference.md §2.2, §12, §15).
SPEC_TEST_AGENT = "OKTA SCIM Integration"
ENGINE_AGENT = OKTA_USER_AGENT
_MEMBER_REMOVE = re.compile(r"^members\[.*\]$", re.S)


def _ops(envelope: Envelope) -> list[dict[str, Any]]:
    """The PATCH operations in the body (empty when malformed)."""
    body = envelope.get("body")
    ops = body.get("Operations") if isinstance(body, dict) else None
    return [op for op in ops if isinstance(op, dict)] if isinstance(ops, list) else []


def _op_name(op: dict[str, Any]) -> str:
    """The lower-cased op of a PATCH operation."""
    return str(op.get("op", "")).lower()


def sets(envelope: Envelope, attribute: str) -> tuple[bool, Any]:
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


def truthy(value: Any) -> bool | None:
    """Read a boolean-ish value: real booleans, or "true"/"false" strings sent by mistake."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def patch_active(target: bool) -> Predicate:
    """PATCH that sets ``active`` to ``target`` (§7.1); "false" strings count, to be flagged."""

    def check(env: Envelope, _: Any) -> bool:
        found, value = sets(env, "active")
        return found and truthy(value) is target

    return check


def patch_sets(attribute: str) -> Predicate:
    """PATCH that sets ``attribute`` (the password push, §8)."""
    return lambda env, _: sets(env, attribute)[0]


def put_active(target: bool) -> Predicate:
    """PUT whose body flips ``active`` to ``target`` relative to the stored user (§7.2, §7.3)."""

    def check(env: Envelope, prior: dict[str, Any] | None) -> bool:
        body = env.get("body")
        if not isinstance(body, dict) or truthy(body.get("active")) is not target:
            return False
        return prior is None or prior.get("active", True) is not target

    return check


def body_has(key: str) -> Predicate:
    """The JSON body has ``key`` at the top level."""
    return lambda env, _: isinstance(env.get("body"), dict) and key in env["body"]


def query_has(key: str) -> Predicate:
    """The query string has parameter ``key``."""
    return lambda env, _: key in env.get("query", {})


def connector_probe(env: Envelope, _: Any) -> bool:
    """``startIndex=1&count=2``: Test Connector Configuration and Save (§3)."""
    return env.get("query", {}).get("count") == "2" and "filter" not in env.get("query", {})


def renames(env: Envelope, prior: dict[str, Any] | None) -> bool:
    """A group PUT whose displayName differs from the stored one (AIW rename, §9.5)."""
    body = env.get("body")
    return (
        isinstance(body, dict) and prior is not None and body.get("displayName") != prior.get("displayName")
    )


def patch_only(*shapes: str) -> Predicate:
    """Every PATCH operation is of the given shapes: "remove-member", "add-members", ..."""
    return lambda env, _: bool(_ops(env)) and all(patch_shape(op) in shapes for op in _ops(env))


def patch_shape(op: dict[str, Any]) -> str:
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


def _media_type(value: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return (value or "").split(";")[0].strip().lower()


def spec_test(env: Envelope, _: Any = None) -> bool:
    """Okta's Runscope SPEC test sent it (§12, §15): its User-Agent on GETs, or its POST headers
    (``Content-Type: application/json`` with ``Accept: application/scim+json; charset=utf-8``),
    which the provisioning engine does not send (it posts ``application/scim+json``, §2.2)."""
    headers = env.get("headers") or {}
    agent = headers.get("user-agent") or ""
    if agent == SPEC_TEST_AGENT or "runscope" in agent.lower():
        return True
    posted_as_json = (
        env.get("method") == "POST" and _media_type(headers.get("content-type")) == "application/json"
    )
    accepts = "".join((headers.get("accept") or "").lower().split())
    return posted_as_json and accepts == "application/scim+json;charset=utf-8" and agent != ENGINE_AGENT


def all_of(*predicates: Predicate) -> Predicate:
    """Every predicate holds."""
    return lambda env, prior: all(p(env, prior) for p in predicates)


def no_filter(env: Envelope, _: Any) -> bool:
    """A list call without a filter."""
    return "filter" not in env.get("query", {})
