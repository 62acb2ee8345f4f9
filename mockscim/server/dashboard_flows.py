"""Every use of the operation table (``mockscim.inspect.operations``) and of the session
grouping (``mockscim.inspect.flows``) by the dashboard, in one small place: the operation labels
of the filter, each feed row's readable label, an entry's Okta doc link, and the journal grouped
by flow role. The library flows' verdicts come from the verify service (``dashboard_tools``)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import jsonify

from mockscim.errors import NotFound
from mockscim.inspect.flows import group_flows
from mockscim.inspect.operations import TABLE
from mockscim.inspect.operations import describe
from mockscim.journal import Entry
from mockscim.server.dashboard_access import bp
from mockscim.server.state import get_state


def operation_options() -> list[dict[str, str]]:
    """The operation filter's choices: each Okta operation with its readable label."""
    return [{"value": row.name, "label": row.label} for row in TABLE]


def summarize(entry: Entry) -> dict[str, Any]:
    """One feed row: time, request line, readable operation, status, duration, worst finding."""
    request_, findings = entry["request"], entry.get("findings") or []
    severities = {finding.get("severity") for finding in findings}
    return {
        "id": entry["id"],
        "at": entry.get("at"),
        "duration_ms": entry.get("duration_ms"),
        "method": request_.get("method"),
        "path": request_.get("path"),
        "query": "&".join(f"{key}={value}" for key, value in (request_.get("query") or {}).items()),
        "operation": entry.get("operation"),
        "label": describe(entry)["label"],
        "status": entry["response"].get("status"),
        "severity": next((s for s in ("error", "warning", "info") if s in severities), None),
        "findings": len(findings),
        "resource": entry.get("resource"),
        "subject": _subject(entry),
    }


def _subject(entry: Entry) -> str | None:
    """The userName or displayName a request was about, for free-text search."""
    for body in (entry["request"].get("body"), entry["response"].get("body")):
        if isinstance(body, dict):
            name = body.get("userName") or body.get("displayName")
            if isinstance(name, str):
                return name
    return (entry["request"].get("query") or {}).get("filter")


@bp.get("/dashboard/api/entries/<int:entry_id>")
def entry_detail(entry_id: int) -> Response:
    """One entry in full (secrets were masked when it was recorded), with its Okta doc link."""
    entry = get_state().journal.get(entry_id)
    if entry is None:
        raise NotFound(f"no journal entry {entry_id}; it may have been dropped or cleared")
    return jsonify({**entry, **describe(entry), "summary": summarize(entry)})


@bp.get("/dashboard/api/flows")
def flows() -> Response:
    """The journal grouped by the operations' flow roles, newest first (mockscim.inspect.flows)."""
    grouped = group_flows(get_state().journal.entries())
    return jsonify({"flows": [flow.to_dict() for flow in reversed(grouped)]})
