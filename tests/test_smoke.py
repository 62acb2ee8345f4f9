"""End-to-end smoke: the Okta create/lookup round trip over real HTTP."""

from __future__ import annotations


def test_create_then_lookup_by_username(scim):
    created = scim.create_user("tina.erickson@mailinator.com")
    response = scim.get(
        "/Users?filter=userName%20eq%20%22TINA.ERICKSON%40mailinator.com%22&startIndex=1&count=100"
    )
    body = response.json()
    assert response.status_code == 200
    assert body["totalResults"] == 1
    assert body["Resources"][0]["id"] == created["id"]
    assert "password" not in body["Resources"][0]
