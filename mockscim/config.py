"""Server settings: a frozen dataclass, validated once, built from CLI flags or the environment."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mockscim.constants import DEFAULT_BASE_PATH
from mockscim.constants import DEFAULT_HOST
from mockscim.constants import DEFAULT_PORT
from mockscim.profiles import OKTA
from mockscim.profiles import Profile

if TYPE_CHECKING:  # settings stay plain data; the schema model is built by schema_extensions
    from mockscim.scim.schema import Schema


class ConfigError(ValueError):
    """A setting is invalid; the message says how to fix it."""


@dataclass(frozen=True)
class AuthConfig:
    """How clients authenticate: ``basic`` (user + token), ``bearer`` (token) or ``none``."""

    mode: str
    user: str = ""
    token: str = field(default="", repr=False)
    generated: bool = False

    @classmethod
    def parse(cls, spec: str) -> AuthConfig:
        """Parse ``basic:USER:TOKEN``, ``bearer:TOKEN`` or ``none``."""
        mode, _, rest = spec.partition(":")
        mode = mode.strip().lower()
        if mode == "none" and not rest:
            return cls("none")
        if mode == "bearer" and rest:
            return cls("bearer", token=rest)
        if mode == "basic":
            user, sep, token = rest.partition(":")
            if user and sep and token:
                return cls("basic", user=user, token=token)
        raise ConfigError(f"--auth {spec!r} is not valid; use basic:USER:TOKEN, bearer:TOKEN or none")

    @classmethod
    def generate(cls) -> AuthConfig:
        """Fresh Basic credentials, printed at start-up (safe default: credentials required)."""
        return cls("basic", user="okta", token=secrets.token_urlsafe(24), generated=True)

    def describe(self) -> str:
        """Human-readable mode name as Okta's Provisioning tab calls it."""
        return {"basic": "Basic Auth", "bearer": "HTTP Header (Bearer token)", "none": "none"}[self.mode]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_base_path(path: str) -> str:
    """``scim/v2/`` -> ``/scim/v2``; ``/`` -> ``""`` (SCIM at the root)."""
    path = "/" + path.strip().strip("/")
    return "" if path == "/" else path


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know, validated by ``validate``."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    base_path: str = DEFAULT_BASE_PATH
    auth: AuthConfig = field(default_factory=lambda: AuthConfig("none"))
    profile: Profile = OKTA
    max_body_bytes: int = 1024 * 1024
    max_count: int = 1000
    filter_max_length: int = 4096
    filter_max_depth: int = 32
    max_members: int = 100_000
    public_url: str | None = None
    trust_proxy: int = 0
    debug: bool = False
    journal: bool = True  # --no-journal: record nothing (faults and --strict still work)
    journal_size: int = 10_000
    journal_file: Path | None = None
    journal_body_limit: int = 64 * 1024
    strict: bool = False
    admin_token: str | None = field(default=None, repr=False)
    # "dynamic": /t/{name}/... creates tenant {name} on first use; "static": only declared ones.
    tenant_mode: str = "dynamic"
    tenants: tuple[tuple[str, AuthConfig | None], ...] = ()
    max_tenants: int = 100
    rate_limit: float | None = None  # requests per second per tenant (--rate-limit 10/s)
    fault_seed: int | None = None
    state_file: Path | None = None
    state_sync: str = "batch"  # "request": written before each 2xx write is answered
    # --schema-extension FILE (repeatable): custom User extension schemas, read and checked by
    # mockscim.schema_extensions.load_extension_files.
    schema_extensions: tuple[Schema, ...] = ()

    def validate(self) -> Settings:
        """Return self if consistent; raise ConfigError with what to change otherwise."""
        if self.auth.mode == "none" and not is_loopback(self.host):
            raise ConfigError(
                f"refusing to serve on {self.host} without credentials; use --auth basic:USER:TOKEN "
                "or bind to 127.0.0.1"
            )
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port {self.port} is out of range 0-65535")
        limits = (
            "max_body_bytes",
            "max_count",
            "filter_max_length",
            "filter_max_depth",
            "max_members",
            "journal_size",
        )
        for name in limits:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1")
        if self.state_sync not in ("request", "batch"):
            raise ConfigError(f"--state-sync {self.state_sync!r} must be 'request' or 'batch'")
        if self.tenant_mode not in ("dynamic", "static"):
            raise ConfigError(f"--tenant-mode {self.tenant_mode!r} must be 'dynamic' or 'static'")
        urns = [ext.id.lower() for ext in self.schema_extensions]
        if len(set(urns)) != len(urns):
            raise ConfigError("--schema-extension: two files declare the same schema URN; keep one")
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"--public-url {self.public_url!r} must start with https:// (or http://)")
        return replace(self, base_path=normalize_base_path(self.base_path))
