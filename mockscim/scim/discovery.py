"""Discovery documents: ServiceProviderConfig, ResourceTypes and Schemas (RFC 7643 §5–§7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockscim.constants import RESOURCE_TYPE_SCHEMA
from mockscim.constants import SCHEMA_SCHEMA
from mockscim.constants import SPC_SCHEMA
from mockscim.scim.schema import RESOURCE_TYPES
from mockscim.scim.schema import Attribute
from mockscim.scim.schema import ResourceType
from mockscim.scim.schema import Schema

DOCS_URL = "https://github.com/mockscim/mockscim"


@dataclass(frozen=True)
class Capabilities:
    """What this server supports, as advertised in /ServiceProviderConfig."""

    auth_scheme: str  # "basic", "bearer" or "none"
    max_results: int
    max_payload_bytes: int
    etag: bool = True


def _meta(base_url: str, resource_type: str, path: str) -> dict[str, str]:
    """Meta for a discovery document (RFC 7643 §5: these are read-only resources)."""
    return {"resourceType": resource_type, "location": f"{base_url}{path}"}


def _auth_schemes(scheme: str) -> list[dict[str, Any]]:
    """The authenticationSchemes entry for the configured auth mode."""
    if scheme == "basic":
        return [
            {
                "type": "httpbasic",
                "name": "HTTP Basic",
                "description": "Okta 'Basic Auth': username and password (API token).",
                "specUri": "https://www.rfc-editor.org/info/rfc7617",
                "primary": True,
            }
        ]
    if scheme == "bearer":
        return [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Okta 'HTTP Header': Authorization: Bearer <token>.",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": True,
            }
        ]
    return []


def service_provider_config(caps: Capabilities, base_url: str) -> dict[str, Any]:
    """The /ServiceProviderConfig document describing exactly what is supported."""
    return {
        "schemas": [SPC_SCHEMA],
        "documentationUri": DOCS_URL,
        "patch": {"supported": True},
        # /Bulk answers 501 (RFC 7644 §3.7 is optional); say so here.
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": caps.max_results},
        "changePassword": {"supported": True},
        "sort": {"supported": True},
        "etag": {"supported": caps.etag},
        "authenticationSchemes": _auth_schemes(caps.auth_scheme),
        "meta": _meta(base_url, "ServiceProviderConfig", "/ServiceProviderConfig"),
    }


def resource_type_doc(rtype: ResourceType, base_url: str) -> dict[str, Any]:
    """One /ResourceTypes entry (RFC 7643 §6)."""
    doc: dict[str, Any] = {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": rtype.name,
        "name": rtype.name,
        "endpoint": rtype.endpoint,
        "description": rtype.description,
        "schema": rtype.schema.id,
        "meta": _meta(base_url, "ResourceType", f"/ResourceTypes/{rtype.name}"),
    }
    if rtype.extensions:
        doc["schemaExtensions"] = [{"schema": ext.id, "required": req} for ext, req in rtype.extensions]
    return doc


def attribute_doc(attr: Attribute) -> dict[str, Any]:
    """Render one attribute definition as RFC 7643 §7 describes."""
    doc: dict[str, Any] = {
        "name": attr.name,
        "type": attr.type,
        "multiValued": attr.multi_valued,
        "description": attr.description or attr.name,
        "required": attr.required,
        "caseExact": attr.case_exact,
        "mutability": attr.mutability,
        "returned": attr.returned,
        "uniqueness": attr.uniqueness,
    }
    if attr.canonical_values:
        doc["canonicalValues"] = list(attr.canonical_values)
    if attr.reference_types:
        doc["referenceTypes"] = list(attr.reference_types)
    if attr.sub_attributes:
        doc["subAttributes"] = [attribute_doc(sub) for sub in attr.sub_attributes]
    return doc


def schema_doc(schema: Schema, base_url: str) -> dict[str, Any]:
    """One /Schemas entry."""
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": [attribute_doc(a) for a in schema.attributes],
        "meta": _meta(base_url, "Schema", f"/Schemas/{schema.id}"),
    }


def all_schemas(types: Mapping[str, ResourceType] = RESOURCE_TYPES) -> list[Schema]:
    """Every schema served under /Schemas, in a stable order: each type's core, then its extensions."""
    seen: dict[str, Schema] = {}
    for rtype in types.values():
        for schema in rtype.schemas():
            seen.setdefault(schema.id, schema)
    return list(seen.values())
