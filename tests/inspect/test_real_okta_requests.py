"""Requests Okta really sends, over HTTP: accepted, classified as the right operation, no finding.

Each shape below once got a false finding. They come from docs/okta-reference.md §15
("Corrections and additions") and §12 (Okta's own SPEC test suite), and the server must record
them as Okta's without a warning, so a team sees only real deviations.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support import fill
from support import okta_user

from mockscim.library import library_root
from mockscim.runner import Target
from mockscim.runner import load_scenario
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.runner.client import Credentials

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CUSTOM_URN = "urn:ietf:params:scim:schemas:extension:example:2.0:User"
OKTA = {"User-Agent": "Okta SCIM Client 1.0.0", "Accept": "application/scim+json", "Accept-Charset": "utf-8"}
# §12: the SPEC test's GET headers, and its POST headers (no User-Agent of the engine's).
SPEC_GET = {
    "User-Agent": "OKTA SCIM Integration",
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "Content-Type": "application/scim+json; charset=utf-8",
}
SPEC_POST = {"Content-Type": "application/json", "Accept": "application/scim+json; charset=utf-8"}


def patch(*ops: dict[str, Any], schemas: bool = True) -> dict[str, Any]:
    """A PatchOp body; the observed path-less replace bodies carry no schemas (§15)."""
    return {"schemas": [PATCH_OP], "Operations": list(ops)} if schemas else {"Operations": list(ops)}


# §15: Okta's documented custom-attributes create: no externalId, custom attributes.
CREATE_CUSTOM = okta_user(
    "custom.attrs@okta.local",
    externalId=None,
    displayName=None,
    locale=None,
    schemas=[USER_URN, CUSTOM_URN],
    **{CUSTOM_URN: {"costCenter": "4711", "badgeNumber": "B-17"}},
)
# §12 step 6: the SPEC test's create.
SPEC_CREATE = {
    "schemas": [USER_URN],
    "userName": "RunscopeTina.Erickson123@atko.com",
    "name": {"givenName": "RunscopeTina", "familyName": "Erickson123"},
    "emails": [{"primary": True, "value": "RunscopeTina.Erickson123@atko.com", "type": "work"}],
    "displayName": "RunscopeTina Erickson123",
    "active": True,
}

# (id, method, path ({uid}, {gid}, {gname} filled in), body, headers, operation, dialect)
SHAPES = [
    ("create-without-externalId", "POST", "/Users", CREATE_CUSTOM, OKTA, "create-user", None),
    # §15: the four forms that empty or replace a group's members.
    (
        "members-replace-empty",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "replace", "path": "members", "value": []}),
        OKTA,
        "replace-members",
        "oin",
    ),
    (
        "pathless-replace-id-name-members",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "replace", "value": {"id": "{gid}", "displayName": "{gname}", "members": []}}),
        OKTA,
        "replace-members",
        "oin",
    ),
    (
        "pathless-replace-without-schemas",
        "PATCH",
        "/Groups/{gid}",
        patch(
            {"op": "replace", "value": {"id": "{gid}", "displayName": "{gname}", "members": []}},
            schemas=False,
        ),
        OKTA,
        "replace-members",
        "oin",
    ),
    (
        "pathless-replace-members-only-no-display",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "replace", "value": {"members": [{"value": "{uid}"}]}}),
        OKTA,
        "replace-members",
        "oin",
    ),
    (
        "remove-op",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "remove", "path": 'members[value eq "{uid}"]'}),
        OKTA,
        "remove-members",
        "oin",
    ),
    (
        "add-op-without-display",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "add", "path": "members", "value": [{"value": "{uid}"}]}),
        OKTA,
        "add-members",
        "oin",
    ),
    (
        "remove-then-add",
        "PATCH",
        "/Groups/{gid}",
        patch(
            {"op": "remove", "path": 'members[value eq "{uid}"]'},
            {"op": "add", "path": "members", "value": [{"value": "{uid}", "display": "member@okta.local"}]},
        ),
        OKTA,
        "update-members",
        "oin",
    ),
    # §15, §3: Import User Schema and entitlement apps read the discovery endpoints.
    ("resource-types", "GET", "/ResourceTypes", None, OKTA, "import-user-schema", None),
    ("resource-type-user", "GET", "/ResourceTypes/User", None, OKTA, "import-user-schema", None),
    ("schemas", "GET", "/Schemas", None, OKTA, "import-user-schema", None),
    ("schema-core-user", "GET", f"/Schemas/{USER_URN}", None, OKTA, "import-user-schema", None),
    # §12: Okta's SPEC test suite, checked against its own shapes.
    (
        "spec-users-endpoint",
        "GET",
        "/Users?count=1&startIndex=1",
        None,
        SPEC_GET,
        "test-connector",
        "spec-test",
    ),
    (
        "spec-lookup-without-paging",
        "GET",
        "/Users?filter=userName%20eq%20%22abcdefgh%40atko.com%22",
        None,
        SPEC_GET,
        "user-lookup",
        "spec-test",
    ),
    ("spec-get-user", "GET", "/Users/{uid}", None, SPEC_GET, "get-user", "spec-test"),
    ("spec-create", "POST", "/Users", SPEC_CREATE, SPEC_POST, "create-user", "spec-test"),
    ("spec-groups-endpoint", "GET", "/Groups", None, SPEC_GET, "import-groups", "spec-test"),
]


def last_entry(scim) -> dict[str, Any]:
    """The newest journal entry, through the admin API."""
    admin = scim.base.replace("/scim/v2", "/__admin")
    return scim.session.get(f"{admin}/requests?limit=1", timeout=5).json()["requests"][0]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "operation", "dialect"),
    [case[1:] for case in SHAPES],
    ids=[case[0] for case in SHAPES],
)
def test_real_okta_request_is_accepted_classified_and_clean(
    scim, method, path, body, headers, operation, dialect
):
    member = scim.create_user("member@okta.local")
    group = scim.create_group("Engineering", [member["id"]])
    names = {"uid": member["id"], "gid": group["id"], "gname": group["displayName"]}
    scim.session.headers.pop("User-Agent", None)  # only the case's headers go out
    data = None if body is None else json.dumps(fill(body, names))
    response = scim.request(method, fill(path, names), data=data, headers=dict(headers))
    assert response.status_code < 300, response.text
    entry = last_entry(scim)
    assert (entry["operation"], entry["dialect"]) == (operation, dialect)
    assert entry["findings"] == [], json.dumps(entry["findings"], indent=1)


@pytest.mark.parametrize(
    ("user_agent", "severities"),
    [
        ("Okta SCIM Client 1.0.0", []),
        ("Okta SCIM Client 2.3.0", ["info"]),  # today's engine may send another (§15)
        ("curl/8.0", ["info"]),
    ],
)
def test_another_user_agent_is_information_only(scim, user_agent, severities):
    scim.get("/Users?startIndex=1&count=2", headers={"User-Agent": user_agent})
    entry = last_entry(scim)
    assert [f["severity"] for f in entry["findings"]] == severities
    assert all(f["rule"] == "okta/user-agent" for f in entry["findings"])


def test_okta_spec_test_suite_played_through_the_mock_has_no_finding(server, settings, app):
    flow = load_scenario(library_root() / "okta/spec-test/okta-scim-20-spec-test.scenario.yaml")
    credentials = Credentials.parse(f"basic:{settings.auth.user}:{settings.auth.token}")
    played = run_scenario(
        flow, Target(server.url + "/scim/v2", credentials, 10, admin_url=server.url + "/__admin")
    )
    assert played.passed, scenario_report(played)
    entries = app.extensions["mockscim"].journal.entries()
    assert len(entries) == 13  # the setup user and the suite's 12 steps
    assert [e["dialect"] for e in entries[1:]] == ["spec-test"] * 12
    assert [(e["id"], e["operation"], e["findings"]) for e in entries if e["findings"]] == []
