"""Isolated tenants under /t/{tenant}: own store, journal, credentials; dynamic and static modes."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import requests

from mockscim.config import AuthConfig


@pytest.fixture
def tenant_client(server, scim_for):
    """Build a SCIM client for tenant ``name`` on the shared test server."""

    def build(name: str, auth=("okta", "s3cr3t-token-for-tests")):
        client = scim_for(server, auth=auth)
        client.base = f"{server.url}/t/{name}/scim/v2"
        return client

    return build


def admin_get(client, path: str) -> dict:
    """GET the tenant's own admin API."""
    return client.session.get(client.base.replace("/scim/v2", "/__admin") + path, timeout=5).json()


def test_tenants_are_isolated_and_urls_keep_the_prefix(scim, tenant_client):
    acme, globex = tenant_client("acme"), tenant_client("globex")
    created = acme.create_user("alice@acme.example")
    globex.create_user("alice@acme.example")  # same userName, other tenant: no conflict
    assert created["meta"]["location"] == f"{acme.base}/Users/{created['id']}"
    assert acme.get(f"/Users/{created['id']}").status_code == 200
    assert globex.get(f"/Users/{created['id']}").status_code == 404
    assert scim.get("/Users").json()["totalResults"] == 0
    assert [e["request"]["path"] for e in admin_get(acme, "/requests")["requests"]] == [
        f"/t/acme/scim/v2/Users/{created['id']}",
        "/t/acme/scim/v2/Users",
    ]


def test_admin_reset_of_one_tenant(scim, tenant_client):
    acme, globex = tenant_client("acme"), tenant_client("globex")
    acme.create_user("a@x")
    globex.create_user("g@x")
    acme.session.post(acme.base.replace("/scim/v2", "/__admin/reset"), timeout=5)
    assert acme.get("/Users").json()["totalResults"] == 0
    assert globex.get("/Users").json()["totalResults"] == 1


def test_tenant_management_api(server, scim, tenant_client):
    admin = server.url + "/__admin/tenants"
    session = scim.session
    created = session.post(admin, json={"name": "own-creds", "auth": "bearer:tenant-token"}, timeout=5)
    assert created.status_code == 201 and created.json()["own_credentials"] is True
    own = tenant_client("own-creds", auth=None)
    assert own.get("/Users").status_code == 401
    assert own.get("/Users", headers={"Authorization": "Bearer tenant-token"}).status_code == 200
    names = [t["name"] for t in session.get(admin, timeout=5).json()["tenants"]]
    assert names == ["default", "own-creds"]
    assert "tenant-token" not in session.get(admin, timeout=5).text
    assert session.delete(f"{admin}/own-creds", timeout=5).status_code == 200
    assert session.delete(f"{admin}/default", timeout=5).status_code == 404
    assert session.post(admin, json={"name": "bad name!"}, timeout=5).status_code == 400
    assert session.get(f"{server.url}/t/x/__admin/tenants", timeout=5).status_code == 404


def test_static_mode_refuses_undeclared_tenants(settings, scim_for, serve):
    declared = replace(
        settings, tenant_mode="static", tenants=(("acme", None), ("beta", AuthConfig.parse("bearer:b")))
    )
    running = serve(declared)
    client = scim_for(running)
    url = running.url + "/t/{}/scim/v2/Users"
    assert client.session.get(url.format("acme"), timeout=5).status_code == 200
    missing = client.session.get(url.format("nobody"), timeout=5)
    assert missing.status_code == 404 and "no tenant 'nobody'" in missing.json()["detail"]
    assert (
        requests.get(url.format("beta"), headers={"Authorization": "Bearer b"}, timeout=5).status_code == 200
    )


def test_tenant_count_is_limited(settings, scim_for, serve):
    running = serve(replace(settings, max_tenants=2))
    client = scim_for(running)
    statuses = [
        client.session.get(f"{running.url}/t/t{i}/scim/v2/Users", timeout=5).status_code for i in range(4)
    ]
    assert statuses == [200, 200, 403, 403]


def test_two_tenants_hammered_concurrently_keep_their_own_data(tenant_client):
    clients = {name: tenant_client(name) for name in ("red", "blue")}
    errors: list[str] = []

    def hammer(name: str, worker: int) -> None:
        client = tenant_client(name)
        for i in range(25):
            response = client.post(
                "/Users",
                {
                    "userName": f"{name}-{worker}-{i}@x",
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                },
            )
            if response.status_code != 201:
                errors.append(response.text)
            client.get(f"/Users?filter=userName%20eq%20%22{name}-{worker}-{i}%40x%22")

    threads = [threading.Thread(target=hammer, args=(n, w)) for n in clients for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for name, client in clients.items():
        users = client.get("/Users?count=1000").json()["Resources"]
        assert len(users) == 100 and all(u["userName"].startswith(f"{name}-") for u in users)
        entries = admin_get(client, "/requests")["requests"]
        assert len(entries) == 201  # 100 creates, 100 lookups, 1 list
        assert all(e["request"]["path"].startswith(f"/t/{name}/") for e in entries)
