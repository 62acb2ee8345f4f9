"""Packaged JSON Schemas: Okta's wire requests validate, SCIM responses validate, mutations fail.

Every request below is one Okta sends, as ``docs/okta-reference.md`` sets out (cited "§n"); the
mutation table proves each kind of check can fail and reports the right JSON Pointer.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing import Resource
from support import OKTA_CREATE_2016

from mockscim import schemas
from mockscim.constants import ENTERPRISE_SCHEMA
from mockscim.constants import ERROR_SCHEMA
from mockscim.constants import GROUP_SCHEMA
from mockscim.constants import LIST_RESPONSE
from mockscim.constants import OKTA_CONTENT_TYPE
from mockscim.constants import OKTA_USER_AGENT
from mockscim.constants import PATCH_OP
from mockscim.constants import USER_SCHEMA
from mockscim.errors import InvalidFilter
from mockscim.errors import NotFound
from mockscim.errors import ScimError
from mockscim.errors import Uniqueness

DOC = Path(__file__).resolve().parents[2] / "docs" / "schemas.md"
DELETE = object()  # Marks a mutation that removes the member at a pointer.

# Headers as captured in 2018 (§2.2): GET has no content-type; writes carry it.
GET_HEADERS = {
    "accept": "application/scim+json",
    "accept-charset": "utf-8",
    "user-agent": OKTA_USER_AGENT,
    "authorization": "Bearer {token}",
}
BODY_HEADERS = {**GET_HEADERS, "content-type": OKTA_CONTENT_TYPE}

USER_ID = "23a35c27-23d3-4c03-b4c5-6443c09e7173"
GROUP_ID = "abf4dd94-a4c0-4f67-89c9-76b03340cb9b"
OTHER_ID = "89bb1940-b905-4575-9e7f-6f887cfb368e"


def envelope(method: str, path: str, query: dict[str, str] | None = None, body: Any = None) -> dict[str, Any]:
    """Build the request envelope the okta/* schemas validate."""
    headers = GET_HEADERS if body is None else BODY_HEADERS
    return {"method": method, "path": path, "query": query or {}, "headers": dict(headers), "body": body}


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp body as Okta sends it (§7.1, §9.3)."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


# --- Request bodies Okta sends (docs/okta-reference.md) -------------------------------------------------------

# §5.2: the documented POST /Users body.
CREATE_USER_DOC = {
    "schemas": [USER_SCHEMA],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}
CREATE_USER_2016 = OKTA_CREATE_2016  # §12.2 (S21)
# §5.2 (S12): enterprise attributes under their URN, the URN listed in schemas, title at top level.
CREATE_USER_ENTERPRISE = {
    **CREATE_USER_DOC,
    "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
    "title": "Manager",
    ENTERPRISE_SCHEMA: {"department": "Engineering"},
}
# §5.2: mapped attributes without a value are omitted (S12), leaving only what Okta always sends.
CREATE_USER_MINIMAL = {
    key: CREATE_USER_DOC[key] for key in ("schemas", "userName", "externalId", "groups", "password", "active")
}
# §6: the documented read-modify-write PUT body, echoing id and meta.
REPLACE_USER_DOC = {
    "schemas": [USER_SCHEMA],
    "id": USER_ID,
    "userName": "test.user@okta.local",
    "name": {"givenName": "Another", "middleName": "Excited", "familyName": "User"},
    "emails": [
        {"primary": True, "value": "test.user@okta.local", "type": "work", "display": "test.user@okta.local"}
    ],
    "active": True,
    "groups": [],
    "meta": {"resourceType": "User"},
}
# §7.1: the documented path-less deactivate PATCH (also the 2016 "Unassign user" step, §12.2).
DEACTIVATE_PATCH = patch_op({"op": "replace", "value": {"active": False}})
# §7.1: reactivation is UNCONFIRMED; assumed symmetric to deactivation.
REACTIVATE_PATCH = patch_op({"op": "replace", "value": {"active": True}})
# §8: password push in the PATCH dialect is UNCONFIRMED; assumed by analogy with §7.1.
PASSWORD_PATCH = patch_op({"op": "replace", "value": {"password": "n3wPassw0rd"}})
# §9.1: the documented POST /Groups body, and the 2018 form carrying members (S9).
CREATE_GROUP_DOC = {"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2", "members": []}
CREATE_GROUP_MEMBERS = {
    "schemas": [GROUP_SCHEMA],
    "displayName": "Test SCIMv2",
    "members": [{"value": USER_ID, "display": "test.user@okta.local"}],
}
# §9.3: the documented membership PATCH and its two pieces.
REMOVE_OP = {"op": "remove", "path": f'members[value eq "{OTHER_ID}"]'}
ADD_OP = {"op": "add", "path": "members", "value": [{"value": USER_ID, "display": "test.user@okta.local"}]}
MEMBERSHIP_PATCH = patch_op(REMOVE_OP, ADD_OP)
# §9.3: "Push now" full replace, on a populated and on an empty group (S16 #757).
REPLACE_MEMBERS = patch_op({"op": "replace", "path": "members", "value": ADD_OP["value"]})
REPLACE_MEMBERS_EMPTY = patch_op({"op": "replace", "path": "members", "value": []})
# §9.3 (S17 #111): the path-less form. The reproduction shows only Operations; every
# Okta-documented PATCH carries the PatchOp URN, so it is added here.
REPLACE_MEMBERS_PATHLESS = patch_op(
    {"op": "replace", "value": {"id": "org-cd1:admin", "displayName": "org-cd1:admin", "members": []}}
)
# §9.4: the documented AIW group PUT, and the observed echo with id and display: null (S17 #95).
REPLACE_GROUP_DOC = {
    "schemas": [GROUP_SCHEMA],
    "displayName": "Test SCIMv2",
    "members": [{"value": USER_ID, "display": "test.user@okta.local"}],
}
REPLACE_GROUP_ECHO = {
    "schemas": [GROUP_SCHEMA],
    "id": "fc0a8962-65c4-4402-aae5-bd2fcbe19f40",
    "displayName": "KOTestGroup Test",
    "members": [
        {"value": "e07986cd-6ce9-47f0-8ba7-c7d316311653", "display": None},
        {"value": "6c320c45-0033-4d10-bdda-3c711d720025", "display": None},
    ],
}
# §15: member objects do not always carry display; a path-less value may carry members only.
ADD_NO_DISPLAY = {"op": "add", "path": "members", "value": [{"value": USER_ID}]}
REPLACE_MEMBERS_ONLY = patch_op({"op": "replace", "value": {"members": [{"value": USER_ID}]}})
# §15: the custom-attributes create: no externalId, custom attributes under their extension URN.
CUSTOM_URN = "urn:ietf:params:scim:schemas:extension:example:2.0:User"
CREATE_USER_CUSTOM = {
    "schemas": [USER_SCHEMA, CUSTOM_URN],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    CUSTOM_URN: {"costCenter": "4711", "badgeNumber": "B-17"},
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}
# §12: the SPEC test's create body (step 6): no externalId, groups or password.
SPEC_CREATE = {
    "schemas": [USER_SCHEMA],
    "userName": "RunscopeTina.Erickson123@atko.com",
    "name": {"givenName": "RunscopeTina", "familyName": "Erickson123"},
    "emails": [{"primary": True, "value": "RunscopeTina.Erickson123@atko.com", "type": "work"}],
    "displayName": "RunscopeTina Erickson123",
    "active": True,
}
# §9.5: the documented path-less rename, also sent right after each create (§9.1, S18 #113).
RENAME_PATCH = patch_op({"op": "replace", "value": {"id": GROUP_ID, "displayName": "Test SCIMv2"}})

PAGE = {"startIndex": "1", "count": "100"}

# id, okta schema, request, scim schema for the body (None for bodiless requests).
WIRE_REQUESTS = [
    # §3: Test Connector Configuration and Save; the 2016 suite sends count first (same dict).
    (
        "s3-test-connector",
        "okta/test-connector",
        envelope("GET", "/Users", {"startIndex": "1", "count": "2"}),
        None,
    ),
    # §2.1 UNCONFIRMED: a base URL ending in "/" may yield "//Users"; tolerated.
    (
        "s2.1-double-slash",
        "okta/test-connector",
        envelope("GET", "//Users", {"startIndex": "1", "count": "2"}),
        None,
    ),
    # §3: the To-App save probe fills Okta's app-group cache.
    ("s3-to-app-groups-probe", "okta/import-groups", envelope("GET", "/Groups", PAGE), None),
    # §4: Import Now, first pages and the next ones (startIndex += 100).
    ("s4-import-users-1", "okta/import-users", envelope("GET", "/Users", PAGE), None),
    (
        "s4-import-users-101",
        "okta/import-users",
        envelope("GET", "/Users", {**PAGE, "startIndex": "101"}),
        None,
    ),
    (
        "s4-import-users-1001",
        "okta/import-users",
        envelope("GET", "/Users", {**PAGE, "startIndex": "1001"}),
        None,
    ),
    (
        "s4-import-groups-201",
        "okta/import-groups",
        envelope("GET", "/Groups", {**PAGE, "startIndex": "201"}),
        None,
    ),
    # §2.4 / §5.1: the lookup before create, decoded from %20/%22/%40 or +.
    (
        "s5.1-lookup-userName",
        "okta/user-lookup",
        envelope("GET", "/Users", {"filter": 'userName eq "test.user@okta.local"', **PAGE}),
        None,
    ),
    # §5.1 UNCONFIRMED: the attribute Okta uses when the unique id is email.
    (
        "s5.1-lookup-email",
        "okta/user-lookup",
        envelope("GET", "/Users", {"filter": 'email eq "user2@gmail.com"', **PAGE}),
        None,
    ),
    (
        "s5.1-lookup-emails",
        "okta/user-lookup",
        envelope("GET", "/Users", {"filter": 'emails eq "user2@gmail.com"', **PAGE}),
        None,
    ),
    (
        "s5.1-lookup-emails.value",
        "okta/user-lookup",
        envelope("GET", "/Users", {"filter": 'emails.value eq "user2@gmail.com"', **PAGE}),
        None,
    ),
    ("s5.2-create-user", "okta/create-user", envelope("POST", "/Users", body=CREATE_USER_DOC), "scim/User"),
    (
        "s12.2-create-user-2016",
        "okta/create-user",
        envelope("POST", "/Users", body=CREATE_USER_2016),
        "scim/User",
    ),
    (
        "s5.2-create-user-enterprise",
        "okta/create-user",
        envelope("POST", "/Users", body=CREATE_USER_ENTERPRISE),
        "scim/User",
    ),
    (
        "s5.2-create-user-unmapped-omitted",
        "okta/create-user",
        envelope("POST", "/Users", body=CREATE_USER_MINIMAL),
        "scim/User",
    ),
    ("s10.1-get-user", "okta/get-user", envelope("GET", f"/Users/{USER_ID}"), None),
    (
        "s6-replace-user",
        "okta/replace-user",
        envelope("PUT", f"/Users/{USER_ID}", body=REPLACE_USER_DOC),
        "scim/User",
    ),
    (
        "s7.1-deactivate-patch",
        "okta/deactivate-user-patch",
        envelope("PATCH", f"/Users/{USER_ID}", body=DEACTIVATE_PATCH),
        "scim/PatchOp",
    ),
    (
        "s7.1-reactivate-patch",
        "okta/reactivate-user-patch",
        envelope("PATCH", f"/Users/{USER_ID}", body=REACTIVATE_PATCH),
        "scim/PatchOp",
    ),
    (
        "s7.2-deactivate-put",
        "okta/deactivate-user-put",
        envelope("PUT", f"/Users/{USER_ID}", body={**REPLACE_USER_DOC, "active": False}),
        "scim/User",
    ),
    (
        "s7.3-reactivate-put",
        "okta/reactivate-user-put",
        envelope("PUT", f"/Users/{USER_ID}", body=REPLACE_USER_DOC),
        "scim/User",
    ),
    (
        "s8-password-patch",
        "okta/password-sync-patch",
        envelope("PATCH", f"/Users/{USER_ID}", body=PASSWORD_PATCH),
        "scim/PatchOp",
    ),
    (
        "s8-password-put",
        "okta/password-sync-put",
        envelope("PUT", f"/Users/{USER_ID}", body={**REPLACE_USER_DOC, "password": "n3wPassw0rd"}),
        "scim/User",
    ),
    (
        "s9.1-create-group",
        "okta/create-group",
        envelope("POST", "/Groups", body=CREATE_GROUP_DOC),
        "scim/Group",
    ),
    (
        "s9.1-create-group-members",
        "okta/create-group",
        envelope("POST", "/Groups", body=CREATE_GROUP_MEMBERS),
        "scim/Group",
    ),
    (
        "s9.2-group-lookup",
        "okta/group-lookup",
        envelope("GET", "/Groups", {"filter": 'displayName eq "Test SCIMv2"', **PAGE}),
        None,
    ),
    ("s9.6-get-group", "okta/get-group", envelope("GET", f"/Groups/{GROUP_ID}"), None),
    (
        "s9.3-membership-patch",
        "okta/update-members",
        envelope("PATCH", f"/Groups/{GROUP_ID}", body=MEMBERSHIP_PATCH),
        "scim/PatchOp",
    ),
    (
        "s9.3-remove-piece",
        "okta/remove-members",
        envelope("PATCH", f"/Groups/{GROUP_ID}", body=patch_op(REMOVE_OP)),
        "scim/PatchOp",
    ),
    (
        "s9.3-remove-two",
        "okta/remove-members",
        envelope(
            "PATCH",
            f"/Groups/{GROUP_ID}",
            body=patch_op(REMOVE_OP, {"op": "remove", "path": f'members[value eq "{USER_ID}"]'}),
        ),
        "scim/PatchOp",
    ),
    (
        "s9.3-add-piece",
        "okta/add-members",
        envelope("PATCH", f"/Groups/{GROUP_ID}", body=patch_op(ADD_OP)),
        "scim/PatchOp",
    ),
    (
        "s9.3-push-now",
        "okta/replace-members",
        envelope("PATCH", f"/Groups/{GROUP_ID}", body=REPLACE_MEMBERS),
        "scim/PatchOp",
    ),
    (
        "s9.3-push-now-empty",
        "okta/replace-members",
        envelope("PATCH", f"/Groups/{GROUP_ID}", body=REPLACE_MEMBERS_EMPTY),
        "scim/PatchOp",
    ),
    (
        "s9.3-push-now-pathless",
        "okta/replace-members",
        envelope("PATCH", "/Groups/org-cd1:admin", body=REPLACE_MEMBERS_PATHLESS),
        "scim/PatchOp",
    ),
    (
        "s9.4-replace-group",
        "okta/replace-group",
        envelope("PUT", f"/Groups/{GROUP_ID}", body=REPLACE_GROUP_DOC),
        "scim/Group",
    ),
    (
        "s9.4-replace-group-display-null",
        "okta/replace-group",
        envelope("PUT", "/Groups/fc0a8962-65c4-4402-aae5-bd2fcbe19f40", body=REPLACE_GROUP_ECHO),
        "scim/Group",
    ),
    (
        "s9.5-rename-group",
        "okta/rename-group",
        envelope("PATCH", f"/Groups/{GROUP_ID}", body=RENAME_PATCH),
        "scim/PatchOp",
    ),
    ("s9.7-delete-group", "okta/delete-group", envelope("DELETE", f"/Groups/{GROUP_ID}"), None),
    # §15: a member object without display (Metatavu #100), in an add and a path-less replace.
    (
        "s15-add-member-without-display",
        "okta/add-members",
        envelope("PATCH", f"/Groups/{GROUP_ID}", body=patch_op(ADD_NO_DISPLAY)),
        "scim/PatchOp",
    ),
    (
        "s15-replace-members-only",
        "okta/replace-members",
        envelope("PATCH", f"/Groups/{GROUP_ID}", body=REPLACE_MEMBERS_ONLY),
        "scim/PatchOp",
    ),
    # §15: Okta's documented custom-attributes create carries no externalId.
    (
        "s15-create-user-without-externalId",
        "okta/create-user",
        envelope("POST", "/Users", body=CREATE_USER_CUSTOM),
        "scim/User",
    ),
    # §15, §3: Import User Schema reads the resource types and the schemas.
    ("s15-import-user-schema", "okta/import-user-schema", envelope("GET", "/Schemas"), None),
    ("s15-import-resource-types", "okta/import-user-schema", envelope("GET", "/ResourceTypes"), None),
    ("s15-import-user-type", "okta/import-user-schema", envelope("GET", "/ResourceTypes/User"), None),
    ("s15-import-core-schema", "okta/import-user-schema", envelope("GET", f"/Schemas/{USER_SCHEMA}"), None),
    # §12: Okta's Runscope SPEC test suite, checked against its own shapes.
    (
        "s12-spec-test-users-endpoint",
        "okta/spec-test-list-users",
        envelope("GET", "/Users", {"count": "1", "startIndex": "1"}),
        None,
    ),
    (
        "s12-spec-test-lookup",
        "okta/spec-test-user-lookup",
        envelope("GET", "/Users", {"filter": 'userName eq "abcdefgh@atko.com"'}),
        None,
    ),
    (
        "s12-spec-test-create",
        "okta/spec-test-create-user",
        envelope("POST", "/Users", body=SPEC_CREATE),
        "scim/User",
    ),
    ("s12-spec-test-groups", "okta/spec-test-list-groups", envelope("GET", "/Groups"), None),
]
REQUESTS = {case[0]: case[2] for case in WIRE_REQUESTS}


def findings(name: str, instance: Any) -> list[tuple[str, str]]:
    """Validate and return (pointer, message) pairs, for readable assertion output."""
    return [(f.pointer, f.message) for f in schemas.validate(name, instance)]


@pytest.mark.parametrize(
    ("okta_schema", "request_envelope"),
    [pytest.param(s, r, id=i) for i, s, r, _ in WIRE_REQUESTS],
)
def test_wire_request_matches_its_okta_schema(okta_schema: str, request_envelope: dict[str, Any]) -> None:
    assert findings(okta_schema, request_envelope) == []
    assert findings("okta/envelope", request_envelope) == []


@pytest.mark.parametrize(
    ("request_envelope", "body_schema"),
    [pytest.param(r, b, id=i) for i, _, r, b in WIRE_REQUESTS if b is not None],
)
def test_wire_request_body_is_valid_scim(request_envelope: dict[str, Any], body_schema: str) -> None:
    assert findings(body_schema, request_envelope["body"]) == []


@pytest.mark.parametrize(
    "case", ["s9.3-remove-piece", "s9.3-remove-two", "s9.3-add-piece", "s9.3-push-now", "s9.3-push-now-empty"]
)
def test_single_kind_membership_patch_fits_shared_shape(case: str) -> None:
    # add-/remove-/replace-members are single-kind cases of okta/update-members (§9.3).
    assert findings("okta/update-members", REQUESTS[case]) == []


@pytest.mark.parametrize(
    ("case", "other_schema"),
    [
        ("s3-test-connector", "okta/import-users"),  # count=2 vs count=100 (§3, §4)
        ("s4-import-users-1", "okta/test-connector"),
        ("s4-import-users-1", "okta/user-lookup"),  # no filter on an import page
        ("s7.1-deactivate-patch", "okta/reactivate-user-patch"),
        ("s7.1-reactivate-patch", "okta/deactivate-user-patch"),
        ("s7.2-deactivate-put", "okta/reactivate-user-put"),
        ("s6-replace-user", "okta/password-sync-put"),  # no password in the body
        ("s9.3-membership-patch", "okta/add-members"),  # a mix is not a single-kind patch
        ("s9.3-membership-patch", "okta/remove-members"),
        ("s9.5-rename-group", "okta/replace-members"),  # rename carries no members
        ("s9.3-push-now-pathless", "okta/rename-group"),
        ("s10.1-get-user", "okta/get-group"),
        # The SPEC test's shapes are its own, not the provisioning engine's (§12, §15).
        ("s12-spec-test-create", "okta/create-user"),
        ("s12-spec-test-users-endpoint", "okta/import-users"),
        ("s12-spec-test-users-endpoint", "okta/test-connector"),
        ("s12-spec-test-lookup", "okta/user-lookup"),
        ("s5.1-lookup-userName", "okta/spec-test-user-lookup"),
        ("s3-to-app-groups-probe", "okta/spec-test-list-groups"),
    ],
)
def test_request_does_not_match_a_neighbouring_operation(case: str, other_schema: str) -> None:
    assert findings(other_schema, REQUESTS[case]) != []


# --- Responses -----------------------------------------------------------------------------------

USER_RESPONSE = {
    **{k: v for k, v in CREATE_USER_DOC.items() if k != "password"},
    "id": USER_ID,
    "meta": {
        "resourceType": "User",
        "created": "2024-05-13T10:00:00.000Z",
        "lastModified": "2024-05-13T10:00:00Z",
        "location": f"https://example.test/scim/v2/Users/{USER_ID}",
        "version": 'W/"1"',
    },
}
GROUP_RESPONSE = {
    "schemas": [GROUP_SCHEMA],
    "id": GROUP_ID,
    "displayName": "Test SCIMv2",
    "members": [{"value": USER_ID, "display": "test.user@okta.local"}],
    "meta": {"resourceType": "Group"},
}
EMPTY_LIST = {
    "schemas": [LIST_RESPONSE],
    "totalResults": 0,
    "startIndex": 1,
    "itemsPerPage": 0,
    "Resources": [],
}
USER_LIST = {
    "schemas": [LIST_RESPONSE],
    "totalResults": 1,
    "startIndex": 1,
    "itemsPerPage": 1,
    "Resources": [USER_RESPONSE],
}
ERROR_409_STRING = {"schemas": [ERROR_SCHEMA], "status": "409", "scimType": "uniqueness", "detail": "taken"}
ERROR_409_INT = {"schemas": [ERROR_SCHEMA], "detail": "User already exists in the database.", "status": 409}
SPC = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "patch": {"supported": True},
    "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
    "filter": {"supported": True, "maxResults": 200},
    "changePassword": {"supported": True},
    "sort": {"supported": False},
    "etag": {"supported": False},
    "authenticationSchemes": [{"type": "httpbasic", "name": "HTTP Basic", "description": "Basic"}],
}
RESOURCE_TYPE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    "id": "User",
    "name": "User",
    "endpoint": "/Users",
    "schema": USER_SCHEMA,
    "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": False}],
}
SCHEMA_DOC = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    "id": GROUP_SCHEMA,
    "name": "Group",
    "attributes": [
        {"name": "displayName", "type": "string", "multiValued": False, "required": True},
        {
            "name": "members",
            "type": "complex",
            "multiValued": True,
            "subAttributes": [{"name": "value", "type": "string"}],
        },
    ],
}
SEARCH = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
    "filter": 'userName eq "a"',
    "count": 10,
}

# A custom extension object under its URN (RFC 7643 §3.3; Okta custom mappings, §5.2).
ACME = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
USER_CUSTOM_EXTENSION = {**USER_RESPONSE, "schemas": [USER_SCHEMA, ACME], ACME: {"badge": "42"}}

RESPONSES = {
    "user": ("scim/User", USER_RESPONSE),
    "user-custom-extension": ("scim/User", USER_CUSTOM_EXTENSION),
    "group": ("scim/Group", GROUP_RESPONSE),
    "empty-list": ("scim/ListResponse", EMPTY_LIST),
    "user-list": ("scim/ListResponse", USER_LIST),
    "error-status-string": ("scim/Error", ERROR_409_STRING),
    "error-status-integer": ("scim/Error", ERROR_409_INT),
    "service-provider-config": ("scim/ServiceProviderConfig", SPC),
    "resource-type": ("scim/ResourceType", RESOURCE_TYPE),
    "schema": ("scim/Schema", SCHEMA_DOC),
    "search-request": ("scim/SearchRequest", SEARCH),
}


@pytest.mark.parametrize(("schema_name", "document"), [pytest.param(*v, id=k) for k, v in RESPONSES.items()])
def test_scim_document_is_valid(schema_name: str, document: dict[str, Any]) -> None:
    assert findings(schema_name, document) == []


@pytest.mark.parametrize(
    "error",
    [Uniqueness("userName taken"), NotFound("no such user"), InvalidFilter("bad filter")],
    ids=lambda e: type(e).__name__,
)
def test_server_error_body_is_valid_scim(error: ScimError) -> None:
    # The server's own renderer (errors.ScimError.to_dict) must produce a valid RFC 7644 §3.12 body.
    assert findings("scim/Error", error.to_dict()) == []


# --- Mutations: each check can fail, at the expected pointer ---------------------------------------


def mutated(document: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of ``document`` with each JSON Pointer set to a value (or DELETEd)."""
    out = copy.deepcopy(document)
    for pointer, value in edits.items():
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        target: Any = out
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list) and int(last) == len(target):
            target.append(value)
        elif isinstance(target, list):
            target[int(last)] = value
        elif value is DELETE:
            del target[last]
        else:
            target[last] = value
    return out


# id, schema, base document, edits, expected pointer, expected message fragment.
# fmt: off
OKTA_MUTATIONS = [
    ("deactivate-active-as-string", "okta/deactivate-user-patch", "s7.1-deactivate-patch",
     {"/body/Operations/0/value/active": "false"}, "/body/Operations/0/value/active", "boolean"),
    ("deactivate-with-path", "okta/deactivate-user-patch", "s7.1-deactivate-patch",
     {"/body/Operations/0/path": "active"}, "/body/Operations/0/path", ""),
    ("deactivate-two-ops", "okta/deactivate-user-patch", "s7.1-deactivate-patch",
     {"/body/Operations/1": {"op": "replace", "value": {"active": False}}}, "/body/Operations", ""),
    ("deactivate-op-capitalised", "okta/deactivate-user-patch", "s7.1-deactivate-patch",
     {"/body/Operations/0/op": "Replace"}, "/body/Operations/0/op", "replace"),
    ("deactivate-extra-value-key", "okta/deactivate-user-patch", "s7.1-deactivate-patch",
     {"/body/Operations/0/value/userName": "x"}, "/body/Operations/0/value", "userName"),
    ("deactivate-schemas-extra-urn", "okta/deactivate-user-patch", "s7.1-deactivate-patch",
     {"/body/schemas": [PATCH_OP, USER_SCHEMA]}, "/body/schemas", ""),
    ("reactivate-active-false", "okta/reactivate-user-patch", "s7.1-reactivate-patch",
     {"/body/Operations/0/value/active": False}, "/body/Operations/0/value/active", ""),
    ("password-patch-empty", "okta/password-sync-patch", "s8-password-patch",
     {"/body/Operations/0/value/password": ""}, "/body/Operations/0/value/password", ""),
    ("create-without-userName", "okta/create-user", "s5.2-create-user",
     {"/body/userName": DELETE}, "/body", "userName"),
    ("create-without-password", "okta/create-user", "s5.2-create-user",
     {"/body/password": DELETE}, "/body", "password"),
    ("create-with-groups", "okta/create-user", "s5.2-create-user",
     {"/body/groups": [{"value": GROUP_ID}]}, "/body/groups", ""),
    ("create-externalId-not-okta", "okta/create-user", "s5.2-create-user",
     {"/body/externalId": "abc"}, "/body/externalId", ""),
    ("create-with-id", "okta/create-user", "s5.2-create-user",
     {"/body/id": USER_ID}, "/body/id", ""),
    ("create-inactive", "okta/create-user", "s5.2-create-user",
     {"/body/active": False}, "/body/active", ""),
    ("create-emails-as-string", "okta/create-user", "s5.2-create-user",
     {"/body/emails": "test.user@okta.local"}, "/body/emails", "array"),
    ("create-schemas-without-core", "okta/create-user", "s5.2-create-user",
     {"/body/schemas": [ENTERPRISE_SCHEMA]}, "/body/schemas", ""),
    ("create-unknown-attribute", "okta/create-user", "s5.2-create-user",
     {"/body/foo": "bar"}, "/body", "foo"),
    ("create-wrong-method", "okta/create-user", "s5.2-create-user",
     {"/method": "PUT"}, "/method", ""),
    ("create-with-query", "okta/create-user", "s5.2-create-user",
     {"/query": {"attributes": "id"}}, "/query", "attributes"),
    ("replace-user-without-id", "okta/replace-user", "s6-replace-user",
     {"/body/id": DELETE}, "/body", "'id'"),
    ("replace-user-wrong-path", "okta/replace-user", "s6-replace-user",
     {"/path": "/Users"}, "/path", ""),
    ("deactivate-put-still-active", "okta/deactivate-user-put", "s7.2-deactivate-put",
     {"/body/active": True}, "/body/active", ""),
    ("password-put-without-password", "okta/password-sync-put", "s8-password-put",
     {"/body/password": DELETE}, "/body", "password"),
    ("connector-count-abc", "okta/test-connector", "s3-test-connector",
     {"/query/count": "abc"}, "/query/count", ""),
    ("connector-count-100", "okta/test-connector", "s3-test-connector",
     {"/query/count": "100"}, "/query/count", ""),
    ("connector-with-body", "okta/test-connector", "s3-test-connector",
     {"/body": {}}, "/body", ""),
    ("import-count-abc", "okta/import-users", "s4-import-users-1",
     {"/query/count": "abc"}, "/query/count", ""),
    ("import-startIndex-51", "okta/import-users", "s4-import-users-1",
     {"/query/startIndex": "51"}, "/query/startIndex", ""),
    ("import-startIndex-missing", "okta/import-users", "s4-import-users-1",
     {"/query/startIndex": DELETE}, "/query", "startIndex"),
    ("import-with-attributes", "okta/import-users", "s4-import-users-1",
     {"/query/attributes": "userName"}, "/query", "attributes"),
    ("import-groups-on-users", "okta/import-groups", "s3-to-app-groups-probe",
     {"/path": "/Users"}, "/path", ""),
    ("lookup-operator-co", "okta/user-lookup", "s5.1-lookup-userName",
     {"/query/filter": 'userName co "test"'}, "/query/filter", ""),
    ("lookup-unquoted-value", "okta/user-lookup", "s5.1-lookup-userName",
     {"/query/filter": "userName eq test.user@okta.local"}, "/query/filter", ""),
    ("lookup-count-2", "okta/user-lookup", "s5.1-lookup-userName",
     {"/query/count": "2"}, "/query/count", ""),
    ("group-lookup-lowercase-attr", "okta/group-lookup", "s9.2-group-lookup",
     {"/query/filter": 'displayname eq "Test SCIMv2"'}, "/query/filter", ""),
    ("get-user-nested-path", "okta/get-user", "s10.1-get-user",
     {"/path": f"/Users/{USER_ID}/x"}, "/path", ""),
    ("get-user-empty-id", "okta/get-user", "s10.1-get-user",
     {"/path": "/Users/"}, "/path", ""),
    ("get-user-with-attributes", "okta/get-user", "s10.1-get-user",
     {"/query/attributes": "userName"}, "/query", "attributes"),
    ("get-group-excludes-other", "okta/get-group", "s9.6-get-group",
     {"/query/excludedAttributes": "displayName"}, "/query/excludedAttributes", ""),
    ("create-group-without-members", "okta/create-group", "s9.1-create-group",
     {"/body/members": DELETE}, "/body", "members"),
    ("create-group-member-with-type", "okta/create-group", "s9.1-create-group-members",
     {"/body/members/0/type": "User"}, "/body/members/0", "type"),
    ("create-group-no-display-name", "okta/create-group", "s9.1-create-group",
     {"/body/displayName": DELETE}, "/body", "displayName"),
    ("replace-group-display-number", "okta/replace-group", "s9.4-replace-group",
     {"/body/members/0/display": 5}, "/body/members/0/display", ""),
    ("replace-group-without-members", "okta/replace-group", "s9.4-replace-group",
     {"/body/members": DELETE}, "/body", "members"),
    ("remove-unquoted-id", "okta/remove-members", "s9.3-remove-piece",
     {"/body/Operations/0/path": "members[value eq 89bb]"}, "/body/Operations/0/path", ""),
    ("remove-equals-sign", "okta/remove-members", "s9.3-remove-piece",
     {"/body/Operations/0/path": 'members[value="x"]'}, "/body/Operations/0/path", ""),
    ("remove-with-value", "okta/remove-members", "s9.3-remove-piece",
     {"/body/Operations/0/value": [{"value": OTHER_ID}]}, "/body/Operations/0", "value"),
    ("add-member-with-ref", "okta/add-members", "s9.3-add-piece",
     {"/body/Operations/0/value/0/$ref": f"https://x/Users/{USER_ID}"}, "/body/Operations/0/value/0", "$ref"),
    ("add-empty-value", "okta/add-members", "s9.3-add-piece",
     {"/body/Operations/0/value": []}, "/body/Operations/0/value", ""),
    ("add-path-not-members", "okta/add-members", "s9.3-add-piece",
     {"/body/Operations/0/path": "emails"}, "/body/Operations/0/path", ""),
    ("add-member-with-type", "okta/add-members", "s9.3-add-piece",
     {"/body/Operations/0/value/0/type": "User"}, "/body/Operations/0/value/0", "type"),
    ("spec-test-list-count-100", "okta/spec-test-list-users", "s12-spec-test-users-endpoint",
     {"/query/count": "100"}, "/query/count", ""),
    ("spec-test-lookup-email", "okta/spec-test-user-lookup", "s12-spec-test-lookup",
     {"/query/filter": 'email eq "abcdefgh@atko.com"'}, "/query/filter", ""),
    ("spec-test-create-without-name", "okta/spec-test-create-user", "s12-spec-test-create",
     {"/body/name": DELETE}, "/body", "name"),
    ("spec-test-groups-paged", "okta/spec-test-list-groups", "s12-spec-test-groups",
     {"/query": PAGE}, "/query", "startIndex"),
    ("import-schema-by-post", "okta/import-user-schema", "s15-import-user-schema",
     {"/method": "POST"}, "/method", ""),
    ("import-schema-other-path", "okta/import-user-schema", "s15-import-user-schema",
     {"/path": "/ServiceProviderConfig"}, "/path", ""),
    ("replace-members-value-object", "okta/replace-members", "s9.3-push-now",
     {"/body/Operations/0/value": {"value": USER_ID}}, "/body/Operations/0/value", "array"),
    ("replace-members-pathless-no-members", "okta/replace-members", "s9.3-push-now-pathless",
     {"/body/Operations/0/value/members": DELETE}, "/body/Operations/0/value", "members"),
    ("update-members-two-adds", "okta/update-members", "s9.3-membership-patch",
     {"/body/Operations/0": ADD_OP}, "/body/Operations", ""),
    ("update-members-unknown-op", "okta/update-members", "s9.3-membership-patch",
     {"/body/Operations/0/op": "move"}, "/body/Operations/0/op", ""),
    ("rename-without-displayName", "okta/rename-group", "s9.5-rename-group",
     {"/body/Operations/0/value/displayName": DELETE}, "/body/Operations/0/value", "displayName"),
    ("delete-group-with-body", "okta/delete-group", "s9.7-delete-group",
     {"/body": {"id": GROUP_ID}}, "/body", ""),
    ("envelope-uppercase-header", "okta/get-user", "s10.1-get-user",
     {"/headers/User-Agent": OKTA_USER_AGENT}, "/headers", ""),
    ("envelope-query-number", "okta/import-users", "s4-import-users-1",
     {"/query/count": 100}, "/query/count", ""),
]
SCIM_MUTATIONS = [
    ("list-totalResults-string", "scim/ListResponse", EMPTY_LIST,
     {"/totalResults": "0"}, "/totalResults", "integer"),
    ("list-startIndex-string", "scim/ListResponse", EMPTY_LIST,
     {"/startIndex": "1"}, "/startIndex", "integer"),
    ("list-lowercase-resources", "scim/ListResponse", EMPTY_LIST,
     {"/resources": [], "/Resources": DELETE}, "", "resources"),
    ("list-results-without-resources", "scim/ListResponse", USER_LIST,
     {"/Resources": DELETE}, "", "Resources"),
    ("list-resource-without-id", "scim/ListResponse", USER_LIST,
     {"/Resources/0": {"userName": "x"}}, "/Resources/0", "id"),
    ("list-wrong-urn", "scim/ListResponse", EMPTY_LIST,
     {"/schemas": [ERROR_SCHEMA]}, "/schemas", ""),
    ("error-status-word", "scim/Error", ERROR_409_STRING,
     {"/status": "conflict"}, "/status", ""),
    ("error-status-2xx", "scim/Error", ERROR_409_INT,
     {"/status": 200}, "/status", ""),
    ("error-unknown-scimType", "scim/Error", ERROR_409_STRING,
     {"/scimType": "duplicate"}, "/scimType", ""),
    ("error-without-status", "scim/Error", ERROR_409_STRING,
     {"/status": DELETE}, "", "status"),
    ("user-unknown-attribute", "scim/User", USER_RESPONSE,
     {"/foo": "bar"}, "", "foo"),
    ("user-wrong-case-attribute", "scim/User", USER_RESPONSE,
     {"/username": "x"}, "", "username"),
    ("user-active-string", "scim/User", USER_RESPONSE,
     {"/active": "true"}, "/active", "boolean"),
    ("user-empty-userName", "scim/User", USER_RESPONSE,
     {"/userName": ""}, "/userName", ""),
    ("user-two-primary-emails", "scim/User", USER_RESPONSE,
     {"/emails/1": {"value": "b@x.test", "primary": True}}, "/emails", ""),
    ("user-email-unknown-subattr", "scim/User", USER_RESPONSE,
     {"/emails/0/label": "work"}, "/emails/0", "label"),
    ("user-name-not-object", "scim/User", USER_RESPONSE,
     {"/name": "Test User"}, "/name", ""),
    ("user-enterprise-not-declared", "scim/User", USER_RESPONSE,
     {f"/{ENTERPRISE_SCHEMA}": {"department": "R&D"}}, "/schemas", ""),
    ("user-enterprise-unknown-attr", "scim/User", CREATE_USER_ENTERPRISE,
     {f"/{ENTERPRISE_SCHEMA}/team": "x"}, f"/{ENTERPRISE_SCHEMA.replace('/', '~1')}", "team"),
    ("user-meta-created-not-datetime", "scim/User", USER_RESPONSE,
     {"/meta/created": "yesterday"}, "/meta/created", ""),
    ("user-meta-unknown-key", "scim/User", USER_RESPONSE,
     {"/meta/etag": "x"}, "/meta", "etag"),
    ("user-id-empty", "scim/User", USER_RESPONSE,
     {"/id": ""}, "/id", ""),
    ("user-schemas-empty", "scim/User", USER_RESPONSE,
     {"/schemas": []}, "/schemas", ""),
    ("user-schemas-duplicate", "scim/User", USER_RESPONSE,
     {"/schemas": [USER_SCHEMA, USER_SCHEMA]}, "/schemas", ""),
    ("group-member-without-value", "scim/Group", GROUP_RESPONSE,
     {"/members/0": {"display": "x"}}, "/members/0", "value"),
    ("group-empty-displayName", "scim/Group", GROUP_RESPONSE,
     {"/displayName": ""}, "/displayName", ""),
    ("group-members-object", "scim/Group", GROUP_RESPONSE,
     {"/members": {"value": USER_ID}}, "/members", ""),
    ("patch-no-operations", "scim/PatchOp", DEACTIVATE_PATCH,
     {"/Operations": []}, "/Operations", ""),
    ("patch-unknown-op", "scim/PatchOp", DEACTIVATE_PATCH,
     {"/Operations/0/op": "merge"}, "/Operations/0/op", ""),
    ("patch-remove-without-path", "scim/PatchOp", patch_op(REMOVE_OP),
     {"/Operations/0/path": DELETE}, "/Operations/0", "path"),
    ("patch-add-without-value", "scim/PatchOp", patch_op(ADD_OP),
     {"/Operations/0/value": DELETE}, "/Operations/0", "value"),
    ("patch-pathless-value-scalar", "scim/PatchOp", DEACTIVATE_PATCH,
     {"/Operations/0/value": False}, "/Operations/0/value", "object"),
    ("patch-path-bad-filter", "scim/PatchOp", patch_op(REMOVE_OP),
     {"/Operations/0/path": 'members[value="x"]'}, "/Operations/0/path", ""),
    ("patch-path-space", "scim/PatchOp", patch_op(REMOVE_OP),
     {"/Operations/0/path": "display name"}, "/Operations/0/path", ""),
    ("patch-lowercase-operations", "scim/PatchOp", DEACTIVATE_PATCH,
     {"/operations": [], "/Operations": DELETE}, "", "operations"),
    ("spc-supported-string", "scim/ServiceProviderConfig", SPC,
     {"/patch/supported": "true"}, "/patch/supported", "boolean"),
    ("spc-bulk-without-limits", "scim/ServiceProviderConfig", SPC,
     {"/bulk": {"supported": False}}, "/bulk", "maxOperations"),
    ("spc-filter-unknown-key", "scim/ServiceProviderConfig", SPC,
     {"/filter/maxFilters": 3}, "/filter", "maxFilters"),
    ("spc-auth-without-description", "scim/ServiceProviderConfig", SPC,
     {"/authenticationSchemes/0/description": DELETE}, "/authenticationSchemes/0", "description"),
    ("resource-type-relative-endpoint", "scim/ResourceType", RESOURCE_TYPE,
     {"/endpoint": "Users"}, "/endpoint", ""),
    ("resource-type-extension-required-string", "scim/ResourceType", RESOURCE_TYPE,
     {"/schemaExtensions/0/required": "false"}, "/schemaExtensions/0/required", ""),
    ("schema-unknown-type", "scim/Schema", SCHEMA_DOC,
     {"/attributes/0/type": "text"}, "/attributes/0/type", ""),
    ("schema-nested-bad-mutability", "scim/Schema", SCHEMA_DOC,
     {"/attributes/1/subAttributes/0/mutability": "writeable"},
     "/attributes/1/subAttributes/0/mutability", ""),
    ("search-bad-sortOrder", "scim/SearchRequest", SEARCH,
     {"/sortOrder": "up"}, "/sortOrder", ""),
    ("search-count-string", "scim/SearchRequest", SEARCH,
     {"/count": "10"}, "/count", ""),
]
# fmt: on


@pytest.mark.parametrize(
    ("schema_name", "base", "edits", "pointer", "fragment"),
    [pytest.param(s, b, e, p, f, id=i) for i, s, b, e, p, f in OKTA_MUTATIONS],
)
def test_okta_mutation_is_reported_at_pointer(
    schema_name: str, base: str, edits: dict[str, Any], pointer: str, fragment: str
) -> None:
    instance = mutated(REQUESTS[base], edits)
    assert findings(schema_name, REQUESTS[base]) == []  # the unmutated request is clean
    reported = findings(schema_name, instance)
    assert any(p == pointer and fragment in m for p, m in reported), reported


@pytest.mark.parametrize(
    ("schema_name", "base", "edits", "pointer", "fragment"),
    [pytest.param(s, b, e, p, f, id=i) for i, s, b, e, p, f in SCIM_MUTATIONS],
)
def test_scim_mutation_is_reported_at_pointer(
    schema_name: str, base: dict[str, Any], edits: dict[str, Any], pointer: str, fragment: str
) -> None:
    assert findings(schema_name, base) == []
    reported = findings(schema_name, mutated(base, edits))
    assert any(p == pointer and fragment in m for p, m in reported), reported


@pytest.mark.parametrize("op", ["Replace", "REPLACE", "rEpLaCe"])
def test_op_case_is_valid_scim_but_not_okta_shape(op: str) -> None:
    # RFC 7644 practice accepts any case; Okta always sends lowercase (§11).
    request = mutated(REQUESTS["s7.1-deactivate-patch"], {"/body/Operations/0/op": op})
    assert findings("scim/PatchOp", request["body"]) == []
    assert ("/body/Operations/0/op", "'replace' was expected") in findings(
        "okta/deactivate-user-patch", request
    )


@pytest.mark.parametrize(
    "path",
    [
        "members",
        'members[value eq "x"]',
        'members[value eq "x"].display',
        "name.givenName",
        'emails[type eq "work" and primary eq true].value',
        "emails[value pr]",
        f"{ENTERPRISE_SCHEMA}:department",
        f"{ENTERPRISE_SCHEMA}:manager.value",
        "members[value eq 89bb]",  # not Okta's shape, but SCIM-parsable enough for the RFC schema
    ],
)
def test_scim_patch_path_grammar_accepts(path: str) -> None:
    assert findings("scim/PatchOp", patch_op({"op": "remove", "path": path})) == []


# --- The catalog itself --------------------------------------------------------------------------

# Keywords of draft 2020-12 (core, applicator, validation, unevaluated, meta-data, format).
KNOWN_KEYWORDS = set(Draft202012Validator.VALIDATORS) | {
    "$schema", "$id", "$defs", "$comment", "$anchor", "$dynamicAnchor", "$vocabulary",
    "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
    "then", "else", "minContains", "maxContains",
}  # fmt: skip
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMAS = (
    "items", "contains", "not", "if", "then", "else", "additionalProperties",
    "unevaluatedProperties", "unevaluatedItems", "propertyNames",
)  # fmt: skip


def subschemas(schema: Any) -> Iterator[dict[str, Any]]:
    """Yield ``schema`` and every nested schema, walking keywords only (never property names)."""
    if not isinstance(schema, dict):
        return
    yield schema
    for key, value in schema.items():
        if key in SUBSCHEMA_MAPS:
            for sub in value.values():
                yield from subschemas(sub)
        elif key in SUBSCHEMA_LISTS:
            for sub in value:
                yield from subschemas(sub)
        elif key in SUBSCHEMAS:
            yield from subschemas(value)


@pytest.fixture(scope="module")
def registry() -> Registry:
    """Every packaged schema registered under the URI the loader uses."""
    return Registry().with_resources(
        (f"{schemas.BASE_URI}{name}.json", Resource.from_contents(schemas.load(name)))
        for name in schemas.names()
    )


@pytest.fixture(scope="module")
def catalog_doc() -> str:
    """The text of docs/schemas.md."""
    return DOC.read_text(encoding="utf-8")


def test_catalog_holds_every_family_and_operation() -> None:
    expected = {
        "scim/User", "scim/Group", "scim/ListResponse", "scim/Error", "scim/PatchOp",
        "scim/ServiceProviderConfig", "scim/ResourceType", "scim/Schema",
        "okta/test-connector", "okta/import-users", "okta/import-groups", "okta/user-lookup",
        "okta/create-user", "okta/get-user", "okta/replace-user", "okta/deactivate-user-patch",
        "okta/reactivate-user-patch", "okta/deactivate-user-put", "okta/reactivate-user-put",
        "okta/password-sync-patch", "okta/password-sync-put", "okta/create-group", "okta/group-lookup",
        "okta/get-group", "okta/replace-group", "okta/add-members", "okta/remove-members",
        "okta/replace-members", "okta/rename-group", "okta/delete-group", "okta/import-user-schema",
        "okta/spec-test-list-users", "okta/spec-test-user-lookup", "okta/spec-test-create-user",
        "okta/spec-test-list-groups",
    }  # fmt: skip
    assert expected <= set(schemas.names())


@pytest.mark.parametrize("name", schemas.names())
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(schemas.load(name))


@pytest.mark.parametrize("name", schemas.names())
def test_schema_has_id_title_and_cited_one_sentence_description(name: str) -> None:
    doc = schemas.load(name)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"{schemas.BASE_URI}{name}.json"
    assert doc["title"].strip()
    description = doc["description"]
    assert description.endswith(".")
    citation = "docs/okta-reference.md §" if name.startswith("okta/") else "RFC 764"
    assert citation in description
    assert not re.search(r"[.!?]\s+[A-Z]", description), "description must be one sentence"


@pytest.mark.parametrize("name", schemas.names())
def test_schema_uses_only_known_keywords(name: str) -> None:
    # A misspelt keyword ("minContain") is silently ignored by validators: a check that can't fail.
    unknown = {key for sub in subschemas(schemas.load(name)) for key in sub} - KNOWN_KEYWORDS
    assert unknown == set()


@pytest.mark.parametrize("name", schemas.names())
def test_every_ref_resolves(name: str, registry: Registry) -> None:
    doc = schemas.load(name)
    resolver = registry.resolver(base_uri=doc["$id"])
    refs = [sub["$ref"] for sub in subschemas(doc) if isinstance(sub.get("$ref"), str)]
    for ref in refs:
        assert resolver.lookup(ref).contents is not None, ref
    # Validating forces the loader's own registry through the top-level references too.
    schemas.validate(name, {})


@pytest.mark.parametrize("name", schemas.names())
def test_doc_lists_schema(name: str, catalog_doc: str) -> None:
    assert f"`{name}`" in catalog_doc


# --- Agreement with the running server -------------------------------------------------------------


@pytest.fixture
def created_user(scim: Any) -> dict[str, Any]:
    """A user created through the server from Okta's captured body (§12.2)."""
    response = scim.post("/Users", CREATE_USER_2016)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def created_group(scim: Any, created_user: dict[str, Any]) -> dict[str, Any]:
    """A group holding ``created_user``, created from Okta's POST /Groups shape (§9.1)."""
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": "okta-lab-users",
        "members": [{"value": created_user["id"], "display": created_user["userName"]}],
    }
    response = scim.post("/Groups", body)
    assert response.status_code == 201, response.text
    return response.json()


def test_server_user_responses_are_valid_scim(scim: Any, created_user: dict[str, Any]) -> None:
    assert findings("scim/User", created_user) == []
    assert findings("scim/User", scim.get(f"/Users/{created_user['id']}").json()) == []
    assert findings("scim/ListResponse", scim.get("/Users?startIndex=1&count=2").json()) == []
    assert findings("scim/Error", scim.get("/Users/010101001010101011001010101011").json()) == []


@pytest.mark.parametrize(
    ("path", "schema_name"),
    [
        ("/ServiceProviderConfig", "scim/ServiceProviderConfig"),
        ("/ResourceTypes", "scim/ResourceType"),
        ("/Schemas", "scim/Schema"),
    ],
)
def test_server_discovery_documents_are_valid_scim(scim: Any, path: str, schema_name: str) -> None:
    body = scim.get(path).json()
    if schema_name == "scim/ServiceProviderConfig":
        assert findings(schema_name, body) == []
        return
    assert findings("scim/ListResponse", body) == []
    for resource in body["Resources"]:
        assert findings(schema_name, resource) == []


def test_read_modify_write_user_put_fits_okta_schemas(scim: Any, created_user: dict[str, Any]) -> None:
    # AIW: GET, change the profile or active, PUT everything back (§6, §7.2).
    current = scim.get(f"/Users/{created_user['id']}").json()
    path = f"/Users/{current['id']}"
    assert findings("okta/replace-user", envelope("PUT", path, body=current)) == []
    assert (
        findings("okta/deactivate-user-put", envelope("PUT", path, body={**current, "active": False})) == []
    )


def test_read_modify_write_group_put_fits_okta_schema(scim: Any, created_group: dict[str, Any]) -> None:
    # AIW: GET /Groups/{id}, then PUT the complete members list (§9.4).
    current = scim.get(f"/Groups/{created_group['id']}").json()
    assert findings("scim/Group", current) == []
    request = envelope("PUT", f"/Groups/{current['id']}", body=current)
    assert findings("okta/replace-group", request) == []
