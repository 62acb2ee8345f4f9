"""The current request, app and per-request namespace, read without werkzeug's LocalProxy.

``flask.request``, ``flask.g`` and ``flask.current_app`` are proxies: every attribute read looks
up Flask's context variable and then resolves the proxy, 1–3 µs each (a plain attribute read is
about 60 ns). A SCIM request made about 80 such reads in mockscim's hooks and views, some 15 % of
a ``GET /Users/{id}`` (docs/performance.md). The hot modules bind the objects once per function
with these accessors instead; everything else may keep using the proxies.

Flask 3 names the context variables ``_cv_request`` and ``_cv_app``
(``tests/server/test_request_context.py`` checks that these return the objects the proxies do).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Request
from flask.globals import _cv_app
from flask.globals import _cv_request


def current_request() -> Request:
    """The request being handled (what ``flask.request`` stands for)."""
    return _cv_request.get().request


def scope() -> Any:
    """The request's ``flask.g`` namespace (Flask keeps it on the app context)."""
    return _cv_app.get().g


def app() -> Flask:
    """The app handling the request (what ``flask.current_app`` stands for)."""
    return _cv_app.get().app
