"""The admin API: journal queries, reset, seed, state snapshot/restore, health, auth."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests


@pytest.fixture
def admin(server, scim):
    """A session with the server's credentials, pointed at /__admin."""
    session = scim.session
    base = server.url + "/__admin"

    class Admin:
        url = base

        def get(self, path: str, **kw):
            return session.get(base + path, timeout=5, **kw)

        def post(self, path: str, json=None, **kw):
            return session.post(base + path, json=json, timeout=5, **kw)

        def put(self, path: str, json=None, **kw):
            return session.put(base + path, json=json, timeout=5, **kw)

        def delete(self, path: str, **kw):
            return session.delete(base + path, timeout=5, **kw)

    return Admin()


def test_health_needs_no_credentials(server):
    response = requests.get(server.url + "/__admin/health", timeout=5)
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/requests"),
        ("DELETE", "/requests"),
        ("POST", "/requests/count"),
        ("GET", "/requests/1"),
        ("POST", "/reset"),
        ("POST", "/seed"),
        ("GET", "/state"),
        ("PUT", "/state"),
    ],
)
def test_every_other_admin_route_needs_credentials(server, method, path):
    response = requests.request(method, server.url + "/__admin" + path, timeout=5)
    assert response.status_code == 401
    assert response.json()["status"] == "401"


def test_admin_token_replaces_the_scim_credentials(settings, scim_for, serve):
    running = serve(replace(settings, admin_token="adm-1"))
    url = running.url + "/__admin/requests"
    assert requests.get(url, headers={"Authorization": "Bearer adm-1"}, timeout=5).status_code == 200
    assert requests.get(url, auth=(settings.auth.user, settings.auth.token), timeout=5).status_code == 401
    assert scim_for(running).get("/Users").status_code == 200  # SCIM keeps its own credentials


def test_requests_are_listed_newest_first_and_filtered(admin, scim):
    user = scim.create_user("a@example.com")
    scim.get(f"/Users/{user['id']}")
    scim.get("/Users?count=abc")
    listed = admin.get("/requests").json()
    assert [e["operation"] for e in listed["requests"]] == ["import-users", "get-user", "create-user"]
    assert listed["meta"] == {"total": 3, "returned": 3, "dropped": 0, "capacity": 10_000}
    assert [e["operation"] for e in admin.get("/requests?operation=get-user").json()["requests"]] == [
        "get-user"
    ]
    assert admin.get("/requests?method=POST").json()["meta"]["total"] == 1
    assert admin.get("/requests?path=/Users/").json()["meta"]["total"] == 1
    assert admin.get("/requests?severity=error").json()["meta"]["total"] == 1
    assert admin.get("/requests?limit=1").json()["meta"] == {
        "total": 3,
        "returned": 1,
        "dropped": 0,
        "capacity": 10_000,
    }
    first = listed["requests"][-1]
    assert admin.get(f"/requests/{first['id']}").json() == first
    assert admin.post("/requests/count", {"operation": "create-user"}).json() == {"count": 1}
    assert admin.post("/requests/count").json() == {"count": 3}


def test_journal_entry_shape(admin, scim):
    scim.create_user("shape@example.com")
    entry = admin.get("/requests").json()["requests"][0]
    keys = {
        "id",
        "at",
        "duration_ms",
        "request",
        "response",
        "operation",
        "dialect",
        "findings",
        "resource",
        "fault",
    }
    assert set(entry) == keys
    assert entry["fault"] is None
    assert set(entry["request"]) == {"method", "path", "scim_path", "query", "headers", "body"}
    assert entry["request"]["path"] == "/scim/v2/Users" and entry["request"]["scim_path"] == "/Users"
    assert entry["response"]["status"] == 201 and entry["response"]["body"]["userName"] == "shape@example.com"
    assert entry["request"]["body"]["password"] == "***"
    assert entry["resource"] == {"type": "User", "id": entry["response"]["body"]["id"]}
    assert entry["duration_ms"] >= 0


def test_admin_requests_are_not_journaled(admin):
    admin.get("/requests")
    admin.get("/state")
    assert admin.get("/requests").json()["meta"]["total"] == 0


