"""Shared fixtures: a real server on a loopback port, and a SCIM client that speaks HTTP to it."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from support import okta_user

from mockscim.clock import FixedClock
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.constants import OKTA_CONTENT_TYPE
from mockscim.constants import OKTA_USER_AGENT
from mockscim.ids import IdGenerator
from mockscim.server import create_app
from mockscim.server.serving import BackgroundServer
from mockscim.server.serving import start_background

# pytester runs pytest inside tests (the plugin's and the README's examples).
pytest_plugins = ["pytester"]

USER = "okta"
TOKEN = "s3cr3t-token-for-tests"


class Scim:
    """A tiny SCIM client for tests: base URL + Okta's headers + Basic credentials."""

    def __init__(self, base: str, auth: tuple[str, str] | None = (USER, TOKEN)):
        self.base = base
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": OKTA_USER_AGENT, "Accept": "application/scim+json"})
        if auth:
            self.session.auth = auth

    def request(self, method: str, path: str, json: Any = None, **kw: Any) -> requests.Response:
        """Send a request to base + path; JSON bodies use Okta's content type."""
        headers = kw.pop("headers", {})
        if json is not None:
            import json as _json

            kw["data"] = _json.dumps(json)
            headers.setdefault("Content-Type", OKTA_CONTENT_TYPE)
        return self.session.request(method, self.base + path, headers=headers, timeout=10, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        """GET base + path."""
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        """POST JSON to base + path."""
        return self.request("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        """PUT JSON to base + path."""
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        """PATCH JSON to base + path."""
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        """DELETE base + path."""
        return self.request("DELETE", path, **kw)

    def create_user(self, user_name: str = "test.user@okta.local", **extra: Any) -> dict[str, Any]:
        """POST an Okta-shaped user and return the created resource."""
        body = okta_user(user_name, **extra)
        response = self.post("/Users", body)
        assert response.status_code == 201, response.text
        return response.json()

    def create_group(self, name: str = "Test SCIMv2", members: list[str] = ()) -> dict[str, Any]:
        """POST a group with the given member ids and return it."""
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": [{"value": m, "display": m} for m in members],
        }
        response = self.post("/Groups", body)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def settings() -> Settings:
    """Okta profile, Basic credentials, loopback."""
    return Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"))


@pytest.fixture
def app(settings: Settings):
    """A fresh app with a deterministic clock and id generator."""
    return create_app(settings, clock=FixedClock(), ids=IdGenerator(seed=7))


@pytest.fixture
def server(app) -> Iterator[BackgroundServer]:
    """The real threaded server on a loopback port chosen by the OS."""
    running = start_background(app)
    yield running
    running.stop()


@pytest.fixture
def scim(server: BackgroundServer) -> Scim:
    """A client for the running server's SCIM base URL."""
    return Scim(server.url + "/scim/v2")


@pytest.fixture
def anonymous(server: BackgroundServer) -> Scim:
    """A client that sends no credentials."""
    return Scim(server.url + "/scim/v2", auth=None)


@pytest.fixture
def serve() -> Iterator[Callable[[Settings], BackgroundServer]]:
    """Start a real server for an app built from the given settings; all are stopped afterwards."""
    running: list[BackgroundServer] = []

    def start(configured: Settings) -> BackgroundServer:
        running.append(start_background(create_app(configured)))
        return running[-1]

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def scim_for():
    """Build a client for any running server (for tests that start their own)."""
    return lambda running, auth=(USER, TOKEN): Scim(running.url + "/scim/v2", auth=auth)


# --- Okta's client, for tests that need whole flows (docs/okta-reference.md §13) ---------------------

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
    """Plays Okta's SCIM client: its headers, its bodies, its order (docs/okta-reference.md §13)."""

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


@pytest.fixture
def okta(scim) -> Okta:
    """An Okta client bound to the test server."""
    return Okta(scim)


@pytest.fixture
def okta_flows() -> dict:
    """Every Okta flow of docs/okta-reference.md, per dialect: name -> function(okta)."""
    return {"aiw": aiw_flows, "oin": oin_flows}
