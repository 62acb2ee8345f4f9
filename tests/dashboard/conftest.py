"""Fixtures for the dashboard: an Okta-like client, extra servers, and a real headless Chromium.

Browser tests use Selenium with Debian's ``chromium`` and the ``chromedriver`` built from the
same source, so the driver always matches the browser and nothing is downloaded. Where they
are missing, the browser tests are skipped with the reason (shown by ``-ra``), never passed.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from browser import launch_chromium

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.server import create_app
from mockscim.server.serving import BackgroundServer
from mockscim.server.serving import start_background

USER, TOKEN = "okta", "s3cr3t-token-for-tests"
PASSWORD = "pw-Never-Shown-42"  # sent in request bodies; must never appear in the dashboard
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OKTA_HEADERS = {
    "Accept-Charset": "utf-8",
    "User-Agent": "Okta SCIM Client 1.0.0",
}  # docs/okta-reference.md §2.2


class Okta:
    """Plays Okta's SCIM client, AIW dialect: its headers, bodies and order (docs/okta-reference.md §5-§9, §13)."""

    def __init__(self, scim: Any):
        self.scim = scim
        self.okta_ids = 0

    def send(self, method: str, path: str, body: Any = None) -> requests.Response:
        """One request with Okta's headers."""
        return self.scim.request(method, path, json=body, headers=dict(OKTA_HEADERS))

    def assign(self, email: str) -> dict[str, Any]:
        """§5: lookup (0 hits), then POST /Users with Okta's body."""
        self.send("GET", f"/Users?filter=userName%20eq%20%22{email}%22&startIndex=1&count=100")
        self.okta_ids += 1
        given, _, family = email.partition("@")[0].partition(".")
        body = {
            "schemas": [USER_URN],
            "userName": email,
            "name": {"givenName": given.title(), "familyName": family.title() or "User"},
            "emails": [{"primary": True, "value": email, "type": "work"}],
            "displayName": f"{given.title()} {family.title()}".strip(),
            "locale": "en-US",
            "externalId": f"00u{self.okta_ids:017d}",
            "groups": [],
            "password": PASSWORD,
            "active": True,
        }
        return self.send("POST", "/Users", body).json()

    def lookup(self, email: str) -> requests.Response:
        """§5.1 alone: a lookup that Okta would follow with a create."""
        return self.send("GET", f"/Users?filter=userName%20eq%20%22{email}%22&startIndex=1&count=100")

    def put_user(self, uid: str, **changes: Any) -> requests.Response:
        """§6, §7.2: GET the user, then PUT it back with changes."""
        current = self.send("GET", f"/Users/{uid}").json()
        return self.send("PUT", f"/Users/{uid}", {**current, **changes})

    def push_group(self, name: str, *members: dict[str, Any]) -> dict[str, Any]:
        """§9.1 AIW: POST /Groups, then GET and a full PUT of it."""
        listed = [{"value": m["id"], "display": m["userName"]} for m in members]
        group = self.send(
            "POST", "/Groups", {"schemas": [GROUP_URN], "displayName": name, "members": listed}
        ).json()
        current = self.send("GET", f"/Groups/{group['id']}").json()
        self.send("PUT", f"/Groups/{group['id']}", current)
        return group

    def session(self) -> dict[str, Any]:
        """An AIW session: assign, profile update, deactivate, push group, and one dangling lookup."""
        self.send("GET", "/Users?startIndex=1&count=2")  # §3 Test Connector Configuration
        alice = self.assign("alice.liddell@example.com")
        bob = self.assign("bob.builder@example.com")
        self.put_user(alice["id"], displayName="Alice Pleasance Liddell")
        self.put_user(bob["id"], active=False)
        self.push_group("Engineering", alice)
        self.lookup("carol.danvers@example.com")  # never followed by a create: unfinished
        return {"alice": alice, "bob": bob}

    def flagged(self, uid: str) -> requests.Response:
        """A deactivation with ``"active": "false"`` (a string): a SCIM error finding, answered 400."""
        body = {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"active": "false"}}]}
        return self.send("PATCH", f"/Users/{uid}", body)


