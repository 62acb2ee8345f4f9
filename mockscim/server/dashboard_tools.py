"""Dashboard tools: export requests as a scenario, set faults, and find the library's Okta flows.

Routes on the dashboard's blueprint (``dashboard_access.bp``; ``dashboard.py`` imports this module
before the blueprint is registered), so the dashboard's access rule, action header (CSRF) and hardening apply.
Each tool calls the code its CLI and admin API use, so the page never disagrees with them:

- export: ``mockscim.export`` (same YAML as ``GET /__admin/export`` and ``mockscim export``);
- faults: the admin API's own views over ``get_state().faults``;
- library flows: the verify service (``mockscim.verify.verify``) over the journal, the same
  call as ``mockscim verify okta --journal FILE`` and ``POST /__admin/verify``, cached until
  the journal or the library changes.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from flask import Response
from flask import jsonify
from flask import request

from mockscim.errors import InvalidValue
from mockscim.export import export_scenario
from mockscim.export import select_entries
from mockscim.export import to_yaml
from mockscim.journal import Entry
from mockscim.journal import Journal
from mockscim.library import library_root
from mockscim.server import admin_api
from mockscim.server.bodies import integer
from mockscim.server.dashboard_access import bp
from mockscim.server.dashboard_flows import summarize
from mockscim.server.state import get_state
from mockscim.server.validation import admin_body

if TYPE_CHECKING:  # the runner and verify load on first use, as in the admin API: serve starts fast
    from mockscim.runner import Scenario
    from mockscim.verify import FlowResult

SUFFIX = ".scenario.yaml"

DEFAULT_NAME = "Recorded Okta session"
LIBRARY_FOLDER = "okta"  # the flows meant for verify: scenarios/okta/**
# Newest journal entries matched by default; None matches the whole journal, which the verify
# search handles in about a second at 10,000 entries (docs/performance.md).
LIBRARY_WINDOW: int | None = None


# -- export as scenario ---------------------------------------------------------------------------


@bp.post("/dashboard/api/export")
def export_entries() -> Response:
    """``{"ids": [...], "name": "...", "literal": false}``: those entries as a scenario download."""
    ids, name, literal = _export_request(admin_body("ExportRequest"))
    by_id = {entry["id"]: entry for entry in get_state().journal.entries()}
    missing = [entry_id for entry_id in ids if entry_id not in by_id]
    if missing:
        listed = ", ".join(f"#{i}" for i in missing[:10])
        raise InvalidValue(f"no journal entry {listed}; it was dropped or cleared: reload the page")
    chosen = [by_id[i] for i in ids]
    text = to_yaml(export_scenario(chosen, name=name, literal=literal, journal=list(by_id.values())))
    disposition = f'attachment; filename="{scenario_filename(name)}"'
    return Response(text, mimetype="application/yaml", headers={"Content-Disposition": disposition})


def _export_request(body: dict[str, Any]) -> tuple[list[int], str, bool]:
    """The export body (checked against ``ExportRequest``): entry ids, a name and the literal flag."""
    name = body.get("name", DEFAULT_NAME)
    if not name.strip():
        raise InvalidValue("name must be a non-empty text of at most 200 characters")
    return sorted(set(body["ids"])), name.strip(), body.get("literal", False)


def scenario_filename(name: str) -> str:
    """``Recorded Okta session`` -> ``recorded-okta-session.scenario.yaml`` (ASCII, header-safe)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return f"{slug or 'recorded'}{SUFFIX}"


# -- faults: the admin API's views, plus presets from docs/faults.md ------------------------------

PRESETS = (
    {
        "label": "next POST /Users fails with 503",
        "spec": {
            "match": {"method": "POST", "path": "/Users"},
            "action": {"status": 503, "detail": "maintenance"},
            "times": 1,
        },
    },
    {
        "label": "429 Retry-After 30 on import",
        "spec": {"match": {"operation": "import-users"}, "action": {"status": 429, "retry_after": 30}},
    },
    {
        "label": "delay 500 ms on deactivate",
        "spec": {"match": {"operation": "deactivate-user"}, "action": {"delay_ms": 500}},
    },
    {
        "label": "close the connection on GET /Users/*",
        "spec": {"match": {"method": "GET", "path": "/Users/*"}, "action": {"close": True}, "times": 1},
    },
)


@bp.get("/dashboard/api/faults")
def faults() -> Response:
    """The tenant's faults (with hits and remaining) and the presets for the editor."""
    listed = [fault.describe() for fault in get_state().faults.list()]
    return jsonify({"faults": listed, "presets": PRESETS})


@bp.post("/dashboard/api/faults")
def add_fault() -> Response:
    """Add a fault; a bad spec is a 400 whose detail says what to write; see ``POST /__admin/faults``."""
    return admin_api.add_fault()


@bp.delete("/dashboard/api/faults")
def clear_faults() -> Response:
    """Remove every fault of the tenant; see ``DELETE /__admin/faults``."""
    return admin_api.clear_faults()


@bp.delete("/dashboard/api/faults/<int:fault_id>")
def delete_fault(fault_id: int) -> Response:
    """Remove one fault; see ``DELETE /__admin/faults/<id>``."""
    return admin_api.delete_fault(fault_id)


