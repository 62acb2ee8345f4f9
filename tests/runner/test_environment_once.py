"""The runner's session reads proxy and CA settings from the environment once per origin, and
answers exactly what requests itself answers for every URL."""

from __future__ import annotations

import pytest
import requests
import requests.sessions

from mockscim.runner.client import EnvironmentOnce

ENVIRONMENTS = {
    "none": {},
    "proxy for all but loopback": {
        "HTTP_PROXY": "http://proxy.invalid:3128",
        "NO_PROXY": "127.0.0.1,localhost",
    },
    "https proxy and a CA bundle": {
        "HTTPS_PROXY": "http://tls-proxy.invalid:8443",
        "REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt",
    },
    "no_proxy by port": {"HTTP_PROXY": "http://proxy.invalid:3128", "NO_PROXY": "127.0.0.1:9"},
}
URLS = [
    "http://127.0.0.1:8080/scim/v2/Users",
    "http://127.0.0.1:9/scim/v2/Users?filter=x",
    "http://localhost:8080/scim/v2/Groups/1",
    "https://scim.example.com/scim/v2/Users",
    "http://scim.example.com/scim/v2/Users",
]
ARGUMENTS = [({}, None, True, None), ({"http": "http://explicit.invalid:1"}, False, False, None)]


@pytest.fixture
def environment(request, monkeypatch):
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in ENVIRONMENTS[request.param].items():
        monkeypatch.setenv(name, value)
    return request.param


@pytest.mark.parametrize("environment", ENVIRONMENTS, indirect=True)
@pytest.mark.parametrize("arguments", ARGUMENTS, ids=["defaults", "explicit"])
def test_settings_are_what_requests_answers(environment, arguments):
    plain, once = requests.Session(), EnvironmentOnce()
    for _ in range(2):  # the second round is answered from the cache
        for url in URLS:
            assert once.merge_environment_settings(url, *arguments) == plain.merge_environment_settings(
                url, *arguments
            ), url


def test_the_environment_is_read_once_per_origin(monkeypatch):
    reads = []
    original = requests.sessions.get_environ_proxies
    monkeypatch.setattr(
        requests.sessions, "get_environ_proxies", lambda *a, **k: reads.append(a[0]) or original(*a, **k)
    )
    session = EnvironmentOnce()
    for path in ("/Users", "/Users/1", "/Groups?filter=x"):
        for origin in ("http://127.0.0.1:8080", "http://127.0.0.1:8081"):
            session.merge_environment_settings(origin + path, {}, None, True, None)
    assert [url.rsplit("/", 1)[0] for url in reads] == ["http://127.0.0.1:8080", "http://127.0.0.1:8081"]


def test_a_caller_changing_the_answer_does_not_change_the_next_one():
    session = EnvironmentOnce()
    first = session.merge_environment_settings("http://127.0.0.1:1/x", {}, None, True, None)
    first["proxies"]["http"] = "http://changed.invalid"
    first["verify"] = False
    again = session.merge_environment_settings("http://127.0.0.1:1/x", {}, None, True, None)
    assert "http" not in again["proxies"] and again["verify"] is not False
