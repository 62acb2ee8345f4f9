"""Every Okta flow of the wire reference, both dialects: classified right, zero findings."""

from __future__ import annotations

from typing import Any

import pytest

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# §2.2: what Okta sends on every request; Content-Type only with a body (and on DELETE).
OKTA_HEADERS = {
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "User-Agent": "Okta SCIM Client 1.0.0",
}


class Okta:
    """Plays Okta's SCIM client: its headers, its bodies, its order (wire ref §13)."""

    def __init__(self, scim: Any):
        self.scim = scim
        self.expected: list[tuple[str, str | None]] = []

    def send(self, operation: str, dialect: str | None, method: str, path: str, body: Any = None) -> dict:
        """Send one request and remember what the journal should call it."""
        self.expected.append((operation, dialect))
        headers = dict(OKTA_HEADERS)
        if method == "DELETE":
            headers["Content-Type"] = "application/scim+json; charset=utf-8"
        response = self.scim.request(method, path, json=body, headers=headers)
        assert response.status_code < 400, (operation, response.text)
        return response.json() if response.content else {}

    def create_user(self, email: str, okta_id: str) -> dict:
        """§5: lookup with 0 hits, then POST with Okta's body."""
        self.send(
            "user-lookup", None, "GET", f"/Users?filter=userName%20eq%20%22{email}%22&startIndex=1&count=100"
        )
        body = {
            "schemas": [USER_URN],
            "userName": email,
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": True, "value": email, "type": "work"}],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": okta_id,
            "groups": [],
            "password": "1mz050nq",
            "active": True,
        }
        return self.send("create-user", None, "POST", "/Users", body)

    def put_user(self, operation: str, uid: str, **changes: Any) -> dict:
        """AIW: GET the user, then PUT it back with changes (§6, §7.2, §8)."""
        current = self.send("get-user", None, "GET", f"/Users/{uid}")
        return self.send(operation, "aiw", "PUT", f"/Users/{uid}", {**current, **changes})

    def patch(self, operation: str, path: str, *ops: dict) -> dict:
        """OIN: one PATCH with Okta's operations (§7.1, §9.3, §9.5)."""
        return self.send(operation, "oin", "PATCH", path, {"schemas": [PATCH_OP], "Operations": list(ops)})


@pytest.fixture
def okta(scim) -> Okta:
    """An Okta client bound to the test server."""
    return Okta(scim)


def setup_and_import(okta: Okta) -> None:
    """§3 test connector, save, To App save; §4 import."""
    okta.send("test-connector", None, "GET", "/Users?startIndex=1&count=2")
    okta.send("test-connector", None, "GET", "/Users?startIndex=1&count=2")
    okta.send("import-groups", None, "GET", "/Groups?startIndex=1&count=100")
    okta.send("import-users", None, "GET", "/Users?startIndex=1&count=100")
    okta.send("import-groups", None, "GET", "/Groups?startIndex=1&count=100")


def aiw_flows(okta: Okta) -> None:
    """§13: the Invicti configuration, every action, in order (PUT dialect)."""
    setup_and_import(okta)
    alice = okta.create_user("alice%40example.com".replace("%40", "@"), "00ujl29u0le5T6Aj10h7")
    bob = okta.create_user("bob@example.com", "00ujl29u0le5T6Aj10h8")
    okta.put_user("replace-user", alice["id"], title="Engineer")
    okta.put_user("deactivate-user", alice["id"], active=False)
    okta.send(
        "user-lookup",
        None,
        "GET",
        "/Users?filter=userName%20eq%20%22alice%40example.com%22&startIndex=1&count=100",
    )
    okta.put_user("reactivate-user", alice["id"], active=True)
    okta.put_user("password-sync", alice["id"], password="N3w-passw0rd")
    members = [{"value": alice["id"], "display": "alice@example.com"}]
    group = okta.send(
        "create-group",
        None,
        "POST",
        "/Groups",
        {"schemas": [GROUP_URN], "displayName": "okta-lab-users", "members": members},
    )
    gid = group["id"]
    okta.send("get-group", None, "GET", f"/Groups/{gid}")
    put = {"schemas": [GROUP_URN], "displayName": "okta-lab-users", "members": members}
    okta.send("replace-group", "aiw", "PUT", f"/Groups/{gid}", put)
    both = members + [{"value": bob["id"], "display": "bob@example.com"}]
    okta.send("get-group", None, "GET", f"/Groups/{gid}")
    okta.send("replace-group", "aiw", "PUT", f"/Groups/{gid}", {**put, "members": both})
    okta.send(
        "rename-group",
        "aiw",
        "PUT",
        f"/Groups/{gid}",
        {**put, "displayName": "okta-lab-renamed", "members": both},
    )
    okta.send(
        "group-lookup",
        None,
        "GET",
        "/Groups?filter=displayName%20eq%20%22okta-lab-renamed%22&startIndex=1&count=100",
    )
    okta.send("delete-group", None, "DELETE", f"/Groups/{gid}")


