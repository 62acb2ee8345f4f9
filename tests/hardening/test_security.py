"""Security defaults: credentials on every route, loopback without them, URLs that headers cannot
poison, error bodies without internals, and tenants that anonymous requests cannot create."""

from __future__ import annotations

import re
import socket
import sys
from importlib import metadata
from typing import Any

import pytest
from click.testing import CliRunner
from hardening.routes import concrete

from mockscim.commands.serve import serve
from mockscim.config import AuthConfig
from mockscim.config import ConfigError
from mockscim.config import Settings
from mockscim.constants import ERROR_SCHEMA
from mockscim.constants import USER_SCHEMA
from mockscim.server import create_app

USER, TOKEN = "okta", "s3cr3t-token-for-tests"
SCIM = "/scim/v2"
# Routes that answer without credentials, by design. Anything else must be refused (401).
PUBLIC = {
    "admin.health": "liveness probe; says only 'ok' and the version",
    "dashboard.static": "the dashboard's CSS and JavaScript, which hold no data",
    "dashboard.login_form": "the dashboard's login page",
    "dashboard.login": "the login itself: it checks the token it is given",
    "_index": "'/' points browsers at the dashboard, which needs credentials",
}


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every rule of the URL map, as the app is built today."""
    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, concrete(rule.rule)))
    return out


ROUTES = _routes()


@pytest.fixture(scope="module")
def guarded() -> Any:
    """An app with Basic credentials, a user, and a tenant 'acme' (created with credentials)."""
    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    client = app.test_client()
    client.post(SCIM + "/Users", json={"userName": "alice@example.com"}, auth=(USER, TOKEN))
    assert client.get("/t/acme" + SCIM + "/Users", auth=(USER, TOKEN)).status_code == 200
    return client


@pytest.mark.parametrize("prefix", ["", "/t/acme"])
@pytest.mark.parametrize(
    "auth", [None, (USER, "wrong"), ("wrong", TOKEN)], ids=["none", "bad-token", "bad-user"]
)
@pytest.mark.parametrize(("endpoint", "method", "url"), ROUTES, ids=[f"{m} {u}" for _, m, u in ROUTES])
def test_every_route_requires_credentials(guarded, prefix, auth, endpoint, method, url):
    response = guarded.open(prefix + url, method=method, auth=auth, json={} if method != "GET" else None)
    if endpoint in PUBLIC:
        assert response.status_code != 500 and TOKEN not in response.get_data(as_text=True)
        return
    assert response.status_code == 401, (
        f"{endpoint}: {response.status_code} {response.get_data(as_text=True)[:200]}"
    )
    assert "WWW-Authenticate" in response.headers
    assert "alice@example.com" not in response.get_data(as_text=True)


def test_health_is_public_and_says_nothing_else(guarded):
    response = guarded.get("/__admin/health")
    assert response.status_code == 200 and set(response.json) == {"status", "version"}


def test_every_public_route_is_still_in_the_url_map():
    # The allow-list must not keep stale entries that could hide a new route with an old name.
    assert set(PUBLIC) <= {endpoint for endpoint, _, _ in ROUTES}


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",
        "::",
        "",
        "192.168.1.10",
        "10.0.0.1",
        "example.com",
        "localhost.example.com",
        "127.0.0.1.nip.io",
    ],
)
def test_binding_beyond_loopback_without_credentials_is_refused(host):
    with pytest.raises(ConfigError, match="without credentials"):
        Settings(host=host, auth=AuthConfig("none")).validate()
    with pytest.raises(ConfigError):
        create_app(Settings(host=host, auth=AuthConfig("none")))  # embedding cannot skip the check
    result = CliRunner().invoke(serve, ["--host", host, "--port", "0", "--auth", "none"])
    assert result.exit_code == 2 and "without credentials" in result.output


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_without_credentials_is_allowed(host):
    assert Settings(host=host, auth=AuthConfig("none")).validate().host == host


def test_any_host_with_credentials_is_allowed():
    assert Settings(host="0.0.0.0", auth=AuthConfig.parse("basic:u:t")).validate().host == "0.0.0.0"


POISON = {
    "Host": "evil.example",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Port": "4443",
    "X-Forwarded-Prefix": "/evil",
    "X-Forwarded-For": "203.0.113.9",
    "Forwarded": "host=evil.example;proto=https",
}


def _locations(client: Any, base: str, headers: dict[str, str]) -> list[str]:
    """Every URL the server builds: Location, meta.location, groups[].$ref, discovery locations."""
    created = client.post(
        base + "/Users", json={"schemas": [USER_SCHEMA], "userName": "u@example.com"}, headers=headers
    )
    uid = created.json()["id"]
    client.post(base + "/Groups", json={"displayName": "g", "members": [{"value": uid}]}, headers=headers)
    found = [created.headers["Location"], created.json()["meta"]["location"]]
    user = client.get(base + f"/Users/{uid}", headers=headers).json()
    found += [user["meta"]["location"]] + [g["$ref"] for g in user["groups"]]
    for path in ("/Groups", "/ResourceTypes", "/Schemas"):
        found += [r["meta"]["location"] for r in client.get(base + path, headers=headers).json()["Resources"]]
    found.append(client.get(base + "/ServiceProviderConfig", headers=headers).json()["meta"]["location"])
    return found


@pytest.mark.parametrize("header", sorted(POISON))
def test_host_and_forwarded_headers_never_reach_urls_by_default(launch, connect, header):
    server = launch()
    found = _locations(connect(), server.url + SCIM, {header: POISON[header]})
    assert found and all(url.startswith(server.url + SCIM + "/") for url in found), found


@pytest.mark.parametrize(
    ("changes", "headers", "expected"),
    [
        ({"public_url": "https://tunnel.example/scim/v2"}, POISON, "https://tunnel.example/scim/v2/"),
        (
            {"trust_proxy": 1},
            {"X-Forwarded-Host": "proxy.example", "X-Forwarded-Proto": "https"},
            "https://proxy.example/scim/v2/",
        ),
    ],
    ids=["public-url", "trust-proxy"],
)
def test_urls_follow_public_url_or_trusted_proxies_when_asked(launch, connect, changes, headers, expected):
    server = launch(**changes)
    found = _locations(connect(), server.url + SCIM, headers)
    assert all(url.startswith(expected) for url in found), found


def test_tenant_urls_keep_their_prefix_and_the_bound_address(launch, connect):
    server = launch()
    base = server.url + "/t/acme" + SCIM
    found = _locations(connect(), base, {"Host": "evil.example"})
    assert all(url.startswith(base + "/") for url in found), found


LEAKS = re.compile(
    r"Traceback|File \"|site-packages|/work/|\.py\b|werkzeug|waitress|flask|Python/\d|python3\.\d",
    re.IGNORECASE,
)


def _versions() -> list[str]:
    """Version strings that must never appear in an answer."""
    return [f"{name}/{metadata.version(name)}" for name in ("werkzeug", "waitress", "flask")] + [
        sys.version.split()[0]
    ]


def _raw(port: int, payload: bytes) -> bytes:
    """Send raw bytes and read the whole answer (for requests no HTTP client would send): until
    the server closes, or, on a kept-alive connection, until it has been quiet for half a second."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                sock.settimeout(0.5)
        except TimeoutError:
            pass
    return b"".join(chunks)


