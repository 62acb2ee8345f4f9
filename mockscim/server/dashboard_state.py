"""The dashboard's view of the store: users and groups as table rows, one resource with the
journal entries that touched it."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import jsonify

from mockscim.server.dashboard_access import bp
from mockscim.server.dashboard_flows import summarize
from mockscim.server.state import get_state


@bp.get("/dashboard/api/state")
def state() -> Response:
    """Users and groups as table rows."""
    snapshot = get_state().store.snapshot()
    users, groups = snapshot["users"], snapshot["groups"]
    names = {u["id"]: u.get("userName") for u in users}
    groups_of: dict[str, list[str]] = {}
    for group in groups:
        for member in group.get("members") or []:
            groups_of.setdefault(member.get("value"), []).append(group.get("displayName"))
    user_rows = [_user_row(u, groups_of.get(u["id"], [])) for u in users]
    return jsonify({"users": user_rows, "groups": [_group_row(g, names) for g in groups]})


def _user_row(user: dict[str, Any], groups: list[str]) -> dict[str, Any]:
    """userName, name, active, externalId and group names of one user."""
    name = user.get("name") if isinstance(user.get("name"), dict) else {}
    formatted = name.get("formatted") or " ".join(
        str(name[part]) for part in ("givenName", "familyName") if name.get(part)
    )
    return {
        "id": user["id"],
        "userName": user.get("userName"),
        "name": formatted,
        "active": user.get("active", True),
        "externalId": user.get("externalId"),
        "groups": groups,
    }


def _group_row(group: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    """displayName and member names of one group."""
    members = [
        m.get("display") or names.get(m.get("value")) or m.get("value") for m in group.get("members") or []
    ]
    return {"id": group["id"], "displayName": group.get("displayName"), "members": members}


@bp.get("/dashboard/api/state/<any(User, Group):rtype>/<rid>")
def resource(rtype: str, rid: str) -> Response:
    """One resource's JSON and the journal entries that touched it, newest first."""
    current = get_state().store.get(rtype, rid)
    touched = [
        summarize(e)
        for e in get_state().journal.entries(newest_first=True)
        if e.get("resource") == {"type": rtype, "id": rid}
    ]
    return jsonify({"type": rtype, "resource": current, "requests": touched})
