"""Journal to scenario: turn what a real Okta tenant sent into a replayable ``*.scenario.yaml``.

The export understands SCIM state, so that what was recorded replays (naming in
``mockscim.export_names``, the end state in ``mockscim.export_state``):

- ids the server assigned become variables saved from the response that created them
  (``user_1_id`` from the POST's ``/id``) and are used in later paths and bodies;
- values Okta chose (user names, ``externalId``, group names) become ``vars`` made unique per run
  with ``${unique}``, so the replay can run again against a server that already holds them
  (``literal=True`` keeps them as recorded);
- secrets never appear: passwords are masked in the journal and replayed as ``${password}``;
  credentials come from the runner's ``--auth``;
- expectations come from the recorded responses: the status, the fields that matter for each
  operation, and the packaged schema; volatile fields (timestamps, versions, URLs) are left out;
- every request is a step, in order, repeated reads included: replay means the same sequence;
- ``userName`` and ``emails`` values are case-insensitive (RFC 7643 §4.1.1): a case variant of
  a recorded value becomes a derived variable (``user_1_name_case_2``) built from the variant's
  own letters, so a duplicate that differed only in case still answers 409 on replay;
- a request that met an injected fault (the journal entry's ``fault``) is preceded by a
  ``mock:`` step that injects the same fault once (``requires: [mock-admin]``), or, with
  ``faults="skip"``, left out with the reason in the description;
- a GET of an id that never existed (a 404 probe) replays as it was: it is no resource to seed;
- the scenario ends with a ``final_state:`` step for every user and group the session wrote to
  (``mockscim.export_state``), as the recorded responses showed them last.

Pure functions over journal entries (plain dicts); the output is deterministic, so exporting
the same journal twice gives byte-identical YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mockscim import schemas
from mockscim.export_names import Names
from mockscim.export_names import conditional_headers
from mockscim.export_names import conditions
from mockscim.export_names import learn_created
from mockscim.export_names import learn_etag
from mockscim.export_names import learn_renames
from mockscim.export_state import WRITES
from mockscim.export_state import final_state
from mockscim.export_state import succeeded
from mockscim.export_state import track
from mockscim.inspect.classify import route_of
from mockscim.inspect.operations import export_schema
from mockscim.inspect.operations import operation as operation_row

Entry = dict[str, Any]
_USER_FIELDS = ("userName", "active", "externalId")
_GROUP_FIELDS = ("displayName",)
FAULT_MODES = ("mock", "skip")


def _expectations(entry: Entry, names: Names) -> dict[str, Any]:
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
        if _counts_replay(query_filter) and not names.literal:
            expect["json"] = {"totalResults": body.get("totalResults")}
        return expect
    rtype = (entry.get("resource") or {}).get("type")
    schema = export_schema(entry.get("operation"), rtype)  # the operation table (inspect/operations.py)
    if schema is not None and rtype in ("User", "Group") and "id" in body:
        if not schemas.validate(schema, body):  # a partial (projected) body is no resource
            expect["schema"] = schema
        fields = _USER_FIELDS if rtype == "User" else _GROUP_FIELDS
        subset = {k: body[k] for k in ("id", *fields) if k in body}
        if rtype == "Group" and isinstance(body.get("members"), list):
            # only what the recorded response showed: a group may be answered without members
            subset["members"] = [{"value": m.get("value")} for m in body["members"] if isinstance(m, dict)]
        expect["json"] = names.apply(subset)
    return expect


_COMPARISON = re.compile(r"\b(eq|ne|co|sw|ew|gt|ge|lt|le|pr)\b", re.IGNORECASE)


def _counts_replay(query_filter: str) -> bool:
    """A lookup's count replays when every comparison is ``eq`` on a value this session chose:
    then only the session's own resources match, however often it runs (``sw``, ``co`` or
    ``not`` also match earlier runs' resources)."""
    operators = [m.lower() for m in _COMPARISON.findall(re.sub(r'"(?:[^"\\]|\\.)*"', '""', query_filter))]
    values = re.findall(r'"((?:[^"\\]|\\.)*)"', query_filter)
    plain = re.sub(r'"(?:[^"\\]|\\.)*"', "", query_filter).lower()
    return (
        bool(operators)
        and set(operators) == {"eq"}
        and len(values) == len(operators)
        and all("${" in value for value in values)
        and not re.search(r"\bnot\b", plain)
    )


