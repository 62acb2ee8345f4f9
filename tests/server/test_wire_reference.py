"""Replay every request Okta is documented to send over HTTP; check the documented answers.

Section numbers refer to docs/okta-reference.md. Bodies are Okta's, with ids replaced by the
ones the server assigned.
"""

from __future__ import annotations

import pytest
from support import okta_user

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
EMPTY_LIST = {"schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}
# §5.2 DOC example create body.
CREATE = okta_user()  # §5.2 DOC example create body
# §2.2 captured headers (minus Authorization, which the client adds).
OKTA_GET = {
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "Accept-Encoding": "gzip,deflate",
    "Connection": "Keep-Alive",
}
LOOKUP = "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100"


def deactivate(active: bool) -> dict:
    """§7.1 PATCH body (and its reactivation counterpart, UNCONFIRMED but symmetric)."""
    return {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]}


@pytest.fixture
def created(scim) -> dict:
    """The §5.2 user, created the way Okta does: lookup with 0 hits, then POST."""
    assert scim.get(LOOKUP, headers=OKTA_GET).json() == EMPTY_LIST
    response = scim.post("/Users", CREATE)
    assert response.status_code == 201
    return response.json()


def test_s3_test_connector_and_save_on_an_empty_store(scim):
    assert scim.get("/Users?startIndex=1&count=2", headers=OKTA_GET).json() == EMPTY_LIST
    assert scim.get("/Users?startIndex=1&count=2", headers=OKTA_GET).json() == EMPTY_LIST
    groups = scim.get("/Groups?startIndex=1&count=100", headers=OKTA_GET)
    assert groups.status_code == 200 and groups.json() == EMPTY_LIST


def test_s4_import_users_and_groups_with_paging(scim):
    users = [scim.create_user(f"import{i:03}@okta.local")["id"] for i in range(101)]
    groups = [scim.create_group(f"Group {i:03}", [users[i]])["id"] for i in range(101)]
    for path, ids in (("/Users", users), ("/Groups", groups)):
        pages = [scim.get(f"{path}?startIndex={s}&count=100").json() for s in (1, 101)]
        assert [p["totalResults"] for p in pages] == [101, 101]
        assert [p["itemsPerPage"] for p in pages] == [100, 1]
        assert [r["id"] for p in pages for r in p["Resources"]] == ids
    assert scim.get("/Groups?startIndex=1&count=1").json()["Resources"][0]["members"][0]["value"] == users[0]


def test_s5_assign_new_user(created):
    # Runscope asserts (§12 step 6): 201, active, id, echoed names, core schema, exact userName.
    assert created["active"] is True and created["id"]
    assert created["userName"] == "test.user@okta.local"
    assert created["name"] == {"givenName": "Test", "familyName": "User"}
    assert USER_URN in created["schemas"]
    assert "password" not in created


def test_s5_duplicate_create_gets_409(scim, created):
    response = scim.post("/Users", {**CREATE, "userName": "TEST.USER@okta.local"})
    assert response.status_code == 409
    assert response.json()["schemas"] == [ERROR]


def test_s5_1_lookup_hit_is_case_insensitive(scim, created):
    upper = LOOKUP.replace("test.user", "TEST.USER")
    body = scim.get(upper).json()
    assert body["totalResults"] == 1 and body["Resources"][0]["id"] == created["id"]


def test_s6_profile_update_get_then_put(scim, created):
    uid = created["id"]
    current = scim.get(f"/Users/{uid}", headers=OKTA_GET).json()
    # §6 DOC PUT body, with our id; it echoes id and meta and a display on the email.
    body = {
        "schemas": [USER_URN],
        "id": uid,
        "userName": "test.user@okta.local",
        "name": {"givenName": "Another", "middleName": "Excited", "familyName": "User"},
        "emails": [
            {
                "primary": True,
                "value": "test.user@okta.local",
                "type": "work",
                "display": "test.user@okta.local",
            }
        ],
        "active": True,
        "groups": [],
        "meta": {"resourceType": "User"},
    }
    response = scim.put(f"/Users/{uid}", body)
    assert response.status_code == 200
    assert response.json()["name"]["givenName"] == "Another"
    assert response.json()["meta"]["created"] == current["meta"]["created"]


def test_s6_put_round_trips_the_get_response(scim, created):
    # An AIW read-modify-write client echoes everything it read (S12).
    current = scim.get(f"/Users/{created['id']}").json()
    response = scim.put(f"/Users/{created['id']}", current)
    assert response.status_code == 200


