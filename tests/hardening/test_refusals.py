"""Inputs behind credentials that used to answer 500 (or store wrong data), each as a class.

Faults with unbounded numbers or header-breaking text, malformed ETags, date filters without an
offset, projections of multi-valued sub-attributes, PATCHes with too many operations, lone
UTF-16 surrogates and groups containing themselves: a clear 4xx (or the right answer) and the
state exactly as it was.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
JSON = {"Content-Type": "application/scim+json"}


def _ops(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp body."""
    return {"schemas": [PATCH], "Operations": list(operations)}


# -- faults: checked at creation, so a fault can never make every request a 500 -------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"action": {"delay_ms": 1e400}}', "action.delay_ms"),
        ('{"action": {"delay_ms": [0, 1e400]}}', "action.delay_ms"),
        ('{"action": {"delay_ms": 600001}}', "action.delay_ms"),
        ('{"action": {"timeout_s": 1e400}}', "action.timeout_s"),
        ('{"action": {"trickle_bps": 1e400}}', "action.trickle_bps"),
        ('{"action": {"trickle_bps": 0}}', "action.trickle_bps"),
        ('{"action": {"status": 429, "retry_after": "1\\r\\nX-Injected: yes"}}', "action.retry_after"),
        ('{"action": {"status": 429, "retry_after": "' + "x" * 200 + '"}}', "action.retry_after"),
        ('{"action": {"status": 429, "retry_after": 1e400}}', "action.retry_after"),
        ('{"action": {"status": 429, "retry_after": 100000000000000000000}}', "action.retry_after"),
        ('{"action": {"status": 503, "detail": "\\ud800"}}', "action.detail"),
        ('{"action": {"status": 503, "detail": "' + "d" * 2000 + '"}}', "action.detail"),
        ('{"action": {"status": 503, "scimType": {"a": 1}}}', "action.scimType"),
        ('{"match": {"method": "GET\\r\\nX: y"}, "action": {"close": true}}', "match.method"),
        ('{"match": {"path": "' + "*" * 300 + '"}, "action": {"close": true}}', "match.path"),
        ('{"action": {"close": true}, "times": 100000000000000000000}', "times"),
        ('{"action": {"close": true}, "probability": 1e400}', "probability"),
    ],
)
def test_a_fault_that_could_break_requests_is_refused_naming_the_field(server, scim, body, field):
    admin = server.url + "/__admin/faults"
    response = scim.session.post(admin, data=body, headers={"Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    # The fault check names a field (action.delay_ms); the JSON reader refuses a number too large
    # for a float or a lone surrogate before it, naming its JSON Pointer (/action/delay_ms).
    pointer = "/" + field.replace(".", "/")
    assert response.json()["scimType"] == "invalidValue" and (field in detail or pointer in detail), detail
    assert scim.session.get(admin, timeout=5).json() == {"faults": []}
    assert scim.get("/Users").status_code == 200


def test_a_header_safe_retry_after_is_sent_as_given(server, scim):
    spec = {
        "match": {"method": "GET"},
        "action": {"status": 429, "retry_after": "Wed, 21 Oct 2026 07:28:00 GMT"},
    }
    assert scim.session.post(server.url + "/__admin/faults", json=spec, timeout=5).status_code == 201
    assert scim.get("/Users").headers["Retry-After"] == "Wed, 21 Oct 2026 07:28:00 GMT"


@pytest.mark.parametrize(
    ("faults", "fragment"),
    [
        ("faults: [{match: [1], action: {close: true}}]\n", "faults[0]: match takes"),
        ("faults: [{match: {tenant: 5}, action: {close: true}}]\n", "faults[0]: match.tenant must be"),
        (
            "faults: [{match: {tenant: 'no spaces'}, action: {close: true}}]\n",
            "faults[0]: match.tenant: tenant name",
        ),
        ("seed: [1]\nfaults: [{action: {close: true}}]\n", "faults[0]: seed must be an integer"),
        ("faults: [{action: {delay_ms: .inf}}]\n", "faults[0]: action.delay_ms"),
    ],
)
def test_a_bad_faults_file_exits_2_without_a_traceback(tmp_path, faults, fragment):
    path = tmp_path / "faults.yaml"
    path.write_text(faults)
    result = subprocess.run(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--faults", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("spec", ["nan/s", "inf/s", "1e400/s", "-1/s"])
def test_a_rate_limit_must_be_a_finite_positive_rate(spec):
    result = subprocess.run(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--rate-limit", spec],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "10/s" in result.stderr and "Traceback" not in result.stderr


# -- ETags (RFC 9110 §8.8.3): parsed strictly and bounded; a bad one matches nothing --------------


@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        ('W/"²"', 412),
        ('W/"' + "9" * 5000 + '"', 412),
        ("9" * 5000, 412),
        ("W/1", 412),
        ('W/"1', 412),
        ('"1" garbage', 412),
        ('W/"1"' + ", " * 600 + 'W/"1"', 412),  # over 1 KiB: not parsed at all
        ('W/"7", W/"1"', 200),  # a list: any of them may match (RFC 9110 §13.1.1)
        ('"1"', 200),  # weak comparison (RFC 7644 §3.14 ETags are weak)
        ("*", 200),
    ],
)
def test_if_match_is_parsed_strictly_and_a_bad_one_never_matches(scim, if_match, status):
    user = scim.create_user("etag@example.com")
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "etag@example.com",
        "title": "x",
    }
    response = scim.put(f"/Users/{user['id']}", body, headers={"If-Match": if_match})
    assert response.status_code == status, response.text
    if status == 412:
        assert scim.get(f"/Users/{user['id']}").json()["meta"]["version"] == 'W/"1"'
        patched = scim.patch(
            f"/Users/{user['id']}",
            _ops({"op": "replace", "path": "title", "value": "y"}),
            headers={"If-Match": if_match},
        )
        assert patched.status_code == 412
        assert scim.delete(f"/Users/{user['id']}", headers={"If-Match": if_match}).status_code == 412


@pytest.mark.parametrize("if_none_match", ['W/"²"', "9" * 5000, 'W/"2", W/"3"', "junk"])
def test_an_if_none_match_that_names_no_current_version_serves_the_resource(scim, if_none_match):
    user = scim.create_user("inm@example.com")
    assert scim.get(f"/Users/{user['id']}", headers={"If-None-Match": if_none_match}).status_code == 200
    assert scim.get(f"/Users/{user['id']}", headers={"If-None-Match": 'W/"3", W/"1"'}).status_code == 304


# -- dateTime filters: no offset means UTC (RFC 7643 §2.3.5 xsd:dateTime) -------------------------


@pytest.mark.parametrize(
    ("operator", "shift", "zone", "found"),
    [
        ("eq", 0, "", 1),  # no offset: read as UTC, so it is the stored instant
        ("gt", 0, "", 0),
        ("ge", 0, "", 1),
        ("gt", -1, "", 1),
        ("lt", 1, "", 1),
        ("eq", 0, "Z", 1),
        ("eq", 3600, "+01:00", 1),  # the same instant written in another zone
        ("gt", 0, "+01:00", 1),  # the same clock time in UTC+1 is an hour earlier
    ],
)
def test_a_date_filter_without_an_offset_is_read_as_utc(scim, operator, shift, zone, found):
    from datetime import datetime
    from datetime import timedelta

    user = scim.create_user("dates@example.com")
    stored = datetime.fromisoformat(user["meta"]["lastModified"])
    moment = (stored + timedelta(seconds=shift)).replace(tzinfo=None).isoformat(timespec="milliseconds")
    response = scim.get("/Users", params={"filter": f'meta.lastModified {operator} "{moment}{zone}"'})
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == found


# -- projection of multi-valued sub-attributes -----------------------------------------------------


def test_projected_sub_attributes_of_several_emails_stay_with_their_email(scim):
    emails = [
        {"value": "a@example.com", "type": "work", "primary": True},
        {"value": "b@example.com"},
        {"value": "c@example.com", "type": "home"},
    ]
    user = scim.create_user("proj@example.com", emails=emails)
    response = scim.get(f"/Users/{user['id']}", params={"attributes": "emails.value,emails.type"})
    assert response.json()["emails"] == [
        {"value": "a@example.com", "type": "work"},
        {"value": "b@example.com"},
        {"value": "c@example.com", "type": "home"},
    ]
    only_type = scim.get(
        "/Users", params={"attributes": "emails.type", "filter": 'userName eq "proj@example.com"'}
    )
    assert only_type.json()["Resources"][0]["emails"] == [{"type": "work"}, {"type": "home"}]


# -- PATCH: a bounded number of operations --------------------------------------------------------


def test_a_patch_with_more_operations_than_the_limit_is_refused_whole(scim):
    from mockscim.scim.patch import MAX_OPERATIONS

    user = scim.create_user("many@example.com")
    titles = [{"op": "replace", "path": "title", "value": f"t{i}"} for i in range(MAX_OPERATIONS + 1)]
    refused = scim.patch(f"/Users/{user['id']}", _ops(*titles))
    assert refused.status_code == 400 and refused.json()["scimType"] == "invalidValue"
    assert f"at most {MAX_OPERATIONS} operations" in refused.json()["detail"]
    assert scim.get(f"/Users/{user['id']}").json()["meta"]["version"] == 'W/"1"'
    accepted = scim.patch(f"/Users/{user['id']}", _ops(*titles[:MAX_OPERATIONS]))
    assert accepted.status_code == 200 and accepted.json()["title"] == f"t{MAX_OPERATIONS - 1}"


# -- writes are all or nothing --------------------------------------------------------------------


def _raw(scim: Any, method: str, path: str, text: str) -> Any:
    """Send a JSON text as is (json.dumps would not let a lone surrogate through unescaped)."""
    return scim.session.request(method, scim.base + path, data=text.encode(), headers=JSON, timeout=10)


@pytest.mark.parametrize(
    "body",
    [
        '{"userName": "\\ud800@example.com"}',
        '{"userName": "ok@example.com", "password": "\\udfff"}',
        '{"userName": "ok@example.com", "name": {"givenName": "\\ud83d"}}',
    ],
)
def test_a_lone_surrogate_is_refused_and_nothing_is_stored(scim, body):
    response = _raw(scim, "POST", "/Users", body)
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert (
        "\\ud" not in response.text.lower() or "password" not in response.text
    )  # a password is never echoed
    listed = scim.get("/Users")
    assert listed.status_code == 200 and listed.json()["totalResults"] == 0


def test_a_patch_refused_at_its_last_operation_leaves_the_resource_byte_identical(scim):
    user = scim.create_user("atomic@example.com")
    before = scim.get(f"/Users/{user['id']}")
    text = json.dumps(_ops({"op": "replace", "path": "title", "value": "first"})).replace(
        "]}", ', {"op": "replace", "path": "password", "value": "\\ud800"}]}'
    )
    assert _raw(scim, "PATCH", f"/Users/{user['id']}", text).status_code == 400
    after = scim.get(f"/Users/{user['id']}")
    assert after.content == before.content and after.headers["ETag"] == before.headers["ETag"]


def test_groups_nest_but_never_contain_themselves(scim):
    alice = scim.create_user("alice@example.com")
    inner = scim.create_group("Inner", [alice["id"]])
    outer = scim.create_group("Outer", [inner["id"]])  # nested groups: RFC 7643 §4.2
    add = lambda gid: _ops({"op": "add", "path": "members", "value": [{"value": gid}]})  # noqa: E731
    for attempt in (
        scim.patch(f"/Groups/{inner['id']}", add(inner["id"])),
        scim.patch(f"/Groups/{inner['id']}", add(outer["id"])),
        scim.put(f"/Groups/{inner['id']}", {"displayName": "Inner", "members": [{"value": outer["id"]}]}),
        scim.patch(
            f"/Groups/{inner['id']}", _ops({"op": "replace", "value": {"members": [{"value": inner["id"]}]}})
        ),
    ):
        assert attempt.status_code == 400 and attempt.json()["scimType"] == "invalidValue", attempt.text
        assert "never themselves" in attempt.json()["detail"]
    assert scim.get(f"/Groups/{inner['id']}").json()["meta"]["version"] == 'W/"1"'
    assert scim.get(f"/Users/{alice['id']}").json()["groups"][0]["value"] == inner["id"]