def _path_and_query(entry: Entry, names: Names) -> tuple[str, dict[str, Any] | None]:
    """The step's path and query, with recorded values replaced by variables."""
    request = entry["request"]
    path = names.apply(request.get("scim_path") or request["path"])
    query = {k: _scalar(names.apply(v)) for k, v in (request.get("query") or {}).items()}
    _, _, rid = route_of(request.get("scim_path") or request["path"])
    if rid is not None and rid not in names.values and entry["response"]["status"] != 404:
        names.unknown_ids.add(rid)  # a 404 probe of an id that never existed is nothing to seed
    return path, query or None


def _scalar(value: Any) -> Any:
    """Query values arrive as text; digits read better (and are sent the same) as numbers."""
    # isascii: "²".isdigit() is true, and int() refuses it (a query value can be any text).
    return (
        int(value)
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10
        else value
    )


def _request_body(entry: Entry, names: Names, base_url: str | None) -> Any:
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


def _step(
    entry: Entry, names: Names, created: dict[int, str], etags: dict[int, str], base_url: str | None
) -> dict[str, Any]:
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
    if headers := conditional_headers(entry, names):
        step["request"]["headers"] = headers
    if isinstance(body, dict | list):
        step["request"]["json"] = body
    elif isinstance(body, str) and body:
        step["request"]["body"] = body
    step["expect"] = _expectations(entry, names)
    if saved:
        step["expect"].get("json", {}).pop("id", None)  # saved by this very step
        step["save"] = {saved: "/id"}
    if etag := etags.get(entry["id"]):
        step.setdefault("save", {})[etag] = {"header": "ETag"}
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


@dataclass(frozen=True)
class Selection:
    """Which journal entries become steps, and which were left out and why."""

    kept: list[Entry]
    refused: list[Entry]  # answered 401: noise, never replayed
    faulted: list[Entry]  # met an injected fault and left out (faults="skip")

    @property
    def requests(self) -> int:
        """How many requests the scenario replays (the count the CLI and the file both state)."""
        return len(self.kept)


def choose(entries: list[Entry], faults: str = "mock") -> Selection:
    """Split entries into the replayed ones and those left out, oldest first."""
    if faults not in FAULT_MODES:
        raise ValueError(f"faults must be one of {', '.join(FAULT_MODES)}, not {faults!r}")
    ordered = sorted(entries, key=lambda e: e["id"])
    refused = [e for e in ordered if not replayable(e)]
    faulted = [e for e in ordered if replayable(e) and e.get("fault") and faults == "skip"]
    left_out = {id(e) for e in refused + faulted}
    return Selection([e for e in ordered if id(e) not in left_out], refused, faulted)


def fault_step(entry: Entry, names: Names) -> dict[str, Any]:
    """A ``mock:`` step that injects, once, the fault this entry met (docs/faults.md)."""
    fault = entry["fault"]
    request = entry["request"]
    path = names.apply(request.get("scim_path") or request["path"])
    if fault.get("rate_limited"):  # --rate-limit answered 429 with Retry-After
        action: dict[str, Any] = {"status": 429, "retry_after": fault.get("retry_after", 1)}
    else:
        action = dict(fault.get("action") or {})
    spec = {"match": {"method": request["method"], "path": path}, "action": action, "times": 1}
    what = f"{action['status']}" if "status" in action else next(iter(action), "fault")
    return {
        "name": f"inject the fault journal #{entry['id']} met ({what} on {request['method']} {_shape(path)})",
        "mock": {"faults": [spec]},
    }


