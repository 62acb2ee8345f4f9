"""Groups over HTTP, both dialects' membership updates, and ETag preconditions (RFC 7644 §3.14)."""

from __future__ import annotations

import pytest

from mockscim.constants import PATCH_OP


def test_group_put_with_its_own_name_succeeds(scim):
    # Okta AIW re-sends the unchanged displayName on every membership PUT (docs/okta-reference.md §9.4, S28).
    alice = scim.create_user("alice@x")
    group = scim.create_group("Engineering")
    body = {**group, "members": [{"value": alice["id"], "display": None}]}
    response = scim.put(f"/Groups/{group['id']}", body)
    assert response.status_code == 200
    assert response.json()["members"] == [{"value": alice["id"]}]


def test_group_name_conflict_with_another_group(scim):
    scim.create_group("Engineering")
    other = scim.create_group("Ops")
    assert scim.put(f"/Groups/{other['id']}", {**other, "displayName": "ENGINEERING"}).status_code == 409
    assert scim.post("/Groups", {"displayName": "engineering"}).status_code == 409


def test_group_lookup_by_display_name(scim):
    group = scim.create_group("Test SCIMv2")
    body = scim.get("/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100").json()
    assert [g["id"] for g in body["Resources"]] == [group["id"]]


def test_group_delete_leaves_users(scim):
    alice = scim.create_user("alice@x")
    group = scim.create_group("Eng", [alice["id"]])
    response = scim.delete(f"/Groups/{group['id']}")
    assert response.status_code == 204 and response.content == b""
    assert scim.get(f"/Users/{alice['id']}").status_code == 200


@pytest.fixture
def versioned(scim) -> dict:
    """A user at version 1."""
    return scim.create_user("etag@x")


def test_if_none_match_gives_304(scim, versioned):
    url = f"/Users/{versioned['id']}"
    assert scim.get(url, headers={"If-None-Match": 'W/"1"'}).status_code == 304
    assert scim.get(url, headers={"If-None-Match": "*"}).status_code == 304
    assert scim.get(url, headers={"If-None-Match": 'W/"9"'}).status_code == 200


@pytest.mark.parametrize(
    ("header", "status"), [('W/"1"', 200), ('"1"', 200), ("*", 200), ('W/"2"', 412), ("junk", 412)]
)
def test_if_match_on_put_and_patch(scim, versioned, header, status):
    url = f"/Users/{versioned['id']}"
    put = scim.put(url, {**versioned, "title": "x"}, headers={"If-Match": header})
    assert put.status_code == status
    if status == 412:
        assert put.json()["status"] == "412"
        patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "y"}]}
        assert scim.patch(url, patch, headers={"If-Match": header}).status_code == 412
        assert scim.delete(url, headers={"If-Match": header}).status_code == 412
        assert scim.get(url).json() == versioned


def test_patch_can_answer_204(settings, scim_for, serve):
    from dataclasses import replace

    profile = replace(settings.profile, patch_returns_resource=False)
    running = serve(replace(settings, profile=profile))
    client = scim_for(running)
    user = client.create_user()
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]}
    response = client.patch(f"/Users/{user['id']}", patch)
    assert (response.status_code, response.content, response.headers["ETag"]) == (204, b"", 'W/"2"')
    assert client.get(f"/Users/{user['id']}").json()["active"] is False
