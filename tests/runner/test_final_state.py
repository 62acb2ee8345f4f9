"""Final-state reconciliation against a real mockscim and against deliberately wrong servers."""

from __future__ import annotations

from typing import Any

import pytest

from mockscim.runner import ScimClient
from mockscim.runner.final_state import FinalStateError
from mockscim.runner.final_state import check_final_state
from mockscim.runner.final_state import parse_final_state

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@pytest.fixture
def world(scim: Any) -> dict[str, Any]:
    """Two users (one deactivated) and a group holding both, created over HTTP."""
    pat = scim.create_user("pat@example.com", externalId="00u-pat")
    sam = scim.create_user("sam@example.com", externalId="00u-sam")
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    assert scim.patch(f"/Users/{sam['id']}", patch).status_code == 200
    group = scim.create_group("Engineering", [pat["id"], sam["id"]])
    return {"pat": pat, "sam": sam, "group": group}


@pytest.fixture
def client(mock_target: Any) -> Any:
    """A runner client for the live mock."""
    with ScimClient(mock_target.base_url, mock_target.credentials, timeout=10) as running:
        yield running


TRUE_STATE = {
    "users": [
        {"userName": "pat@example.com", "active": True, "externalId": "00u-pat"},
        {"userName": "SAM@example.com", "active": False},
        {"userName": "never@example.com", "exists": False},
    ],
    "groups": [
        {"displayName": "engineering", "members": ["sam@example.com", "Pat@Example.com"]},
        {"displayName": "Old team", "exists": False},
    ],
}


def test_matching_state_has_no_differences(world: Any, client: Any) -> None:
    assert check_final_state(client, parse_final_state(TRUE_STATE)) == []


@pytest.mark.parametrize(
    ("expected", "message"),
    [
        (
            {"users": [{"userName": "pat@example.com", "active": False}]},
            "user pat@example.com: active is true, expected false",
        ),
        (
            {"users": [{"userName": "pat@example.com", "externalId": "00u-x"}]},
            'user pat@example.com: externalId is "00u-pat", expected "00u-x"',
        ),
        (
            {"users": [{"userName": "pat@example.com", "displayName": "Pat"}]},
            'user pat@example.com: displayName is "Pat User", expected "Pat"',
        ),
        (
            {"users": [{"userName": "lost@example.com"}]},
            "user lost@example.com: missing: no userName matches it",
        ),
        ({"users": [{"userName": "pat@example.com", "exists": False}]}, "user pat@example.com: still exists"),
        ({"groups": [{"displayName": "Sales"}]}, "group Sales: missing: no displayName matches it"),
        (
            {"groups": [{"displayName": "Engineering", "members": ["pat@example.com"]}]},
            "group Engineering: unexpected member sam@example.com",
        ),
        (
            {
                "groups": [
                    {
                        "displayName": "Engineering",
                        "members": ["pat@example.com", "sam@example.com", "kim@example.com"],
                    }
                ]
            },
            "group Engineering: member kim@example.com missing",
        ),
        (
            {"groups": [{"displayName": "Engineering", "externalId": "00g1"}]},
            'group Engineering: externalId is absent, expected "00g1"',
        ),
    ],
)
def test_each_difference_is_named_by_resource(world: Any, client: Any, expected: dict, message: str) -> None:
    differences = [str(d) for d in check_final_state(client, parse_final_state(expected))]
    assert len(differences) == 1
    assert differences[0].startswith(message)


def test_a_member_lost_on_the_server_is_reported(world: Any, scim: Any, client: Any) -> None:
    group_id = world["group"]["id"]
    remove = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": f'members[value eq "{world["sam"]["id"]}"]'}],
    }
    assert scim.patch(f"/Groups/{group_id}", remove).status_code in (200, 204)
    differences = check_final_state(client, parse_final_state(TRUE_STATE))
    assert [str(d) for d in differences] == ["group engineering: member sam@example.com missing"]


def _list(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "schemas": [LIST],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": list(resources),
    }


