"""Okta's SCIM operations: the one table the project reads to know what Okta sends.

Each row is one operation with everything known about it: the rules that recognise it (method,
path shape, predicate over the envelope and the resource as it was, dialect, the ``okta/*``
schema of its exact shape), the schema a replayed response must satisfy (``scim/User``,
``scim/Group``), a label and an anchor on Okta's SCIM 2.0 page, its section of
``docs/okta-reference.md`` and its role in a flow. Classification (``classify.py``), findings,
the session view of flows (``flows.py``), export and the dashboard all read this table; adding an
operation is one row here plus its ``okta/*`` schema. ``tests/inspect/test_operations.py`` checks
the table against the packaged schemas.

Classification tries the rules in table order and the first match wins, so rows that share a
method and path shape are ordered from the most specific to the most general (a lookup before
the connector probe before an import page; a deactivation before a profile update).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockscim.inspect import predicates as p
from mockscim.inspect.predicates import Predicate

OKTA_SCIM_DOC = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20"
SPEC_TEST = "spec-test"  # the dialect of Okta's Runscope SPEC test client (§12)
# The schema of a stored resource, for operations the table does not know (export, unknown).
RESOURCE_SCHEMAS = {"User": "scim/User", "Group": "scim/Group"}


@dataclass(frozen=True)
class Tolerance:
    """A finding an Okta form is known to cause and that is not reported for it."""

    pointer: str
    message: str
    why: str


@dataclass(frozen=True)
class Rule:
    """One way to recognise an operation; ``section`` overrides the operation's for this form."""

    method: str
    path: str  # a shape: "/Users", "/Users/{id}", "/Groups", "/Groups/{id}", "/Schemas", ...
    schema: str | None
    dialect: str | None = None
    when: Predicate | None = None
    section: str | None = None
    tolerates: tuple[Tolerance, ...] = ()

    def matches(self, method: str, shape: str, envelope: dict[str, Any], prior: Any) -> bool:
        """True when the request is this form of the operation."""
        if self.method != method or self.path != shape:
            return False
        return self.when is None or self.when(envelope, prior)


@dataclass(frozen=True)
class Role:
    """How an operation takes part in a flow, for the dashboard's session view (``flows.py``).

    ``link`` says how its flow is found: ``name`` (the userName a lookup searched or a create
    sent), ``resource`` (the id it touched), ``list`` (it continues the flow just before it), or
    ``none``. ``after`` lists the operations it may directly follow in one flow.
    """

    title: str
    link: str = "resource"
    after: tuple[str, ...] = ()
    step: str | None = None  # the step's short name; the method when None
    detail: str | None = None
    reads: bool = False  # a read that the write after it names (GET, then PUT: §6, §9.4)
    finds: bool = False  # a lookup: it counts hits and links the resource it found (§5.1)


@dataclass(frozen=True)
class Operation:
    """One row of the table."""

    name: str
    label: str
    section: str
    anchor: str | None
    role: Role
    rules: tuple[Rule, ...] = ()
    export_schema: str | None = None


_USERS, _USER, _GROUPS, _GROUP = "/Users", "/Users/{id}", "/Groups", "/Groups/{id}"
_MEMBERS = Role("update members of group", after=("create-group", "get-group"))
_NO_SCHEMAS = Tolerance(
    "/body",
    "'schemas' is a required property",
    "the observed path-less replace of {id, displayName, members} carries no schemas "
    "(docs/okta-reference.md §9.3, §15)",
)
_SPEC = {"dialect": SPEC_TEST, "section": "§12"}


def _spec(method: str, path: str, schema: str, when: Predicate | None = None) -> Rule:
    """A rule for a request of Okta's SPEC test client, checked against its own shape (§12)."""
    test = p.spec_test if when is None else p.all_of(p.spec_test, when)
    return Rule(method, path, schema, when=test, **_SPEC)  # type: ignore[arg-type]


