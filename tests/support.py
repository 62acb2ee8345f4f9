"""Test data shared by test modules (importable as ``support``: pytest's ``pythonpath``)."""

from __future__ import annotations

from typing import Any

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"


def okta_user(user_name: str = "test.user@okta.local", **extra: Any) -> dict[str, Any]:
    """Okta's POST /Users body (wire reference §5.2); ``extra`` overrides, None removes a key."""
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
