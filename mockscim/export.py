"""Journal to scenario: turn what a real Okta tenant sent into a replayable ``*.scenario.yaml``.

The export understands SCIM state (issue: record and replay):

- ids the server assigned become variables saved from the response that created them
  (``user_1_id`` from the POST's ``/id``) and are used in later paths and bodies;
- values Okta chose (user names, ``externalId``, group names) become ``vars`` made unique per run
  with ``${unique}``, so the replay can run again against a server that already holds them
  (``literal=True`` keeps them as recorded);
- secrets never appear: passwords are masked in the journal and replayed as ``${password}``;
  credentials come from the runner's ``--auth``;
- expectations come from the recorded responses: the status, the fields that matter for each
  operation, and the packaged schema; volatile fields (timestamps, versions, URLs) are left out;
- every request is a step, in order, repeated reads included: replay means the same sequence.

Pure functions over journal entries (plain dicts); the output is deterministic, so exporting
the same journal twice gives byte-identical YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import yaml

from mockscim.inspect.classify import route_of
from mockscim.inspect.masking import MASK
from mockscim.inspect.operations import export_schema
from mockscim.inspect.operations import operation as operation_row

Entry = dict[str, Any]
_USER_FIELDS = ("userName", "active", "externalId")
_GROUP_FIELDS = ("displayName",)


@dataclass
class _Names:
    """The value → variable table built while reading the journal, in order of appearance."""

    literal: bool
    vars: dict[str, Any] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # recorded text -> "${name}"
    counts: dict[str, int] = field(default_factory=dict)
    unknown_ids: set[str] = field(default_factory=set)

    def resource(self, kind: str) -> int:
        """Number the next created resource of ``kind`` (user_1, user_2, group_1, ...)."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self.counts[kind]

    def bind(self, recorded: Any, name: str, value: Any | None = None) -> None:
        """Replace ``recorded`` by ``${name}`` from now on; ``value`` goes into ``vars``."""
        if not isinstance(recorded, str) or not recorded or recorded in self.values:
            return
        self.values[recorded] = "${" + name + "}"
        if value is not None:
            self.vars[name] = recorded if self.literal else value

    def apply(self, value: Any) -> Any:
        """Substitute every known recorded value inside strings, recursively."""
        if isinstance(value, dict):
            return {k: self.apply(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v) for v in value]
        if not isinstance(value, str):
            return value
        if value == MASK:
            return "${password}"
        for recorded in sorted(self.values, key=len, reverse=True):
            if recorded in value:
                value = value.replace(recorded, self.values[recorded])
        return value


def _unique_email(address: str) -> str:
    """``tina@example.com`` -> ``tina+${unique}@example.com`` (still a valid address)."""
    local, at, domain = address.partition("@")
    return f"{local}+${{unique}}@{domain}" if at else f"{address}-${{unique}}"


def _learn_created(names: _Names, entry: Entry) -> str | None:
    """Register the ids and Okta-chosen values of a resource created by this entry."""
    rtype = (entry.get("resource") or {}).get("type")
    body = entry["response"].get("body")
    request_body = entry["request"].get("body") if isinstance(entry["request"].get("body"), dict) else {}
    if (
        entry["request"]["method"] != "POST"
        or entry["response"]["status"] != 201
        or not isinstance(body, dict)
    ):
        return None
    kind = {"User": "user", "Group": "group"}.get(rtype or "")
    if kind is None or not isinstance(body.get("id"), str):
        return None
    prefix = f"{kind}_{names.resource(kind)}"
    if kind == "user":
        names.bind(
            request_body.get("userName"), f"{prefix}_name", _unique_email(str(request_body.get("userName")))
        )
        external = request_body.get("externalId")
        names.bind(external, f"{prefix}_external_id", f"00u${{unique}}{names.counts['user']:07d}")
    else:
        names.bind(
            request_body.get("displayName"),
            f"{prefix}_name",
            f"{request_body.get('displayName')} ${{unique}}",
        )
    names.bind(body["id"], f"{prefix}_id")
    return f"{prefix}_id"


