"""What the target declares in ``GET /Schemas``, so ``schema: scim/User`` accepts its own extensions.

A team's server may return custom attributes: under an extension URN it declares (RFC 7643 §3.3,
docs/okta-reference.md §5.2), or as extra attributes of its core schema. The packaged
``scim/User`` and ``scim/Group`` schemas cannot know them, so the runner reads the target's
``/Schemas`` once per run and validates with an overlay built from it: declared attributes are
accepted with their declared types; anything undeclared still fails, and an extension object
under a URN the target does not declare fails too. The overlay is built from the target's own
published description (RFC 7643 §7), never from mockscim's server code.
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from mockscim import schemas
from mockscim.runner.client import Exchange
from mockscim.runner.client import Outgoing
from mockscim.runner.client import ScimClient
from mockscim.runner.client import join_url
from mockscim.schemas.inline import inline

CORE = {
    "scim/User": "urn:ietf:params:scim:schemas:core:2.0:User",
    "scim/Group": "urn:ietf:params:scim:schemas:core:2.0:Group",
}
# An xsd:dateTime (RFC 7643 §2.3.5), as the packaged scim/User schema writes it.
DATE_TIME = r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
SIMPLE = {
    "string": {"type": ["string", "null"]},
    "reference": {"type": ["string", "null"]},
    "binary": {"type": ["string", "null"]},
    "boolean": {"type": ["boolean", "null"]},
    "integer": {"type": ["integer", "null"]},
    "decimal": {"type": ["number", "null"]},
    "dateTime": {"anyOf": [{"type": "string", "pattern": DATE_TIME}, {"type": "null"}]},
}


def attribute_schema(attribute: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of one declared attribute (RFC 7643 §7 ``type``, ``multiValued``)."""
    kind = attribute.get("type", "string")
    if kind == "complex":
        subs = [s for s in attribute.get("subAttributes") or [] if isinstance(s, dict) and "name" in s]
        one: dict[str, Any] = {
            "type": ["object", "null"],
            "properties": {s["name"]: attribute_schema(s) for s in subs},
            "additionalProperties": False,
        }
    else:
        one = SIMPLE.get(kind, {})  # an unknown type is the target's business: accept any value
    if attribute.get("multiValued"):
        return {"type": ["array", "null"], "items": one}
    return one


def _attributes(declared: dict[str, Any]) -> list[dict[str, Any]]:
    """A declared schema's well-formed attribute entries."""
    found = declared.get("attributes")
    return (
        [a for a in found if isinstance(a, dict) and isinstance(a.get("name"), str)]
        if isinstance(found, list)
        else []
    )


def overlay(name: str, declared: list[dict[str, Any]]) -> dict[str, Any]:
    """The packaged schema ``name`` extended with what the target declares."""
    document = copy.deepcopy(schemas.load(name))
    properties = document["properties"]
    for schema in declared:
        urn = schema.get("id")
        if urn == CORE[name]:  # the target's own core schema: its extra attributes
            for attribute in _attributes(schema):
                properties.setdefault(attribute["name"], attribute_schema(attribute))
        elif isinstance(urn, str) and urn not in CORE.values() and urn not in properties:
            subs = {a["name"]: attribute_schema(a) for a in _attributes(schema)}
            properties[urn] = {"type": ["object", "null"], "properties": subs, "additionalProperties": False}
            listed = {"properties": {"schemas": {"contains": {"const": urn}}}}
            document.setdefault("dependentSchemas", {})[urn] = listed
    document.pop("patternProperties", None)  # only declared extensions are accepted now
    return document


class DeclaredSchemas:
    """The target's ``/Schemas``, read at most once, and validators built on it.

    It is read only when a check needs it (a body the packaged schema refuses, or one with an
    extension URN the packaged schema does not name), and never when a step of the scenario
    already read ``GET /Schemas``: a run against a plain server sends no extra request.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._fetched = False
        self._client: ScimClient | None = None
        self._declared: list[dict[str, Any]] | None = None
        self._validators: dict[str, Draft202012Validator] = {}

    def attach(self, client: ScimClient) -> None:
        """The client to read /Schemas with, if a check needs it (the current scenario's)."""
        self._client = client

    def learn(self, exchange: Exchange) -> None:
        """Keep what a scenario's own ``GET /Schemas`` step received (no request of ours)."""
        request = exchange.request
        if request.method != "GET" or not urlsplit(request.url).path.rstrip("/").endswith("/Schemas"):
            return
        with self._lock:
            if not self._fetched and (found := _resources(exchange.status, exchange.text)) is not None:
                self._fetched, self._declared = True, found

    def _fetch(self) -> None:
        """GET /Schemas once; a target that does not answer with a list keeps the packaged checks."""
        with self._lock:
            if self._fetched or self._client is None:
                return
            self._fetched = True
            client = self._client
            headers = dict(client.default_headers(with_body=False))
            exchange = client.send(Outgoing("GET", join_url(client.base_url, "/Schemas"), headers))
            self._declared = _resources(exchange.status, exchange.text)

    def validator(self, name: str) -> Draft202012Validator | None:
        """A validator for ``scim/User`` or ``scim/Group`` with the target's declarations."""
        if name not in CORE:
            return None
        with self._lock:
            self._fetch()
            if self._declared is None:
                return None
            if name not in self._validators:
                uri = f"{schemas.BASE_URI}{name}.json"
                document = inline(overlay(name, self._declared), uri, schemas.registry())
                self._validators[name] = Draft202012Validator(document, registry=schemas.registry())
            return self._validators[name]


def needs_declarations(name: str, body: Any, packaged_failed: bool) -> bool:
    """Whether checking ``body`` against ``name`` depends on what the target declares."""
    if name not in CORE or not isinstance(body, dict):
        return False
    known = schemas.load(name)["properties"]
    return packaged_failed or any(k.lower().startswith("urn:") and k not in known for k in body)


def _resources(status: int, text: str) -> list[dict[str, Any]] | None:
    """The schema documents of a /Schemas ListResponse (or a bare list), else None."""
    if status != 200:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return None
    found = body.get("Resources") if isinstance(body, dict) else body
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else None
