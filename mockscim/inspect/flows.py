"""The dashboard's session view: journal entries grouped by the operation table's flow roles.

Okta turns one admin action into a short sequence of requests: assigning a user is a lookup
then a create (docs/okta-reference.md §5), an AIW update or deactivation is a GET then a PUT
(§6, §7.2), an AIW group push is a create, a GET and a PUT (§9.1). ``group_flows`` places each
entry by its operation's ``Role`` (``operations.py``): an entry joins the open flow of its user
name, resource or list sequence when the flow's last step is one its role may follow; otherwise
it starts a flow titled by its role:

    assign alice@example.com → lookup (0 hits) → create (201)
    push group Engineering → create (201) → GET (200) → PUT (200)
    deactivate alice@example.com → GET (200) → PUT active=false (200)

This is a heuristic grouping with no verdict of its own: a flow is ``failed`` when a step was
answered >= 400 (Okta stops there: §6, §7.4, §10.4), else ``complete``. Whether Okta's flows are
complete is judged by the scenario library and the verify matcher (``mockscim.verify``), which
the dashboard shows next to this view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockscim.inspect.operations import BY_NAME
from mockscim.inspect.operations import OKTA_SCIM_DOC
from mockscim.inspect.operations import Operation
from mockscim.inspect.operations import describe
from mockscim.inspect.operations import operation

Entry = dict[str, Any]
# Older names: the table's rows describe each operation (label, section, anchor).
OPERATION_INFO = BY_NAME
__all__ = ["OKTA_SCIM_DOC", "OPERATION_INFO", "Flow", "Step", "describe", "group_flows"]
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
    """A group of requests: the operation that titled it, subject, resource, steps and outcome."""

    kind: str
    title: str
    subject: str
    resource: dict[str, str] | None = None
    steps: list[Step] = field(default_factory=list)
    outcome: str = "complete"  # "complete" or "failed"
    problem: str | None = None

    def text(self) -> str:
        """The whole flow on one line: title, then steps joined by arrows."""
        head = f"{self.title} {self.subject}".strip()
        return " → ".join([head, *(step.text() for step in self.steps)])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for the dashboard and for tools."""
        fields = ("kind", "subject", "resource", "outcome", "problem")
        steps = [step.to_dict() for step in self.steps]
        data = {name: getattr(self, name) for name in fields}
        return {**data, "title": f"{self.title} {self.subject}".strip(), "steps": steps, "text": self.text()}


def group_flows(entries: Iterable[Entry]) -> list[Flow]:
    """Group journal entries (oldest first) by flow role, in the order each flow began."""
    grouper = _Grouper()
    for entry in entries:
        grouper.add(entry)
    return grouper.flows


class _Grouper:
    """The state of one pass: flows so far, the open flow of each key, names learned."""

    def __init__(self) -> None:
        self.flows: list[Flow] = []
        self.open: dict[tuple[str, str], Flow] = {}
        self.names: dict[tuple[str, str], str] = {}
        self.previous: Flow | None = None

    def add(self, entry: Entry) -> None:
        """Place one entry: join the flow its role may continue, or start a new one."""
        row = operation(entry.get("operation"))
        self._learn_names(entry)
        flow = self._joinable(entry, row)
        if flow is None:
            flow = Flow(row.name, row.role.title, self._subject(entry, row))
            self.flows.append(flow)
        elif not row.role.reads and operation(flow.steps[0].operation).role.reads:
            flow.kind, flow.title = row.name, row.role.title  # GET, then PUT: the PUT says what it was
        step = _step(entry, row)
        flow.steps.append(step)
        self._settle(flow, entry, row, step)
        self.previous = flow

    def _settle(self, flow: Flow, entry: Entry, row: Operation, step: Step) -> None:
        """Outcome, resource and the keys under which later entries find the flow."""
        if step.status >= 400 and not (row.role.finds and step.status == 404):
            flow.outcome = "failed"
            flow.problem = flow.problem or _failure(entry, step)
        if flow.resource is None and entry.get("resource"):
            flow.resource = dict(entry["resource"])
        found = _first_resource(entry) if row.role.finds else None
        if found is not None and isinstance(found.get("id"), str):
            rtype = "User" if row.name == "user-lookup" else "Group"
            flow.resource = {"type": rtype, "id": found["id"]}
            self.open[(rtype, found["id"])] = flow
        for key in filter(None, (_name_key(entry, row), _resource_key(entry))):
            self.open[key] = flow
        if not flow.subject:
            flow.subject = self._subject(entry, row)

    def _joinable(self, entry: Entry, row: Operation) -> Flow | None:
        """The open flow this entry continues, if its role may follow the flow's last step."""
        role = row.role
        if role.link == "list":
            flow = self.previous
            # A first page again is a new import, not the next page of this one (§4).
            restarted = flow is not None and _query(entry, "startIndex") == "1"
            if restarted and any(s.operation == row.name for s in flow.steps):  # type: ignore[union-attr]
                return None
        elif role.link in ("name", "resource"):
            key = _name_key(entry, row) if role.link == "name" else _resource_key(entry)
            flow = self.open.get(key) if key else None
        else:
            return None
        if flow is None or flow.outcome == "failed" or flow.steps[-1].operation not in role.after:
            return None
        return flow

    def _subject(self, entry: Entry, row: Operation) -> str:
        """userName or displayName: from the request, what earlier entries taught, or the id."""
        if row.name == "unknown":
            return f"{entry['request']['method']} {entry['request'].get('path', '')}"
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


def _step(entry: Entry, row: Operation) -> Step:
    """The step for one entry: short name, detail and (for lookups) hits."""
    request, status = entry["request"], int(entry["response"]["status"])
    hits = _hits(entry) if row.role.finds else None
    return Step(int(entry["id"]), row.name, row.role.step or request["method"], status, row.role.detail, hits)


def _name_key(entry: Entry, row: Operation) -> tuple[str, str] | None:
    """Where a lookup or a create is filed: the name searched for or sent (§5, §9.2)."""
    if row.role.link != "name":
        return None
    kind = "user-name" if row.name in ("user-lookup", "create-user") else "group-name"
    name = _lookup_value(entry) if row.role.finds else _body_field(entry, "userName")
    return (kind, name.casefold()) if name else None


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
