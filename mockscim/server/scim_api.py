"""The SCIM endpoints (RFC 7644 §3): thin views that parse input, call scim/* and the store."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint
from flask import Response

from mockscim.errors import InvalidFilter
from mockscim.errors import NotFound
from mockscim.errors import NotImplementedScim
from mockscim.scim import discovery
from mockscim.scim.patch import apply_patch
from mockscim.scim.patch import parse_operations
from mockscim.scim.projection import check_names
from mockscim.scim.query import SearchRequest
from mockscim.scim.query import build_search
from mockscim.scim.query import check_root_names
from mockscim.scim.query import for_resource_type
from mockscim.scim.query import list_response
from mockscim.scim.query import search_body_params
from mockscim.scim.resource import keep_immutable
from mockscim.scim.resource import normalize_resource
from mockscim.scim.schema import RESOURCE_TYPES
from mockscim.scim.schema import ResourceType
from mockscim.server import wire
from mockscim.server.bodies import read_json
from mockscim.server.context import current_request
from mockscim.server.reading import query_args
from mockscim.server.render import render
from mockscim.server.responses import base_url
from mockscim.server.responses import etag
from mockscim.server.responses import parse_etag
from mockscim.server.responses import scim_response
from mockscim.server.state import get_state

bp = Blueprint("scim", __name__)


def _if_match() -> frozenset[int] | None:
    """The versions an If-Match header accepts (None for absent or ``*``); bad values match none."""
    wanted = parse_etag(current_request().environ.get("HTTP_IF_MATCH"))
    return wanted if isinstance(wanted, frozenset) else None


def _one(rtype: ResourceType, record: dict[str, Any], status: int = 200) -> Response:
    """Respond with a single resource, its ETag, and Location on 201."""
    headers = {"ETag": etag(record["meta"]["version"])}  # before render completes ``record`` in place
    body = render(record, rtype, base_url(), _projection())
    if status == 201:
        headers["Location"] = body["meta"]["location"]
    return scim_response(body, status, headers)


def _projection() -> SearchRequest | None:
    """attributes/excludedAttributes on single-resource requests (RFC 7644 §3.9)."""
    if not current_request().environ.get("QUERY_STRING"):
        return None
    args = query_args()
    if "attributes" not in args and "excludedAttributes" not in args:
        return None
    return build_search(
        {k: args[k] for k in ("attributes", "excludedAttributes") if k in args},
        get_state().limits,
    )


def _search(rtype: ResourceType, search: SearchRequest) -> Response:
    """Run a search and answer with a ListResponse."""
    check_names(rtype, search.attributes + search.excluded)  # even when nothing matches
    if search.filter is None and search.sort_by is None and not (search.attributes or search.excluded):
        return _import_page(rtype, search)
    total, page = get_state().store.query(rtype.name, search)
    base = base_url()
    resources = [render(r, rtype, base, search) for r in page]
    return scim_response(list_response(resources, total, search.start_index))


def _import_page(rtype: ResourceType, search: SearchRequest) -> Response:
    """Okta's import page, joined from the JSON the store keeps per record (server/wire.py)."""
    total, slots = get_state().store.rendered_page(
        rtype.name, search, functools.partial(wire.kept_records, rtype), wire.kept_reference
    )
    return scim_response(wire.page_json(total, search.start_index, base_url(), slots))


def list_resources(rtype: str) -> Response:
    """GET /Users, GET /Groups: filter, paginate, sort, project (RFC 7644 §3.4.2)."""
    state = get_state()
    return _search(state.types[rtype], build_search(query_args(), state.limits))


def search_resources(rtype: str) -> Response:
    """POST /Users/.search and /Groups/.search (RFC 7644 §3.4.3)."""
    params, state = search_body_params(read_json()), get_state()
    return _search(state.types[rtype], build_search(params, state.limits))


def create_resource(rtype: str) -> Response:
    """POST /Users, POST /Groups: 201 with the new resource (RFC 7644 §3.3)."""
    state = get_state()
    rt = state.types[rtype]
    resource, password = normalize_resource(
        read_json(), rt, custom_extensions=state.settings.profile.custom_extensions
    )
    # normalize_resource built ``resource`` for this request alone: the store keeps it as it is.
    return _one(rt, state.store.create(rtype, resource, password=password, owned=True), 201)


def get_resource(rtype: str, rid: str) -> Response:
    """GET /Users/{id}: 200, or 304 when If-None-Match names the current version."""
    state = get_state()
    rt, record = state.types[rtype], state.store.get(rtype, rid, copy=False)  # only rendered
    wanted = parse_etag(current_request().environ.get("HTTP_IF_NONE_MATCH"))
    if wanted == "*" or (isinstance(wanted, frozenset) and record["meta"]["version"] in wanted):
        return Response(status=304, headers={"ETag": etag(record["meta"]["version"])})
    return _one(rt, record)


def replace_resource(rtype: str, rid: str) -> Response:
    """PUT: replace all writable attributes; read-only ones in the body are ignored (§3.5.1)."""
    state = get_state()
    rt = state.types[rtype]
    resource, password = normalize_resource(
        read_json(), rt, custom_extensions=state.settings.profile.custom_extensions
    )
    with state.store.lock:  # re-entrant: the comparison and the write see one state
        if rt.immutable():
            keep_immutable(state.store.get(rtype, rid, copy=False), resource, rt)
        record = state.store.replace(
            rtype, rid, resource, password=password, version=_if_match(), copy=False, owned=True
        )
    return _one(rt, record)