# -- library flows: the verify matcher over the journal -------------------------------------------


@dataclass
class _Verdicts:
    """The last library-flow results of one journal, and the lock that lets one request compute."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    key: tuple[Any, ...] | None = None
    flows: list[dict[str, Any]] = field(default_factory=list)
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class Library:
    """The loaded ``okta/**`` flows (display id, scenario), their load errors, and file mtimes."""

    signature: tuple[tuple[str, int], ...]
    flows: list[tuple[str, Scenario]]
    errors: list[str]


_VERDICTS: weakref.WeakKeyDictionary[Journal, _Verdicts] = weakref.WeakKeyDictionary()
_LIBRARY: list[Library] = []  # the one loaded library, reloaded when a file changes
_GUARD = threading.Lock()  # guards the two caches above


def library() -> Library:
    """The library's ``okta/**`` flows, loaded once and again only when a flow file changes."""
    from mockscim.verify.flows import library_ids
    from mockscim.verify.flows import load_flows

    root = library_root()
    names = [i for i in library_ids(root) if i.startswith(LIBRARY_FOLDER + "/")]
    signature = tuple((n, (root / (n + SUFFIX)).stat().st_mtime_ns) for n in names)
    with _GUARD:
        if not _LIBRARY or _LIBRARY[0].signature != signature:
            loaded, errors = load_flows(names, root)
            _LIBRARY[:] = [Library(signature, loaded, [str(e) for e in errors])]
        return _LIBRARY[0]


@bp.get("/dashboard/api/library-flows")
def library_flows() -> Response:
    """Each library flow's verdict over the journal (all of it, or from ``?since=``)."""
    from mockscim.verify import verify

    journal = get_state().journal
    entries = journal.entries()
    start = _window_start(entries)
    window = select_entries(entries, since=start)
    flows = library()
    with _GUARD:
        verdicts = _VERDICTS.setdefault(journal, _Verdicts())
    with verdicts.lock:  # one computation at a time per journal; the others then read the cache
        key = (_span(window), flows.signature)
        cached = verdicts.key == key
        if not cached:
            started = time.perf_counter()
            report = verify(entries, flows.flows, since=start)
            views = zip(flows.flows, report.flows, strict=True)
            verdicts.flows = [_flow_view(name, scenario, result) for (name, scenario), result in views]
            verdicts.key, verdicts.elapsed_ms = key, (time.perf_counter() - started) * 1000
        body = {"flows": verdicts.flows, "elapsed_ms": round(verdicts.elapsed_ms, 1), "cached": cached}
    return jsonify({**body, "window": _window_doc(window, entries, start), "errors": flows.errors})


def _window_start(entries: list[Entry]) -> int | None:
    """``?since=<id>`` if given, else the id that leaves the newest LIBRARY_WINDOW entries (if set)."""
    value = request.args.get("since")
    if value not in (None, ""):
        try:
            return integer(value, "since", minimum=0)
        except InvalidValue:
            raise InvalidValue(
                f"since must be a journal entry id (ASCII digits), not {value[:40]!r}"
            ) from None
    if LIBRARY_WINDOW is None or len(entries) <= LIBRARY_WINDOW:
        return None
    return entries[-LIBRARY_WINDOW]["id"]


def _span(window: list[Entry]) -> tuple[int, int, int]:
    """Identifies a window: journal ids only grow and entries never change once recorded."""
    return (window[0]["id"], window[-1]["id"], len(window)) if window else (0, 0, 0)


def _window_doc(window: list[Entry], entries: list[Entry], start: int | None) -> dict[str, Any]:
    """Which entries were matched, and the ``mockscim verify`` command that matches the same."""
    command = f"mockscim verify {LIBRARY_FOLDER} --journal mockscim-journal.jsonl"
    return {
        "first": window[0]["id"] if window else None,
        "last": window[-1]["id"] if window else None,
        "count": len(window),
        "journal": len(entries),
        "partial": len(window) < len(entries),
        "command": command + (f" --since {start}" if start is not None else ""),
    }


def _flow_view(name: str, scenario: Scenario, result: FlowResult) -> dict[str, Any]:
    """``flow_dict`` (as ``POST /__admin/verify``) plus what the page shows: requests, first miss."""
    from mockscim.verify.report import flow_dict
    from mockscim.verify.report import flow_report

    view = flow_dict(result)
    matched = sum(step.matched for step in result.steps)
    total = len(result.steps)
    view.update(
        title=scenario.name,
        matched_steps=matched,
        total_steps=total,
        status="complete" if result.passed and total else "incomplete" if matched else "unseen",
        report=flow_report(result),
    )
    for shown, step in zip(view["steps"], result.steps, strict=True):
        shown["expected"] = step.expected.shown
        shown["entry"] = _request(step.entry)
        shown["closest_entry"] = _request(step.closest)
    return view


def _request(entry: Entry | None) -> dict[str, Any] | None:
    """The few fields of a feed row a flow step shows (id, request line, status, operation)."""
    if entry is None:
        return None
    row = summarize(entry)
    return {key: row[key] for key in ("id", "method", "path", "query", "status", "label")}
