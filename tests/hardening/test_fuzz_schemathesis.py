"""Fuzz the live server with schemathesis, driven by the packaged OpenAPI document.

Bounded and reproducible: a fixed seed, derandomized generation, EXAMPLES examples per operation
(positive and negative data), no example database. Each operation gets a fresh server holding a
few users, a group, a tenant and a fault, so state changed by one operation (a reset, a deleted
user, a registered fault) never reaches another. Checks: no 5xx (501 is the declared answer of
/Me and /Bulk), and every answer's status, media type, headers and body match the document.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_headers_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.server import create_app
from mockscim.server.openapi import load_document
from mockscim.server.serving import start_background

SEED = 20261128
EXAMPLES = 10
USER, TOKEN = "okta", "s3cr3t-token-for-tests"
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "suppress-health-check": ["all"],  # generation speed is not under test; one server per operation is
        "generation": {
            "max-examples": EXAMPLES,
            "deterministic": True,  # the same examples locally and in CI (where Hypothesis derandomizes anyway)
            "database": "none",
            "with-security-parameters": False,  # credentials are sent below; 401s are tested elsewhere
        },
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
# The SSE stream stays open for minutes by design (tests/hardening/test_secrets.py reads it).
schema = schemathesis.openapi.from_dict(load_document(), config=CONFIG).exclude(
    operation_id="dashboardEvents"
)
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SEEDED_USERS = ("alice@example.com", "bob@example.com")
# (operation, parameter) of every integer, boolean or time query parameter of the admin API and
# the dashboard, and the ones schemathesis sent a value that is not one (a string, a negative
# number, an object): the edge must answer those with a 400, never a 500. How many it reached is
# a figure, not a check: which values a seed yields depends on every literal in the modules
# loaded (Hypothesis draws constants from them), so an unrelated change could move it.
# tests/hardening/test_edge.py sends hostile values to each of them and checks the 400.
NUMERIC = {
    (operation.definition.raw["operationId"], parameter.name)
    for operation in (result.ok() for result in schema.get_all_operations())
    if operation.path.startswith("/__admin")
    for parameter in operation.query
    if parameter.definition.get("schema", {}).get("type") in ("integer", "boolean")
    or parameter.name in ("since", "until")
}
BROKEN: set[tuple[str, str]] = set()


@pytest.fixture
def target() -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh server (its URL) and the ids of what it holds, for one operation's examples."""
    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    client = app.test_client()  # seeding in-process is quicker than over a socket
    users = [
        client.post("/scim/v2/Users", json={"userName": n}, auth=(USER, TOKEN)).json["id"]
        for n in SEEDED_USERS
    ]
    members = [{"value": uid} for uid in users]
    group = client.post(
        "/scim/v2/Groups", json={"displayName": "Engineering", "members": members}, auth=(USER, TOKEN)
    )
    client.post("/__admin/tenants", json={"name": "acme"}, auth=(USER, TOKEN))
    fault = {"match": {"path": "/nowhere"}, "action": {"status": 503}}
    client.post("/__admin/faults", json=fault, auth=(USER, TOKEN))
    ids = {
        "userId": users[0],
        "groupId": group.json["id"],
        "rid": users[1],
        "entryId": "1",
        "faultId": "1",
        "name": "acme",
    }
    server = start_background(app)
    yield server.url, ids
    server.stop()


def _aim(case: Any, ids: dict[str, str]) -> None:
    """Point 3 of 4 examples at existing resources, so PATCH and PUT reach the engines behind
    the 404; the rest keep the generated id and fuzz the path (chosen from the example itself)."""
    params = case.path_parameters or {}
    if zlib.crc32(json.dumps(params, sort_keys=True, default=str).encode()) % 4 == 0:
        return
    for name in params:
        if name in ids:
            params[name] = ids[name]


def _note_broken_numbers(case: Any) -> None:
    """Remember which numeric query parameters got a value their schema does not allow."""
    operation = case.operation.definition.raw.get("operationId")
    for name, value in (case.query or {}).items():
        if (operation, name) in NUMERIC and not _conforms(value):
            BROKEN.add((operation, name))


def _conforms(value: Any) -> bool:
    """True for a boolean, an entry id (an integer from 0) or an ISO 8601 time."""
    if isinstance(value, bool) or value in ("true", "false"):
        return True
    if isinstance(value, int):
        return value >= 0
    try:
        datetime.fromisoformat(str(value))
    except ValueError:
        return str(value).isascii() and str(value).isdigit()
    return True


def _not_implemented(case: Any) -> bool:
    """/Me and /Bulk answer 501 by design (RFC 7644 §3.7, §3.11; ServiceProviderConfig)."""
    return "Not implemented" in (case.operation.tags or [])


@schema.parametrize()
def test_fuzzed_requests_get_no_5xx_and_match_the_document(case, target, figures: Counter):
    url, ids = target
    _aim(case, ids)
    _note_broken_numbers(case)
    figures["schemathesis: numeric admin parameters given broken values"] = len(BROKEN)
    response = case.call(base_url=url, auth=(USER, TOKEN), timeout=10)
    figures["schemathesis requests sent"] += 1
    figures["schemathesis 5xx seen"] += response.status_code >= 500 and not _not_implemented(case)
    figures["schemathesis 501 from /Me and /Bulk (declared)"] += response.status_code == 501
    assert response.status_code < 500 or (response.status_code == 501 and _not_implemented(case)), (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )
    case.validate_response(response, checks=CHECKS)