def export_scenario(
    entries: list[Entry],
    *,
    name: str = "Recorded Okta session",
    literal: bool = False,
    faults: str = "mock",
    journal: list[Entry] | None = None,
) -> dict[str, Any]:
    """Build the scenario document (a dict in the scenario format) from journal entries.

    ``faults``: ``mock`` turns requests that met an injected fault into a ``mock:`` fault step
    and the request (the scenario then requires mockscim's admin API); ``skip`` leaves them out.
    ``journal``: every entry the selection was made from; when the selection left out a write
    among its own, the recorded end state is not checked (that write shaped it).
    """
    names = Names(literal)
    selection = choose(entries, faults)
    kept = selection.kept
    base_url = _base_url(kept)
    # First learn every created resource, so a lookup sent before its create already uses
    # the variable (Okta looks a user up by userName, then creates it: docs/okta-reference.md §5).
    created = {e["id"]: saved for e in kept if (saved := learn_created(names, e))}
    for entry in kept:
        learn_renames(names, entry)
    sent = conditions(kept)
    etags = {e["id"]: saved for e in kept if (saved := learn_etag(names, e, sent))}
    steps: list[dict[str, Any]] = []
    for entry in kept:
        if entry.get("fault"):
            steps.append(fault_step(entry, names))
        steps.append(_step(entry, names, created, etags, base_url))
    end = final_state(track([e for e in kept if not e.get("fault")]), names.apply)
    gaps = left_out_writes(journal, entries) if journal is not None and end is not None else []
    if end is not None and not gaps:
        steps.append({"name": "the target ends as the recorded session left it", "final_state": end})
    document: dict[str, Any] = {
        "name": name,
        "description": _describe(selection, names) + _gap_note(gaps),
        "tags": ["recorded"],
    }
    if any("mock" in step for step in steps):
        document["requires"] = ["mock-admin"]
    if names.vars:
        document["vars"] = names.vars
    document["steps"] = steps
    return document


def left_out_writes(journal: list[Entry], chosen: list[Entry]) -> list[Entry]:
    """Successful writes of ``journal`` that ``chosen`` skipped between its first and last entry."""
    if not chosen:
        return []
    kept = {e["id"] for e in chosen}
    first, last = min(kept), max(kept)
    return [
        e
        for e in journal
        if first < e["id"] < last
        and e["id"] not in kept
        and e["request"]["method"] in WRITES
        and succeeded(e)
    ]


def _gap_note(gaps: list[Entry]) -> str:
    """Why an export of part of a session does not end with a ``final_state:`` step."""
    if not gaps:
        return ""
    listed = ", ".join(f"#{e['id']}" for e in gaps[:10]) + (" ..." if len(gaps) > 10 else "")
    return (
        f" No final_state step: {len(gaps)} successful write(s) between the exported entries were "
        f"left out ({listed}), and the recorded responses show what they changed; export the whole "
        "session to check the end state."
    )


def _describe(selection: Selection, names: Names) -> str:
    """What was exported and what the replay needs to know."""
    ids = [e["id"] for e in selection.kept]
    span = f"journal entries #{ids[0]}-#{ids[-1]}" if ids else "no journal entries"
    text = f"Exported by mockscim from {span} ({selection.requests} requests)."
    if selection.refused:
        text += f" {len(selection.refused)} request(s) refused with 401 were left out."
    if selection.faulted:
        listed = ", ".join(f"#{e['id']}" for e in selection.faulted)
        text += (
            f" {len(selection.faulted)} request(s) that met an injected fault were left out ({listed}): "
            "a server without mockscim's admin API cannot reproduce them."
        )
    if any(e.get("fault") for e in selection.kept):
        text += " Requests that met an injected fault replay after a mock: step that injects it again."
    if names.unknown_ids:
        text += (
            f" {len(names.unknown_ids)} resource id(s) existed before the recording and stay literal: "
            "seed them on the target before replaying."
        )
    return text


def to_yaml(document: dict[str, Any]) -> str:
    """Render a scenario document as stable, readable YAML."""
    import yaml  # on first use: the server imports this module and starts without PyYAML

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
