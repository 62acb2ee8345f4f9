"""Server settings, declared once: each ``Settings`` field carries its command-line option.

``mockscim serve`` builds its click options from these declarations (``Option``), so a setting
cannot exist on one side only; every option can also be given as ``MOCKSCIM_<OPTION>`` in the
environment (``--max-body`` is ``MOCKSCIM_MAX_BODY``). ``validate`` checks the declared
minimums and choices and the rules that span several settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from dataclasses import replace
from pathlib import Path
from typing import Any

from mockscim.constants import DEFAULT_BASE_PATH
from mockscim.constants import DEFAULT_HOST
from mockscim.constants import DEFAULT_PORT
from mockscim.credentials import AuthConfig
from mockscim.credentials import ConfigError
from mockscim.credentials import check_credentials_allowed
from mockscim.credentials import check_secret
from mockscim.faults import parse_rate
from mockscim.journal import DEFAULT_FILE_MAX_BYTES
from mockscim.journal import DEFAULT_MAX_BYTES
from mockscim.profiles import OKTA
from mockscim.profiles import PROFILES
from mockscim.profiles import Profile

__all__ = ["ENV_PREFIX", "AuthConfig", "ConfigError", "Option", "Settings", "option_of"]

ENV_PREFIX = "MOCKSCIM_"


def normalize_base_path(path: str) -> str:
    """``scim/v2/`` -> ``/scim/v2``; ``/`` -> ``""`` (SCIM at the root)."""
    path = "/" + path.strip().strip("/")
    return "" if path == "/" else path


@dataclass(frozen=True)
class Option:
    """How one setting is given on the command line (and as ``MOCKSCIM_<OPTION>``)."""

    flag: str  # "--max-body"
    help: str
    type: type = str  # what the text becomes: str, int, float or Path
    kind: str = "value"  # "value"; "flag" (--strict); "switch" (--journal/--no-journal)
    short: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    parse: Callable[..., Any] | None = None  # the option's value -> the setting's value
    document: bool = False  # the value names a YAML file; ``parse(document, path)`` reads it
    folder: bool = False  # a Path that names a directory, not a file
    minimum: int | None = None
    multiple: bool = False  # repeatable: the setting is the tuple of every value given
    text_default: str | None = None  # the default as typed, when the setting's is not text
    when_absent: Callable[[], Any] | None = None  # the command line's default, if not the field's
    show_default: bool = False

    @property
    def envvar(self) -> str:
        """``--max-body`` -> ``MOCKSCIM_MAX_BODY``."""
        return ENV_PREFIX + self.flag.removeprefix("--").upper().replace("-", "_")


def setting(
    default: Any = None, *, factory: Callable[[], Any] | None = None, repr: bool = True, **option: Any
) -> Any:  # noqa: A002
    """A ``Settings`` field with its command-line ``Option``."""
    meta = {"option": Option(**option)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta, repr=repr)
    return field(default=default, metadata=meta, repr=repr)


def option_of(name: str) -> Option:
    """The declared option of the ``Settings`` field ``name``."""
    return next(f.metadata["option"] for f in fields(Settings) if f.name == name)


def parse_tenants(document: Any, source: Any) -> tuple[tuple[str, AuthConfig | None], ...]:
    """``{tenants: {NAME: {auth: SPEC}}}`` (a ``--tenants`` file) to (name, credentials) pairs."""
    tenants = document.get("tenants") if isinstance(document, dict) else None
    if not isinstance(tenants, dict):
        raise ConfigError(f"{source}: expected a mapping 'tenants:' of NAME: {{auth: SPEC}}")
    out = []
    for name, spec in tenants.items():
        if spec is not None and not isinstance(spec, dict):
            raise ConfigError(
                f"{source}: tenants.{name} must be a mapping such as {{auth: basic:USER:TOKEN}}"
            )
        auth = (spec or {}).get("auth")
        if spec and "auth" in spec and auth is None:
            raise ConfigError(
                f"{source}: tenants.{name}.auth is empty; give basic:USER:TOKEN or leave it out"
            )
        where = f"{source}: tenants.{name}.auth"
        out.append((str(name), AuthConfig.parse(auth, where) if auth is not None else None))
    return tuple(out)


def _profile(name: str) -> Profile:
    """A profile by name (the command line offers only known names)."""
    return PROFILES[name]


_PATH = {"type": Path}


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know, validated by ``validate``."""

    host: str = setting(DEFAULT_HOST, flag="--host", help="Interface to bind.", show_default=True)
    port: int = setting(
        DEFAULT_PORT, flag="--port", type=int, help="Port (0 picks a free one).", show_default=True
    )
    base_path: str = setting(DEFAULT_BASE_PATH, flag="--base-path", help="SCIM base path.", show_default=True)
    auth: AuthConfig = setting(
        factory=lambda: AuthConfig("none"),
        flag="--auth",
        metavar="SPEC",
        parse=AuthConfig.parse,
        when_absent=AuthConfig.generate,  # safe default: credentials required
        help="basic:USER:TOKEN, bearer:TOKEN or none. Default: generated Basic credentials.",
    )
    # Start-up files (--seed, --faults): ``mockscim serve`` loads them into the app it creates
    # (``commands/serve.py:build_app``); ``create_app`` itself does not read files.
    seed_file: Path | None = setting(
        flag="--seed", **_PATH, help="YAML/JSON file of users and groups to load at start."
    )
    public_url: str | None = setting(
        flag="--public-url",
        help="Public base URL (a tunnel's https URL plus the base path) used in meta.location and the banner.",
    )
    trust_proxy: int = setting(
        0, flag="--trust-proxy", type=int, help="Trust N proxies' X-Forwarded-Proto/Host headers for URLs."
    )
    profile: Profile = setting(
        OKTA,
        flag="--profile",
        choices=tuple(sorted(PROFILES)),
        parse=_profile,
        text_default=OKTA.name,
        show_default=True,
        help="Client profile: which quirks to tolerate.",
    )
    # Overrides the profile's patch_returns_resource when given (the command line always gives it).
    patch_response: str | None = setting(
        flag="--patch-response",
        choices=("resource", "no-content"),
        text_default="resource",
        show_default=True,
        help="PATCH answers 200 with the resource, or 204.",
    )
    max_body_bytes: int = setting(
        1024 * 1024,
        flag="--max-body",
        type=int,
        minimum=1,
        show_default=True,
        help="Largest request body in bytes (413 above).",
    )
    max_count: int = setting(
        1000,
        flag="--max-count",
        type=int,
        minimum=1,
        show_default=True,
        help="Largest page size; larger counts are clamped.",
    )
    filter_max_length: int = setting(
        4096,
        flag="--filter-max-length",
        type=int,
        minimum=1,
        show_default=True,
        help="Longest filter (400 above).",
    )
    filter_max_depth: int = setting(
        32,
        flag="--filter-max-depth",
        type=int,
        minimum=1,
        show_default=True,
        help="Deepest filter nesting (400 above).",
    )
    max_members: int = setting(
        100_000,
        flag="--max-members",
        type=int,
        minimum=1,
        show_default=True,
        help="Most members of one group.",
    )
    journal: bool = setting(
        True,
        flag="--journal",
        kind="switch",
        show_default=True,
        help="Record every request (classification and findings); --no-journal records nothing (faults and --strict still work).",
    )
    journal_size: int = setting(
        10_000,
        flag="--journal-size",
        type=int,
        minimum=1,
        show_default=True,
        help="Requests kept in the journal (a ring buffer).",
    )
    journal_file: Path | None = setting(
        flag="--journal-file",
        **_PATH,
        help="Also append every journal entry to this JSON Lines file (resumed on restart).",
    )
    journal_body_limit: int = setting(
        64 * 1024,
        flag="--journal-body-limit",
        type=int,
        minimum=1,
        show_default=True,
        help="Bodies larger than this many bytes are journaled as their size only.",
    )
    journal_max_bytes: int = setting(
        DEFAULT_MAX_BYTES,
        flag="--journal-max-bytes",
        type=int,
        minimum=1,
        show_default=True,
        help="Memory the journal may hold, each entry measured when recorded; the oldest entries go first.",
    )
    journal_file_max_bytes: int = setting(
        DEFAULT_FILE_MAX_BYTES,
        flag="--journal-file-max-bytes",
        type=int,
        minimum=1,
        show_default=True,
        help="Largest --journal-file; past it the file is rewritten with the newest entries that fit in half of it.",
    )
    strict: bool = setting(
        False,
        flag="--strict",
        kind="flag",
        help="Refuse (400) requests whose findings include SCIM errors, instead of recording them.",
    )
    admin_token: str | None = setting(
        flag="--admin-token", repr=False, help="Bearer token for /__admin (default: the SCIM credentials)."
    )
    flows_dir: Path | None = setting(
        flag="--flows-dir",
        type=Path,
        folder=True,
        help="Folder of your own flow files POST /__admin/verify may read by relative path (the built-in library is always there).",
    )
    faults_file: Path | None = setting(
        flag="--faults", **_PATH, help="YAML/JSON file of faults to inject from the start (docs/faults.md)."
    )
    fault_seed: int | None = setting(
        flag="--fault-seed", type=int, help="Seed for faults that fire with a probability."
    )
    rate_limit: float | None = setting(  # requests per second per tenant
        flag="--rate-limit",
        metavar="N/s",
        parse=parse_rate,
        help="Token bucket per tenant, e.g. 10/s or 600/m; 429 above.",
    )
    # "dynamic": /t/{name}/... creates tenant {name} on first use; "static": only declared ones.
    tenant_mode: str = setting(
        "dynamic",
        flag="--tenant-mode",
        choices=("dynamic", "static"),
        show_default=True,
        help="dynamic: /t/NAME/... creates tenant NAME on first use; static: only declared tenants.",
    )
    tenants: tuple[tuple[str, AuthConfig | None], ...] = setting(
        (),
        flag="--tenants",
        **_PATH,
        document=True,
        parse=parse_tenants,
        help="YAML file declaring tenants: {tenants: {NAME: {auth: SPEC}}}.",
    )
    max_tenants: int = setting(
        100, flag="--max-tenants", type=int, show_default=True, help="Tenants besides the default."
    )
    state_file: Path | None = setting(
        flag="--state-file",
        **_PATH,
        help="Keep users and groups in this file across restarts (atomic writes; never overwrites a foreign file).",
    )
    state_sync: str = setting(  # "request": written before each 2xx write is answered
        "batch",
        flag="--state-sync",
        choices=("batch", "request"),
        show_default=True,
        help="request: written before each successful write is answered; batch: at most once a second.",
    )
    # Connections (mockscim/server/serving.py; measured in docs/performance.md and docs/hardening.md).
    threads: int = setting(
        8,
        flag="--threads",
        type=int,
        minimum=1,
        show_default=True,
        help="Worker threads: requests served at once (more wait their turn). Four take requests; one "
        "that waits (a fault's sleep, an open dashboard's stream) lets another start, up to this many.",
    )
    max_connections: int = setting(
        4000,
        flag="--max-connections",
        type=int,
        minimum=1,
        show_default=True,
        help="Open connections at most; further ones wait in the listen queue until one closes.",
    )
    request_timeout: int = setting(
        30,
        flag="--request-timeout",
        type=int,
        minimum=1,
        show_default=True,
        help="Seconds a client has to send a whole request (headers and body) once it started: 408 after.",
    )
    idle_timeout: int = setting(
        60,
        flag="--idle-timeout",
        type=int,
        minimum=1,
        show_default=True,
        help="Seconds a keep-alive connection may stay silent between requests before it is closed.",
    )
    # Custom extension schema files: create_app reads them once (mockscim.schema_extensions), as
    # the User resource type must know its extensions before the first request.
    schema_extensions: tuple[Path, ...] = setting(
        (),
        flag="--schema-extension",
        **_PATH,
        multiple=True,
        help="YAML/JSON file declaring a custom User extension schema, like a /Schemas entry "
        "(repeatable; docs/custom-attributes.md).",
    )
    debug: bool = setting(False, flag="--debug", kind="flag", help="Include exception text in 500 responses.")
    quiet: bool = setting(False, flag="--quiet", short="-q", kind="flag", help="Do not log each request.")

    def validate(self) -> Settings:
        """Return self if consistent; raise ConfigError with what to change otherwise."""
        check_credentials_allowed(self.auth, self.host)
        for name, auth in self.tenants:
            if auth is not None:
                check_credentials_allowed(auth, self.host, name)
        if self.admin_token is not None:
            check_secret(self.admin_token, "--admin-token")
        if self.flows_dir is not None and not self.flows_dir.is_dir():
            raise ConfigError(f"--flows-dir {self.flows_dir} is not a folder; create it or name another")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port {self.port} is out of range 0-65535")
        for declared in fields(self):
            _check_declared(declared.metadata["option"], getattr(self, declared.name))
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"--public-url {self.public_url!r} must start with https:// (or http://)")
        profile = self.profile
        if self.patch_response is not None:
            profile = replace(profile, patch_returns_resource=self.patch_response == "resource")
        return replace(self, base_path=normalize_base_path(self.base_path), profile=profile)


def _check_declared(option: Option, value: Any) -> None:
    """The minimum and the choices an option declares (choices of text settings only)."""
    if option.minimum is not None and value < option.minimum:
        raise ConfigError(f"{option.flag} must be at least {option.minimum}, not {value}")
    if option.choices and option.parse is None and value is not None and value not in option.choices:
        allowed = " or ".join(repr(c) for c in option.choices)
        raise ConfigError(f"{option.flag} {value!r} must be {allowed}")
