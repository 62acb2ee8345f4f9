"""Shared fixtures: a real server on a loopback port, and a SCIM client that speaks HTTP to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mockscim.clock import FixedClock
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.constants import OKTA_CONTENT_TYPE
from mockscim.constants import OKTA_USER_AGENT
from mockscim.ids import IdGenerator
from mockscim.server import create_app
from mockscim.server.serving import BackgroundServer
from mockscim.server.serving import start_background

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


def okta_user(user_name: str, **extra: Any) -> dict[str, Any]:
    """Okta's POST /Users body (wire reference §5.2)."""
    given, _, family = user_name.partition("@")[0].partition(".")
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": given.title() or "Test", "familyName": family.title() or "User"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"{given.title()} {family.title()}",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }
    body.update(extra)
    return body


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
def scim_for():
    """Build a client for any running server (for tests that start their own)."""
    return lambda running, auth=(USER, TOKEN): Scim(running.url + "/scim/v2", auth=auth)
