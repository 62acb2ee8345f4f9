"""Okta flows: journal entries grouped into what Okta was doing, and what each operation is.

Okta turns one admin action into a short sequence of requests: assigning a user is a lookup
then a create (wire reference §5), an AIW update or deactivation is a GET then a PUT (§6,
§7.2), an AIW group push is a create, a GET and a PUT (§9.1). ``group_flows`` is a pure
function from journal entries (plain dicts, oldest first, as ``Journal.entries`` returns
them) to those flows, so the dashboard and offline tools (verify) share one matcher:

    assign alice@example.com → lookup (0 hits) → create (201)
    push group Engineering → create (201) → GET (200) → PUT (200)
    deactivate alice@example.com → GET (200) → PUT active=false (200)

A flow that stopped where Okta would have gone on (a lookup with 0 hits and no create after
it) is *unfinished*; a flow with any step answered >= 400 is *failed* (Okta stops there: §6,
§7.4, §10.4). ``OPERATION_INFO`` names each operation for people and links it to Okta's page.
Section numbers cite ../shared/docs/okta-wire-reference.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

Entry = dict[str, Any]

OKTA_SCIM_DOC = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20"


@dataclass(frozen=True)
class OperationInfo:
    """How to name an operation, its wire-reference section and its anchor on Okta's SCIM 2.0 page."""

    label: str
    section: str
    anchor: str | None = None


# Anchors are the slugs of the headings of Okta's "Okta and SCIM Version 2.0" page [S1].
OPERATION_INFO: dict[str, OperationInfo] = {
    "test-connector": OperationInfo("test connector configuration", "§3", "retrieve-users"),
    "import-users": OperationInfo("import users", "§4", "retrieve-users"),
    "user-lookup": OperationInfo("look up user", "§5.1", "determine-if-the-user-already-exists"),
    "create-user": OperationInfo("create user", "§5.2", "create-the-user"),
    "get-user": OperationInfo("get user", "§10.1", "retrieve-a-specific-user"),
    "replace-user": OperationInfo("update user profile", "§6", "update-a-specific-user-put"),
    "deactivate-user": OperationInfo("deactivate user", "§7.1/§7.2", "delete-users"),
    "reactivate-user": OperationInfo("reactivate user", "§7.3", "update-a-specific-user-patch"),
    "password-sync": OperationInfo("sync password", "§8", "update-a-specific-user-patch"),
    "import-groups": OperationInfo("import groups", "§3/§4", "retrieve-groups"),
    "create-group": OperationInfo("push group: create", "§9.1", "create-groups"),
    "group-lookup": OperationInfo("look up group", "§9.2", "retrieve-groups"),
    "get-group": OperationInfo("get group", "§9.6", "retrieve-specific-groups"),
    "replace-group": OperationInfo("update group members", "§9.4", "update-specific-group-membership"),
    "add-members": OperationInfo("add group members", "§9.3", "update-specific-group-membership"),
    "remove-members": OperationInfo("remove group members", "§9.3", "update-specific-group-membership"),
    "update-members": OperationInfo("update group members", "§9.3", "update-specific-group-membership"),
    "replace-members": OperationInfo("replace group members", "§9.3", "update-specific-group-membership"),
    "rename-group": OperationInfo("rename group", "§9.5", "update-a-specific-group-name"),
    "delete-group": OperationInfo("delete group", "§9.7", "delete-a-specific-group"),
    "unknown": OperationInfo("not a request Okta sends", "§10.2"),
}
# The dialect decides the section where one operation has two shapes (§1).
_DIALECT_SECTIONS = {("deactivate-user", "oin"): "§7.1", ("deactivate-user", "aiw"): "§7.2"}


def describe(entry: Entry) -> dict[str, str]:
    """A readable label ("Okta: deactivate user (PUT)"), the wire-reference section and Okta's doc URL."""
    operation = entry.get("operation") or "unknown"
    info = OPERATION_INFO.get(operation, OPERATION_INFO["unknown"])
    method = entry["request"]["method"]
    prefix = "Not Okta" if operation == "unknown" else "Okta"
    label = f"{prefix}: {info.label} ({method})"
    section = _DIALECT_SECTIONS.get((operation, entry.get("dialect")), info.section)
    url = OKTA_SCIM_DOC + (f"#{info.anchor}" if info.anchor else "")
    return {"label": label, "section": section, "doc_url": url}