TABLE: tuple[Operation, ...] = (
    Operation(
        "user-lookup",
        "look up user",
        "§5.1",
        "determine-if-the-user-already-exists",
        Role("assign", link="name", step="lookup", finds=True),
        (
            _spec("GET", _USERS, "okta/spec-test-user-lookup", p.query_has("filter")),
            Rule("GET", _USERS, "okta/user-lookup", when=p.query_has("filter")),
        ),
    ),
    Operation(
        "test-connector",
        "test connector configuration",
        "§3",
        "retrieve-users",
        Role("test connector configuration", link="list"),
        (
            _spec("GET", _USERS, "okta/spec-test-list-users", p.no_filter),
            Rule("GET", _USERS, "okta/test-connector", when=p.connector_probe),
        ),
    ),
    Operation(
        "import-users",
        "import users",
        "§4",
        "retrieve-users",
        Role("import", link="list", after=("import-users",)),
        (Rule("GET", _USERS, "okta/import-users"),),
    ),
    Operation(
        "create-user",
        "create user",
        "§5.2",
        "create-the-user",
        Role("create user", link="name", after=("user-lookup",), step="create"),
        (_spec("POST", _USERS, "okta/spec-test-create-user"), Rule("POST", _USERS, "okta/create-user")),
        "scim/User",
    ),
    Operation(
        "get-user",
        "get user",
        "§10.1",
        "retrieve-a-specific-user",
        Role("read user", after=("user-lookup",), reads=True),
        (_spec("GET", _USER, "okta/get-user"), Rule("GET", _USER, "okta/get-user")),
        "scim/User",
    ),
    Operation(
        "deactivate-user",
        "deactivate user",
        "§7",
        "delete-users",
        Role("deactivate", after=("get-user",), detail="active=false"),
        (
            Rule("PATCH", _USER, "okta/deactivate-user-patch", "oin", p.patch_active(False), "§7.1"),
            Rule("PUT", _USER, "okta/deactivate-user-put", "aiw", p.put_active(False), "§7.2"),
        ),
        "scim/User",
    ),
    Operation(
        "reactivate-user",
        "reactivate user",
        "§7.3",
        "update-a-specific-user-patch",
        Role("reactivate", after=("get-user",), detail="active=true"),
        (
            Rule("PATCH", _USER, "okta/reactivate-user-patch", "oin", p.patch_active(True), "§7.1"),
            Rule("PUT", _USER, "okta/reactivate-user-put", "aiw", p.put_active(True), "§7.3"),
        ),
        "scim/User",
    ),
    Operation(
        "password-sync",
        "sync password",
        "§8",
        "update-a-specific-user-patch",
        Role("sync password of", after=("get-user",), detail="password"),
        (
            Rule("PATCH", _USER, "okta/password-sync-patch", "oin", p.patch_sets("password")),
            Rule("PUT", _USER, "okta/password-sync-put", "aiw", p.body_has("password")),
        ),
        "scim/User",
    ),
    Operation(
        "replace-user",
        "update user profile",
        "§6",
        "update-a-specific-user-put",
        Role("update profile of", after=("get-user",)),
        (Rule("PUT", _USER, "okta/replace-user", "aiw"),),
        "scim/User",
    ),
    Operation(
        "group-lookup",
        "look up group",
        "§9.2",
        "retrieve-groups",
        Role("look up group", link="name", step="lookup", finds=True),
        (Rule("GET", _GROUPS, "okta/group-lookup", when=p.query_has("filter")),),
    ),
    Operation(
        "import-groups",
        "import groups",
        "§4",
        "retrieve-groups",
        Role("import", link="list", after=("test-connector", "import-users", "import-groups")),
        (
            _spec("GET", _GROUPS, "okta/spec-test-list-groups", p.no_filter),
            Rule("GET", _GROUPS, "okta/import-groups"),
        ),
    ),
    Operation(
        "create-group",
        "push group: create",
        "§9.1",
        "create-groups",
        Role("push group", step="create"),
        (Rule("POST", _GROUPS, "okta/create-group"),),
        "scim/Group",
    ),
    Operation(
        "get-group",
        "get group",
        "§9.6",
        "retrieve-specific-groups",
        Role("read group", after=("create-group", "group-lookup"), reads=True),
        (Rule("GET", _GROUP, "okta/get-group"),),
        "scim/Group",
    ),
    Operation(
        "rename-group",
        "rename group",
        "§9.5",
        "update-a-specific-group-name",
        Role("rename group", after=("create-group", "get-group"), detail="displayName"),
        (
            Rule("PUT", _GROUP, "okta/replace-group", "aiw", p.renames),
            Rule("PATCH", _GROUP, "okta/rename-group", "oin", p.patch_only("rename")),
        ),
        "scim/Group",
    ),
    Operation(
        "replace-group",
        "update group members",
        "§9.4",
        "update-specific-group-membership",
        _MEMBERS,
        (Rule("PUT", _GROUP, "okta/replace-group", "aiw"),),
        "scim/Group",
    ),
    Operation(
        "remove-members",
        "remove group members",
        "§9.3",
        "update-specific-group-membership",
        _MEMBERS,
        (Rule("PATCH", _GROUP, "okta/remove-members", "oin", p.patch_only("remove-member")),),
        "scim/Group",
    ),
    Operation(
        "add-members",
        "add group members",
        "§9.3",
        "update-specific-group-membership",
        _MEMBERS,
        (Rule("PATCH", _GROUP, "okta/add-members", "oin", p.patch_only("add-members")),),
        "scim/Group",
    ),
    Operation(
        "update-members",
        "update group members",
        "§9.3",
        "update-specific-group-membership",
        _MEMBERS,
        # Removes then one add in a single PATCH, as in the §9.3 example.
        (Rule("PATCH", _GROUP, "okta/update-members", "oin", p.patch_only("add-members", "remove-member")),),
        "scim/Group",
    ),
    Operation(
        "replace-members",
        "replace group members",
        "§9.3",
        "update-specific-group-membership",
        _MEMBERS,
        (
            Rule(
                "PATCH",
                _GROUP,
                "okta/replace-members",
                "oin",
                p.patch_only("replace-members"),
                tolerates=(_NO_SCHEMAS,),
            ),
        ),
        "scim/Group",
    ),
    Operation(
        "delete-group",
        "delete group",
        "§9.7",
        "delete-a-specific-group",
        Role("delete group"),
        (Rule("DELETE", _GROUP, "okta/delete-group"),),
    ),
    Operation(
        "import-user-schema",
        "import user schema",
        "§15",
        None,
        Role("import user schema", link="list", after=("import-user-schema",)),
        tuple(
            Rule("GET", shape, "okta/import-user-schema")
            for shape in ("/ResourceTypes", "/ResourceTypes/{id}", "/Schemas", "/Schemas/{id}")
        ),
    ),
    Operation(
        "unknown", "not a request Okta sends", "§10.2", None, Role("not an Okta request:", link="none")
    ),
)