def patch_resource(rtype: str, rid: str) -> Response:
    """PATCH: apply every operation or none (RFC 7644 §3.5.2); 200 with the resource or 204."""
    state = get_state()
    rt = state.types[rtype]
    operations = parse_operations(read_json())
    profile = state.settings.profile

    def change(attributes: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        # The store hands over a private copy, so the engine may edit it in place; a refused
        # PATCH raises before anything is stored (RFC 7644 §3.5.2: all or nothing).
        patched = apply_patch(
            attributes, operations, rt, pathless_ignored=profile.pathless_ignored, in_place=True
        )
        return normalize_resource(patched, rt, custom_extensions=profile.custom_extensions)

    record = state.store.modify(rtype, rid, change, version=_if_match())
    if not profile.patch_returns_resource:
        return Response(status=204, headers={"ETag": etag(record["meta"]["version"])})
    return _one(rt, record)


def delete_resource(rtype: str, rid: str) -> Response:
    """DELETE: 204 with no body (RFC 7644 §3.6)."""
    get_state().store.delete(rtype, rid, version=_if_match())
    return Response(status=204)


for _name, _rt in RESOURCE_TYPES.items():
    _ep = _rt.endpoint
    _kw: dict[str, Any] = {"defaults": {"rtype": _name}, "strict_slashes": False}
    bp.add_url_rule(_ep, f"list_{_name}", list_resources, methods=["GET"], **_kw)
    bp.add_url_rule(_ep, f"create_{_name}", create_resource, methods=["POST"], **_kw)
    bp.add_url_rule(f"{_ep}/.search", f"search_{_name}", search_resources, methods=["POST"], **_kw)
    bp.add_url_rule(f"{_ep}/<rid>", f"get_{_name}", get_resource, methods=["GET"], **_kw)
    bp.add_url_rule(f"{_ep}/<rid>", f"put_{_name}", replace_resource, methods=["PUT"], **_kw)
    bp.add_url_rule(f"{_ep}/<rid>", f"patch_{_name}", patch_resource, methods=["PATCH"], **_kw)
    bp.add_url_rule(f"{_ep}/<rid>", f"delete_{_name}", delete_resource, methods=["DELETE"], **_kw)


@bp.post("/.search", strict_slashes=False)
def search_root() -> Response:
    """POST /.search across all resource types (RFC 7644 §3.4.3); a type whose schema
    lacks a filtered attribute contributes no results."""
    state = get_state()
    search = build_search(search_body_params(read_json()), state.limits)
    check_root_names(tuple(state.types.values()), search.attributes + search.excluded)
    everything = SearchRequest(search.filter, 1, 10**9, search.sort_by, search.descending)
    base, found, errors = base_url(), [], []
    for rt in state.types.values():
        try:
            _, page = state.store.query(rt.name, everything)
        except InvalidFilter as exc:
            errors.append(exc)
            continue
        projection = for_resource_type(search, rt)
        found += [render(r, rt, base, projection) for r in page]
    if len(errors) == len(RESOURCE_TYPES):
        raise errors[0]
    start = search.start_index - 1
    return scim_response(list_response(found[start : start + search.count], len(found), search.start_index))


@bp.get("/ServiceProviderConfig", strict_slashes=False)
def service_provider_config() -> Response:
    """GET /ServiceProviderConfig (RFC 7644 §4)."""
    state = get_state()
    caps = discovery.Capabilities(
        state.credentials.mode, state.limits.max_count, state.settings.max_body_bytes
    )
    return scim_response(discovery.service_provider_config(caps, base_url()))


@bp.get("/ResourceTypes", strict_slashes=False)
def resource_types() -> Response:
    """GET /ResourceTypes as a ListResponse (RFC 7644 §4)."""
    docs = [discovery.resource_type_doc(rt, base_url()) for rt in get_state().types.values()]
    return scim_response(list_response(docs, len(docs), 1))


@bp.get("/ResourceTypes/<name>", strict_slashes=False)
def resource_type(name: str) -> Response:
    """GET /ResourceTypes/{name}."""
    rt = next((r for r in get_state().types.values() if r.name.lower() == name.lower()), None)
    if rt is None:
        raise NotFound(f"no resource type '{name}'; this server has {', '.join(RESOURCE_TYPES)}")
    return scim_response(discovery.resource_type_doc(rt, base_url()))


@bp.get("/Schemas", strict_slashes=False)
def schemas() -> Response:
    """GET /Schemas as a ListResponse."""
    docs = [discovery.schema_doc(s, base_url()) for s in discovery.all_schemas(get_state().types)]
    return scim_response(list_response(docs, len(docs), 1))


@bp.get("/Schemas/<path:urn>", strict_slashes=False)
def schema(urn: str) -> Response:
    """GET /Schemas/{urn}."""
    schemas = discovery.all_schemas(get_state().types)
    found = next((s for s in schemas if s.id.lower() == urn.lower()), None)
    if found is None:
        raise NotFound(f"no schema '{urn}'")
    return scim_response(discovery.schema_doc(found, base_url()))


@bp.route("/Me", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], strict_slashes=False)
@bp.route("/Me/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/Bulk", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], strict_slashes=False)
def not_implemented(rest: str = "") -> Response:
    """/Me and /Bulk are optional (RFC 7644 §3.11, §3.7) and not implemented; see the config."""
    name = "/Me" if "/Me" in current_request().path else "/Bulk"
    raise NotImplementedScim(
        f"{name} is not implemented by mockscim; /ServiceProviderConfig lists what is supported"
    )
