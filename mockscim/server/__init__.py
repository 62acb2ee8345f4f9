"""The HTTP layer: the only package that imports Flask and werkzeug."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import redirect
from flask import url_for
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Rule

from mockscim.clock import Clock
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.constants import ADMIN_PREFIX
from mockscim.errors import NotFound
from mockscim.faults import FaultSet
from mockscim.faults import RateLimiter
from mockscim.ids import IdGenerator
from mockscim.journal import Journal
from mockscim.schema_extensions import load_extension_files
from mockscim.scim.query import Limits
from mockscim.scim.schema import ResourceType
from mockscim.scim.schema import resource_types
from mockscim.server import auth
from mockscim.server import faulting
from mockscim.server import inspection
from mockscim.server import journaling
from mockscim.server import persisting
from mockscim.server.errorhandlers import register_error_handlers
from mockscim.server.fastpath import FastPath
from mockscim.server.middleware import BodyTrickler
from mockscim.server.middleware import ConnectionCloser
from mockscim.server.middleware import PathNormalizer
from mockscim.server.middleware import TenantDispatcher
from mockscim.server.redaction import install_log_masking
from mockscim.server.responses import relative_redirect
from mockscim.server.state import DEFAULT_TENANT
from mockscim.server.state import TENANT_KEY
from mockscim.server.state import AppState
from mockscim.server.state import Tenants
from mockscim.store import InMemoryStore
from mockscim.store import StoreOptions

__all__ = ["create_app"]


class LazyRule(Rule):
    """A URL rule whose two URL builders (for ``url_for``) are compiled when first used.

    werkzeug compiles them for every rule as it is added, with ``ast`` and ``compile``: about a
    millisecond per rule, 60 to 80 ms of every start (docs/performance.md, "Cold start"), for
    builders the server uses for a handful of dashboard links."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        """A stand-in that compiles werkzeug's builder on its first call and puts it in its place."""
        compile_now = super()._compile_builder
        name = "_build_unknown" if append_unknown else "_build"

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            real = compile_now(append_unknown).__get__(rule, None)
            setattr(rule, name, real)
            return real(**values)

        return build


