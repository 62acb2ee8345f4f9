"""Custom attributes over HTTP: a server started with ``--schema-extension`` declares, stores,
returns, filters, sorts, patches and validates them like the enterprise extension's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Scim
from support import okta_user

from mockscim.config import Settings
from mockscim.schema_extensions import example_path
from mockscim.server import create_app
from mockscim.server.serving import start_background

URN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ACME = {
    "id": URN,
    "name": "AcmeUser",
    "attributes": [
        {"name": "costCenter", "type": "string"},
        {"name": "employeeId", "type": "string", "required": True, "caseExact": True},
        {"name": "level", "type": "integer"},
        {"name": "contractor", "type": "boolean"},
        {"name": "weight", "type": "decimal"},
        {"name": "hired", "type": "dateTime"},
        {"name": "badges", "type": "string", "multiValued": True},
        {"name": "region", "type": "string", "canonicalValues": ["EMEA", "AMER"]},
        {"name": "badgeId", "type": "string", "mutability": "immutable"},
        {"name": "pin", "type": "string", "mutability": "writeOnly"},
        {"name": "grade", "type": "string", "mutability": "readOnly"},
        {
            "name": "manager",
            "type": "complex",
            "subAttributes": [{"name": "value", "type": "string"}, {"name": "since", "type": "dateTime"}],
        },
    ],
}


@pytest.fixture
def acme(settings: Settings, tmp_path: Path) -> Iterator[Scim]:
    """A client of mockscim started with the Acme extension declared (--schema-extension)."""
    declared = tmp_path / "acme.json"
    declared.write_text(json.dumps(ACME))
    extended = replace(settings, schema_extensions=(declared,))
    running = start_background(create_app(extended))
    yield Scim(running.url + "/scim/v2")
    running.stop()


def _user(name: str = "ann@example.com", **custom: object) -> dict:
    """Okta's create body with custom attributes under the URN, URN listed (reference §5.2)."""
    return okta_user(name, schemas=[CORE, URN], **{URN: {"employeeId": "E1", **custom}})


