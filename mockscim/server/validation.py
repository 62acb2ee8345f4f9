"""Admin and fault request bodies, validated against the component schemas of ``openapi.yaml``.

The schemas the API documents are the ones it enforces, so the two cannot drift. Each schema's
``description`` says how to fix a value that fails it; the error names the field and carries
that advice (RFC 7644 §3.12: 400 with scimType invalidValue).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING
from typing import Any

from mockscim.errors import InvalidValue
from mockscim.server.bodies import json_object
from mockscim.server.openapi import load_document

if TYPE_CHECKING:  # imported on first use: the server starts without jsonschema (cold start)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_DOCUMENT = "urn:mockscim:openapi"
_COMPONENTS = "#/components/schemas/"


@cache
def _validator(component: str) -> tuple[Draft202012Validator, dict[str, Any]]:
    """A validator for one component schema (its ``$ref``s resolve inside the document)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing import Resource
    from referencing.jsonschema import DRAFT202012

    document = load_document()
    schema = document["components"]["schemas"][component]  # KeyError: a typo in our code
    registry: Registry = Registry().with_resource(
        _DOCUMENT, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": _DOCUMENT + _COMPONENTS + component}, registry=registry), schema


def _advice(schema: dict[str, Any], error: ValidationError) -> str | None:
    """The description nearest to the failing keyword, walking the schema along the error's path."""
    advice, node = schema.get("description"), schema
    for step in list(error.relative_schema_path)[:-1]:  # the last step is the failing keyword
        node = node[step] if isinstance(node, dict | list) else {}
        if isinstance(node, dict) and isinstance(node.get("description"), str):
            advice = node["description"]
    return advice


def check(body: Any, component: str) -> None:
    """Raise InvalidValue naming the field and how to fix it unless ``body`` fits ``component``."""
    from jsonschema.exceptions import best_match

    validator, schema = _validator(component)
    error = best_match(validator.iter_errors(body))
    if error is None:
        return
    where = "/".join(str(part) for part in error.absolute_path) or "the body"
    advice = _advice(schema, error)
    detail = f"{where}: {error.message[:200]}"  # a huge value is not echoed whole
    raise InvalidValue(f"{advice} ({detail})" if advice else detail)


def admin_body(component: str, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object body, checked against ``component`` (``{}`` when optional and absent)."""
    body = json_object(optional=optional)
    check(body, component)
    return body
