"""The SCIM resource routes without Flask's request machinery: the same hooks, views and error
handlers, called directly.

Flask spends about 95 µs of CPU on every request before and after the view, in a tight loop,
and two to three times that under load: the request and app contexts, the URL adapter and its
routing, signals, session handling and the look-up of hooks (docs/performance.md, "The fast
path"). That is about a third of a ``GET /Users/{id}``. The routes Okta calls on every user and
group (``/Users``, ``/Groups`` and ``/{type}/{id}``) are matched here instead, with one regular
expression; anything else, and any request here that is not plainly one of them, goes to Flask.

What is the same as under Flask: the app's ``before_request``, ``after_request`` and
``teardown_request`` functions in Flask's order, the view functions, the error handlers (the
most specific registered class wins, as in Flask), an after-request failure logged and answered
by the handler of a 500 with the after-request functions run again (Flask's
``handle_exception``), and the request class (``flask.Request``,
with the app's ``MAX_CONTENT_LENGTH``). What is left out: Flask's ``request_started`` and
``request_finished`` signals and sessions, which mockscim does not use; the path turns itself
off if the app has URL value preprocessors or blueprint-level hooks that it would not run.
``tests/server/test_fastpath.py`` sends the same requests through both and compares every answer
and journal entry.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask import Request
from flask import Response
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Response as BaseResponse
from werkzeug.wsgi import ClosingIterator

from mockscim.scim.schema import RESOURCE_TYPES
from mockscim.server import context

BLUEPRINT = "scim"  # the blueprint of the views served here (server/scim_api.py)
# (method, has an id) -> the view's endpoint prefix in scim_api.py.
_VIEWS = {
    ("GET", False): "list",
    ("POST", False): "create",
    ("GET", True): "get",
    ("PUT", True): "put",
    ("PATCH", True): "patch",
    ("DELETE", True): "delete",
}


class FastRequest(Request):
    """Flask's request class, with the body limit Flask would read from the app context."""

    max_content_length: int | None = None  # set per request: there is no app context to read


def _route_pattern(base_path: str) -> re.Pattern[str]:
    """``{base}/Users``, ``{base}/Users/{id}`` (and Groups): an id is one segment, not ``.search``."""
    endpoints = "|".join(re.escape(rt.endpoint.strip("/")) for rt in RESOURCE_TYPES.values())
    return re.compile(rf"{re.escape(base_path)}/({endpoints})(?:/(?!\.search$)([^/]+))?")