@pytest.mark.parametrize("dialect", ["oin-patch", "aiw-put"])
def test_s7_deactivate_then_reactivate_keeps_the_id(scim, created, dialect):
    uid = created["id"]
    for active in (False, True):
        if dialect == "oin-patch":
            response = scim.patch(f"/Users/{uid}", deactivate(active))
        else:
            current = scim.get(f"/Users/{uid}").json()
            response = scim.put(f"/Users/{uid}", {**current, "active": active})
        assert response.status_code == 200 and response.json()["active"] is active
        # Inactive users stay readable (§7.3, CRUD test step 9) and visible to the lookup.
        read = scim.get(f"/Users/{uid}")
        assert read.status_code == 200 and read.json()["active"] is active
        hit = scim.get(LOOKUP).json()
        assert hit["totalResults"] == 1 and hit["Resources"][0]["active"] is active
    assert scim.get(f"/Users/{uid}").json()["id"] == uid


def test_s7_3_reassign_existing_inactive_user(scim, created):
    uid = created["id"]
    scim.patch(f"/Users/{uid}", deactivate(False))
    found = scim.get(LOOKUP).json()["Resources"][0]
    assert found["active"] is False
    current = scim.get(f"/Users/{found['id']}").json()
    assert scim.put(f"/Users/{uid}", {**current, "active": True}).json()["active"] is True
    assert scim.get("/Users").json()["totalResults"] == 1  # linked, not re-created


@pytest.mark.parametrize("dialect", ["oin-patch", "aiw-put"])
def test_s8_password_sync_is_accepted_and_never_returned(scim, created, dialect):
    uid = created["id"]
    if dialect == "oin-patch":
        body = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "value": {"password": "N3wPassw0rd!"}}],
        }
        response = scim.patch(f"/Users/{uid}", body)
    else:
        current = scim.get(f"/Users/{uid}").json()
        response = scim.put(f"/Users/{uid}", {**current, "password": "N3wPassw0rd!"})
    assert response.status_code == 200
    assert "password" not in response.json() and "N3wPassw0rd" not in response.text
    assert "N3wPassw0rd" not in scim.get(f"/Users/{uid}").text


def test_s9_1_push_group_put_dialect(scim, created):
    # §9.1 OBS (AIW): POST with members, then GET and PUT with the same content.
    body = {
        "displayName": "okta-lab-users",
        "members": [{"value": created["id"], "display": "test.user@okta.local"}],
    }
    response = scim.post("/Groups", {"schemas": [GROUP_URN], **body})
    assert response.status_code == 201
    gid = response.json()["id"]
    assert scim.get(f"/Groups/{gid}").json()["members"] == body["members"]
    put = scim.put(f"/Groups/{gid}", {"schemas": [GROUP_URN], **body})
    assert put.status_code == 200 and put.json()["displayName"] == "okta-lab-users"


def test_s9_1_push_group_patch_dialect_renames_right_after_create(scim):
    # §9.1 DOC create body, then the path-less {id, displayName} replace (S18 #113).
    response = scim.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Test SCIMv2", "members": []})
    assert response.status_code == 201 and response.json()["displayName"] == "Test SCIMv2"
    gid = response.json()["id"]
    rename = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2"}}],
    }
    assert scim.patch(f"/Groups/{gid}", rename).status_code == 200


def test_s9_2_group_lookup_by_name(scim):
    group = scim.create_group("Test SCIMv2")
    body = scim.get("/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100").json()
    assert [g["id"] for g in body["Resources"]] == [group["id"]]
    assert (
        scim.get("/Groups?filter=displayName%20eq%20%22Nope%22&startIndex=1&count=100").json() == EMPTY_LIST
    )


def test_s9_3_membership_patch_forms(scim):
    old, new = scim.create_user("old@okta.local"), scim.create_user("test.user@okta.local")
    gid = scim.create_group("Test SCIMv2", [old["id"]])["id"]
    doc_example = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "remove", "path": f'members[value eq "{old["id"]}"]'},
            {
                "op": "add",
                "path": "members",
                "value": [{"value": new["id"], "display": "test.user@okta.local"}],
            },
        ],
    }
    response = scim.patch(f"/Groups/{gid}", doc_example)
    assert response.status_code == 200
    assert response.json()["members"] == [{"value": new["id"], "display": "test.user@okta.local"}]
    push_now = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "replace", "path": "members", "value": [{"value": old["id"], "display": "old"}]}
        ],
    }
    assert [m["value"] for m in scim.patch(f"/Groups/{gid}", push_now).json()["members"]] == [old["id"]]
    empty = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "members", "value": []}]}
    assert "members" not in scim.patch(f"/Groups/{gid}", empty).json()
    scim.patch(f"/Groups/{gid}", push_now)
    pathless = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2", "members": []}}],
    }
    assert "members" not in scim.patch(f"/Groups/{gid}", pathless).json()
    assert scim.get(f"/Users/{old['id']}").status_code == 200


