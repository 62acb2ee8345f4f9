"""The admin API under ``/__admin`` (WireMock's vocabulary): journal, reset, seed, state, health."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from mockscim import __version__
from mockscim.config import AuthConfig
from mockscim.constants import ADMIN_PREFIX
from mockscim.credentials import check_credentials_allowed
from mockscim.errors import InvalidValue
from mockscim.errors import NotFound
from mockscim.journal import EntryFilter
from mockscim.seed import load_seed
from mockscim.server.auth import refuse_cross_site
from mockscim.server.auth import require_admin
from mockscim.server.bodies import entry_bound
from mockscim.server.bodies import flag
from mockscim.server.bodies import integer
from mockscim.server.flowfiles import locate
from mockscim.server.state import DEFAULT_TENANT
from mockscim.server.state import TENANT_KEY
from mockscim.server.state import get_state
from mockscim.server.state import tenants
from mockscim.server.validation import admin_body

bp = Blueprint("admin", __name__)
_FILTER_KEYS = ("operation", "method", "path", "has_findings", "severity", "since")


@bp.before_request
def _authenticate() -> None:
    """Admin calls need the server's credentials, or ``--admin-token`` when set; health is open."""
    if request.endpoint == "admin.health":
        return
    require_admin()
    refuse_cross_site()


def _entry_filter(params: dict[str, Any]) -> EntryFilter:
    """Build a journal filter from query parameters or a JSON body; unknown keys are refused."""
    unknown = set(params) - set(_FILTER_KEYS) - {"limit"}
    if unknown:
        raise InvalidValue(f"unknown filter {sorted(unknown)}; use {', '.join(_FILTER_KEYS)} or limit")
    severity = params.get("severity")
    if severity not in (None, "error", "warning"):
        raise InvalidValue("severity must be 'error' or 'warning'")
    return EntryFilter(
        operation=params.get("operation"),
        method=params.get("method"),
        path=params.get("path"),
        has_findings=flag(params.get("has_findings"), "has_findings"),
        severity=severity,
        since_id=integer(params.get("since"), "since", minimum=0),
    )


@bp.get("/health")
def health() -> Response:
    """Liveness, without credentials; with ``--state-file``, whether the file is being written."""
    body: dict[str, Any] = {"status": "ok", "version": __version__}
    state_file = current_app.extensions.get("mockscim.state_file")
    if state_file is not None:
        body["state_file"] = state_file.health()
        if body["state_file"]["status"] != "ok":
            body["status"] = "degraded"
    return jsonify(body)


@bp.get("/requests")
def list_requests() -> Response:
    """Journal entries, newest first, filtered by operation, method, path and findings."""
    params = request.args.to_dict()
    limit = integer(params.get("limit"), "limit", minimum=0)
    journal = get_state().journal
    entries = journal.entries(_entry_filter(params), newest_first=True)
    shown = entries[:limit] if limit is not None else entries
    meta = {
        "total": len(entries),
        "returned": len(shown),
        "dropped": journal.dropped,
        "capacity": journal.max_entries,
    }
    return jsonify({"requests": shown, "meta": meta})


@bp.delete("/requests")
def clear_requests() -> Response:
    """Empty the journal."""
    get_state().journal.clear()
    return jsonify({"cleared": True})


@bp.post("/requests/count")
def count_requests() -> Response:
    """How many journal entries match a filter given as a JSON body."""
    where = _entry_filter(admin_body("JournalFilter", optional=True))
    return jsonify({"count": get_state().journal.count(where)})


@bp.get("/requests/<int:entry_id>")
def get_request(entry_id: int) -> Response:
    """One journal entry by id."""
    entry = get_state().journal.get(entry_id)
    if entry is None:
        raise NotFound(f"no journal entry {entry_id}; it may have been dropped or cleared")
    return jsonify(entry)


@bp.post("/reset")
def reset() -> Response:
    """Reset state and journal (default), or only one: ``{"state": true, "journal": false}``."""
    body = admin_body("ResetRequest", optional=True)
    state = get_state()
    if body.get("state", True):
        state.store.reset()
    if body.get("journal", True):
        state.journal.clear()
    if "random_seed" in body:
        state.store.ids.reseed(body["random_seed"])
    return jsonify({"reset": True, "counts": state.store.counts(), "journal": state.journal.count()})


@bp.post("/seed")
def seed() -> Response:
    """Create the users and groups of a seed document: ``{"users": [...], "groups": [...]}``."""
    counts = load_seed(get_state().store, admin_body("SeedRequest"), source="seed")
    return jsonify({"created": counts})


@bp.get("/state")
def get_state_snapshot() -> Response:
    """All users and groups as a snapshot (passwords are never included)."""
    return jsonify(get_state().store.snapshot())


