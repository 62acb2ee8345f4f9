"""Okta's request shapes, taken from the built-in flows (``scenarios/okta/**``).

The load tool sends no body of its own invention: each request below is a step of a library
scenario, loaded with the runner's loader and filled in with ``${...}`` substitution, so a fix
to a flow's request shape reaches the load tool too. Read-modify-write PUTs (§6, §7.2, §9.4)
echo what the target returned, as Okta does; only the changed attributes come from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from mockscim.library import library_root
from mockscim.runner.loader import load_scenario
from mockscim.runner.model import RequestSpec
from mockscim.runner.variables import substitute

# name -> (scenario under scenarios/okta/, the start of the step's name)
SOURCES = {
    "lookup": ("common/assign-new-user", "look the user up by userName"),  # §5.1
    "create_user": ("common/assign-new-user", "create the user (POST /Users)"),  # §5.2
    "profile": ("common/update-profile", "push the changed profile"),  # §6
    "deactivate": ("oin/deactivate-reactivate-user", "deactivate (PATCH"),  # §7.1
    "reactivate": ("oin/deactivate-reactivate-user", "reactivate (PATCH"),  # §7.1, §7.3
    "create_group": ("oin/push-group", "push the group (POST /Groups"),  # §9.1
    "rename_group": ("oin/push-group", "name update after create"),  # §9.1, §9.5
    "add_members": ("oin/group-membership", "add user 3 (PATCH add on members)"),  # §9.3
    "remove_member": ("oin/group-membership", "remove user 1 and add user 2"),  # §9.3
    "put_group": ("aiw/group-membership", "add user 2, PUT the full list"),  # §9.4
    "import_users": ("common/import-users-paging", "import page 1"),  # §4
    "import_groups": ("common/import-groups-paging", "import page 1"),  # §4
}


class TemplateError(LookupError):
    """A library flow the load tool reads its requests from has changed shape."""


def _step(scenario: str, prefix: str) -> RequestSpec:
    """The request of the step whose name starts with ``prefix`` in ``scenarios/okta/<scenario>``."""
    path = library_root() / "okta" / f"{scenario}.scenario.yaml"
    for step in load_scenario(path).steps:
        if step.request is not None and step.name.startswith(prefix):
            return step.request
    raise TemplateError(f"{path}: no step named {prefix!r}; the load tool takes Okta's request from it")


@dataclass(frozen=True)
class Templates:
    """Okta's requests as the library's flows write them."""

    specs: dict[str, RequestSpec]

    def query(self, name: str, **variables: Any) -> dict[str, Any]:
        """The query of template ``name`` with variables substituted."""
        return substitute(dict(self.specs[name].query), variables)

    def body(self, name: str, **variables: Any) -> Any:
        """The JSON body of template ``name`` with variables substituted."""
        return substitute(self.specs[name].json, variables)

    def member(self, user_id: str, user_name: str) -> dict[str, Any]:
        """One member object as Okta sends it: ``{value, display}``, no type (§9.3)."""
        item = self.specs["add_members"].json["Operations"][0]["value"][0]
        return substitute(item, {"u3": user_id, "email3": user_name})

    def create_user(self, **variables: Any) -> dict[str, Any]:
        """Okta's POST /Users body (§5.2)."""
        return self.body("create_user", **variables)

    def create_group(self, name: str, members: list[dict[str, Any]]) -> dict[str, Any]:
        """Okta's POST /Groups body with a members list (§9.1)."""
        body = self.body("create_group", group_name=name, user_id="", email="")
        return {**body, "members": members}

    def put_group(self, name: str, members: list[dict[str, Any]]) -> dict[str, Any]:
        """Okta's AIW group PUT: the whole group with the complete members list (§9.4)."""
        body = self.body("put_group", group_name=name, u1="", email="", u2="", email2="")
        return {**body, "members": members}

    def add_members(self, members: list[dict[str, Any]]) -> dict[str, Any]:
        """Okta's OIN PATCH adding members in one ``add`` operation (§9.3)."""
        body = self.body("add_members", u3="", email3="")
        operation = {**body["Operations"][0], "value": members}
        return {**body, "Operations": [operation]}

    def remove_member(self, user_id: str) -> dict[str, Any]:
        """Okta's OIN PATCH removing one member on the value-filter path (§9.3)."""
        body = self.body("remove_member", u1=user_id, u2="", email2="")
        return {**body, "Operations": [body["Operations"][0]]}

    def profile_change(self, family_name: str) -> dict[str, Any]:
        """The attributes a profile push changes (§6): the flow's new name and title."""
        body = self.body(
            "profile", user_id="", email="", family_name=family_name, okta_user_id="", user_meta={}
        )
        return {"name": body["name"], "title": body["title"]}


@cache
def okta_templates() -> Templates:
    """Every template, read once per process from the installed library."""
    return Templates({name: _step(*where) for name, where in SOURCES.items()})