def _expectations(entry: Entry, names: _Names) -> dict[str, Any]:
    """Status, the fields that matter for the operation, and the packaged schema."""
    response = entry["response"]
    expect: dict[str, Any] = {"status": response["status"]}
    body = response.get("body")
    if not isinstance(body, dict):
        return expect
    if "Error" in str(body.get("schemas")):
        expect["schema"] = "scim/Error"
        return expect
    if "Resources" in body:
        expect["schema"] = "scim/ListResponse"
        # A lookup of a value this session chose has a count that replays (0 before the create,
        # 1 after); an unfiltered page counts whatever the target already holds, so only its
        # shape is checked.
        query_filter = names.apply((entry["request"].get("query") or {}).get("filter", ""))
        if "${" in query_filter and not names.literal:
            expect["json"] = {"totalResults": body.get("totalResults")}
        return expect
    rtype = (entry.get("resource") or {}).get("type")
    schema = export_schema(entry.get("operation"), rtype)  # the operation table (inspect/operations.py)
    if schema is not None and rtype in ("User", "Group") and "id" in body:
        expect["schema"] = schema
        fields = _USER_FIELDS if rtype == "User" else _GROUP_FIELDS
        subset = {k: body[k] for k in ("id", *fields) if k in body}
        if rtype == "Group":
            subset["members"] = [{"value": m.get("value")} for m in body.get("members") or []]
        expect["json"] = names.apply(subset)
    return expect


def _path_and_query(entry: Entry, names: _Names) -> tuple[str, dict[str, Any] | None]:
    """The step's path and query, with recorded values replaced by variables."""
    request = entry["request"]
    path = names.apply(request.get("scim_path") or request["path"])
    query = {k: _scalar(names.apply(v)) for k, v in (request.get("query") or {}).items()}
    _, _, rid = route_of(request.get("scim_path") or request["path"])
    if rid is not None and rid not in names.values:
        names.unknown_ids.add(rid)
    return path, query or None


def _scalar(value: Any) -> Any:
    """Query values arrive as text; digits read better (and are sent the same) as numbers."""
    # isascii: "²".isdigit() is true, and int() refuses it (a query value can be any text).
    return (
        int(value)
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10
        else value
    )


def _request_body(entry: Entry, names: _Names, base_url: str | None) -> Any:
    """The recorded body with ids, Okta values, URLs and masked passwords made portable."""
    body = entry["request"].get("body")
    if isinstance(body, dict) and isinstance(body.get("meta"), dict):
        body = {**body, "meta": {k: v for k, v in body["meta"].items() if k == "resourceType"}}
    text_base = base_url.rstrip("/") if base_url else None
    portable = names.apply(body)
    return _replace_base(portable, text_base) if text_base else portable