def _patch(*operations: dict) -> dict:
    """A PatchOp body."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def test_extension_is_discovered(acme):
    schemas = {s["id"]: s for s in acme.get("/Schemas").json()["Resources"]}
    declared = {a["name"]: a for a in schemas[URN]["attributes"]}
    assert declared["employeeId"]["required"] is True and declared["employeeId"]["caseExact"] is True
    assert declared["region"]["canonicalValues"] == ["EMEA", "AMER"]
    assert declared["pin"]["returned"] == "never"
    assert [s["name"] for s in declared["manager"]["subAttributes"]] == ["value", "since"]
    assert acme.get(f"/Schemas/{URN}").json()["name"] == "AcmeUser"
    user_type = acme.get("/ResourceTypes/User").json()
    assert {"schema": URN, "required": False} in user_type["schemaExtensions"]


def test_without_the_option_nothing_is_declared(scim):
    assert URN not in {s["id"] for s in scim.get("/Schemas").json()["Resources"]}
    response = scim.post("/Users", okta_user(**{URN: {"level": "not checked"}}, schemas=[CORE, URN]))
    assert response.status_code == 201  # Okta profile: an undeclared extension is kept opaque


def test_custom_attributes_are_stored_and_returned(acme):
    custom = {"costCenter": "CC-7", "level": 3, "contractor": False, "weight": 72.5}
    custom |= {"hired": "2024-02-01T09:00:00Z", "badges": ["a", "b"], "manager": {"value": "m1"}}
    created = acme.post("/Users", _user(**custom, pin="1234", grade="ignored"))
    assert created.status_code == 201, created.text
    body = acme.get(f"/Users/{created.json()['id']}").json()
    assert body[URN] == {"employeeId": "E1", **custom}  # pin is write-only, grade read-only
    assert URN in body["schemas"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f'{URN}:costCenter eq "cc-1"', ["ann"]),  # caseExact false
        (f'{URN}:employeeId eq "e2"', []),  # caseExact true
        (f'{URN}:employeeId eq "E2"', ["bob"]),
        (f"{URN}:level gt 2", ["bob"]),
        (f"{URN}:contractor eq true", ["ann"]),
        (f'{URN}:manager.value eq "m2"', ["bob"]),
        (f"{URN}:costCenter pr and not ({URN}:level lt 2)", ["bob"]),
    ],
)
def test_custom_attributes_are_filterable(acme, query, expected):
    acme.post("/Users", _user("ann@example.com", costCenter="CC-1", level=1, contractor=True))
    bob = _user("bob@example.com", costCenter="CC-2", level=5, manager={"value": "m2"})
    bob[URN]["employeeId"] = "E2"
    acme.post("/Users", bob)
    found = acme.get("/Users", params={"filter": query}).json()["Resources"]
    assert [u["userName"].partition("@")[0] for u in found] == expected


def test_custom_attributes_are_sortable_and_projectable(acme):
    for name, level in (("ann", 5), ("bob", 1), ("cid", 3)):
        acme.post("/Users", _user(f"{name}@example.com", level=level))
    params = {"sortBy": f"{URN}:level", "attributes": f"{URN}:level"}
    found = acme.get("/Users", params=params).json()["Resources"]
    assert [u[URN] for u in found] == [{"level": 1}, {"level": 3}, {"level": 5}]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": f"{URN}:costCenter", "value": "CC-9"},
        {"op": "add", "path": f"{URN}:costCenter", "value": "CC-9"},
        {"op": "replace", "value": {URN: {"costCenter": "CC-9"}}},
        {"op": "replace", "value": {f"{URN}:costCenter": "CC-9"}},
        {"op": "add", "path": URN, "value": {"costCenter": "CC-9"}},
    ],
    ids=["path-replace", "path-add", "pathless-object", "pathless-qualified-key", "extension-path"],
)
def test_custom_attributes_are_patchable(acme, operation):
    user = acme.post("/Users", _user(costCenter="CC-1", level=2)).json()
    response = acme.patch(f"/Users/{user['id']}", _patch(operation))
    assert response.status_code == 200, response.text
    assert acme.get(f"/Users/{user['id']}").json()[URN] == {
        "employeeId": "E1",
        "costCenter": "CC-9",
        "level": 2,
    }


def test_custom_attribute_is_removable_by_path(acme):
    user = acme.post("/Users", _user(costCenter="CC-1")).json()
    response = acme.patch(f"/Users/{user['id']}", _patch({"op": "remove", "path": f"{URN}:costCenter"}))
    assert response.status_code == 200, response.text
    assert acme.get(f"/Users/{user['id']}").json()[URN] == {"employeeId": "E1"}


@pytest.mark.parametrize(
    ("custom", "named"),
    [
        ({"level": "3"}, f"{URN}.level must be an integer"),
        ({"contractor": "true"}, f"{URN}.contractor must be a boolean"),
        ({"weight": "heavy"}, f"{URN}.weight must be a number"),
        ({"hired": "yesterday"}, f"{URN}.hired must be an RFC 3339 date-time"),
        ({"badges": "a"}, f"{URN}.badges must be an array"),
        ({"costCenter": ["a"]}, f"{URN}.costCenter must be a string"),
        ({"manager": {"nosuch": 1}}, "is not a sub-attribute of manager"),
        ({"nosuch": 1}, f"{URN}.nosuch is not an attribute of AcmeUser"),
    ],
)
def test_wrong_types_are_refused_naming_the_attribute(acme, custom, named):
    response = acme.post("/Users", _user(**custom))
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")
    assert named in response.json()["detail"]
    assert acme.get("/Users").json()["totalResults"] == 0


def test_wrong_type_in_a_patch_is_refused_and_nothing_changes(acme):
    user = acme.post("/Users", _user(level=1)).json()
    response = acme.patch(
        f"/Users/{user['id']}", _patch({"op": "replace", "path": f"{URN}:level", "value": "x"})
    )
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")
    assert "level" in response.json()["detail"]
    assert acme.get(f"/Users/{user['id']}").json()[URN]["level"] == 1


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_required_attribute_is_enforced_when_the_extension_is_carried(acme, method):
    body = _user()
    del body[URN]["employeeId"]
    if method == "POST":
        response = acme.post("/Users", body)
    else:
        user = acme.post("/Users", _user()).json()
        response = acme.put(f"/Users/{user['id']}", body)
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")
    assert f"{URN}:employeeId is required" in response.json()["detail"]


def test_required_attribute_cannot_be_patched_away(acme):
    user = acme.post("/Users", _user(costCenter="CC-1")).json()
    response = acme.patch(f"/Users/{user['id']}", _patch({"op": "remove", "path": f"{URN}:employeeId"}))
    assert response.status_code == 400
    assert "employeeId is required" in response.json()["detail"]


def test_a_user_without_the_extension_needs_none_of_its_attributes(acme):
    assert acme.post("/Users", okta_user()).status_code == 201


def test_immutable_attribute_is_set_once(acme):
    user = acme.post("/Users", _user(badgeId="B-1")).json()
    change = _patch({"op": "replace", "path": f"{URN}:badgeId", "value": "B-2"})
    response = acme.patch(f"/Users/{user['id']}", change)
    assert (response.status_code, response.json()["scimType"]) == (400, "mutability")
    put = _user(badgeId="B-2")
    assert acme.put(f"/Users/{user['id']}", put).json()["scimType"] == "mutability"
    same = acme.put(f"/Users/{user['id']}", _user(costCenter="CC-2"))  # left out: kept
    assert same.status_code == 200, same.text
    assert same.json()[URN]["badgeId"] == "B-1"


def test_read_only_attribute_cannot_be_patched(acme):
    user = acme.post("/Users", _user()).json()
    response = acme.patch(f"/Users/{user['id']}", _patch({"op": "add", "path": f"{URN}:grade", "value": "A"}))
    assert (response.status_code, response.json()["scimType"]) == (400, "mutability")


def test_aiw_put_round_trip_keeps_custom_attributes(acme):
    user = acme.post("/Users", _user(costCenter="CC-1", level=2)).json()
    fetched = acme.get(f"/Users/{user['id']}").json()
    fetched[URN]["costCenter"] = "CC-2"  # Okta edits the GET body and PUTs it back (reference §6)
    response = acme.put(f"/Users/{user['id']}", fetched)
    assert response.status_code == 200, response.text
    assert response.json()[URN] == {"employeeId": "E1", "costCenter": "CC-2", "level": 2}


def test_seed_file_users_carry_custom_attributes(settings, tmp_path: Path):
    from mockscim.seed import load_seed

    app = create_app(replace(settings, schema_extensions=(example_path(),)))
    example_urn = "urn:ietf:params:scim:schemas:extension:mockscim:2.0:User"
    seed = {"users": [{"userName": "s@example.com", example_urn: {"costCenter": "CC-3"}}]}
    load_seed(app.extensions["mockscim"].store, seed)
    running = start_background(app)
    try:
        client = Scim(running.url + "/scim/v2")
        found = client.get("/Users", params={"filter": f'{example_urn}:costCenter eq "CC-3"'}).json()
        assert found["totalResults"] == 1
    finally:
        running.stop()