@pytest.fixture
def okta_aiw(scim: Any) -> Okta:
    """Okta's client (AIW dialect) bound to the test server."""
    return Okta(scim)


@pytest.fixture
def play(server: BackgroundServer, settings: Settings) -> Callable[[str], Any]:
    """Play a library flow (e.g. ``okta/aiw/push-group``) against the test server, as the runner does."""
    from mockscim.library import library_root
    from mockscim.runner import Target
    from mockscim.runner import load_scenario
    from mockscim.runner import run_scenario
    from mockscim.runner.client import Credentials

    credentials = Credentials.parse(f"basic:{settings.auth.user}:{settings.auth.token}")
    target = Target(server.url + "/scim/v2", credentials, 10, admin_url=server.url + "/__admin")

    def run(flow_id: str) -> Any:
        played = run_scenario(load_scenario(library_root() / f"{flow_id}.scenario.yaml"), target)
        assert played.passed, flow_id
        return played

    return run


@pytest.fixture
def admin(server: BackgroundServer) -> requests.Session:
    """A session with the server's Basic credentials, for dashboard endpoints."""
    session = requests.Session()
    session.auth = (USER, TOKEN)
    return session


@pytest.fixture
def dashboard_url(server: BackgroundServer) -> str:
    """Where the dashboard lives on the test server."""
    return server.url + "/__admin/"


@pytest.fixture
def launch() -> Iterator[Callable[..., BackgroundServer]]:
    """Start extra servers with other settings; stop them after the test."""
    running: list[BackgroundServer] = []

    def start(**changes: Any) -> BackgroundServer:
        changes.setdefault("auth", AuthConfig.parse(f"basic:{USER}:{TOKEN}"))
        settings = Settings(port=0, **changes)
        running.append(start_background(create_app(settings)))
        return running[-1]

    yield start
    for server in running:
        server.stop()


def read_events(response: requests.Response, count: int) -> list[dict[str, Any]]:
    """Read ``count`` SSE ``entry`` events from a streaming response."""
    events: list[dict[str, Any]] = []
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("data: "):
            events.append(json.loads(line[len("data: ") :]))
            if len(events) == count:
                break
    return events


@pytest.fixture
def events_reader() -> Callable[[requests.Response, int], list[dict[str, Any]]]:
    """The SSE reader, as a fixture so test modules need no import of this conftest."""
    return read_events


# -- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the whole session (tests navigate it to their own server)."""
    driver = launch_chromium(tmp_path_factory.mktemp("chromium-profile"))
    driver.execute_cdp_cmd("Network.enable", {})
    yield driver
    driver.quit()


def basic_header(user: str = USER, token: str = TOKEN) -> dict[str, str]:
    """The Authorization header a browser sends after answering the Basic prompt."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


@pytest.fixture
def page(browser: Any, dashboard_url: str) -> Iterator[Any]:
    """The dashboard of the test server, open and live, as a browser that answered the Basic prompt."""
    from selenium.webdriver.support.ui import WebDriverWait

    # Selenium cannot type into Chrome's Basic prompt; DevTools sends the same header instead.
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": basic_header()})
    browser.set_window_size(1400, 900)
    browser.get(dashboard_url)
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element("id", "live").get_attribute("data-state") == "live"
    )
    yield browser
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
    browser.get("about:blank")  # closes the event stream before the server stops


@pytest.fixture
def downloads(browser: Any, tmp_path: Path) -> Iterator[Path]:
    """A folder the shared browser saves downloads into without asking, for this test only."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    yield folder
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "default"})


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $MOCKSCIM_SCREENSHOTS (scripts/screenshots.py sets docs/images), else tmp."""
    target = Path(os.environ.get("MOCKSCIM_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
