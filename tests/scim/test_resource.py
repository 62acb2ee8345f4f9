"""Resource validation (RFC 7643 §2, §7): types, unknown attributes, read-only and write-only."""

from __future__ import annotations

import pytest
from support import OKTA_CREATE_2016

from mockscim.errors import InvalidValue
from mockscim.scim.resource import normalize_resource
from mockscim.scim.schema import GROUP_TYPE
from mockscim.scim.schema import USER_TYPE

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
OKTA_CREATE = OKTA_CREATE_2016  # docs/okta-reference.md §12.2 (S21)


def test_okta_create_body_is_accepted_with_password_split_off():
    resource, password = normalize_resource(OKTA_CREATE, USER_TYPE)
    assert password == "y25bA4W3"
    assert "password" not in resource
    assert "groups" not in resource  # read-only: ignored on input (RFC 7644 §3.3)
    assert resource["externalId"] == "00u5hwkpq7IC0H7IS0h7"
    assert resource["schemas"] == [CORE]


@pytest.mark.parametrize(
    ("extra", "kept"),
    [
        # Okta's AIW PUT echoes id, meta and groups (docs/okta-reference.md §6, S12): ignored, not rejected.
        ({"id": "x", "meta": {"resourceType": "User"}, "groups": [{"value": "g"}]}, {}),
        # Attribute names are case-insensitive (RFC 7643 §2.1); stored in canonical case.
        (
            {"USERNAME": "Tina@Example.com", "Active": False},
            {"userName": "Tina@Example.com", "active": False},
        ),
        # null means unassigned (RFC 7643 §2.5), including Okta's "display": null (§9.4).
        ({"title": None, "emails": [{"value": "t@x", "display": None}]}, {"emails": [{"value": "t@x"}]}),
        # the enterprise extension, as an object or as URN-qualified attribute names.
        ({"schemas": [CORE, ENT], ENT: {"department": "Eng"}}, {ENT: {"department": "Eng"}}),
        ({f"{ENT}:department": "Eng"}, {ENT: {"department": "Eng"}}),
        # URNs and common attributes are case-insensitive too (RFC 7643 §2.1).
        ({ENT.upper(): {"Department": "Eng"}}, {ENT: {"department": "Eng"}}),
        ({"EXTERNALID": "e-1", "externalId": None}, {"externalId": "e-1"}),
        # custom extension objects listed in schemas are kept as sent (Okta attribute mappings).
        (
            {"schemas": [CORE, "urn:acme:1.0:User"], "urn:acme:1.0:User": {"badge": 7}},
            {"urn:acme:1.0:User": {"badge": 7}},
        ),
    ],
)
def test_accepted_bodies(extra, kept):
    body = {**OKTA_CREATE, **extra}
    if "USERNAME" in extra:
        del body["userName"]
    resource, _ = normalize_resource(body, USER_TYPE)
    for key, value in kept.items():
        assert resource[key] == value
    assert "id" not in resource and "meta" not in resource


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([], "must be a JSON object"),
        ("user", "must be a JSON object"),
        ({}, "userName is required"),
        ({"userName": ""}, "userName is required"),
        ({"userName": 5}, "userName must be a string"),
        ({"userName": "a", "active": "false"}, "active must be a boolean"),
        ({"userName": "a", "active": 1}, "active must be a boolean"),
        ({"userName": "a", "emails": {"value": "x"}}, "emails must be an array"),
        ({"userName": "a", "emails": ["x"]}, "emails[0] must be an object"),
        ({"userName": "a", "emails": [{"value": 1}]}, "emails[0].value must be a string"),
        ({"userName": "a", "emails": [{"value": "x", "primary": "yes"}]}, "primary must be a boolean"),
        ({"userName": "a", "emails": [{"value": "x", "kind": "work"}]}, "not a sub-attribute"),
        ({"userName": "a", "name": "Alice"}, "name must be an object"),
        ({"userName": "a", "name": {"first": "A"}}, "name.first is not a sub-attribute"),
        ({"userName": "a", "nosuch": 1}, "'nosuch' is not an attribute"),
        ({"userName": "a", "schemas": "x"}, "schemas must be an array"),
        (
            {"userName": "a", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]},
            "schemas must include",
        ),
        ({"userName": "a", ENT: "Eng"}, "must be an object"),
        ({"userName": "a", ENT: {"dept": "x"}}, "not an attribute of EnterpriseUser"),
        ({"userName": "a", "urn:acme:1.0:User": {"x": 1}}, "not a known schema extension"),
        (
            {"userName": "a", "emails": [{"value": "a", "primary": True}, {"value": "b", "primary": True}]},
            "primary",
        ),
        ({"userName": "a", "password": 1234}, "password must be a string"),
        ({"userName": "a", "externalId": 7}, "externalId must be a string, not integer 7"),
        (
            {"userName": "a", "emails": [None, {"value": "x"}, {"value": []}]},
            "emails[2].value must be a string",
        ),
    ],
)
def test_rejected_user_bodies(body, fragment):
    with pytest.raises(InvalidValue) as caught:
        normalize_resource(body, USER_TYPE)
    assert caught.value.status == 400
    assert caught.value.scim_type == "invalidValue"
    assert fragment in caught.value.detail


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"members": []}, "displayName is required"),
        ({"displayName": "G", "members": [{"value": 5}]}, "members[0].value must be a string"),
        ({"displayName": "G", "members": {"value": "u"}}, "members must be an array"),
        ({"displayName": "G", "userName": "x"}, "'userName' is not an attribute"),
    ],
)
def test_rejected_group_bodies(body, fragment):
    with pytest.raises(InvalidValue) as caught:
        normalize_resource(body, GROUP_TYPE)
    assert fragment in caught.value.detail


@pytest.mark.parametrize("key", ["password", "PASSWORD", f"{CORE}:password"])
def test_a_wrong_password_value_is_never_echoed(key):
    with pytest.raises(InvalidValue) as caught:
        normalize_resource({"userName": "a", key: 987654}, USER_TYPE)
    assert "password must be a string, not integer" in caught.value.detail
    assert "987654" not in caught.value.detail


def test_strict_profile_refuses_custom_extensions():
    body = {"userName": "a", "schemas": [CORE, "urn:acme:1.0:User"], "urn:acme:1.0:User": {"x": 1}}
    with pytest.raises(InvalidValue):
        normalize_resource(body, USER_TYPE, custom_extensions=False)
