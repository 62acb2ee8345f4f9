"""``server/context.py`` reads Flask's context variables directly: it must name the objects the
proxies stand for, in every kind of context the hooks run in, and the hot modules must use it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import current_app
from flask import g
from flask import request

import mockscim.server
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.server import context
from mockscim.server import create_app


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(port=0, auth=AuthConfig.parse("basic:u:token-for-tests")))


CONTEXTS = {
    "a GET": ("/Users/1", "GET"),
    "a PATCH with a query": ("/Users/1?attributes=userName", "PATCH"),
    "a tenant path": ("/t/acme/Users", "POST"),
}


@pytest.mark.parametrize("target", CONTEXTS.values(), ids=CONTEXTS)
def test_accessors_name_what_the_proxies_stand_for(app, target):
    path, method = target
    with app.test_request_context(path, method=method):
        assert context.current_request() is request._get_current_object()
        assert context.scope() is g._get_current_object()
        assert context.app() is current_app._get_current_object()


def test_a_value_set_through_the_scope_is_seen_through_g(app):
    with app.test_request_context("/Users"):
        context.scope().mockscim_probe = "seen"
        assert g.mockscim_probe == "seen"
    with app.test_request_context("/Users"):
        assert "mockscim_probe" not in g  # a new request starts with an empty namespace


def test_accessors_outside_a_request_fail_loudly():
    with pytest.raises(LookupError):
        context.current_request()


# The modules on every SCIM request's path (docs/performance.md): each proxy read there cost 1–3 µs.
HOT_MODULES = (
    "auth",
    "bodies",
    "faulting",
    "inspection",
    "journaling",
    "persisting",
    "reading",
    "redaction",
    "responses",
    "scim_api",
    "state",
)
PROXIES = {"request", "g", "current_app"}


@pytest.mark.parametrize("module", HOT_MODULES)
def test_hot_modules_do_not_import_flasks_proxies(module):
    source = Path(mockscim.server.__file__).with_name(f"{module}.py").read_text(encoding="utf-8")
    imported = {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module == "flask"
        for alias in node.names
    }
    assert not imported & PROXIES, f"{module}.py imports {sorted(imported & PROXIES)} from flask"