# -- flows --------------------------------------------------------------------------------------

_USER_PUTS = ("replace-user", "deactivate-user", "reactivate-user", "password-sync")
_GROUP_PUTS = ("replace-group", "rename-group")
_LISTS = ("import-users", "import-groups")

# operation -> (kind of the flow it starts, operations that may continue that flow).
_STARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "test-connector": ("test-connector", ("import-groups",)),  # §3: Save To App adds GET /Groups
    "import-users": ("import", _LISTS),  # §4: Import Now pages users, then groups
    "import-groups": ("import", ("import-groups",)),
    "create-user": ("create-user", ()),
    "get-user": ("read-user", _USER_PUTS),  # §6, §7.2, §8: GET, then a PUT of the same user
    "replace-user": ("update-user", ()),
    "deactivate-user": ("deactivate-user", ()),
    "reactivate-user": ("reactivate-user", ()),
    "password-sync": ("sync-password", ()),
    "create-group": ("push-group", ("get-group", *_GROUP_PUTS)),  # §9.1: AIW GET+PUT, OIN PATCH
    "get-group": ("read-group", _GROUP_PUTS),  # §9.4: GET, then the full PUT
    "replace-group": ("update-group", ()),
    "rename-group": ("rename-group", ()),  # §9.5
    **{
        op: ("update-group", ())
        for op in ("add-members", "remove-members", "update-members", "replace-members")
    },
    "group-lookup": ("lookup-group", ()),
    "delete-group": ("delete-group", ()),
    "unknown": ("other", ()),
}
_CONTINUE_ONLY_NEXT = ("test-connector", "import")  # list calls carry no id: only adjacent ones join

KIND_TITLES = {
    "assign-user": "assign",
    "create-user": "create user",
    "read-user": "read user",
    "update-user": "update profile of",
    "deactivate-user": "deactivate",
    "reactivate-user": "reactivate",
    "sync-password": "sync password of",
    "push-group": "push group",
    "read-group": "read group",
    "update-group": "update members of group",
    "rename-group": "rename group",
    "lookup-group": "look up group",
    "delete-group": "delete group",
    "test-connector": "test connector configuration",
    "import": "import",
    "other": "not an Okta request:",
}
_STEP_NAMES = {
    "user-lookup": "lookup",
    "group-lookup": "lookup",
    "create-user": "create",
    "create-group": "create",
}
_STEP_DETAILS = {
    "deactivate-user": "active=false",
    "reactivate-user": "active=true",
    "password-sync": "password",
    "rename-group": "displayName",
}
_PENDING = {
    "create-user": "the lookup found no user, but no create (POST /Users) followed (wire ref §5)",
    "get-user": "the lookup found an inactive user, but no reactivation (GET + PUT active=true) "
    "followed (wire ref §7.3)",
}
_EQ_VALUE = re.compile(r'\beq\s+"((?:[^"\\]|\\.)*)"', re.IGNORECASE)


@dataclass
class Step:
    """One request of a flow: its journal id, operation, short name, status and lookup hits."""

    entry_id: int
    operation: str
    name: str
    status: int
    detail: str | None = None
    hits: int | None = None

    def text(self) -> str:
        """``lookup (0 hits)``, ``create (201)``, ``PUT active=false (200)``."""
        if self.hits is not None and self.status < 400:
            result = f"{self.hits} hit" + ("" if self.hits == 1 else "s")
        else:
            result = str(self.status)
        return f"{self.name}{' ' + self.detail if self.detail else ''} ({result})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, with the rendered text."""
        return {**self.__dict__, "text": self.text()}