def test_error_answers_hold_no_tracebacks_paths_or_versions(launch, connect):
    server = launch()
    app = server.server.app
    client, base = connect(), server.url + SCIM
    uid = client.post(base + "/Users", json={"userName": "e@example.com"}).json()["id"]
    with app.app_context():  # a 500 from a bug, with a path and secrets in the exception text
        app.view_functions["scim.get_Group"] = lambda **_: 1 / 0
    answers = [
        client.get(base + "/Groups/boom"),  # 500
        client.post(base + "/Users", data="{not json", headers={"Content-Type": "application/json"}),
        client.post(base + "/Users", data="x", headers={"Content-Type": "text/plain"}),
        client.post(base + "/Users", json={"userName": "e@example.com"}),
        client.put(base + f"/Users/{uid}", json={"userName": "e@example.com"}, headers={"If-Match": 'W/"9"'}),
        client.get(base + "/Users", params={"filter": "userName eq"}),
        client.patch(
            base + f"/Users/{uid}", json={"Operations": [{"op": "add", "path": "nope", "value": 1}]}
        ),
        client.get(base + "/Nope"),
        client.delete(base + "/Users"),
        client.get(base + "/Bulk"),
        client.post(base + "/Users", data="[" * 100_000, headers={"Content-Type": "application/json"}),
        client.get(base + "/Users", params={"filter": "a" * 70_000}),
        connect(auth=None).get(base + "/Users"),
        client.get(server.url + "/__admin/requests/999999"),
        client.post(server.url + "/__admin/seed", data="{", headers={"Content-Type": "application/json"}),
    ]
    assert answers[0].status_code == 500
    statuses = set()
    for answer in answers:
        statuses.add(answer.status_code)
        text = answer.text + "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
        assert not LEAKS.search(text), (answer.status_code, text[:300])
        assert not any(version in text for version in _versions())
        assert answer.headers["Server"] == "mockscim"
    assert {400, 401, 404, 405, 409, 412, 414, 415, 500, 501} <= statuses
    # Requests an HTTP client would not send; http.server answers most of them itself (an
    # HTTP/0.9 answer has no headers).
    for payload in (b"GARBAGE\r\n\r\n", b"GET /\x00\x1b[2J HTTP/1.1\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"):
        raw = _raw(server.port, payload).decode("latin-1")
        assert ("Error response" in raw or ERROR_SCHEMA in raw) and not LEAKS.search(raw)
        assert not any(version in raw for version in _versions())
        assert not raw.startswith("HTTP/") or "Server: mockscim\r\n" in raw