# Requests Okta's cloud client never sends: classified "unknown" with this note (§10.2).
NEVER_SENT = {
    ("DELETE", _USER): "Okta never deletes users; it deactivates them (docs/okta-reference.md §7, §10.2)",
    (
        "PATCH",
        _USER,
    ): "Okta's PATCH dialect only changes active and password on users (docs/okta-reference.md §1)",
    (
        "PATCH",
        _GROUP,
    ): "Okta's group PATCHes only add, remove or replace members and rename (docs/okta-reference.md §9)",
    ("POST", "/.search"): "Okta never uses POST /.search (docs/okta-reference.md §10.2)",
    (
        "GET",
        "/ServiceProviderConfig",
    ): "Okta never reads /ServiceProviderConfig (docs/okta-reference.md §3, §10.2)",
}

BY_NAME: dict[str, Operation] = {operation.name: operation for operation in TABLE}
OPERATIONS: tuple[str, ...] = tuple(BY_NAME)
RULES: tuple[tuple[Operation, Rule], ...] = tuple((op, rule) for op in TABLE for rule in op.rules)


def operation(name: str | None) -> Operation:
    """The row of an operation name; unknown names get the ``unknown`` row."""
    return BY_NAME.get(name or "unknown", BY_NAME["unknown"])


def export_schema(name: str | None, resource_type: str | None) -> str | None:
    """The schema a replayed response of this operation must satisfy (``scim/User``, ...)."""
    row = operation(name)
    if row.export_schema is not None:
        return row.export_schema
    return RESOURCE_SCHEMAS.get(resource_type or "") if row.name == "unknown" else None


def section_of(name: str | None, method: str | None = None, dialect: str | None = None) -> str:
    """The reference section of an operation, in the form (method, dialect) that arrived."""
    row = operation(name)
    for rule in row.rules:
        if rule.section and rule.dialect == dialect and method in (None, rule.method):
            return rule.section
    return row.section


def describe(entry: dict[str, Any]) -> dict[str, str]:
    """A readable label ("Okta: deactivate user (PUT)"), the reference section and Okta's doc URL."""
    row = operation(entry.get("operation"))
    method = entry["request"]["method"]
    dialect = entry.get("dialect")
    client = "Okta SPEC test" if dialect == SPEC_TEST else "Okta"
    prefix = "Not Okta" if row.name == "unknown" else client
    url = OKTA_SCIM_DOC + (f"#{row.anchor}" if row.anchor else "")
    section = section_of(row.name, method, dialect)
    return {"label": f"{prefix}: {row.label} ({method})", "section": section, "doc_url": url}