@dataclass
class Flow:
    """An Okta flow: kind, subject (userName or displayName), resource, steps and outcome."""

    kind: str
    subject: str
    resource: dict[str, str] | None = None
    steps: list[Step] = field(default_factory=list)
    outcome: str = "complete"  # "complete", "unfinished" or "failed"
    problem: str | None = None
    expects: tuple[str, ...] = ()  # operations that may still continue the flow
    pending: str | None = None  # the problem if the flow ends while still expecting

    @property
    def title(self) -> str:
        """``assign alice@example.com``."""
        return f"{KIND_TITLES.get(self.kind, self.kind)} {self.subject}".strip()

    def text(self) -> str:
        """The whole flow on one line: title, then steps joined by arrows."""
        return " → ".join([self.title, *(step.text() for step in self.steps)])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for the dashboard and for tools."""
        fields = ("kind", "title", "subject", "resource", "outcome", "problem")
        steps = [step.to_dict() for step in self.steps]
        return {**{name: getattr(self, name) for name in fields}, "steps": steps, "text": self.text()}


def group_flows(entries: Iterable[Entry]) -> list[Flow]:
    """Group journal entries (oldest first) into Okta flows, in the order each flow began."""
    grouper = _Grouper()
    for entry in entries:
        grouper.add(entry)
    return grouper.finish()


class _Grouper:
    """The state of one pass: flows so far, the open flow of each resource, names learned."""

    def __init__(self) -> None:
        self.flows: list[Flow] = []
        self.open: dict[tuple[str, str], Flow] = {}
        self.names: dict[tuple[str, str], str] = {}
        self.previous: Flow | None = None

    def add(self, entry: Entry) -> None:
        """Place one entry: continue the flow that expects it, or start a new one."""
        operation = entry.get("operation") or "unknown"
        self._learn_names(entry)
        key = self._key(entry, operation)
        flow = self._continuable(entry, key, operation)
        if flow is None:
            flow = self._start(entry, operation)
            self.flows.append(flow)
        step = _step(entry, operation)
        flow.steps.append(step)
        self._advance(flow, entry, step)
        if flow.resource is None and entry.get("resource"):
            flow.resource = dict(entry["resource"])
        for name in filter(None, (key, _resource_key(entry))):
            self.open[name] = flow
        self.previous = flow

    def finish(self) -> list[Flow]:
        """Mark flows that stopped while Okta would have gone on, and return them."""
        for flow in self.flows:
            if flow.expects and flow.pending and flow.outcome == "complete":
                flow.outcome, flow.problem = "unfinished", flow.pending
        return self.flows

    def _continuable(self, entry: Entry, key: tuple[str, str] | None, operation: str) -> Flow | None:
        """The open flow this operation continues, if any."""
        if operation in (*_LISTS, "test-connector"):
            flow = self.previous
            if flow is None or flow.kind not in _CONTINUE_ONLY_NEXT or operation not in flow.expects:
                return None
            # A first page again is a new import, not the next page of this one (§4).
            restarted = _query(entry, "startIndex") == "1" and any(
                s.operation == operation for s in flow.steps
            )
            return None if restarted else flow
        flow = self.open.get(key) if key else None
        return flow if flow is not None and operation in flow.expects else None

    def _start(self, entry: Entry, operation: str) -> Flow:
        """A new flow for an operation that continues nothing."""
        if operation == "user-lookup":
            return Flow("assign-user", _lookup_value(entry) or "")
        kind, expects = _STARTS.get(operation, ("other", ()))
        if kind == "other":
            request = entry["request"]
            return Flow(kind, f"{request['method']} {request.get('path', '')}")
        return Flow(kind, self._subject(entry, operation), expects=expects)

    def _advance(self, flow: Flow, entry: Entry, step: Step) -> None:
        """Update kind, expectations and outcome after ``step`` joined ``flow``."""
        if step.status >= 400 and not (step.operation == "user-lookup" and step.status == 404):
            flow.outcome, flow.expects = "failed", ()
            flow.problem = flow.problem or _failure(entry, step)
            return
        if step.operation == "user-lookup":
            self._after_lookup(flow, entry, step)
            return
        if flow.kind in ("read-user", "read-group") and len(flow.steps) > 1:
            # GET then PUT: the PUT says what the flow was (§6, §7.2, §9.4).
            flow.kind = _STARTS.get(step.operation, ("other", ()))[0]
        if len(flow.steps) > 1:
            flow.expects = _after(flow.kind, step.operation)
        if not flow.subject:
            flow.subject = self._subject(entry, step.operation)

    def _after_lookup(self, flow: Flow, entry: Entry, step: Step) -> None:
        """§5: 0 hits needs a create; an inactive hit needs GET + PUT active=true (§7.3)."""
        found = _first_resource(entry)
        if step.hits == 0:
            flow.expects, flow.pending = ("create-user",), _PENDING["create-user"]
        elif found is not None and isinstance(found.get("id"), str):
            flow.resource = {"type": "User", "id": found["id"]}
            self.open[("User", found["id"])] = flow
            flow.expects = ("get-user",)
            flow.pending = _PENDING["get-user"] if found.get("active") is False else None
        else:
            flow.expects = ("create-user", "get-user")  # hits unknown (body cut): no judgement

    def _key(self, entry: Entry, operation: str) -> tuple[str, str] | None:
        """Where an open flow for this entry is filed: its resource, or a user's name (§5)."""
        if operation in ("user-lookup", "create-user"):
            name = _lookup_value(entry) if operation == "user-lookup" else _body_field(entry, "userName")
            return ("user-name", name.casefold()) if name else None
        return _resource_key(entry)

    def _subject(self, entry: Entry, operation: str) -> str:
        """userName or displayName: from the request, what earlier entries taught, or the id."""
        for source in (entry["request"].get("body"), entry["response"].get("body")):
            if isinstance(source, dict):
                name = source.get("userName") or source.get("displayName")
                if isinstance(name, str) and name:
                    return name
        key = _resource_key(entry)
        if key is not None:
            return self.names.get(key, key[1])
        return _lookup_value(entry) or ""

    def _learn_names(self, entry: Entry) -> None:
        """Remember id -> userName/displayName from request and response bodies."""
        for body in (entry["request"].get("body"), entry["response"].get("body")):
            for resource in _resources_in(body):
                name = resource.get("userName") or resource.get("displayName")
                rtype = "User" if "userName" in resource else "Group"
                if isinstance(resource.get("id"), str) and isinstance(name, str):
                    self.names[(rtype, resource["id"])] = name


