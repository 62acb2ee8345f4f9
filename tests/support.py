"""Test data shared by test modules (importable as ``support``: pytest's ``pythonpath``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"


def okta_user(user_name: str = "test.user@okta.local", **extra: Any) -> dict[str, Any]:
    """Okta's POST /Users body (docs/okta-reference.md §5.2); ``extra`` overrides, None removes a key."""
    given, _, family = user_name.partition("@")[0].partition(".")
    body = {
        "schemas": [USER_URN],
        "userName": user_name,
        "name": {"givenName": given.title() or "Test", "familyName": family.title() or "User"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"{given.title() or 'Test'} {family.title() or 'User'}",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


# docs/okta-reference.md §12.2: the create body captured from a real Okta org in 2016 (S21).
OKTA_CREATE_2016 = {
    "schemas": [USER_URN],
    "userName": "tina.erickson@mailinator.com",
    "name": {"givenName": "Tina", "familyName": "Erickson"},
    "emails": [{"primary": True, "value": "tina.erickson@mailinator.com", "type": "work"}],
    "displayName": "Tina Erickson",
    "locale": "en_US",
    "userType": "In SCIM Group",
    "externalId": "00u5hwkpq7IC0H7IS0h7",
    "groups": [],
    "password": "y25bA4W3",
    "active": True,
}


def fill(value: Any, names: dict[str, str]) -> Any:
    """A path or body with ``{name}`` placeholders replaced by ids created earlier in a test."""
    if isinstance(value, str):
        for key, text in names.items():
            value = value.replace("{" + key + "}", text)
        return value
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


def until(done: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll ``done`` until it holds or ``seconds`` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
    return done()