class ScimFlask(Flask):
    """Flask, minus a check that ran for every hook of every request: mockscim's views and hooks
    are all plain functions (tests/server/test_request_reading.py checks), so none needs wrapping."""

    url_rule_class = LazyRule

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Return ``func`` as it is (Flask's version asks whether it is a coroutine function, each call)."""
        return func


def create_app(
    settings: Settings | None = None,
    *,
    store: InMemoryStore | None = None,
    journal: Journal | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    fast_path: bool = True,
) -> Flask:
    """Build a mockscim WSGI app; every app (and every tenant) owns its own state.

    ``fast_path=False`` serves every request through Flask's own machinery (``server/fastpath.py``
    serves the SCIM resource routes without it; tests compare the two)."""
    settings = (settings or Settings()).validate()
    # --schema-extension files, read once: every tenant serves the same resource types.
    types = resource_types(load_extension_files(settings.schema_extensions))
    default = _tenant_state(
        settings, DEFAULT_TENANT, None, types, store=store, journal=journal, clock=clock, ids=ids
    )
    clock = default.store.clock

    def factory(name: str, auth: AuthConfig | None) -> AppState:
        return _tenant_state(settings, name, auth, types, clock=clock)

    registry = Tenants(
        default, factory, dynamic=settings.tenant_mode == "dynamic", limit=settings.max_tenants
    )
    for name, credentials in settings.tenants:
        registry.create(name, credentials)
    install_log_masking()  # what the request log and error log print is masked too
    app = ScimFlask("mockscim", static_folder=None)  # no public /static route (the dashboard has its own)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["mockscim"] = default  # the default tenant, for embedding callers
    app.extensions["mockscim.tenants"] = registry
    _register(app, settings)
    _lifecycle(app, settings)
    _wrap(app, settings, fast_path)
    return app


def _lifecycle(app: Flask, settings: Settings) -> None:
    """The request lifecycle, one part per module; the order of these calls is the hooks' order.

    Before the view: journal clock, tenant and credentials, strict mode, rate limit and faults,
    state-file generation. The view runs under the store lock when journaling. After it, in
    reverse: state file, faults that change the body, the journal entry.
    """
    journaling.init_app(app, settings)  # first: 401s and injected faults are timed and recorded
    auth.init_app(app, settings)
    inspection.init_app(app, settings)
    faulting.init_app(app, settings)
    persisting.init_app(app, settings)


def _tenant_state(
    settings: Settings,
    name: str,
    auth: AuthConfig | None,
    types: dict[str, ResourceType],
    *,
    store: InMemoryStore | None = None,
    journal: Journal | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
) -> AppState:
    """Fresh state for one tenant; only the default tenant writes the journal file."""
    profile = settings.profile
    options = StoreOptions(
        unique_group_names=profile.unique_group_names,
        max_members=settings.max_members,
        members_must_exist=settings.strict,  # RFC 7644 §3.5.2 allows unknown member ids otherwise
    )
    limits = Limits(
        default_count=profile.default_count,
        max_count=settings.max_count,
        filter_max_length=settings.filter_max_length,
        filter_max_depth=settings.filter_max_depth,
    )
    journal_file = settings.journal_file if name == DEFAULT_TENANT else None
    return AppState(
        settings=settings,
        store=store or InMemoryStore(clock=clock, ids=ids, options=options, types=types),
        limits=limits,
        journal=journal
        or Journal(
            settings.journal_size,
            max_bytes=settings.journal_max_bytes,
            file=journal_file,
            file_max_bytes=settings.journal_file_max_bytes,
        ),
        name=name,
        auth=auth,
        faults=FaultSet(settings.fault_seed),
        limiter=RateLimiter(settings.rate_limit) if settings.rate_limit else None,
    )


def _register(app: Flask, settings: Settings) -> None:
    """Attach blueprints and the error edge."""
    from mockscim.server.admin_api import bp as admin_bp
    from mockscim.server.dashboard import bp as dashboard_bp
    from mockscim.server.openapi import bp as openapi_bp
    from mockscim.server.scim_api import bp as scim_bp

    app.register_blueprint(admin_bp, url_prefix=ADMIN_PREFIX)
    app.register_blueprint(dashboard_bp, url_prefix=ADMIN_PREFIX)
    app.register_blueprint(openapi_bp, url_prefix=ADMIN_PREFIX)
    app.register_blueprint(scim_bp, url_prefix=settings.base_path or None)
    register_error_handlers(
        app, base_path=settings.base_path, max_body=settings.max_body_bytes, debug=settings.debug
    )
    app.after_request(relative_redirect)  # no redirect ever names a host taken from the request

    @app.route("/", strict_slashes=False)
    def _index() -> Any:
        # People who open the server's root in a browser want the dashboard; when SCIM itself
        # lives at the root, "/" stays a SCIM 404 (it is under the base path, behind credentials).
        if settings.base_path:
            return redirect(url_for("dashboard.page"), 302)  # keeps a /t/{tenant} prefix
        raise NotFound(f"this is a mockscim server; the SCIM base URL is {settings.base_path or '/'}")


def _wrap(app: Flask, settings: Settings, fast_path: bool) -> None:
    """WSGI middleware: the fast path, trusted proxy headers (opt-in), fault pacing and closing,
    tenant prefixes, path normalization."""
    if fast_path:
        app.wsgi_app = FastPath(app.wsgi_app, app, settings.base_path)  # type: ignore[method-assign]
    if settings.trust_proxy:
        n = settings.trust_proxy
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=0)  # type: ignore[method-assign]
    app.wsgi_app = BodyTrickler(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = ConnectionCloser(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = TenantDispatcher(app.wsgi_app, TENANT_KEY)  # type: ignore[method-assign]
    if settings.profile.collapse_double_slashes:
        app.wsgi_app = PathNormalizer(app.wsgi_app)  # type: ignore[method-assign]
