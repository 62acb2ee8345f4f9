"""Users over real HTTP: CRUD, filters in both query encodings, paging, sorting, projection."""

from __future__ import annotations

import pytest
from support import okta_user

from mockscim.constants import PATCH_OP

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def test_create_returns_201_location_etag_and_no_password(scim):
    response = scim.post("/Users", okta_user("new.user@okta.local"))
    body = response.json()
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/scim+json")
    assert response.headers["Location"] == body["meta"]["location"] == f"{scim.base}/Users/{body['id']}"
    assert response.headers["ETag"] == body["meta"]["version"] == 'W/"1"'
    assert body["meta"]["resourceType"] == "User"
    assert {"created", "lastModified"} <= set(body["meta"])
    assert "password" not in body and "groups" not in body
    assert body["externalId"] == "00ujl29u0le5T6Aj10h7"


def test_get_put_patch_delete_round_trip(scim):
    created = scim.create_user()
    uid = created["id"]
    assert scim.get(f"/Users/{uid}").json() == created
    replaced = scim.put(f"/Users/{uid}", {**created, "title": "Engineer"})
    assert replaced.status_code == 200 and replaced.json()["title"] == "Engineer"
    patched = scim.patch(
        f"/Users/{uid}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    assert patched.json()["meta"]["version"] == 'W/"3"'
    assert scim.delete(f"/Users/{uid}").status_code == 204
    assert scim.get(f"/Users/{uid}").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",  # Okta now
        "filter=userName+eq+%22test.user%40okta.local%22&startIndex=1&count=100",  # Okta 2018
        'filter=userName eq "Test.User@okta.local"',  # unencoded, as the Runscope file has it
        "filter=USERNAME%20EQ%20%22TEST.USER%40OKTA.LOCAL%22",
    ],
)
def test_user_lookup_in_every_encoding(scim, query):
    created = scim.create_user("test.user@okta.local")
    body = scim.get(f"/Users?{query}").json()
    assert body["totalResults"] == 1
    assert body["Resources"][0]["id"] == created["id"]


def test_lookup_miss_is_an_empty_list_response(scim):
    response = scim.get("/Users?filter=userName%20eq%20%22nobody%40okta.local%22&startIndex=1&count=100")
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


def test_import_pages_past_one_hundred(scim):
    ids = [scim.create_user(f"user{i:03}@okta.local")["id"] for i in range(150)]
    first = scim.get("/Users?startIndex=1&count=100").json()
    second = scim.get("/Users?startIndex=101&count=100").json()
    assert (first["totalResults"], first["itemsPerPage"], second["itemsPerPage"]) == (150, 100, 50)
    assert second["startIndex"] == 101
    assert [r["id"] for r in first["Resources"] + second["Resources"]] == ids
    assert scim.get("/Users?count=0").json() == {
        "schemas": [LIST],
        "totalResults": 150,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


def test_sort_and_projection(scim):
    for name in ("carol@x", "alice@x", "bob@x"):
        scim.create_user(name)
    body = scim.get("/Users?sortBy=userName&sortOrder=descending&attributes=userName").json()
    assert [r["userName"] for r in body["Resources"]] == ["carol@x", "bob@x", "alice@x"]
    assert set(body["Resources"][0]) == {"schemas", "id", "userName"}
    excluded = scim.get("/Users?excludedAttributes=emails,meta").json()["Resources"][0]
    assert "emails" not in excluded and "meta" not in excluded and "userName" in excluded
    single = scim.get(f"/Users/{body['Resources'][0]['id']}?attributes=name.givenName").json()
    assert set(single) == {"schemas", "id", "name"}


def test_search_endpoints(scim):
    alice = scim.create_user("alice@x")
    scim.create_group("Eng", [alice["id"]])
    request = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName sw "ali"',
    }
    assert scim.post("/Users/.search", request).json()["totalResults"] == 1
    everything = scim.post("/.search", {"schemas": request["schemas"], "count": 10}).json()
    assert everything["totalResults"] == 2
    by_name = scim.post("/.search", {"schemas": request["schemas"], "filter": 'displayName eq "Eng"'}).json()
    assert [r["meta"]["resourceType"] for r in by_name["Resources"]] == ["Group"]


def test_user_groups_carry_refs(scim):
    alice = scim.create_user("alice@x")
    group = scim.create_group("Eng", [alice["id"]])
    groups = scim.get(f"/Users/{alice['id']}").json()["groups"]
    assert groups == [
        {
            "value": group["id"],
            "display": "Eng",
            "type": "direct",
            "$ref": f"{scim.base}/Groups/{group['id']}",
        }
    ]


READS = {
    "get": lambda scim, user: scim.get(f"/Users/{user['id']}").json(),
    "lookup": lambda scim, user: scim.get(f'/Users?filter=userName eq "{user["userName"]}"').json()[
        "Resources"
    ][0],
    "import page": lambda scim, user: scim.get("/Users?startIndex=1&count=5").json()["Resources"][0],
    "sorted": lambda scim, user: scim.get("/Users?sortBy=userName").json()["Resources"][0],
    "put": lambda scim, user: scim.put(f"/Users/{user['id']}", okta_user(user["userName"])).json(),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_user_reads_in_wire_order_and_rendering_leaves_the_store_alone(scim, app, read):
    alice = scim.create_user("alice@x")
    scim.create_group("Eng", [alice["id"]])
    first, second = read(scim, alice), read(scim, alice)
    assert list(first)[:2] == ["schemas", "id"] and list(first)[-2:] == ["groups", "meta"]
    assert [list(g) for g in first["groups"]] == [["value", "display", "type", "$ref"]]
    assert first["meta"]["version"].startswith('W/"') and first["meta"]["location"].endswith(alice["id"])
    assert {k: v for k, v in first.items() if k != "meta"} == {k: v for k, v in second.items() if k != "meta"}
    stored = app.extensions["mockscim"].store.get("User", alice["id"])
    assert "location" not in stored["meta"] and "$ref" not in stored["groups"][0]
    assert isinstance(stored["meta"]["version"], int)


def test_put_echoing_groups_and_meta_is_ignored_not_rejected(scim):
    alice = scim.create_user("alice@x")
    scim.create_group("Eng", [alice["id"]])
    current = scim.get(f"/Users/{alice['id']}").json()
    current["groups"].append({"value": "someone-elses-group"})
    response = scim.put(f"/Users/{alice['id']}", current)
    assert response.status_code == 200
    assert [g["display"] for g in response.json()["groups"]] == ["Eng"]
