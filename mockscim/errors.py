"""Domain errors, turned into HTTP responses at one edge (``server/errorhandlers.py``).

BadInput (a ValueError): a document or setting a person wrote is wrong (a fault, a seed, a
    setting, a tenant's credentials). Its message says what to change; over HTTP it is a 400
    with scimType invalidValue, on the command line a usage error.

ScimError (RFC 7644 §3.12)
├── BadRequest (400)
│   ├── InvalidFilter      scimType invalidFilter
│   ├── InvalidPath        scimType invalidPath
│   ├── InvalidValue       scimType invalidValue
│   ├── InvalidSyntax      scimType invalidSyntax
│   ├── NoTarget           scimType noTarget
│   ├── Mutability         scimType mutability
│   └── TooMany            scimType tooMany
├── Unauthorized (401)
├── Forbidden (403)
├── NotFound (404)
├── Uniqueness (409)       scimType uniqueness
├── PreconditionFailed (412)
├── PayloadTooLarge (413)
├── UnsupportedMediaType (415)
└── NotImplementedScim (501)
"""

from __future__ import annotations

from typing import Any

from mockscim.constants import ERROR_SCHEMA


class BadInput(ValueError):
    """Input a person wrote is wrong; the message names what and says how to fix it."""


class ScimError(Exception):
    """An error with a SCIM status, optional scimType and a human-readable detail."""

    status: int = 500
    scim_type: str | None = None

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        scim_type: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})  # e.g. WWW-Authenticate on 401, Retry-After on 429
        if status is not None:
            self.status = status
        if scim_type is not None:
            self.scim_type = scim_type

    def to_dict(self) -> dict[str, Any]:
        """Render the RFC 7644 §3.12 error body; ``status`` is a string, as the RFC shows."""
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body


class BadRequest(ScimError):
    """400 without a more specific scimType."""

    status = 400


class InvalidFilter(BadRequest):
    """The filter syntax was invalid or the attribute/operator is not supported."""

    scim_type = "invalidFilter"


class InvalidPath(BadRequest):
    """The PATCH path attribute was invalid or malformed."""

    scim_type = "invalidPath"


class InvalidValue(BadRequest):
    """A required value was missing, or the value had the wrong type or form."""

    scim_type = "invalidValue"


class InvalidSyntax(BadRequest):
    """The request body could not be parsed or violates the message schema."""

    scim_type = "invalidSyntax"


class NoTarget(BadRequest):
    """The PATCH path did not yield an attribute that could be operated on."""

    scim_type = "noTarget"


class Mutability(BadRequest):
    """The request tried to modify an immutable or read-only attribute."""

    scim_type = "mutability"


class TooMany(BadRequest):
    """The query would return more results than the server allows."""

    scim_type = "tooMany"


class Unauthorized(ScimError):
    """Missing or wrong credentials."""

    status = 401


class Forbidden(ScimError):
    """Credentials are valid but the operation is not allowed."""

    status = 403


class NotFound(ScimError):
    """The resource or endpoint does not exist."""

    status = 404


class Uniqueness(ScimError):
    """A unique attribute value is already taken (RFC 7644 §3.3)."""

    status = 409
    scim_type = "uniqueness"


class PreconditionFailed(ScimError):
    """``If-Match`` did not match the current version (RFC 7644 §3.14)."""

    status = 412


class PayloadTooLarge(ScimError):
    """The request body exceeds the configured limit."""

    status = 413


class UnsupportedMediaType(ScimError):
    """The request body is not JSON."""

    status = 415


class NotImplementedScim(ScimError):
    """The endpoint exists in SCIM but mockscim does not implement it."""

    status = 501
