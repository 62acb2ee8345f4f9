"""The operation table (mockscim.inspect.operations): consistent with the packaged schemas and
with itself, and the one source classification, findings, export and the dashboard read."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mockscim import schemas
from mockscim.inspect import operations
from mockscim.inspect.classify import classify
from mockscim.inspect.operations import TABLE
from mockscim.inspect.operations import describe
from mockscim.inspect.operations import export_schema

OKTA_SCHEMAS = {name for name in schemas.names() if name.startswith("okta/")}
SHARED = {"okta/envelope"}  # definitions every okta/* schema $refs


def named_schemas() -> set[str]:
    """Every schema a row of the table names."""
    named = {rule.schema for row in TABLE for rule in row.rules if rule.schema}
    return named | {row.export_schema for row in TABLE if row.export_schema}


@pytest.mark.parametrize("name", sorted(named_schemas()))
def test_every_schema_the_table_names_is_packaged(name):
    assert name in schemas.names()


def test_every_okta_schema_is_used_by_the_table():
    assert OKTA_SCHEMAS - SHARED - named_schemas() == set()


def test_each_operation_has_one_row_and_the_table_ends_with_unknown():
    names = [row.name for row in TABLE]
    assert len(names) == len(set(names)) and names[-1] == "unknown"
    assert operations.OPERATIONS == tuple(names)


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_rows_are_complete(row):
    assert row.label and re.fullmatch(r"§\d+(\.\d+)?", row.section)
    assert row.role.link in ("name", "resource", "list", "none")
    assert set(row.role.after) <= set(operations.OPERATIONS)
    assert row.export_schema in (None, "scim/User", "scim/Group")
    for rule in row.rules:
        assert rule.method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        assert rule.dialect in (None, "aiw", "oin", "spec-test")
        assert rule.section is None or rule.section.startswith("§")
    assert (row.name == "unknown") == (not row.rules)


def envelope(method: str, path: str, query: dict[str, str] | None = None, body: Any = None, **headers: str):
    """A request envelope as the server builds it."""
    names = {"User-Agent": "Okta SCIM Client 1.0.0", **headers}
    return {
        "method": method,
        "path": path,
        "query": query or {},
        "headers": {k.lower(): v for k, v in names.items()},
        "body": body,
    }


PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SPEC_UA = {"User-Agent": "OKTA SCIM Integration"}
LOOKUP = {"filter": 'userName eq "a@x"', "startIndex": "1", "count": "100"}

# (request envelope, prior resource, operation, dialect)
CLASSIFIED = [
    (envelope("GET", "/Users", LOOKUP), None, "user-lookup", None),
    (envelope("GET", "/Users", {"startIndex": "1", "count": "2"}), None, "test-connector", None),
    (envelope("GET", "/Users", {"startIndex": "101", "count": "100"}), None, "import-users", None),
    (
        envelope("GET", "/Users", {"count": "1", "startIndex": "1"}, **SPEC_UA),
        None,
        "test-connector",
        "spec-test",
    ),
    (envelope("GET", "/Users", {"filter": 'userName eq "a@x"'}, **SPEC_UA), None, "user-lookup", "spec-test"),
    (envelope("GET", "/Groups", **SPEC_UA), None, "import-groups", "spec-test"),
    (envelope("GET", "/Users/u1", **SPEC_UA), None, "get-user", "spec-test"),
    (
        {
            **envelope("POST", "/Users", body={"userName": "a@x"}),
            "headers": {"content-type": "application/json", "accept": "application/scim+json; charset=utf-8"},
        },
        None,
        "create-user",
        "spec-test",
    ),
    (envelope("POST", "/Users", body={"userName": "a@x"}), None, "create-user", None),
    (  # SCIM 1.1's content type from the engine is still the engine (§2.2)
        envelope("POST", "/Users", body={"userName": "a@x"}, **{"Content-Type": "application/json"}),
        None,
        "create-user",
        None,
    ),
    (
        envelope("PUT", "/Users/u1", body={"userName": "a", "active": False}),
        {"active": True},
        "deactivate-user",
        "aiw",
    ),
    (
        envelope("PUT", "/Users/u1", body={"userName": "a", "active": True}),
        {"active": True},
        "replace-user",
        "aiw",
    ),
    (
        envelope("PATCH", "/Users/u1", body={"Operations": [{"op": "replace", "value": {"active": True}}]}),
        None,
        "reactivate-user",
        "oin",
    ),
    (
        envelope("PUT", "/Groups/g1", body={"displayName": "New"}),
        {"displayName": "Old"},
        "rename-group",
        "aiw",
    ),
    (
        envelope("PATCH", "/Groups/g1", body={"Operations": [{"op": "replace", "value": {"members": []}}]}),
        None,
        "replace-members",
        "oin",
    ),
    (envelope("GET", "/Schemas"), None, "import-user-schema", None),
    (
        envelope("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
        None,
        "import-user-schema",
        None,
    ),
    (envelope("GET", "/ResourceTypes"), None, "import-user-schema", None),
    (envelope("GET", "/ResourceTypes/User"), None, "import-user-schema", None),
    (envelope("GET", "/ServiceProviderConfig"), None, "unknown", None),
    (envelope("DELETE", "/Users/u1"), None, "unknown", None),
]


@pytest.mark.parametrize(("request_envelope", "prior", "operation", "dialect"), CLASSIFIED)
def test_requests_are_classified_by_the_table(request_envelope, prior, operation, dialect):
    found = classify(request_envelope, prior)
    assert (found.operation, found.dialect) == (operation, dialect)
    row = operations.operation(operation)
    assert found.schema in {rule.schema for rule in row.rules} | {None}


@pytest.mark.parametrize(
    ("operation", "method", "dialect", "label", "section"),
    [
        ("create-user", "POST", "spec-test", "Okta SPEC test: create user (POST)", "§12"),
        ("import-user-schema", "GET", None, "Okta: import user schema (GET)", "§15"),
        ("reactivate-user", "PATCH", "oin", "Okta: reactivate user (PATCH)", "§7.1"),
        ("reactivate-user", "PUT", "aiw", "Okta: reactivate user (PUT)", "§7.3"),
    ],
)
def test_describe_reads_label_and_section_from_the_table(operation, method, dialect, label, section):
    entry = {"operation": operation, "dialect": dialect, "request": {"method": method}}
    assert (describe(entry)["label"], describe(entry)["section"]) == (label, section)


@pytest.mark.parametrize(
    ("operation", "resource_type", "schema"),
    [
        ("create-user", "User", "scim/User"),
        ("rename-group", "Group", "scim/Group"),
        ("user-lookup", None, None),
        ("delete-group", "Group", None),
        ("unknown", "User", "scim/User"),  # a request Okta never sends still returns a User
    ],
)
def test_export_schema_comes_from_the_table(operation, resource_type, schema):
    assert export_schema(operation, resource_type) == schema
