"""Discovery documents describe exactly what is supported (RFC 7643 §5–§7, RFC 7644 §4)."""

from __future__ import annotations

import pytest

from mockscim.scim.schema import SCHEMAS


def test_service_provider_config(scim):
    body = scim.get("/ServiceProviderConfig").json()
    assert body["patch"] == {"supported": True}
    assert body["bulk"]["supported"] is False  # and /Bulk answers 501
    assert body["filter"] == {"supported": True, "maxResults": 1000}
    assert body["sort"]["supported"] and body["etag"]["supported"] and body["changePassword"]["supported"]
    assert [s["type"] for s in body["authenticationSchemes"]] == ["httpbasic"]
    assert body["meta"]["location"] == f"{scim.base}/ServiceProviderConfig"


def test_resource_types(scim):
    body = scim.get("/ResourceTypes").json()
    by_name = {r["name"]: r for r in body["Resources"]}
    assert body["totalResults"] == 2
    assert by_name["User"]["endpoint"] == "/Users"
    assert by_name["User"]["schemaExtensions"] == [
        {"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": False}
    ]
    assert scim.get("/ResourceTypes/Group").json()["schema"] == "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.mark.parametrize("urn", sorted(SCHEMAS))
def test_schemas(scim, urn):
    listed = {s["id"] for s in scim.get("/Schemas").json()["Resources"]}
    single = scim.get(f"/Schemas/{urn}").json()
    assert urn in listed
    assert single["id"] == urn
    assert all({"name", "type", "mutability", "returned"} <= set(a) for a in single["attributes"])


def test_password_is_described_as_write_only(scim):
    user = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    password = next(a for a in user["attributes"] if a["name"] == "password")
    assert (password["mutability"], password["returned"]) == ("writeOnly", "never")
