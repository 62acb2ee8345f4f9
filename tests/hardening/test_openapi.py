"""The OpenAPI 3.1 document: valid, self-contained, faithful to the packaged JSON Schemas, in step
with the URL map both ways, shipped as package data and served behind admin credentials."""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing import Resource
from referencing.jsonschema import DRAFT202012

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.constants import ENTERPRISE_SCHEMA
from mockscim.constants import USER_SCHEMA
from mockscim.schemas import validate as validate_packaged
from mockscim.server import create_app
from mockscim.server.openapi import load_document

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "put", "post", "delete", "patch")
USER, TOKEN = "okta", "s3cr3t-token-for-tests"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The bundled document, default base path."""
    return load_document()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.1 meta-schema


def _refs(node: Any) -> list[str]:
    """Every ``$ref`` value in a JSON document."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    """Follow a local JSON Pointer reference (RFC 6901)."""
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_document_is_self_contained(document):
    refs = _refs(document)
    assert refs and all(ref.startswith("#/") for ref in refs), [r for r in refs if not r.startswith("#/")]
    for ref in refs:
        _resolve(document, ref)  # raises KeyError for a dangling reference
    assert not re.search(r'"\$id"|"\$schema"', str(document["components"]["schemas"]).replace("'", '"'))


SAMPLES = [
    ("User", {"schemas": [USER_SCHEMA], "userName": "alice@example.com", "active": True}),
    ("User", {"schemas": [USER_SCHEMA], "userName": ""}),
    ("User", {"schemas": [USER_SCHEMA], "userName": "a", "active": "true"}),
    ("User", {"schemas": [USER_SCHEMA], "userName": "a", ENTERPRISE_SCHEMA: {"department": "R&D"}}),
    ("User", {"schemas": [USER_SCHEMA], "userName": "a", "emails": [{"value": "a", "primary": True}] * 2}),
    (
        "Group",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "g",
            "members": [{"value": "1"}],
        },
    ),
    ("Group", {"displayName": "g", "members": [{"display": "no value"}]}),
    (
        "PatchOp",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove"}]},
    ),
    ("Error", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404"}),
    ("ListResponse", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 1}),
]


@pytest.mark.parametrize(("name", "instance"), SAMPLES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SAMPLES)])
def test_bundled_schemas_judge_like_the_packaged_ones(document, name, instance):
    registry = Registry().with_resource(
        "urn:mockscim:openapi", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    bundled = Draft202012Validator(
        {"$ref": f"urn:mockscim:openapi#/components/schemas/{name}"}, registry=registry
    )
    assert bundled.is_valid(instance) == (validate_packaged(f"scim/{name}", instance) == [])


def _route_key(path: str) -> str:
    """A path with every placeholder (``<rid>``, ``<path:urn>``, ``{userId}``) as ``{}``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def _url_map_operations(app: Any) -> set[tuple[str, str]]:
    """(METHOD, path) for every rule of the URL map."""
    return {
        (method, _route_key(rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) for every operation of the document."""
    return {(m.upper(), _route_key(p)) for p, item in document["paths"].items() for m in METHODS if m in item}


def test_every_route_is_documented_and_every_documented_route_exists(document):
    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    routes, documented = _url_map_operations(app), _documented(document)
    missing = sorted(routes - documented)
    stale = sorted(documented - routes)
    assert missing == [], f"describe these routes in mockscim/server/openapi.yaml: {missing}"
    assert stale == [], f"these documented routes no longer exist: {stale}"


@pytest.mark.parametrize("base_path", ["/scim/v2", "/api/scim", "/"])
def test_the_served_document_uses_the_configured_base_path(base_path):
    app = create_app(Settings(port=0, base_path=base_path, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    served = app.test_client().get("/__admin/openapi.json", auth=(USER, TOKEN))
    assert served.status_code == 200 and served.mimetype == "application/json"
    assert _documented(served.json) == _url_map_operations(app)


@pytest.mark.parametrize(
    ("changes", "headers", "status"),
    [
        ({}, {}, 401),
        ({}, {"Authorization": "Basic b2t0YTp3cm9uZw=="}, 401),
        ({}, {"Authorization": "Basic b2t0YTpzM2NyM3QtdG9rZW4tZm9yLXRlc3Rz"}, 200),
        ({"admin_token": "adm"}, {"Authorization": "Basic b2t0YTpzM2NyM3QtdG9rZW4tZm9yLXRlc3Rz"}, 401),
        ({"admin_token": "adm"}, {"Authorization": "Bearer adm"}, 200),
    ],
)
@pytest.mark.parametrize("prefix", ["", "/t/acme"])
def test_the_document_is_served_behind_admin_credentials(changes, headers, status, prefix):
    settings = Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"), **changes)
    client = create_app(settings).test_client()
    response = client.get(prefix + "/__admin/openapi.json", headers=headers)
    assert response.status_code == status
    if status == 200:
        assert response.json == load_document()


def test_the_document_ships_as_package_data():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert "openapi.yaml" in config["options.package_data"]["mockscim.server"]
    assert "hypothesis" in config["options.extras_require"]["test"]
    assert "schemathesis" in config["options.extras_require"]["test"]
