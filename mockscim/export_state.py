"""What a recorded session left behind: the ``final_state:`` block that ends an exported scenario.

Walking the journal in order, every response that showed a User or a Group (a create, a read,
a replace, a list page) updates what is known of that resource; a DELETE answered 204 marks it
gone; a write answered without a body (a PATCH answered 204, RFC 7644 §3.5.2) makes its fields
unknown until a later response shows them again. Only resources the session wrote to are
reconciled: a resource that was only read may not exist on the replay target, and checking
it would test the recording, not the replay. Only what a response showed is expected, so a
field the server never returned is never checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockscim.inspect.classify import route_of

Entry = dict[str, Any]
USER_FIELDS = ("active", "externalId", "displayName")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Seen:
    """What the journal showed of one resource, last response wins."""

    kind: str  # "Users" or "Groups"
    fields: dict[str, Any] = field(default_factory=dict)
    exists: bool = True
    written: bool = False
    members: list[Any] | None = None  # member ids, None when unknown


def succeeded(entry: Entry) -> bool:
    """A 2xx answer."""
    return 200 <= entry["response"]["status"] < 300


def _route(entry: Entry) -> tuple[str | None, str | None]:
    """(``Users``/``Groups`` or None, the resource id from the path or a create's response)."""
    request = entry["request"]
    _, rtype, rid = route_of(request.get("scim_path") or request["path"])
    body = entry["response"].get("body")
    if (
        rid is None
        and request["method"] == "POST"
        and isinstance(body, dict)
        and isinstance(body.get("id"), str)
    ):
        rid = body["id"]
    return {"User": "Users", "Group": "Groups"}.get(rtype or ""), rid


def _show(seen: dict[str, Seen], kind: str, resource: Any, written: bool = False) -> None:
    """Record the fields a response body showed for one resource.

    A group response may leave ``members`` out (RFC 7644 §3.4.2.5, docs/okta-reference.md
    §9.3): after a read the members stay as last shown; after a write they become unknown.
    """
    if not isinstance(resource, dict) or not isinstance(resource.get("id"), str):
        return
    known = seen.setdefault(resource["id"], Seen(kind))
    known.exists = True
    names = ("userName", *USER_FIELDS) if kind == "Users" else ("displayName", "externalId")
    known.fields = {name: resource[name] for name in names if name in resource}
    if kind != "Groups":
        return
    if isinstance(resource.get("members"), list):
        known.members = [m.get("value") for m in resource["members"] if isinstance(m, dict)]
    elif written:
        known.members = None


def track(entries: list[Entry]) -> dict[str, Seen]:
    """Every resource the entries showed or wrote, in order of first appearance."""
    seen: dict[str, Seen] = {}
    for entry in entries:
        kind, rid = _route(entry)
        if kind is None:
            continue
        method, status = entry["request"]["method"], entry["response"]["status"]
        body = entry["response"].get("body")
        if isinstance(body, dict) and isinstance(body.get("Resources"), list):
            for resource in body["Resources"]:
                _show(seen, kind, resource)
        elif succeeded(entry) and isinstance(body, dict) and "id" in body:
            _show(seen, kind, body, written=method in WRITES)
        if rid is None:
            continue
        if method in WRITES and succeeded(entry):
            known = seen.setdefault(rid, Seen(kind))
            known.written = True
            if method == "DELETE":
                known.exists = False
            elif not isinstance(body, dict):  # answered 204: what changed is not shown
                _renamed(known, entry["request"].get("body"))
        elif status == 404 and rid in seen:
            seen[rid].exists = False
    return seen


def _renamed(known: Seen, body: Any) -> None:
    """After a write answered without a body only the name is kept: the one the request set,
    if it set one (a rename), else the one last shown."""
    key = "userName" if known.kind == "Users" else "displayName"
    names = list(_values(body, key))
    known.fields = {key: names[-1]} if names else {k: v for k, v in known.fields.items() if k == key}
    known.members = None


def _values(value: Any, key: str) -> Any:
    """Every string under ``key`` anywhere in a JSON value (PUT bodies, PATCH operations)."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name == key and isinstance(item, str):
                yield item
            else:
                yield from _values(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item, key)


def final_state(seen: dict[str, Seen], apply: Callable[[Any], Any]) -> dict[str, Any] | None:
    """The ``final_state:`` block for the written resources (None when nothing was written)."""
    user_names = {rid: s.fields.get("userName") for rid, s in seen.items() if s.kind == "Users"}
    users = _merge(
        (s.fields.get("userName"), _user(s, apply)) for s in seen.values() if s.kind == "Users" and s.written
    )
    groups = _merge(
        (s.fields.get("displayName"), _group(s, apply, user_names))
        for s in seen.values()
        if s.kind == "Groups" and s.written
    )
    block = {key: value for key, value in (("users", users), ("groups", groups)) if value}
    return block or None


def _merge(items: Any) -> list[dict[str, Any]]:
    """One expectation per name (without case): an existing resource wins over a deleted one."""
    chosen: dict[str, dict[str, Any]] = {}
    for name, item in items:
        if not isinstance(name, str) or not name:
            continue  # never shown with its name: it cannot be looked up
        key = name.casefold()
        if key not in chosen or item.get("exists", True) or not chosen[key].get("exists", True):
            chosen[key] = item
    return list(chosen.values())


def _user(seen: Seen, apply: Callable[[Any], Any]) -> dict[str, Any]:
    """One user's expected end state."""
    item: dict[str, Any] = {"userName": apply(seen.fields.get("userName"))}
    if not seen.exists:
        return {**item, "exists": False}
    for name in USER_FIELDS:
        value = seen.fields.get(name)
        if name == "active" and isinstance(value, bool) or name != "active" and isinstance(value, str):
            item[name] = apply(value)
    return item


def _group(seen: Seen, apply: Callable[[Any], Any], user_names: dict[str, Any]) -> dict[str, Any]:
    """One group's expected end state; members only when every member's userName is known."""
    item: dict[str, Any] = {"displayName": apply(seen.fields.get("displayName"))}
    if not seen.exists:
        return {**item, "exists": False}
    if isinstance(seen.fields.get("externalId"), str):
        item["externalId"] = apply(seen.fields["externalId"])
    if seen.members is not None:
        names = [user_names.get(value) for value in seen.members]
        if all(isinstance(name, str) for name in names):
            item["members"] = [apply(name) for name in names]
    return item