class FastPath:
    """WSGI: serve the SCIM resource routes through the app's hooks and views, the rest through Flask."""

    def __init__(self, flask_wsgi: Callable[..., Iterable[bytes]], app: Flask, base_path: str) -> None:
        self.flask_wsgi = flask_wsgi
        self.app = app
        self._pattern = _route_pattern(base_path)
        self._types = {rt.endpoint.strip("/"): name for name, rt in RESOURCE_TYPES.items()}
        self._rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}

    def usable(self) -> bool:
        """False when the app has something this path would not run: URL value preprocessors,
        hooks of the SCIM blueprint, app-context teardowns (checked per request, as hooks may
        be added after the app was built)."""
        app = self.app
        if any(app.url_value_preprocessors.get(name) for name in (None, BLUEPRINT)):
            return False
        hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
        return not app.teardown_appcontext_funcs and not any(funcs.get(BLUEPRINT) for funcs in hooks)

    def match(self, environ: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The endpoint and view arguments of a request this path serves, or None."""
        path = environ.get("PATH_INFO", "")
        found = self._pattern.fullmatch(path) if path.isascii() else None
        if found is None:
            return None
        kind, rid = found.groups()
        view = _VIEWS.get((environ.get("REQUEST_METHOD"), rid is not None))
        if view is None:
            return None
        rtype = self._types[kind]
        arguments = {"rtype": rtype, "rid": rid} if rid is not None else {"rtype": rtype}
        return f"{BLUEPRINT}.{view}_{rtype}", arguments

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Serve the request here when it is one of the routes, else hand it to Flask."""
        matched = self.match(environ)
        if matched is None or matched[0] not in self._rules or not self.usable():
            return self.flask_wsgi(environ, start_response)
        endpoint, arguments = matched
        # Not stored in the environ: Flask breaks that cycle when its context ends, and left in
        # place it makes every request cyclic garbage that only the collector frees.
        request = FastRequest(environ, populate_request=False)
        request.url_rule, request.view_args = self._rules[endpoint], arguments
        request.max_content_length = self.app.config["MAX_CONTENT_LENGTH"]
        token = context.bind(request, self.app.app_ctx_globals_class(), self.app)
        try:
            return start(self._respond(endpoint, arguments), environ, start_response)
        finally:
            self._teardown()
            context.unbind(token)
            request.close()

    def _respond(self, endpoint: str, arguments: dict[str, Any]) -> Response:
        """Before-request functions, the view, errors to their handler, then after-request functions."""
        try:
            response = self._dispatch(endpoint, arguments)
        except Exception as error:  # noqa: BLE001 - every error goes to its handler, as in Flask
            response = self._handled(error)
        try:
            return self._after(response)
        except Exception as error:  # noqa: BLE001 - Flask's handle_exception: a logged 500
            return self._server_error(error)

    def _server_error(self, error: Exception) -> Response:
        """What Flask answers when an after-request function fails: the error is logged (or
        raised, when Flask would propagate it) and the handler of a 500 answers."""
        propagate = self.app.config["PROPAGATE_EXCEPTIONS"]
        if propagate or (propagate is None and (self.app.testing or self.app.debug)):
            raise error
        request = context.current_request()
        self.app.logger.error("Exception on %s [%s]", request.path, request.method, exc_info=error)
        return self._after(self._handled(InternalServerError(original_exception=error)), quiet=True)

    def _dispatch(self, endpoint: str, arguments: dict[str, Any]) -> Response:
        """Flask's preprocess and dispatch: the first before-request function that answers wins."""
        for before in self.app.before_request_funcs.get(None, ()):
            answered = before()
            if answered is not None:
                return self.app.make_response(answered)
        return self.app.make_response(self.app.view_functions[endpoint](**arguments))

    def _handled(self, error: Exception) -> Response:
        """The response of the handler Flask would pick: by status code first for an HTTP error,
        then by the error's most specific class; the blueprint's handlers before the app's."""
        specs = self.app.error_handler_spec
        code = error.code if isinstance(error, HTTPException) else None
        for key in (code, None) if code is not None else (None,):
            for name in (BLUEPRINT, None):
                handlers = specs.get(name, {}).get(key) or {}
                handler = next((handlers[c] for c in type(error).__mro__ if c in handlers), None)
                if handler is not None:
                    return self.app.make_response(handler(error))
        raise error  # no handler at all (mockscim registers one for Exception): the server's 500

    def _after(self, response: Response, *, quiet: bool = False) -> Response:
        """The after-request functions, last registered first; ``quiet`` logs their failures
        (Flask does so while finishing an error handler's response)."""
        for after in reversed(self.app.after_request_funcs.get(None, [])):
            try:
                response = after(response)
            except Exception:
                if not quiet:
                    raise
                self.app.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def _teardown(self) -> None:
        """The teardown-request functions, last registered first (Flask passes no handled error)."""
        for teardown in reversed(self.app.teardown_request_funcs.get(None, [])):
            teardown(None)


# Headers werkzeug rewrites on the way out (``get_wsgi_headers``): a response with one of them,
# or a status without a body, goes through werkzeug's own ``__call__`` (a Location that
# ``iri_to_uri`` would return as it is excepted: a 201's, which cost a POST about a tenth).
_REWRITTEN = frozenset({"location", "content-location"})
_WERKZEUG_OUT = (BaseResponse.__call__, BaseResponse.get_wsgi_response, BaseResponse.get_wsgi_headers)
_UNQUOTED = re.compile(r"[A-Za-z0-9._~-]*")  # RFC 3986 unreserved: never quoted in any URL part


def location_kept(location: str) -> bool:
    """True when werkzeug's ``iri_to_uri`` returns ``location`` unchanged, known cheaply: its
    last segment is unreserved characters after a path has begun, and the part before it (one
    per base URL, so cached) comes back unchanged (``iri_to_uri`` quotes each character of a
    path, query or fragment on its own, so what follows a kept prefix is kept too)."""
    prefix, slash, last = location.rpartition("/")
    if not slash or "/" not in prefix.partition("//")[2] or _UNQUOTED.fullmatch(last) is None:
        return False
    return _kept_prefix(prefix + slash)


@functools.lru_cache(maxsize=256)  # bounded: a Host header (with --trust-proxy) is the client's
def _kept_prefix(prefix: str) -> bool:
    """True when ``iri_to_uri`` returns ``prefix`` unchanged (False where it fails: werkzeug's
    own path answers then, as it did before)."""
    try:
        return iri_to_uri(prefix) == prefix
    except ValueError:  # a port that is no number: werkzeug raises, and its handling stands
        return False


def _rewritten(response: Response, headers: list[tuple[str, str]]) -> bool:
    """Whether werkzeug's ``get_wsgi_headers`` would change a Location or Content-Location."""
    for name, value in headers:
        low = name.lower()
        if low in _REWRITTEN and (
            low != "location" or response.autocorrect_location_header or not location_kept(value)
        ):
            return True
    return False


def start(response: Response, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Start ``response`` as werkzeug's ``Response.__call__`` would, skipping its copy of the
    headers where it would change nothing: a buffered body of bytes whose Content-Length is set,
    a status with a body, no Location that werkzeug would rewrite. Anything else is werkzeug's (a
    streamed fault, a 304)."""
    cls, status = type(response), response.status_code
    headers = response.headers.to_wsgi_list()
    names = {name.lower() for name, _ in headers}
    if (
        (cls.__call__, cls.get_wsgi_response, cls.get_wsgi_headers) != _WERKZEUG_OUT
        or not (200 <= status and status not in (204, 304))
        or response.direct_passthrough
        or not response.is_sequence
        or "content-length" not in names
        or (names & _REWRITTEN and _rewritten(response, headers))
        or environ.get("REQUEST_METHOD") == "HEAD"
    ):
        return response(environ, start_response)
    start_response(response.status, headers)
    return ClosingIterator(response.iter_encoded(), response.close)
