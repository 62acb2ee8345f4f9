"""Bad input over HTTP always gets a SCIM Error body with the right status and scimType."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mockscim.constants import PATCH_OP
from mockscim.server import create_app
from mockscim.server.serving import start_background

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_scim_error(response, status: int, scim_type: str | None = None) -> dict:
    """The response is an RFC 7644 §3.12 error with this status (string) and scimType."""
    body = response.json()
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/scim+json")
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"] and "Traceback" not in body["detail"]
    return body


@pytest.mark.parametrize(
    ("method", "path", "data", "headers", "status", "scim_type"),
    [
        ("POST", "/Users", "{bad json", {}, 400, "invalidSyntax"),
        ("POST", "/Users", "", {}, 400, "invalidSyntax"),
        ("POST", "/Users", "NaN", {}, 400, "invalidSyntax"),
        ("POST", "/Users", "[" * 100_000 + "]" * 100_000, {}, 400, "invalidSyntax"),
        ("POST", "/Users", b"\xff\xfe\x00garbage", {}, 400, "invalidSyntax"),
        ("POST", "/Users", "[]", {}, 400, "invalidValue"),
        ("POST", "/Users", '{"userName": "a", "active": "false"}', {}, 400, "invalidValue"),
        ("POST", "/Users", '{"userName": "a", "nosuch": 1}', {}, 400, "invalidValue"),
        ("POST", "/Users", '{"userName": "a"}', {"Content-Type": "text/plain"}, 415, None),
        ("POST", "/Users", '{"userName": "a"}', {"Content-Type": "application/xml"}, 415, None),
        ("GET", "/Users?filter=userName%20eq", None, {}, 400, "invalidFilter"),
        ("GET", "/Users?filter=nosuch%20eq%20%22x%22", None, {}, 400, "invalidFilter"),
        ("GET", "/Users?filter=(userName%20eq%20%22x%22", None, {}, 400, "invalidFilter"),
        ("GET", "/Users?count=abc", None, {}, 400, "invalidValue"),
        ("GET", "/Users?startIndex=x", None, {}, 400, "invalidValue"),
        ("GET", "/Users?sortBy=nosuch", None, {}, 400, "invalidFilter"),
        ("GET", "/Users?attributes=nosuch", None, {}, 400, "invalidValue"),
        ("GET", "/Users/does-not-exist", None, {}, 404, None),
        ("PUT", "/Users/does-not-exist", '{"userName": "a"}', {}, 404, None),
        (
            "PATCH",
            "/Groups/does-not-exist",
            f'{{"schemas": ["{PATCH_OP}"], "Operations": [{{"op": "remove", "path": "members"}}]}}',
            {},
            404,
            None,
        ),
        ("DELETE", "/Groups/does-not-exist", None, {}, 404, None),
        ("GET", "/NoSuchThing", None, {}, 404, None),
        ("GET", "/../../etc/passwd", None, {}, 404, None),
        ("DELETE", "/Users", None, {}, 405, None),
        ("PUT", "/ServiceProviderConfig", "{}", {}, 405, None),
        ("GET", "/Me", None, {}, 501, None),
        ("POST", "/Bulk", "{}", {}, 501, None),
        ("GET", "/ResourceTypes/Nope", None, {}, 404, None),
        ("GET", "/Schemas/urn:nope", None, {}, 404, None),
        (
            "POST",
            "/.search",
            '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "nosuch pr"}',
            {},
            400,
            "invalidFilter",
        ),
        (
            "POST",
            "/Users/.search",
            '{"schemas": ["x"]}',
            {"Content-Type": "application/json"},
            400,
            "invalidValue",
        ),
    ],
)
def test_bad_requests_get_scim_errors(scim, method, path, data, headers, status, scim_type):
    headers = {"Content-Type": "application/scim+json; charset=utf-8", **headers}
    response = scim.request(method, path, data=data, headers=headers)
    assert_scim_error(response, status, scim_type)


def test_method_not_allowed_keeps_allow_header(scim):
    response = scim.delete("/Users")
    assert_scim_error(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.fixture
def small_server(settings):
    """A server whose body limit is 200 bytes."""
    running = start_background(create_app(replace(settings, max_body_bytes=200)))
    yield running
    running.stop()


def test_oversized_body_gets_413_and_stores_nothing(small_server, scim_for):
    client = scim_for(small_server)
    body = _user("big@okta.local") | {"displayName": "x" * 500}
    assert_scim_error(client.post("/Users", body), 413)
    assert client.get("/Users").json()["totalResults"] == 0
    assert client.post("/Users", _user("small@okta.local")).status_code == 201


@pytest.mark.parametrize(
    ("op", "scim_type"),
    [
        ({"op": "replace", "value": {"active": "false"}}, "invalidValue"),
        ({"op": "remove"}, "noTarget"),
        ({"op": "replace", "path": "members[value eq 89bb]", "value": []}, "invalidPath"),
        ({"op": "replace", "path": "id", "value": "x"}, "mutability"),
        ({"op": "replace", "path": 'emails[type eq "home"].value', "value": "x"}, "noTarget"),
        ({"op": "remove", "path": "userName"}, "invalidValue"),
        ({"op": "jump", "path": "title", "value": 1}, "invalidValue"),
    ],
)
def test_refused_patch_leaves_the_resource_unchanged(scim, op, scim_type):
    created = scim.create_user()
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "changed"}, op]}
    assert_scim_error(scim.patch(f"/Users/{created['id']}", body), 400, scim_type)
    assert scim.get(f"/Users/{created['id']}").json() == created


def test_duplicate_user_gets_409_uniqueness(scim):
    scim.create_user("dup@okta.local")
    body = assert_scim_error(scim.post("/Users", _user("DUP@okta.local")), 409, "uniqueness")
    assert "dup@okta.local" in body["detail"].lower()


def test_group_member_unknown_id_is_kept_without_strict(scim):
    # RFC 7644 §3.5.2 does not require member ids to exist; --strict refuses them
    # (tests/conformance/test_rfc_edges.py).
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "G",
        "members": [{"value": "ghost"}],
    }
    response = scim.post("/Groups", body)
    assert response.status_code == 201, response.text
    assert response.json()["members"] == [{"value": "ghost"}]


def _user(name: str) -> dict:
    """A minimal valid user body."""
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}