@bp.put("/state")
def put_state_snapshot() -> Response:
    """Replace all state with a snapshot from ``GET /__admin/state``."""
    get_state().store.restore(admin_body("Snapshot"))
    return jsonify({"restored": True, "counts": get_state().store.counts()})


def _tenant_doc(state: Any) -> dict[str, Any]:
    """Describe a tenant without its credentials."""
    prefix = "" if state.name == DEFAULT_TENANT else f"/t/{state.name}"
    return {
        "name": state.name,
        "scim_path": prefix + state.settings.base_path,
        "admin_path": prefix + ADMIN_PREFIX,
        "counts": state.store.counts(),
        "journal": state.journal.count(),
        "own_credentials": state.auth is not None,
    }


def _global_only() -> None:
    """Tenant management lives on the server's own admin API, not a tenant's."""
    if request.environ.get(TENANT_KEY) is not None:
        raise NotFound("manage tenants through /__admin/tenants, without a /t/{tenant} prefix")


@bp.get("/tenants")
def list_tenants() -> Response:
    """Every tenant with its paths and counts."""
    _global_only()
    return jsonify({"tenants": [_tenant_doc(t) for t in tenants().all()]})


@bp.post("/tenants")
def create_tenant() -> Response:
    """Declare a tenant: ``{"name": "acme", "auth": "basic:user:token"}`` (auth optional)."""
    _global_only()
    body = admin_body("TenantRequest")
    auth = AuthConfig.parse(body["auth"], "auth") if "auth" in body else None
    if auth is not None:  # no credentials only on loopback, for every tenant however it is made
        check_credentials_allowed(auth, get_state().settings.host, body["name"])
    state = tenants().create(body["name"], auth)
    return jsonify(_tenant_doc(state)), 201


@bp.delete("/tenants/<name>")
def delete_tenant(name: str) -> Response:
    """Remove a tenant and everything it holds."""
    _global_only()
    tenants().remove(name)
    return jsonify({"deleted": name})


@bp.get("/faults")
def list_faults() -> Response:
    """The tenant's active faults, with hit counts."""
    return jsonify({"faults": [f.describe() for f in get_state().faults.list()]})


@bp.post("/faults")
def add_fault() -> Response:
    """Register a fault: ``{"match": {...}, "action": {...}, "times": N, "probability": p}``."""
    fault = get_state().faults.add(admin_body("Fault"))
    return jsonify(fault.describe()), 201


@bp.delete("/faults")
def clear_faults() -> Response:
    """Remove every fault of the tenant."""
    get_state().faults.clear()
    return jsonify({"cleared": True})


@bp.delete("/faults/<int:fault_id>")
def delete_fault(fault_id: int) -> Response:
    """Remove one fault."""
    if not get_state().faults.remove(fault_id):
        raise NotFound(f"no fault {fault_id}")
    return jsonify({"deleted": fault_id})


@bp.get("/export")
def export_journal() -> Response:
    """The journal (or part of it) as a replayable scenario, in YAML (same as ``mockscim export``)."""
    from mockscim.export import export_scenario
    from mockscim.export import select_entries
    from mockscim.export import to_yaml

    args = request.args
    journal = get_state().journal.entries()
    entries = select_entries(
        journal,
        since=entry_bound(args.get("since"), "since"),
        until=entry_bound(args.get("until"), "until"),
        operations=tuple(args.getlist("operation")),
    )
    if not entries:
        raise NotFound("no journal entries match; record some requests or widen since/until/operation")
    name = args.get("name", "Recorded Okta session")
    literal = flag(args.get("literal"), "literal") or False
    text = to_yaml(export_scenario(entries, name=name, literal=literal, journal=journal))
    return Response(
        text,
        mimetype="application/yaml",
        headers={"Content-Disposition": 'inline; filename="recorded.scenario.yaml"'},
    )


@bp.post("/verify")
def verify_journal() -> Response:
    """``{"flows": [...], "strict_order": false, "mapping": {...}, "since": id, "until": id}``:
    the verify report as JSON (the service ``mockscim verify`` and the dashboard use)."""
    from mockscim.verify import VerifyInputError
    from mockscim.verify import load
    from mockscim.verify import verify

    body = admin_body("VerifyRequest")
    flows_dir = get_state().settings.flows_dir
    loaded = []
    try:
        for name in body.get("flows", []):
            root, files = locate(name, flows_dir)  # the library or --flows-dir, nothing else
            loaded += load([str(path) for path in files], root=root)[0]
        rules = load([], body.get("mapping"))[1]
    except VerifyInputError as exc:
        raise InvalidValue(str(exc)) from None
    entries = get_state().journal.entries()
    window = {"since": body.get("since"), "until": body.get("until")}
    strict = body.get("strict_order", False)
    report = verify(entries, loaded, **window, strict_order=strict, mapping=rules)
    return jsonify(report.to_dict())