def test_anonymous_requests_create_no_tenants(launch, connect):
    server = launch(max_tenants=3)
    anonymous = connect(auth=None)
    for i in range(10):
        for path, status in ((SCIM + "/Users", 401), ("/__admin/health", 200), ("/__admin/requests", 401)):
            assert anonymous.get(f"{server.url}/t/anon{i}{path}").status_code == status
    tenants = connect().get(server.url + "/__admin/tenants").json()["tenants"]
    assert [t["name"] for t in tenants] == ["default"]
    assert connect().get(server.url + "/t/real" + SCIM + "/Users").status_code == 200  # slots are free


def test_a_password_of_the_wrong_type_is_never_echoed(launch, connect):
    server = launch()
    client, base = connect(), server.url + SCIM
    uid = client.post(base + "/Users", json={"userName": "p@example.com"}).json()["id"]
    answers = [
        client.post(base + "/Users", json={"userName": "q@example.com", "password": ["hunter2-secret"]}),
        client.patch(
            base + f"/Users/{uid}",
            json={"Operations": [{"op": "replace", "path": "password", "value": {"x": "hunter2-secret"}}]},
        ),
        client.patch(
            base + f"/Users/{uid}",
            json={"Operations": [{"op": "replace", "value": {"password": ["hunter2-secret"]}}]},
        ),
    ]
    journal = server.server.app.extensions["mockscim"].journal.entries()
    for answer in answers:
        assert answer.status_code == 400 and "hunter2-secret" not in answer.text
    assert "hunter2-secret" not in repr(journal)


def test_the_access_log_cannot_be_forged_by_a_path(launch, caplog):
    server = launch()
    with caplog.at_level("INFO", logger="mockscim.access"):
        _raw(server.port, b"GET /x\x1b[2J\rFAKE 200 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    lines = [r.getMessage() for r in caplog.records if r.name == "mockscim.access"]
    assert lines and all("\x1b" not in line and "\r" not in line for line in lines), lines
