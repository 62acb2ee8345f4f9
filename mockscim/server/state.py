"""Per-app state, kept in ``app.extensions`` (no module-level state), one ``AppState`` per tenant.

A tenant is an isolated SCIM service provider: its own store, journal, credentials and faults.
Requests under ``/t/{tenant}/...`` belong to that tenant (``middleware.TenantDispatcher``);
everything else belongs to the default tenant.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from flask import Flask

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.errors import Forbidden
from mockscim.errors import InvalidValue
from mockscim.errors import NotFound
from mockscim.faults import FaultSet
from mockscim.faults import RateLimiter
from mockscim.journal import Journal
from mockscim.scim.query import Limits
from mockscim.scim.schema import ResourceType
from mockscim.server import context
from mockscim.server.turnstile import Turnstile
from mockscim.store import InMemoryStore

DEFAULT_TENANT = "default"
TENANT_KEY = "mockscim.tenant"
TENANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


@dataclass
class AppState:
    """One tenant: settings, its credentials, limits, store, journal, faults and rate limiter."""

    settings: Settings
    store: InMemoryStore
    limits: Limits
    journal: Journal
    name: str = DEFAULT_TENANT
    auth: AuthConfig | None = None
    faults: FaultSet = field(default_factory=FaultSet)
    limiter: RateLimiter | None = None
    order: Turnstile = field(default_factory=Turnstile)  # journal appends in store order
    stand_in: bool = False  # the registry's stand-in for unknown tenants: never records or serves data

    @property
    def types(self) -> Mapping[str, ResourceType]:
        """The resource types this tenant serves: the store's, declared extensions included."""
        return self.store.types

    @property
    def credentials(self) -> AuthConfig:
        """The tenant's own credentials, else the server's."""
        return self.auth or self.settings.auth


class Tenants:
    """The tenants of one app: the default one, declared ones, and (in dynamic mode) new ones."""

    def __init__(
        self,
        default: AppState,
        factory: Callable[[str, AuthConfig | None], AppState],
        *,
        dynamic: bool,
        limit: int,
    ):
        self.default = default
        self._factory = factory
        self._dynamic = dynamic
        self._limit = limit
        self._lock = threading.Lock()
        self._tenants: dict[str, AppState] = {DEFAULT_TENANT: default}
        self._stand_in: AppState | None = None

    def known(self, name: str) -> bool:
        """True when a tenant called ``name`` exists (never creates one)."""
        with self._lock:
            return name in self._tenants

    def stand_in(self) -> AppState:
        """The state unauthenticated requests to unknown tenants see: the server's credentials,
        nothing stored, nothing recorded (``auth`` refuses them before they reach any data)."""
        with self._lock:
            if self._stand_in is None:
                self._stand_in = self._factory("unknown-tenant", None)
                self._stand_in.stand_in = True
            return self._stand_in

    def resolve(self, name: str | None) -> AppState:
        """The tenant called ``name`` (None is the default); create it in dynamic mode."""
        if name is None:
            return self.default
        with self._lock:
            state = self._tenants.get(name)
            if state is not None:
                return state
            if not self._dynamic:
                raise NotFound(
                    f"no tenant '{name}'; declare it with --tenants or start with --tenant-mode dynamic"
                )
            return self._add(name, None)

    def create(self, name: str, auth: AuthConfig | None = None) -> AppState:
        """Declare a tenant explicitly (admin API or config); an existing name is refused."""
        with self._lock:
            if name in self._tenants:
                raise InvalidValue(f"tenant '{name}' already exists")
            return self._add(name, auth)

    def _add(self, name: str, auth: AuthConfig | None) -> AppState:
        """Build and register a tenant, enforcing the name rule and the count limit."""
        if not TENANT_NAME.match(name):
            raise InvalidValue(f"tenant name {name!r} must be 1-63 letters, digits, '.', '_' or '-'")
        if len(self._tenants) > self._limit:
            raise Forbidden(
                f"this server holds at most {self._limit} tenants besides the default; delete some or raise --max-tenants"
            )
        state = self._factory(name, auth)
        self._tenants[name] = state
        return state

    def remove(self, name: str) -> None:
        """Forget a tenant and all its data; the default tenant cannot be removed."""
        with self._lock:
            if name == DEFAULT_TENANT or self._tenants.pop(name, None) is None:
                raise NotFound(f"no removable tenant '{name}'")

    def all(self) -> list[AppState]:
        """Every tenant, default first."""
        with self._lock:
            return list(self._tenants.values())


def tenants() -> Tenants:
    """The tenant registry of the current app."""
    return tenants_of(context.app())


def tenants_of(app: Flask) -> Tenants:
    """The tenant registry of ``app`` (``create_app`` registers it before any hook module)."""
    registry: Tenants = app.extensions["mockscim.tenants"]
    return registry


def get_state() -> AppState:
    """The state of the tenant handling the current request."""
    g = context.scope()
    state = g.get("mockscim_state")
    if state is None:
        state = g.mockscim_state = tenants().resolve(context.current_request().environ.get(TENANT_KEY))
    return state


def resolved_state() -> AppState | None:
    """The current request's tenant if a hook already resolved it; never creates a tenant."""
    state: AppState | None = context.scope().get("mockscim_state")
    return state
