"""The RFC readings the public suites caught, over HTTP: extension objects carrying ``schemas``,
a root search projecting another type's attribute, and group members the server does not know."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from conftest import Scim

from mockscim.config import Settings
from mockscim.server import create_app
from mockscim.server.serving import start_background

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _patch(*operations: dict) -> dict:
    """A PatchOp body."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.mark.parametrize("op", ["add", "replace"])
@pytest.mark.parametrize("form", ["path", "pathless"])
def test_extension_object_may_carry_its_own_schemas(scim, op, form):
    user = scim.create_user()
    value = {"schemas": [ENT], "department": "R&D", "employeeNumber": "42"}
    operation = (
        {"op": op, "path": ENT, "value": value} if form == "path" else {"op": op, "value": {ENT: value}}
    )
    response = scim.patch(f"/Users/{user['id']}", _patch(operation))
    assert response.status_code == 200, response.text
    assert response.json()[ENT] == {"employeeNumber": "42", "department": "R&D"}
    assert ENT in response.json()["schemas"]


@pytest.mark.parametrize(
    "schemas", [["urn:ietf:params:scim:schemas:core:2.0:User"], "not-a-list", [ENT, "urn:other"]]
)
def test_extension_object_schemas_naming_something_else_is_refused(scim, schemas):
    user = scim.create_user()
    operation = {"op": "add", "path": ENT, "value": {"schemas": schemas, "department": "R&D"}}
    response = scim.patch(f"/Users/{user['id']}", _patch(operation))
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")
    assert "may only list" in response.json()["detail"]
    assert ENT not in scim.get(f"/Users/{user['id']}").json()


@pytest.mark.parametrize(
    ("attributes", "user_keys", "group_keys"),
    [
        (["members"], {"id", "schemas"}, {"id", "schemas", "members"}),
        (["userName"], {"id", "schemas", "userName"}, {"id", "schemas"}),
        (["displayName"], {"id", "schemas", "displayName"}, {"id", "schemas", "displayName"}),
        ([f"{ENT}:department"], {"id", "schemas", ENT}, {"id", "schemas"}),
    ],
)
def test_root_search_projects_each_type_with_its_own_attributes(scim, attributes, user_keys, group_keys):
    user = scim.create_user(**{"schemas": None, ENT: {"department": "R&D"}})
    scim.create_group(members=[user["id"]])
    response = scim.post("/.search", {"schemas": [SEARCH], "attributes": attributes})
    assert response.status_code == 200, response.text
    found = {_kind(r): set(r) for r in response.json()["Resources"]}
    assert found == {"User": user_keys, "Group": group_keys}


def _kind(resource: dict) -> str:
    """User or Group, from the core schema URN (meta is left out by the projection)."""
    return "Group" if any(s.endswith(":Group") for s in resource["schemas"]) else "User"


def test_root_search_refuses_a_name_no_type_has(scim):
    response = scim.post("/.search", {"schemas": [SEARCH], "attributes": ["nosuch"]})
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")
    assert "any resource type (User, Group)" in response.json()["detail"]


def test_unknown_member_is_kept_by_default(scim):
    alice = scim.create_user()
    group = scim.create_group(members=[alice["id"]])
    add = {"op": "add", "path": "members", "value": [{"value": "not-yet-provisioned"}]}
    response = scim.patch(f"/Groups/{group['id']}", _patch(add))
    assert response.status_code == 200, response.text
    kept = scim.get(f"/Groups/{group['id']}").json()["members"]
    assert [m["value"] for m in kept] == [alice["id"], "not-yet-provisioned"]
    # The dangling id derives nothing: alice's groups are unchanged, and removing it works.
    assert [g["value"] for g in scim.get(f"/Users/{alice['id']}").json()["groups"]] == [group["id"]]
    remove = {"op": "remove", "path": 'members[value eq "not-yet-provisioned"]'}
    assert scim.patch(f"/Groups/{group['id']}", _patch(remove)).status_code == 200
    assert [m["value"] for m in scim.get(f"/Groups/{group['id']}").json()["members"]] == [alice["id"]]


@pytest.fixture
def strict_scim(settings: Settings) -> Iterator[Scim]:
    """A client of a second server started with --strict."""
    running = start_background(create_app(replace(settings, strict=True)))
    yield Scim(running.url + "/scim/v2")
    running.stop()


def test_strict_refuses_an_unknown_member_naming_it(strict_scim):
    group = strict_scim.create_group()
    add = {"op": "add", "path": "members", "value": [{"value": "ghost-id"}]}
    response = strict_scim.patch(f"/Groups/{group['id']}", _patch(add))
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")
    assert "'ghost-id'" in response.json()["detail"]
    assert "members" not in strict_scim.get(f"/Groups/{group['id']}").json()
