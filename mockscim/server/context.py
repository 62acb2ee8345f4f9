"""The current request, app and per-request namespace, read without werkzeug's LocalProxy.

``flask.request``, ``flask.g`` and ``flask.current_app`` are proxies: every attribute read looks
up Flask's context variable and then resolves the proxy, 1–3 µs each (a plain attribute read is
about 60 ns). A SCIM request made about 80 such reads in mockscim's hooks and views, some 15 % of
a ``GET /Users/{id}`` (docs/performance.md). The hot modules bind the objects once per function
with these accessors instead; everything else may keep using the proxies.

A request served by ``server/fastpath.py`` has no Flask context at all: it binds its request,
namespace and app here (``bind``), and the accessors return those. Flask 3 names its own context
variables ``_cv_request`` and ``_cv_app`` (``tests/server/test_request_context.py`` checks that
these accessors return the objects the proxies do).
"""

from __future__ import annotations

from contextvars import ContextVar
from contextvars import Token
from typing import Any
from typing import NamedTuple

from flask import Flask
from flask import Request
from flask.globals import _cv_app
from flask.globals import _cv_request


class Bound(NamedTuple):
    """What a request served without Flask's contexts reads as its request, ``g`` and app."""

    request: Request
    g: Any
    app: Flask


# Like Flask's own, a context variable: each worker thread (and each request) sees its own.
_BOUND: ContextVar[Bound | None] = ContextVar("mockscim_bound_request", default=None)


def current_request() -> Request:
    """The request being handled (what ``flask.request`` stands for)."""
    bound = _BOUND.get()
    return bound.request if bound is not None else _cv_request.get().request


def scope() -> Any:
    """The request's ``flask.g`` namespace (Flask keeps it on the app context)."""
    bound = _BOUND.get()
    return bound.g if bound is not None else _cv_app.get().g


def app() -> Flask:
    """The app handling the request (what ``flask.current_app`` stands for)."""
    bound = _BOUND.get()
    return bound.app if bound is not None else _cv_app.get().app


def in_request() -> bool:
    """Whether a request is being handled, by Flask or by the fast path."""
    return _BOUND.get() is not None or _cv_request.get(None) is not None


def bind(request: Request, g: Any, app: Flask) -> Token[Bound | None]:
    """Make ``request``, ``g`` and ``app`` the current ones until ``unbind``."""
    return _BOUND.set(Bound(request, g, app))


def unbind(token: Token[Bound | None]) -> None:
    """Undo ``bind``."""
    _BOUND.reset(token)