def oin_flows(okta: Okta) -> None:
    """The same journey in the PATCH dialect (§7.1, §8, §9.1, §9.3, §9.5)."""
    setup_and_import(okta)
    alice = okta.create_user("alice@example.com", "00ujl29u0le5T6Aj10h7")
    bob = okta.create_user("bob@example.com", "00ujl29u0le5T6Aj10h8")
    okta.put_user("replace-user", alice["id"], title="Engineer")  # profile updates are PUT (§1)
    user = f"/Users/{alice['id']}"
    okta.patch("deactivate-user", user, {"op": "replace", "value": {"active": False}})
    okta.patch("reactivate-user", user, {"op": "replace", "value": {"active": True}})
    okta.patch("password-sync", user, {"op": "replace", "value": {"password": "N3w-passw0rd"}})
    group = okta.send(
        "create-group",
        None,
        "POST",
        "/Groups",
        {"schemas": [GROUP_URN], "displayName": "Test SCIMv2", "members": []},
    )
    path = f"/Groups/{group['id']}"
    okta.patch(
        "rename-group", path, {"op": "replace", "value": {"id": group["id"], "displayName": "Test SCIMv2"}}
    )
    add = {"op": "add", "path": "members", "value": [{"value": alice["id"], "display": "alice@example.com"}]}
    okta.patch("add-members", path, add)
    swap = [
        {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'},
        {"op": "add", "path": "members", "value": [{"value": bob["id"], "display": "bob@example.com"}]},
    ]
    okta.patch("update-members", path, *swap)
    okta.patch("remove-members", path, {"op": "remove", "path": f'members[value eq "{bob["id"]}"]'})
    okta.patch(
        "replace-members",
        path,
        {
            "op": "replace",
            "path": "members",
            "value": [{"value": alice["id"], "display": "alice@example.com"}],
        },
    )
    okta.patch("replace-members", path, {"op": "replace", "path": "members", "value": []})
    okta.patch(
        "replace-members",
        path,
        {"op": "replace", "value": {"id": group["id"], "displayName": "Test SCIMv2", "members": []}},
    )
    okta.patch(
        "rename-group", path, {"op": "replace", "value": {"id": group["id"], "displayName": "Renamed"}}
    )
    okta.send(
        "group-lookup", None, "GET", "/Groups?filter=displayName%20eq%20%22Renamed%22&startIndex=1&count=100"
    )
    okta.send("delete-group", None, "DELETE", path)


@pytest.mark.parametrize("flows", [aiw_flows, oin_flows], ids=["aiw", "oin"])
def test_okta_flows_are_classified_with_zero_findings(okta, scim, flows):
    flows(okta)
    journal = scim.session.get(scim.base.replace("/scim/v2", "/__admin/requests")).json()["requests"][::-1]
    assert [(e["operation"], e["dialect"]) for e in journal] == okta.expected
    assert [(e["operation"], e["findings"]) for e in journal if e["findings"]] == []
    assert all(
        e["resource"]["id"]
        for e in journal
        if e["operation"]
        not in ("test-connector", "import-users", "import-groups", "user-lookup", "group-lookup")
    )