@pytest.fixture
def fake_client(fake_target: Any) -> Any:
    """A runner client for the wrong-on-purpose server."""
    with ScimClient(fake_target.base_url, fake_target.credentials, timeout=5) as running:
        yield running


def test_duplicates_are_reported(fake_server: Any, fake_client: Any) -> None:
    fake_server.reply(
        200, _list({"id": "a", "userName": "pat@example.com"}, {"id": "b", "userName": "PAT@example.com"})
    )
    differences = check_final_state(
        fake_client, parse_final_state({"users": [{"userName": "pat@example.com"}]})
    )
    assert [str(d) for d in differences] == [
        "user pat@example.com: 2 resources share this userName (duplicates: ids a, b)"
    ]


def test_a_server_that_ignores_the_filter_is_still_read_right(fake_server: Any, fake_client: Any) -> None:
    fake_server.reply(
        200,
        _list(
            {"id": "a", "userName": "kim@example.com"},
            {"id": "b", "userName": "pat@example.com", "active": True},
        ),
    )
    state = parse_final_state({"users": [{"userName": "pat@example.com", "active": True}]})
    assert check_final_state(fake_client, state) == []


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            500,
            {"detail": "boom"},
            'could not be read: GET /Users?filter=userName eq "pat@example.com" answered 500',
        ),
        (200, {"totalResults": 1}, "could not be read: GET /Users lookup answered without a Resources list"),
    ],
)
def test_a_failed_read_is_a_difference(
    fake_server: Any, fake_client: Any, status: int, body: Any, message: str
) -> None:
    fake_server.reply(status, body)
    differences = check_final_state(
        fake_client, parse_final_state({"users": [{"userName": "pat@example.com"}]})
    )
    assert [d.message for d in differences] == [message]


def test_group_members_are_read_from_the_group_when_the_list_omits_them(
    fake_server: Any, fake_client: Any
) -> None:
    fake_server.reply_at("/scim/v2/Groups", 200, _list({"id": "g", "displayName": "Eng"}))
    fake_server.reply_at(
        "/scim/v2/Groups/g",
        200,
        {"id": "g", "displayName": "Eng", "members": [{"value": "u1"}, {"value": "u2"}]},
    )
    fake_server.reply_at("/scim/v2/Users/u1", 200, {"id": "u1", "userName": "pat@example.com"})
    fake_server.reply_at("/scim/v2/Users/u2", 404, {"detail": "no such user"})
    differences = check_final_state(
        fake_client, parse_final_state({"groups": [{"displayName": "Eng", "members": ["pat@example.com"]}]})
    )
    assert [str(d) for d in differences] == ["group Eng: member 'u2' is not a user the target knows"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "final_state must be a mapping"),
        ({"people": []}, "final_state must be a mapping"),
        ({"users": {}}, "final_state.users must be a list"),
        ({"users": ["pat"]}, "final_state.users[0] must be a mapping"),
        ({"users": [{"userName": ""}]}, "final_state.users[0].userName must be a non-empty string"),
        ({"users": [{"userName": "a", "enabled": True}]}, "final_state.users[0]: unknown key 'enabled'"),
        (
            {"users": [{"userName": "a", "active": "false"}]},
            "final_state.users[0].active must be true or false",
        ),
        (
            {"groups": [{"displayName": "g", "members": "pat"}]},
            "final_state.groups[0].members must be a list of userNames",
        ),
        (
            {"groups": [{"displayName": "g", "externalId": 7}]},
            "final_state.groups[0].externalId must be a string",
        ),
    ],
)
def test_malformed_expected_state_is_refused(data: Any, message: str) -> None:
    with pytest.raises(
        FinalStateError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")
    ):
        parse_final_state(data)


def test_an_empty_answer_without_resources_means_no_match(fake_server: Any, fake_client: Any) -> None:
    # RFC 7644 §3.4.2 requires "Resources" only when totalResults is non-zero.
    fake_server.reply(200, {"schemas": [LIST], "totalResults": 0})
    differences = check_final_state(
        fake_client, parse_final_state({"users": [{"userName": "pat@example.com"}]})
    )
    assert [str(d) for d in differences] == ["user pat@example.com: missing: no userName matches it"]
