"""The OpenAPI 3.1 description of the SCIM and admin APIs, served at ``/__admin/openapi.json``.

``openapi.yaml`` (package data) refers to the packaged SCIM JSON Schemas by relative file
references; ``load_document`` bundles them into one self-contained document, so clients and
fuzzers (schemathesis) need nothing else.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources
from typing import Any

from flask import Blueprint
from flask import Response
from flask import jsonify

from mockscim import schemas
from mockscim.constants import DEFAULT_BASE_PATH
from mockscim.server.auth import require_admin
from mockscim.server.state import get_state

bp = Blueprint("openapi", __name__)
SCHEMA_DIR = "../schemas/scim/"
_COMPONENTS = "#/components/schemas/"


def _rewrite_refs(node: Any, name: str) -> Any:
    """Point the ``$ref``s of schema ``name`` into the bundle: ``#/$defs/x`` and ``Other.json#/$defs/x``."""
    if isinstance(node, list):
        return [_rewrite_refs(item, name) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            target, _, pointer = value.partition("#")
            owner = target.removesuffix(".json") if target else name
            out[key] = f"{_COMPONENTS}{owner}{pointer}"
        elif key in ("$schema", "$id"):
            continue  # an embedded $id would change the base URI the rewritten refs resolve against
        else:
            out[key] = _rewrite_refs(value, name)
    return out


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Any]:
    """The document with every ``../schemas/scim/X.json`` component replaced by that schema."""
    import yaml  # on first use: the server starts without it (cold start)

    text = resources.files(__package__).joinpath("openapi.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    components = document["components"]["schemas"]
    for name, schema in components.items():
        ref = schema.get("$ref", "")
        if ref.startswith(SCHEMA_DIR):
            file_name = ref.removeprefix(SCHEMA_DIR).removesuffix(".json")
            components[name] = _rewrite_refs(copy.deepcopy(schemas.load(f"scim/{file_name}")), file_name)
    return document


def load_document(base_path: str = DEFAULT_BASE_PATH) -> dict[str, Any]:
    """The self-contained OpenAPI document, with the SCIM paths under ``base_path``."""
    document = copy.deepcopy(_bundled())
    document["paths"] = {
        (
            base_path + path.removeprefix(DEFAULT_BASE_PATH) if path.startswith(DEFAULT_BASE_PATH) else path
        ): item
        for path, item in document["paths"].items()
    }
    return document


@bp.before_request
def _authenticate() -> None:
    """The document is part of the admin API, behind the same credentials."""
    require_admin()


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """GET /__admin/openapi.json."""
    return jsonify(load_document(get_state().settings.base_path))
