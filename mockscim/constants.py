"""Protocol constants shared by the server and the runner (stdlib only)."""

from __future__ import annotations

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

SCIM_MEDIA_TYPE = "application/scim+json"
# Okta sends this on POST/PUT/PATCH/DELETE (docs/okta-reference.md §2.2, S9).
OKTA_CONTENT_TYPE = "application/scim+json; charset=utf-8"
OKTA_USER_AGENT = "Okta SCIM Client 1.0.0"

DEFAULT_BASE_PATH = "/scim/v2"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
ADMIN_PREFIX = "/__admin"

# Attributes the server owns: ignored when a client sends them back (RFC 7644 §3.5.1 for PUT;
# Okta echoes id, meta and groups in PUTs and path-less PATCH values, docs/okta-reference.md
# §6, §9.5). The Okta profile's path-less PATCH tolerance is this same list.
SERVER_OWNED_ATTRIBUTES = ("id", "meta", "schemas", "groups")
