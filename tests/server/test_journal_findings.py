"""Mutated requests produce the expected finding; strict mode refuses; secrets never recorded."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
import requests
from support import fill
from support import okta_user

from mockscim.server import create_app
from mockscim.server.serving import start_background

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OKTA = {"User-Agent": "Okta SCIM Client 1.0.0"}


def last_entry(scim) -> dict:
    """The newest journal entry, read through the admin API."""
    admin = scim.base.replace("/scim/v2", "/__admin")
    return scim.session.get(f"{admin}/requests?limit=1").json()["requests"][0]


def patch(*ops: dict) -> dict:
    """A PatchOp body."""
    return {"schemas": [PATCH_OP], "Operations": list(ops)}


# (name, method, path, body, operation, severity, pointer, rule prefix)
MUTATIONS = [
    (
        "active as a string",
        "PATCH",
        "/Users/{uid}",
        patch({"op": "replace", "value": {"active": "false"}}),
        "deactivate-user",
        "error",
        "/body/Operations/0/value/active",
        "scim/User",
    ),
    (
        "create without userName",
        "POST",
        "/Users",
        okta_user(userName=None),
        "create-user",
        "error",
        "/body",
        "scim/User",
    ),
    (
        "create without groups",
        "POST",
        "/Users",
        okta_user(groups=None),
        "create-user",
        "warning",
        "/body",
        "okta/create-user",
    ),
    (
        "unquoted member filter",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "remove", "path": "members[value eq 89bb]"}),
        "remove-members",
        "error",
        "/body/Operations/0/path",
        "rfc7644/patch-path",
    ),
    (
        "member filter with =",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "remove", "path": 'members[value="89bb"]'}),
        "remove-members",
        "error",
        "/body/Operations/0/path",
        "rfc7644/patch-path",
    ),
    (
        "count=abc",
        "GET",
        "/Users?count=abc",
        None,
        "import-users",
        "error",
        "/query/count",
        "rfc7644/pagination",
    ),
    (
        "startIndex=x",
        "GET",
        "/Users?startIndex=x&count=100",
        None,
        "import-users",
        "error",
        "/query/startIndex",
        "rfc7644/pagination",
    ),
    (
        "bad filter",
        "GET",
        "/Users?filter=userName%20eq&startIndex=1&count=100",
        None,
        "user-lookup",
        "error",
        "/query/filter",
        "rfc7644/filter",
    ),
    (
        "co operator",
        "GET",
        "/Users?filter=userName%20co%20%22a%22&startIndex=1&count=100",
        None,
        "user-lookup",
        "warning",
        "/query/filter",
        "okta/user-lookup",
    ),
    (
        "uppercase op",
        "PATCH",
        "/Users/{uid}",
        patch({"op": "Replace", "value": {"active": False}}),
        "deactivate-user",
        "warning",
        "/body/Operations/0/op",
        "okta/deactivate-user-patch",
    ),
    (
        "path form of deactivate",
        "PATCH",
        "/Users/{uid}",
        patch({"op": "replace", "path": "active", "value": False}),
        "deactivate-user",
        "warning",
        "/body/Operations/0/path",
        "okta/deactivate-user-patch",
    ),
    (
        "unknown attribute",
        "POST",
        "/Users",
        okta_user(nosuch=1),
        "create-user",
        "error",
        "/body",
        "scim/User",
    ),
    ("malformed json", "POST", "/Users", '{"userName": ', "create-user", "error", "/body", "json"),
    ("delete a user", "DELETE", "/Users/{uid}", None, "unknown", "warning", "", "okta/operation"),
    (
        "not Okta's user agent",
        "GET",
        "/Users?startIndex=1&count=2",
        None,
        "test-connector",
        "info",
        "/headers/user-agent",
        "okta/user-agent",
    ),
    ("discovery", "GET", "/ServiceProviderConfig", None, "unknown", "warning", "", "okta/operation"),
    (
        "double slash",
        "GET",
        "//Users?startIndex=1&count=2",
        None,
        "test-connector",
        "warning",
        "/path",
        "okta/base-url",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "operation", "severity", "pointer", "rule"),
    [m[1:] for m in MUTATIONS],
    ids=[m[0] for m in MUTATIONS],
)
def test_mutated_request_gets_the_expected_finding(
    scim, method, path, body, operation, severity, pointer, rule
):
    uid = scim.create_user("target@example.com")["id"]
    gid = scim.create_group("Target")["id"]
    path = path.format(uid=uid, gid=gid)
    headers = {"User-Agent": "curl/8.0"} if rule == "okta/user-agent" else dict(OKTA)
    if isinstance(body, str):
        scim.request(method, path, data=body, headers={**headers, "Content-Type": "application/scim+json"})
    else:
        scim.request(method, path, json=body, headers=headers)
    entry = last_entry(scim)
    found = [(f["severity"], f["pointer"], f["rule"]) for f in entry["findings"]]
    assert entry["operation"] == operation
    assert (severity, pointer, rule) in found, json.dumps(entry["findings"], indent=1)


@pytest.fixture
def strict_server(settings):
    """A server in strict mode."""
    running = start_background(create_app(replace(settings, strict=True)))
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("method", "path", "body", "rule", "lenient_status"),
    [
        # SCIM requires "schemas" (RFC 7644 §3.3); the lenient server fills it in and serves.
        ("POST", "/Users", {"userName": "no-schemas@example.com"}, "scim/User", 201),
        ("PUT", "/Users/{uid}", {"userName": "someone@example.com"}, "scim/User", 200),
        (
            "PATCH",
            "/Users/{uid}",
            {"Operations": [{"op": "replace", "value": {"active": False}}]},
            "scim/PatchOp",
            200,
        ),
        # Both refuse this one; strict mode names the rule it breaks.
        ("GET", "/Users?count=abc", None, "rfc7644/pagination", 400),
    ],
)
def test_strict_mode_refuses_what_lenient_mode_records(
    scim, strict_server, scim_for, method, path, body, rule, lenient_status
):
    strict = scim_for(strict_server)
    responses = {}
    for name, client in (("lenient", scim), ("strict", strict)):
        uid = client.create_user("someone@example.com")["id"]
        responses[name] = client.request(method, path.format(uid=uid), json=body, headers=OKTA)
        assert any(f["severity"] == "error" and f["rule"] == rule for f in last_entry(client)["findings"])
    assert responses["lenient"].status_code == lenient_status
    assert responses["strict"].status_code == 400
    assert f"strict mode: the request breaks {rule}" in responses["strict"].json()["detail"]


def test_strict_mode_stores_nothing_it_refused(strict_server, scim_for):
    strict = scim_for(strict_server)
    assert strict.post("/Users", {"userName": "no-schemas@example.com"}).status_code == 400
    assert strict.get("/Users").json()["totalResults"] == 0


def test_secrets_never_appear_in_journal_or_admin_output(settings, tmp_path, scim_for):
    journal_file = tmp_path / "journal.jsonl"
    running = start_background(create_app(replace(settings, journal_file=journal_file)))
    try:
        client = scim_for(running)
        secrets = [
            settings.auth.token,
            "Pa55word-on-create",
            "Pa55word-on-put",
            "Pa55word-on-patch",
            "Pa55word-bad-json",
        ]
        basic = base64.b64encode(f"{settings.auth.user}:{settings.auth.token}".encode()).decode()
        secrets.append(basic)
        user = client.post("/Users", okta_user(password=secrets[1])).json()
        client.put(f"/Users/{user['id']}", {**user, "password": secrets[2]})
        client.patch(f"/Users/{user['id']}", patch({"op": "replace", "value": {"password": secrets[3]}}))
        client.patch(
            f"/Users/{user['id']}", patch({"op": "replace", "path": "password", "value": secrets[3]})
        )
        client.request(
            "POST",
            "/Users",
            data='{"userName": "x", "password": "' + secrets[4] + '", oops',
            headers={"Content-Type": "application/json"},
        )
        requests.get(
            client.base + "/Users", auth=(settings.auth.user, "wrong-" + settings.auth.token), timeout=5
        )
        admin = running.url + "/__admin"
        outputs = [journal_file.read_text()]
        for url in ("/requests", "/requests?has_findings=true", "/requests/1", "/requests/3", "/state"):
            outputs.append(client.session.get(admin + url).text)
        outputs.append(client.session.post(admin + "/requests/count", json={}).text)
        everything = "\n".join(outputs)
        assert "***" in everything
        for secret in secrets:
            assert secret not in everything, secret
    finally:
        running.stop()


# (id, method, path, body with {known}/{unknown} member ids, pointer of the expected warning or None)
MEMBER_REFERENCES = [
    (
        "post-unknown",
        "POST",
        "/Groups",
        {"displayName": "G2", "members": [{"value": "{unknown}"}]},
        "/body/members/0/value",
    ),
    ("post-known", "POST", "/Groups", {"displayName": "G2", "members": [{"value": "{known}"}]}, None),
    (
        "put-unknown-second",
        "PUT",
        "/Groups/{gid}",
        {"displayName": "Target", "members": [{"value": "{known}"}, {"value": "{unknown}"}]},
        "/body/members/1/value",
    ),
    (
        "patch-add-unknown",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "add", "path": "members", "value": [{"value": "{unknown}", "display": "ghost"}]}),
        "/body/Operations/0/value/0/value",
    ),
    (
        "patch-pathless-replace-unknown",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "replace", "value": {"members": [{"value": "{unknown}"}]}}),
        "/body/Operations/0/value/members/0/value",
    ),
    (
        "patch-add-known",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "add", "path": "members", "value": [{"value": "{known}", "display": "target"}]}),
        None,
    ),
    # Removing an id is not a reference to a member (§9.3): nothing to look up.
    (
        "patch-remove-unknown",
        "PATCH",
        "/Groups/{gid}",
        patch({"op": "remove", "path": 'members[value eq "{unknown}"]'}),
        None,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "pointer"),
    [m[1:] for m in MEMBER_REFERENCES],
    ids=[m[0] for m in MEMBER_REFERENCES],
)
def test_member_referencing_an_unknown_user_is_a_warning(scim, method, path, body, pointer):
    known = scim.create_user("target@example.com")["id"]
    gid = scim.create_group("Target")["id"]
    names = {"known": known, "unknown": "00000000-no-such-user", "gid": gid}
    scim.request(method, fill(path, names), json=fill(body, names), headers=dict(OKTA))
    found = [
        (f["severity"], f["pointer"])
        for f in last_entry(scim)["findings"]
        if f["rule"] == "state/unknown-member"
    ]
    assert found == ([] if pointer is None else [("warning", pointer)])
    if pointer:
        message = next(
            f["message"] for f in last_entry(scim)["findings"] if f["rule"] == "state/unknown-member"
        )
        assert message.startswith("member references an unknown User") and "00000000-no-such-user" in message


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/Users", okta_user(userName=None)),  # scim/User and okta/create-user both say it
        ("POST", "/Users", {"userName": "x@example.com", "schemas": "not-a-list"}),
        ("PATCH", "/Users/{uid}", {"Operations": [{"op": "replace", "value": {"active": "false"}}]}),
    ],
)
def test_a_finding_is_reported_once_per_pointer(scim, method, path, body):
    uid = scim.create_user("target@example.com")["id"]
    scim.request(method, path.format(uid=uid), json=body, headers=dict(OKTA))
    findings = last_entry(scim)["findings"]
    assert findings, "the request must have findings for the check to mean anything"
    keys = [(f["pointer"], f["message"]) for f in findings]
    assert len(keys) == len(set(keys)), json.dumps(findings, indent=1)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (patch({"op": "Replace", "value": {"active": False}}), "/body/Operations/0/op"),
        (patch({"op": "replace", "value": {"active": "False"}}), "/body/Operations/0/value/active"),
        (patch({"op": "replace", "path": "active", "value": "false"}), "/body/Operations/0/value"),
    ],
    ids=["capitalised-op", "string-boolean", "string-boolean-with-path"],
)
def test_entra_habits_are_named_as_such(scim, body, pointer):
    # docs/okta-reference.md §15: "Replace" and "False" are Entra's, not Okta's.
    uid = scim.create_user("target@example.com")["id"]
    scim.patch(f"/Users/{uid}", body, headers=dict(OKTA))
    notes = [f for f in last_entry(scim)["findings"] if "Microsoft Entra's habit" in f["message"]]
    assert [f["pointer"] for f in notes] == [pointer], json.dumps(last_entry(scim)["findings"], indent=1)


def test_okta_forms_get_no_habit_note(scim):
    uid = scim.create_user("target@example.com")["id"]
    scim.patch(f"/Users/{uid}", patch({"op": "replace", "value": {"active": False}}), headers=dict(OKTA))
    assert last_entry(scim)["findings"] == []
