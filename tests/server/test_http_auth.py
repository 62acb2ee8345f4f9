"""Credentials: Basic, Bearer (with and without the prefix), none on loopback only."""

from __future__ import annotations

import base64

import pytest

from mockscim.config import AuthConfig
from mockscim.config import ConfigError
from mockscim.config import Settings
from mockscim.server import create_app
from mockscim.server.serving import start_background


def basic(user: str, token: str) -> str:
    """An Authorization header value for Basic credentials."""
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


@pytest.fixture(params=["basic", "bearer"])
def secured(request, scim_for):
    """A server in Basic or Bearer mode, and the header that authenticates to it."""
    spec, good = {
        "basic": ("basic:okta:tok-123", basic("okta", "tok-123")),
        "bearer": ("bearer:tok-123", "Bearer tok-123"),
    }[request.param]
    running = start_background(create_app(Settings(port=0, auth=AuthConfig.parse(spec))))
    yield request.param, scim_for(running, auth=None), good
    running.stop()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic !!!notbase64",
        basic("okta", "wrong"),
        basic("wrong", "tok-123"),
        basic("okta", "tok-123x"),
        basic("okta", ""),
        "Bearer wrong",
        "Bearer ",
        "non-token",  # Okta's Runscope 401 check (docs/okta-reference.md §12 step 11)
        "Digest tok-123",
    ],
)
def test_wrong_or_missing_credentials_get_401_scim_error(secured, header):
    mode, client, _ = secured
    headers = {} if header is None else {"Authorization": header}
    for path in ("/Users", "/Groups/x", "/ServiceProviderConfig", "/Nope"):
        response = client.get(path, headers=headers)
        body = response.json()
        assert response.status_code == 401
        assert body["status"] == "401" and body["detail"]
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert response.headers["WWW-Authenticate"].startswith("Basic" if mode == "basic" else "Bearer")
        assert "tok-123" not in response.text


def test_right_credentials_pass(secured):
    _, client, good = secured
    assert client.get("/Users", headers={"Authorization": good}).status_code == 200


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic("okta", "tok-123"), 200),  # the form Okta sends, compared whole
        ("basic " + basic("okta", "tok-123")[6:], 200),  # other spellings are decoded (RFC 7617 §2)
        ("BASIC  " + basic("okta", "tok-123")[6:] + " ", 200),
        (basic("okta", "tok-123 "), 401),  # one character more than the usual form
        (basic("okta", "tok-123")[:-1], 401),
        (basic("okta", "tok-124"), 401),
    ],
)
def test_basic_credentials_in_any_spelling_are_checked(scim_for, header, expected):
    running = start_background(create_app(Settings(port=0, auth=AuthConfig.parse("basic:okta:tok-123"))))
    try:
        assert (
            scim_for(running, auth=None).get("/Users", headers={"Authorization": header}).status_code
            == expected
        )
    finally:
        running.stop()


def test_bare_bearer_token_is_accepted(secured):
    mode, client, _ = secured
    # Okta's HTTP Header mode may send the token without "Bearer " (docs/okta-reference.md §2.3, S20).
    expected = 200 if mode == "bearer" else 401
    assert client.get("/Users", headers={"Authorization": "tok-123"}).status_code == expected


def test_no_auth_mode_serves_loopback_without_credentials(scim_for, serve):
    running = serve(Settings(port=0, auth=AuthConfig.parse("none")))
    assert scim_for(running, auth=None).get("/Users").status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "example.com"])
def test_no_auth_is_refused_off_loopback(host):
    with pytest.raises(ConfigError, match="without credentials"):
        Settings(host=host, auth=AuthConfig.parse("none")).validate()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_no_auth_is_allowed_on_loopback(host):
    assert Settings(host=host, auth=AuthConfig.parse("none")).validate().host == host


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("basic:okta:abc", AuthConfig("basic", "okta", "abc")),
        ("basic:okta:a:b:c", AuthConfig("basic", "okta", "a:b:c")),
        ("bearer:abc", AuthConfig("bearer", token="abc")),
        ("BEARER:abc", AuthConfig("bearer", token="abc")),
        ("none", AuthConfig("none")),
    ],
)
def test_auth_spec_parsing(spec, expected):
    assert AuthConfig.parse(spec) == expected


@pytest.mark.parametrize("spec", ["basic:okta", "basic::tok", "bearer:", "token:x", "none:x", ""])
def test_bad_auth_spec_is_a_config_error(spec):
    with pytest.raises(ConfigError, match="basic:USER:TOKEN"):
        AuthConfig.parse(spec)


def test_generated_credentials_are_random():
    first, second = AuthConfig.generate(), AuthConfig.generate()
    assert first.mode == "basic" and first.generated
    assert first.token != second.token and len(first.token) >= 24