def test_delete_requests_clears_the_journal(admin, scim):
    scim.get("/Users")
    assert admin.delete("/requests").status_code == 200
    assert admin.get("/requests").json()["requests"] == []


@pytest.mark.parametrize(
    ("body", "users", "journal"),
    [
        (None, 0, 0),
        ({}, 0, 0),
        ({"journal": False}, 0, 1),
        ({"state": False}, 1, 0),
        ({"state": False, "journal": False}, 1, 1),
    ],
)
def test_reset_options(admin, scim, body, users, journal):
    scim.create_user("r@example.com")
    response = admin.post("/reset", body) if body is not None else admin.post("/reset")
    assert response.status_code == 200
    assert scim.session.get(scim.base + "/Users?count=0", timeout=5).json()["totalResults"] == users
    # The count GET above is journaled too; the create survives only if the journal was kept.
    assert admin.get("/requests").json()["meta"]["total"] == journal + 1


def test_reset_with_random_seed_makes_ids_reproducible(admin, scim):
    admin.post("/reset", {"random_seed": 42})
    first = scim.create_user("x@example.com")["id"]
    admin.post("/reset", {"random_seed": 42})
    assert scim.create_user("x@example.com")["id"] == first


def test_seed_then_state_round_trip(admin, scim):
    seed = {
        "users": [{"id": "u-1", "userName": "seeded@example.com", "active": True}],
        "groups": [{"id": "g-1", "displayName": "Seeded", "members": [{"value": "u-1"}]}],
    }
    assert admin.post("/seed", seed).json() == {"created": {"users": 1, "groups": 1}}
    assert scim.get("/Users/u-1").json()["groups"][0]["value"] == "g-1"
    snapshot = admin.get("/state").json()
    admin.post("/reset")
    assert admin.put("/state", snapshot).json()["counts"] == {"User": 1, "Group": 1}
    assert admin.get("/state").json() == snapshot


@pytest.mark.parametrize(
    ("method", "path", "body", "fragment"),
    [
        ("POST", "/seed", "not json", "not valid JSON"),
        ("POST", "/seed", "[]", "JSON object"),
        ("POST", "/seed", '{"people": []}', "unknown seed key"),
        ("POST", "/seed", '{"users": [{"active": true}]}', "users[0]: userName is required"),
        ("POST", "/seed", '{"users": "x"}', "must be a list"),
        ("PUT", "/state", '{"users": []}', "not a mockscim snapshot"),
        ("POST", "/reset", '{"everything": true}', "unknown reset option"),
        ("POST", "/reset", '{"state": "maybe"}', "true or false"),
        ("POST", "/requests/count", '{"op": "x"}', "unknown filter"),
        ("GET", "/requests?severity=fatal", None, "severity"),
        ("GET", "/requests?limit=ten", None, "limit must be an integer"),
        ("GET", "/requests?has_findings=perhaps", None, "true or false"),
    ],
)
def test_bad_admin_input_gets_a_clear_400(admin, method, path, body, fragment):
    response = admin.__class__.__dict__[method.lower()](
        admin, path, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert fragment in response.json()["detail"]


def test_unknown_journal_entry_is_404(admin):
    response = admin.get("/requests/999")
    assert response.status_code == 404 and "no journal entry 999" in response.json()["detail"]


def test_journal_is_bounded(settings, scim_for, serve):
    running = serve(replace(settings, journal_size=5))
    client = scim_for(running)
    for _ in range(8):
        client.get("/Users")
    meta = client.session.get(running.url + "/__admin/requests", timeout=5).json()["meta"]
    assert meta == {"total": 5, "returned": 5, "dropped": 3, "capacity": 5}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),  # curl, the runner
        ({"Sec-Fetch-Site": "same-origin"}, 200),  # the dashboard
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Origin": "https://evil.example"}, 403),
    ],
)
def test_cross_site_writes_are_refused(admin, headers, status):
    response = admin.post("/reset", headers=headers)
    assert response.status_code == status
    assert (
        admin.get("/requests", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    )  # reads stay allowed


def test_no_journal_records_nothing(settings, scim_for, serve):
    running = serve(replace(settings, journal=False))
    client = scim_for(running)
    client.create_user("nobody@example.com")
    assert client.session.get(running.url + "/__admin/requests", timeout=5).json()["requests"] == []