def _replace_base(value: Any, base: str) -> Any:
    """Recorded absolute URLs of the recording server become ``${base_url}``."""
    if isinstance(value, dict):
        return {k: _replace_base(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_base(v, base) for v in value]
    return value.replace(base, "${base_url}") if isinstance(value, str) else value


def _step(entry: Entry, names: _Names, created: dict[int, str], base_url: str | None) -> dict[str, Any]:
    """One scenario step for one journal entry."""
    label = operation_row(entry.get("operation")).label
    request = entry["request"]
    path, query = _path_and_query(entry, names)
    saved = created.get(entry["id"])
    body = _request_body(entry, names, base_url)
    step: dict[str, Any] = {"name": f"{label} ({request['method']} {_shape(path)}) [journal #{entry['id']}]"}
    step["request"] = {"method": request["method"], "path": path}
    if query:
        step["request"]["query"] = query
    if isinstance(body, dict | list):
        step["request"]["json"] = body
    elif isinstance(body, str) and body:
        step["request"]["body"] = body
    step["expect"] = _expectations(entry, names)
    if saved:
        step["expect"].get("json", {}).pop("id", None)  # saved by this very step
        step["save"] = {saved: "/id"}
    return step


def _shape(path: str) -> str:
    """``/Users/${user_1_id}`` -> ``/Users/{id}`` for step names."""
    return re.sub(r"^(/(?:Users|Groups))/[^/?]+", r"\1/{id}", path)


def _base_url(entries: list[Entry]) -> str | None:
    """The recording server's public base URL, from the first resource location it returned."""
    for entry in entries:
        body = entry["response"].get("body")
        meta = body.get("meta") if isinstance(body, dict) else None
        location = meta.get("location") if isinstance(meta, dict) else None
        match = re.match(r"^(.*)/(?:Users|Groups)/[^/]+$", location) if isinstance(location, str) else None
        if match:
            return match.group(1)
    return None


def replayable(entry: Entry) -> bool:
    """Requests worth replaying: answered with credentials that worked (401s are noise)."""
    return entry["response"]["status"] != 401 and entry["request"]["method"] in (
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
    )


def export_scenario(
    entries: list[Entry], *, name: str = "Recorded Okta session", literal: bool = False
) -> dict[str, Any]:
    """Build the scenario document (a dict in the scenario format) from journal entries."""
    names = _Names(literal)
    kept = [e for e in sorted(entries, key=lambda e: e["id"]) if replayable(e)]
    base_url = _base_url(kept)
    # First learn every created resource, so a lookup sent before its create already uses
    # the variable (Okta looks a user up by userName, then creates it: wire ref §5).
    created = {e["id"]: saved for e in kept if (saved := _learn_created(names, e))}
    steps = [_step(entry, names, created, base_url) for entry in kept]
    description = _describe(entries, kept, names)
    document: dict[str, Any] = {"name": name, "description": description, "tags": ["recorded"]}
    if names.vars:
        document["vars"] = names.vars
    document["steps"] = steps
    return document


def _describe(entries: list[Entry], kept: list[Entry], names: _Names) -> str:
    """What was exported and what the replay needs to know."""
    ids = [e["id"] for e in kept]
    span = f"journal entries #{ids[0]}-#{ids[-1]}" if ids else "no journal entries"
    text = f"Exported by mockscim from {span} ({len(kept)} requests)."
    skipped = len(entries) - len(kept)
    if skipped:
        text += f" {skipped} request(s) refused with 401 were left out."
    if names.unknown_ids:
        text += (
            f" {len(names.unknown_ids)} resource id(s) existed before the recording and stay literal: "
            "seed them on the target before replaying."
        )
    return text


def to_yaml(document: dict[str, Any]) -> str:
    """Render a scenario document as stable, readable YAML."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def _position(entry: Entry, bound: str | int) -> Any:
    """Compare entries with a bound given as an entry id (digits) or an ISO timestamp."""
    return entry["id"] if isinstance(bound, int) or _is_id(bound) else entry.get("at", "")


def _bound(bound: str | int) -> Any:
    """Normalize a bound for comparison with ``_position``."""
    return int(bound) if isinstance(bound, int) or _is_id(bound) else str(bound)


def _is_id(bound: str | int) -> bool:
    """An entry id is ASCII digits ("²".isdigit() is true, and int() refuses it)."""
    text = str(bound)
    return text.isascii() and text.isdigit()


def select_entries(
    entries: list[Entry],
    *,
    since: str | int | None = None,
    until: str | int | None = None,
    operations: tuple[str, ...] = (),
) -> list[Entry]:
    """Entries between ``since`` and ``until`` (inclusive; ids or ISO times) of the given operations."""
    chosen = []
    for entry in entries:
        if since is not None and _position(entry, since) < _bound(since):
            continue
        if until is not None and _position(entry, until) > _bound(until):
            continue
        if operations and entry.get("operation") not in operations:
            continue
        chosen.append(entry)
    return chosen