def _step(entry: Entry, operation: str) -> Step:
    """The step for one entry: short name, detail and (for lookups) hits."""
    request, status = entry["request"], int(entry["response"]["status"])
    name = _STEP_NAMES.get(operation, request["method"])
    hits = _hits(entry) if operation in ("user-lookup", "group-lookup") else None
    return Step(int(entry["id"]), operation, name, status, _STEP_DETAILS.get(operation), hits)


def _after(kind: str, operation: str) -> tuple[str, ...]:
    """What may continue a flow of ``kind`` after ``operation`` joined it as a later step."""
    if kind == "import":
        return _LISTS if operation == "import-users" else ("import-groups",)  # users, then groups (§4)
    return {"get-user": _USER_PUTS, "get-group": _GROUP_PUTS}.get(operation, ())


def _failure(entry: Entry, step: Step) -> str:
    """``PUT /scim/v2/Users/1 answered 409: <the server's detail>``."""
    body = entry["response"].get("body")
    detail = body.get("detail") if isinstance(body, dict) else None
    text = f"{entry['request']['method']} {entry['request'].get('path', '')} answered {step.status}"
    return f"{text}: {detail}" if isinstance(detail, str) and detail else text


def _hits(entry: Entry) -> int | None:
    """How many resources a lookup found: ``totalResults``, or 0 for a 404 (allowed, §5.1)."""
    if entry["response"]["status"] == 404:
        return 0
    body = entry["response"].get("body")
    total = body.get("totalResults") if isinstance(body, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _first_resource(entry: Entry) -> dict[str, Any] | None:
    """The first resource of a ListResponse, if any."""
    body = entry["response"].get("body")
    resources = body.get("Resources") if isinstance(body, dict) else None
    first = resources[0] if isinstance(resources, list) and resources else None
    return first if isinstance(first, dict) else None


def _resources_in(body: Any) -> list[dict[str, Any]]:
    """The resource itself, or the Resources of a ListResponse."""
    if not isinstance(body, dict):
        return []
    listed = body.get("Resources")
    if isinstance(listed, list):
        return [r for r in listed if isinstance(r, dict)]
    return [body]


def _lookup_value(entry: Entry) -> str | None:
    """The value of ``userName eq "..."`` (or any ``eq``) in the filter query parameter."""
    text = _query(entry, "filter")
    match = _EQ_VALUE.search(text) if text else None
    return match.group(1).replace('\\"', '"') if match else None


def _query(entry: Entry, name: str) -> str | None:
    """A query parameter of the request (first value)."""
    value = entry["request"].get("query", {}).get(name)
    return value if isinstance(value, str) else None


def _body_field(entry: Entry, name: str) -> str | None:
    """A string field of the request body."""
    body = entry["request"].get("body")
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def _resource_key(entry: Entry) -> tuple[str, str] | None:
    """(type, id) of the resource an entry touched."""
    resource = entry.get("resource")
    if isinstance(resource, dict) and resource.get("type") and resource.get("id"):
        return (str(resource["type"]), str(resource["id"]))
    return None