def test_s9_4_membership_put_is_idempotent_last_write_wins(scim):
    a, b = scim.create_user("a@okta.local"), scim.create_user("b@okta.local")
    group = scim.create_group("KOTestGroup Test", [a["id"]])
    gid = group["id"]
    before = {
        "schemas": [GROUP_URN],
        "id": gid,
        "displayName": "KOTestGroup Test",
        "members": [{"value": a["id"], "display": None}],
    }
    after = {**before, "members": [{"value": a["id"], "display": None}, {"value": b["id"], "display": None}]}
    for body in (before, after):  # the first PUT may carry the pre-change list (S12 part 2)
        assert scim.get(f"/Groups/{gid}").status_code == 200
        assert scim.put(f"/Groups/{gid}", body).status_code == 200
    assert [m["value"] for m in scim.get(f"/Groups/{gid}").json()["members"]] == [a["id"], b["id"]]


def test_s9_5_rename_patch(scim):
    gid = scim.create_group("Old name")["id"]
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2"}}],
    }
    response = scim.patch(f"/Groups/{gid}", body)
    assert response.status_code == 200 and response.json()["displayName"] == "Test SCIMv2"
    assert response.json()["id"] == gid


def test_s9_7_delete_group_with_okta_delete_headers(scim, created):
    gid = scim.create_group("Doomed", [created["id"]])["id"]
    # The DELETE sample carries Content-Type but no body (§2.2).
    response = scim.delete(f"/Groups/{gid}", headers={"Content-Type": "application/scim+json; charset=utf-8"})
    assert response.status_code == 204
    assert scim.get(f"/Groups/{gid}").status_code == 404
    assert scim.get(f"/Users/{created['id']}").status_code == 200


def test_s10_1_unknown_id_is_404_error(scim):
    body = scim.get("/Users/010101001010101011001010101011").json()
    assert body["schemas"] == [ERROR] and body["detail"] and body["status"] == "404"


def test_s12_runscope_spec_test(scim, anonymous):
    """Okta's SCIM 2.0 SPEC test (§12), steps 1-12, after seeding one user as it requires."""
    seed = scim.create_user("seed.user@atko.com")
    step1 = scim.get("/Users?count=1&startIndex=1").json()
    assert step1["Resources"] and LIST in step1["schemas"]
    first = step1["Resources"][0]
    assert all(first[k] for k in ("id", "userName")) and first["emails"][0]["value"]
    assert first["name"]["familyName"] and first["name"]["givenName"] and "active" in first
    assert scim.get(f"/Users/{first['id']}").json()["id"] == seed["id"]
    assert scim.get('/Users?filter=userName eq "abcdefgh@atko.com"').json()["totalResults"] == 0
    missing = scim.get("/Users/010101001010101011001010101011")
    assert missing.status_code == 404 and missing.json()["detail"]
    email = "Runscope123Qwertyuio456@atko.com"
    assert scim.get(f'/Users?filter=userName eq "{email}"').json()["totalResults"] == 0
    body = {
        "schemas": [USER_URN],
        "userName": email,
        "name": {"givenName": "Runscope123", "familyName": "Qwertyuio456"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": "Runscope123 Qwertyuio456",
        "active": True,
    }
    created = scim.post(
        "/Users",
        body,
        headers={"Content-Type": "application/json", "Accept": "application/scim+json; charset=utf-8"},
    )
    assert created.status_code == 201 and created.json()["userName"] == email
    assert scim.get(f"/Users/{created.json()['id']}").json()["userName"] == email
    assert scim.post("/Users", body).status_code == 409
    assert scim.get(f'/Users?filter=userName eq "{email.upper()}"').status_code == 200
    groups = scim.get("/Groups")
    assert groups.status_code == 200 and isinstance(groups.json()["Resources"], list)
    unauthorized = anonymous.get(
        f'/Users?filter=userName eq "{email.upper()}"', headers={"Authorization": "non-token"}
    )
    assert unauthorized.status_code == 401 and unauthorized.json()["status"] == "401"
    not_found = scim.get("/Users/00919288221112222")
    assert not_found.status_code == 404 and not_found.json()["status"] == "404"


def test_s12_2_beta_suite_requests(scim, created):
    assert scim.get("/Users?count=2&startIndex=1").status_code == 200
    assert scim.get("/Groups?count=100&startIndex=1").status_code == 200
    assert (
        scim.get('/Users?count=100&filter=userName eq "test.user@okta.local"&startIndex=1').json()[
            "totalResults"
        ]
        == 1
    )
    unassign = scim.patch(f"/Users/{created['id']}", deactivate(False))
    assert unassign.status_code == 200 and unassign.json()["active"] is False


def test_s2_2_scim_1_1_content_type_is_accepted(scim):
    response = scim.post(
        "/Users",
        {**CREATE, "userName": "v11@okta.local"},
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


def test_s11_enterprise_extension_and_custom_attributes(scim):
    # §5.2 OBS: enterprise attributes under the URN key, the URN added to schemas.
    ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    body = {**CREATE, "schemas": [USER_URN, ent], "title": "Manager", ent: {"department": "Engineering"}}
    created = scim.post("/Users", body).json()
    assert created[ent] == {"department": "Engineering"} and created["title"] == "Manager"
    assert ent in created["schemas"]
