"""The one edge where domain errors become HTTP responses (RFC 7644 §3.12 error bodies)."""

from __future__ import annotations

import logging
import traceback

from flask import Flask
from flask import Response
from werkzeug.exceptions import HTTPException

from mockscim.errors import BadInput
from mockscim.errors import InvalidValue
from mockscim.errors import ScimError
from mockscim.server.context import current_request
from mockscim.server.redaction import redacted
from mockscim.server.responses import scim_response

log = logging.getLogger("mockscim.server")

_HTTP_DETAILS = {
    404: "no such endpoint; SCIM resources live under {base}/Users and {base}/Groups",
    405: "method {method} is not allowed on {path}",
    413: "the request body is larger than the limit of {limit} bytes",
    415: "the request body must be JSON (application/scim+json or application/json)",
}


def register_error_handlers(app: Flask, *, base_path: str, max_body: int, debug: bool) -> None:
    """Turn ScimError, BadInput, HTTPException and anything unexpected into SCIM Error JSON."""

    @app.errorhandler(ScimError)
    def _scim(error: ScimError) -> Response:
        # A detail may quote what the client sent (a filter, a path, a value): never its password.
        return scim_response(redacted(error.to_dict()), error.status, error.headers)

    @app.errorhandler(BadInput)
    def _bad_input(error: BadInput) -> Response:
        # A fault, seed, snapshot or setting sent to the admin API: the message says what to fix.
        return _scim(InvalidValue(str(error)))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        request = current_request()
        template = _HTTP_DETAILS.get(error.code or 500, error.description or error.name)
        detail = template.format(base=base_path, method=request.method, path=request.path, limit=max_body)
        scim = ScimError(detail, status=error.code or 500)
        # Keep Allow on 405 (and any other header werkzeug set), but not its Content-Type.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return scim_response(redacted(scim.to_dict()), scim.status, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error while serving a request")
        detail = "internal error in mockscim; the server log has the details"
        if debug:
            detail += ": " + "".join(traceback.format_exception_only(error)).strip()
        return scim_response(redacted(ScimError(detail, status=500).to_dict()), 500)
