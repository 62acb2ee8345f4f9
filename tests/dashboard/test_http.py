"""The dashboard over real HTTP: access, banner, no secrets, live events, download, actions."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from mockscim.config import AuthConfig
from mockscim.server import dashboard

USER, TOKEN = "okta", "s3cr3t-token-for-tests"
PASSWORD = "pw-Never-Shown-42"
ENDPOINTS = ("dashboard/api/entries", "dashboard/api/flows", "dashboard/api/state", "requests.jsonl")


def test_root_redirects_to_the_dashboard(server):
    response = requests.get(server.url + "/", allow_redirects=False, timeout=5)
    assert (response.status_code, response.headers["Location"]) == (302, "/__admin/")


def test_tenant_root_redirects_to_the_tenant_dashboard(server):
    response = requests.get(server.url + "/t/acme/", auth=(USER, TOKEN), allow_redirects=False, timeout=5)
    assert response.headers["Location"] == "/t/acme/__admin/"


def test_root_stays_scim_when_scim_lives_at_the_root(launch):
    running = launch(base_path="/")
    assert requests.get(running.url + "/", auth=(USER, TOKEN), timeout=5).status_code == 404


@pytest.mark.parametrize("path", ["", *ENDPOINTS, "dashboard/api/events", "dashboard/api/credentials"])
def test_dashboard_needs_credentials(dashboard_url, path):
    response = requests.get(dashboard_url + path, timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="mockscim"'
    assert requests.get(dashboard_url + path, auth=(USER, "wrong"), timeout=5).status_code == 401


def test_page_shows_what_to_paste_into_okta(admin, dashboard_url, server):
    html = admin.get(dashboard_url, timeout=5).text
    assert server.url + "/scim/v2" in html
    for text in (
        "SCIM connector base URL",
        "Unique identifier field for users",
        "<code>email</code>",
        "Basic Auth",
    ):
        assert text in html
    assert f'<code id="auth-user">{USER}</code>' in html


def test_banner_honours_public_url(launch):
    running = launch(public_url="https://tunnel.example/scim/v2")
    html = requests.get(running.url + "/__admin/", auth=(USER, TOKEN), timeout=5).text
    assert "https://tunnel.example/scim/v2" in html


def test_no_secret_in_page_or_dashboard_endpoints(admin, dashboard_url, okta_aiw):
    people = okta_aiw.session()
    okta_aiw.flagged(people["alice"]["id"])
    urls = [dashboard_url, *(dashboard_url + p for p in ENDPOINTS)]
    ids = [
        row["id"] for row in admin.get(dashboard_url + "dashboard/api/entries", timeout=5).json()["entries"]
    ]
    urls += [f"{dashboard_url}dashboard/api/entries/{i}" for i in ids]
    urls.append(f"{dashboard_url}dashboard/api/state/User/{people['alice']['id']}")
    for url in urls:
        text = admin.get(url, timeout=5).text
        assert TOKEN not in text and PASSWORD not in text, url
    with admin.get(dashboard_url + "dashboard/api/events?since=0", stream=True, timeout=5) as stream:
        for line in stream.iter_lines(decode_unicode=True):
            assert TOKEN not in line and PASSWORD not in line
            if line.startswith(f"id: {ids[0]}"):
                break


def test_token_is_revealed_only_by_its_endpoint(admin, dashboard_url):
    response = admin.get(dashboard_url + "dashboard/api/credentials", timeout=5)
    assert response.json() == {"mode": "basic", "user": USER, "token": TOKEN}
    assert response.headers["Cache-Control"] == "no-store"


def test_page_forbids_inline_script(admin, dashboard_url):
    headers = admin.get(dashboard_url, timeout=5).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_script_in_a_request_never_reaches_the_page_html(admin, dashboard_url, scim):
    payload = "<script>window.pwned=1</script>"
    scim.post("/Users", {"userName": payload, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]})
    scim.get("/Users/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert "<script>window" not in admin.get(dashboard_url, timeout=5).text
    response = admin.get(dashboard_url + "dashboard/api/entries", timeout=5)
    assert response.headers["Content-Type"] == "application/json"  # data, never rendered as HTML
    assert payload in {row["subject"] for row in response.json()["entries"]}


def test_event_stream_delivers_new_entries(admin, dashboard_url, scim, events_reader):
    with admin.get(dashboard_url + "dashboard/api/events?since=0", stream=True, timeout=5) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        threading.Timer(0.2, lambda: scim.get("/Users?startIndex=1&count=2")).start()
        (event,) = events_reader(stream, 1)
    assert (event["operation"], event["label"], event["status"]) == (
        "test-connector",
        "Okta: test connector configuration (GET)",
        200,
    )


def test_event_stream_resumes_after_last_event_id(admin, dashboard_url, scim, events_reader):
    for _ in range(3):
        scim.get("/Users?startIndex=1&count=2")
    headers = {"Last-Event-ID": "1"}
    with admin.get(dashboard_url + "dashboard/api/events", headers=headers, stream=True, timeout=5) as stream:
        assert [event["id"] for event in events_reader(stream, 2)] == [2, 3]


def test_event_stream_unsubscribes_when_the_client_goes(admin, app, dashboard_url, monkeypatch):
    monkeypatch.setattr(dashboard, "HEARTBEAT_SECONDS", 0.05)
    journal = app.extensions["mockscim"].journal
    with admin.get(dashboard_url + "dashboard/api/events", stream=True, timeout=5) as stream:
        next(stream.iter_lines())
        assert len(journal._listeners) == 1  # no public count; the listener list is the truth
    deadline = time.monotonic() + 3
    while journal._listeners and time.monotonic() < deadline:
        time.sleep(0.02)
    assert journal._listeners == []


def test_event_stream_frees_its_worker_soon_after_the_client_hangs_up(admin, app, dashboard_url):
    # No heartbeat is due (15 s): mockscim's server tells the stream its client is gone, so a
    # closed dashboard tab does not hold one of the server's few workers until the next write.
    journal = app.extensions["mockscim"].journal
    with admin.get(dashboard_url + "dashboard/api/events", stream=True, timeout=5) as stream:
        next(stream.iter_lines())
        assert len(journal._listeners) == 1
    deadline = time.monotonic() + 3 * dashboard.GONE_POLL_SECONDS + 2
    while journal._listeners and time.monotonic() < deadline:
        time.sleep(0.02)
    assert journal._listeners == []


def test_event_stream_ends_after_its_lifetime(admin, dashboard_url, monkeypatch):
    monkeypatch.setattr(dashboard, "STREAM_SECONDS", 0.3)
    monkeypatch.setattr(dashboard, "HEARTBEAT_SECONDS", 0.1)
    started = time.monotonic()
    with admin.get(dashboard_url + "dashboard/api/events", stream=True, timeout=5) as stream:
        lines = list(stream.iter_lines(decode_unicode=True))
    assert time.monotonic() - started < 3
    assert lines[0] == "retry: 2000" and ": heartbeat" in lines


def test_server_stops_while_a_stream_is_open(launch):
    running = launch()
    stream = requests.get(
        running.url + "/__admin/dashboard/api/events", auth=(USER, TOKEN), stream=True, timeout=5
    )
    next(stream.iter_lines())
    started = time.monotonic()
    running.stop()
    stream.close()
    assert time.monotonic() - started < 2


def test_polling_with_since_returns_only_newer_entries(admin, dashboard_url, scim):
    for _ in range(3):
        scim.get("/Users?startIndex=1&count=2")
    data = admin.get(dashboard_url + "dashboard/api/entries?since=1", timeout=5).json()
    assert [row["id"] for row in data["entries"]] == [3, 2]
    assert data["meta"]["total"] == 2


def test_journal_downloads_as_json_lines(admin, dashboard_url, okta_aiw):
    okta_aiw.session()
    response = admin.get(dashboard_url + "requests.jsonl", timeout=5)
    assert response.headers["Content-Disposition"] == 'attachment; filename="mockscim-journal.jsonl"'
    entries = [json.loads(line) for line in response.text.splitlines()]
    assert [e["id"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[1]["operation"] == "user-lookup"


def test_detail_links_the_operation_to_okta_docs(admin, dashboard_url, okta_aiw):
    okta_aiw.session()
    detail = admin.get(dashboard_url + "dashboard/api/entries/3", timeout=5).json()
    assert (detail["operation"], detail["section"]) == ("create-user", "§5.2")
    assert detail["doc_url"].endswith("/okta-scim/guides/scim-20#create-the-user")
    assert detail["request"]["headers"]["authorization"] == "Basic ***"


def test_flows_endpoint_groups_the_session(admin, dashboard_url, okta_aiw):
    okta_aiw.session()
    flows = admin.get(dashboard_url + "dashboard/api/flows", timeout=5).json()["flows"]
    texts = [flow["text"] for flow in flows]
    assert texts[0] == "assign carol.danvers@example.com → lookup (0 hits)"
    assert "push group Engineering → create (201) → GET (200) → PUT (200)" in texts
    assert "deactivate bob.builder@example.com → GET (200) → PUT active=false (200)" in texts
    assert flows[0]["outcome"] == "complete"  # grouping only: the library flows give verdicts


def test_state_and_resource_views(admin, dashboard_url, okta_aiw):
    people = okta_aiw.session()
    state = admin.get(dashboard_url + "dashboard/api/state", timeout=5).json()
    alice = next(u for u in state["users"] if u["userName"] == "alice.liddell@example.com")
    assert (alice["name"], alice["active"], alice["groups"]) == ("Alice Liddell", True, ["Engineering"])
    assert state["groups"][0] == {
        "id": state["groups"][0]["id"],
        "displayName": "Engineering",
        "members": ["alice.liddell@example.com"],
    }
    touched = admin.get(f"{dashboard_url}dashboard/api/state/User/{people['alice']['id']}", timeout=5).json()
    assert [row["operation"] for row in touched["requests"]] == ["replace-user", "get-user", "create-user"]


def test_actions_need_the_dashboard_header(admin, dashboard_url):
    refused = admin.post(dashboard_url + "dashboard/api/clear", timeout=5)
    assert refused.status_code == 403
    headers = {"X-Mockscim-Dashboard": "1"}
    assert admin.post(dashboard_url + "dashboard/api/clear", headers=headers, timeout=5).json() == {
        "cleared": True
    }


def test_reset_keeps_the_journal_when_asked(admin, dashboard_url, okta_aiw, scim):
    okta_aiw.session()
    headers = {"X-Mockscim-Dashboard": "1"}
    body = {"state": True, "journal": False}
    assert admin.post(dashboard_url + "dashboard/api/reset", json=body, headers=headers, timeout=5).ok
    assert scim.get("/Users").json()["totalResults"] == 0
    assert admin.get(dashboard_url + "dashboard/api/entries", timeout=5).json()["meta"]["total"] > 0


def test_bearer_mode_uses_a_login_form_and_a_strict_cookie(launch):
    running = launch(auth=AuthConfig.parse("bearer:bearer-token-xyz"))
    session = requests.Session()
    first = session.get(running.url + "/__admin/", allow_redirects=False, timeout=5)
    assert (first.status_code, first.headers["Location"]) == (303, "/__admin/dashboard/login")
    login = running.url + "/__admin/dashboard/login"
    assert session.post(login, data={"token": "wrong"}, allow_redirects=False, timeout=5).status_code == 401
    signed_in = session.post(login, data={"token": "bearer-token-xyz"}, allow_redirects=False, timeout=5)
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/__admin" in cookie
    assert "bearer-token-xyz" not in cookie
    assert session.get(running.url + "/__admin/", timeout=5).status_code == 200
    assert session.get(running.url + "/__admin/dashboard/api/entries", timeout=5).status_code == 200


def test_admin_token_replaces_the_scim_credentials(launch):
    running = launch(admin_token="admin-token-abc")
    url = running.url + "/__admin/dashboard/api/entries"
    assert requests.get(url, auth=(USER, TOKEN), timeout=5).status_code == 401
    assert (
        requests.get(url, headers={"Authorization": "Bearer admin-token-abc"}, timeout=5).status_code == 200
    )
    page = requests.get(running.url + "/__admin/", allow_redirects=False, timeout=5)
    assert page.headers["Location"] == "/__admin/dashboard/login"


def test_each_tenant_has_its_own_dashboard(server, admin, scim):
    tenant = requests.Session()
    tenant.auth = (USER, TOKEN)
    tenant.get(server.url + "/t/acme/scim/v2/Users?startIndex=1&count=2", timeout=5)
    rows = admin.get(server.url + "/t/acme/__admin/dashboard/api/entries", timeout=5).json()["entries"]
    assert [row["path"] for row in rows] == ["/t/acme/scim/v2/Users"]
    assert admin.get(server.url + "/__admin/dashboard/api/entries", timeout=5).json()["entries"] == []
