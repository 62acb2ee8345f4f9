"""``mockscim serve``: run the mock SCIM server and print what to type into Okta."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import yaml

from mockscim import __version__
from mockscim.config import AuthConfig
from mockscim.config import ConfigError
from mockscim.config import Settings
from mockscim.constants import DEFAULT_BASE_PATH
from mockscim.constants import DEFAULT_HOST
from mockscim.constants import DEFAULT_PORT
from mockscim.faults import FaultError
from mockscim.faults import parse_rate
from mockscim.profiles import PROFILES

# What the Invicti-style AIW setup turns on (wire reference §13; Okta Provisioning tab names).
OKTA_ACTIONS = (
    "Import New Users and Profile Updates",
    "Push New Users",
    "Push Profile Updates",
    "Push Groups",
    "Import Groups",
)


def check_public_url(public_url: str | None, base_path: str) -> str | None:
    """Refuse a --public-url without the SCIM base path (Okta appends /Users to exactly what it is
    given, docs/okta-reference.md §2.1); return a warning for http:// or a host with '_'."""
    if not public_url:
        return None
    parts = urlsplit(public_url)
    path = parts.path.rstrip("/")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.UsageError(
            f"--public-url {public_url!r} must start with https:// and be a full URL, e.g. https://HOST{base_path}"
        )
    suggestion = f"https://{parts.netloc}{path if path.endswith(base_path) else path + base_path}"
    if not path.endswith(base_path):
        raise click.UsageError(
            f"--public-url {public_url!r} lacks the SCIM base path {base_path}: Okta appends /Users to "
            f"the URL you give it. Use --public-url {suggestion}"
        )
    if parts.scheme == "http":
        return f"warning: Okta requires HTTPS (docs/okta-reference.md §2.1); use --public-url {suggestion}"
    if "_" in parts.netloc:
        return "warning: Okta refuses a base URL containing '_' (docs/okta-reference.md §2.1); use a tunnel host without it"
    return None


def banner(settings: Settings, url: str) -> str:
    """The start-up text: where the server is and exactly what to enter in Okta."""
    base = (settings.public_url or url + settings.base_path).rstrip("/")
    auth = settings.auth
    lines = [
        f"mockscim {__version__}: Okta-compatible SCIM 2.0 mock server",
        f"Listening on {url} (threaded werkzeug); Ctrl+C stops it.",
        "",
        "Okta admin > Applications > your app > Provisioning > Integration:",
        f"  SCIM connector base URL            {base}",
        "  Unique identifier field for users  email",
        f"  Supported provisioning actions     {', '.join(OKTA_ACTIONS)}",
        f"  Authentication Mode                {auth.describe()}",
    ]
    if auth.mode == "basic":
        lines += [
            f"    Username                         {auth.user}",
            f"    Password                         {auth.token}",
        ]
        if auth.generated:
            lines.append("    (generated for this run; fix them with --auth basic:USER:TOKEN)")
    elif auth.mode == "bearer":
        # The AIW "HTTP Header" field takes the token alone: Okta adds "Bearer " itself
        # (docs/okta-reference.md §2.3); a pasted "Bearer x" goes out as "Bearer Bearer x".
        lines += [
            f"    Authorization (paste exactly)    {auth.token}",
            f"    (Okta adds 'Bearer ' itself and sends: Authorization: Bearer {auth.token})",
        ]
    else:
        lines.append("    (no credentials: loopback only)")
    lines += [
        "",
        "Provisioning > To App: enable Create Users, Update User Attributes, Deactivate Users",
        "and Sync Password.",
    ]
    if not settings.public_url:
        lines += ["", "Okta needs a public HTTPS URL: start a tunnel to this port and pass --public-url."]
    return "\n".join(lines)


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Interface to bind.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--base-path", default=DEFAULT_BASE_PATH, show_default=True, help="SCIM base path.")
@click.option(
    "--auth",
    "auth_spec",
    metavar="SPEC",
    help="basic:USER:TOKEN, bearer:TOKEN or none. Default: generated Basic credentials.",
)
@click.option(
    "--seed",
    "seed_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML/JSON file of users and groups to load at start.",
)
@click.option(
    "--public-url",
    help="Public base URL: the tunnel's https URL plus the SCIM base path, e.g. "
    "https://abc.ngrok.app/scim/v2; used in meta.location and the banner.",
)
@click.option(
    "--trust-proxy", default=0, type=int, help="Trust N proxies' X-Forwarded-Proto/Host headers for URLs."
)
@click.option(
    "--profile",
    "profile_name",
    type=click.Choice(sorted(PROFILES)),
    default="okta",
    show_default=True,
    help="Client profile: which quirks to tolerate.",
)
@click.option(
    "--patch-response",
    type=click.Choice(["resource", "no-content"]),
    default="resource",
    show_default=True,
    help="PATCH answers 200 with the resource, or 204.",
)
@click.option(
    "--max-body",
    "max_body",
    default=1024 * 1024,
    show_default=True,
    type=int,
    help="Largest request body in bytes (413 above).",
)
@click.option(
    "--max-count",
    default=1000,
    show_default=True,
    type=int,
    help="Largest page size; larger counts are clamped.",
)
@click.option(
    "--journal/--no-journal",
    default=True,
    show_default=True,
    help="Record every request (classification and findings); --no-journal records nothing.",
)
@click.option(
    "--journal-size",
    default=10_000,
    show_default=True,
    type=int,
    help="Requests kept in the journal (a ring buffer).",
)
@click.option(
    "--journal-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also append every journal entry to this JSON Lines file (resumed on restart).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse (400) requests whose findings include SCIM errors, instead of recording them.",
)
@click.option("--admin-token", help="Bearer token for /__admin (default: the SCIM credentials).")
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML/JSON file of faults to inject from the start (docs/faults.md).",
)
@click.option("--fault-seed", type=int, help="Seed for faults that fire with a probability.")
@click.option(
    "--rate-limit", "rate_spec", metavar="N/s", help="Token bucket per tenant, e.g. 10/s or 600/m; 429 above."
)
@click.option(
    "--tenant-mode",
    type=click.Choice(["dynamic", "static"]),
    default="dynamic",
    show_default=True,
    help="dynamic: /t/NAME/... creates tenant NAME on first use; static: only declared tenants.",
)
@click.option(
    "--tenants",
    "tenants_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML file declaring tenants: {tenants: {NAME: {auth: SPEC}}}.",
)
@click.option("--max-tenants", default=100, show_default=True, type=int, help="Tenants besides the default.")
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep users and groups in this file across restarts (atomic writes; never overwrites a foreign file).",
)
@click.option(
    "--state-sync",
    type=click.Choice(["batch", "request"]),
    default="batch",
    show_default=True,
    help="request: written before each successful write is answered; batch: at most once a second.",
)
@click.option("--debug", is_flag=True, help="Include exception text in 500 responses.")
@click.option("-q", "--quiet", is_flag=True, help="Do not log each request.")
def serve(
    auth_spec: str | None,
    seed_file: Path | None,
    faults_file: Path | None,
    tenants_file: Path | None,
    rate_spec: str | None,
    profile_name: str,
    patch_response: str,
    max_body: int,
    quiet: bool,
    **options: Any,
) -> None:
    """Run the mock SCIM server (credentials required by default, loopback by default)."""
    from mockscim.server.serving import build_server

    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format="%(message)s", stream=sys.stderr
    )
    try:
        options["rate_limit"] = parse_rate(rate_spec) if rate_spec else None
        options["tenants"] = read_tenants(tenants_file) if tenants_file else ()
        if options.get("state_file") and not options.get("journal_file"):
            # The journal survives restarts with the state: it goes next to the state file.
            options["journal_file"] = options["state_file"].with_name(
                options["state_file"].name + ".journal.jsonl"
            )
        warning = check_public_url(options.get("public_url"), options.get("base_path", DEFAULT_BASE_PATH))
        if warning:
            click.echo(warning, err=True)
        profile = replace(PROFILES[profile_name], patch_returns_resource=patch_response == "resource")
        auth = AuthConfig.parse(auth_spec) if auth_spec else AuthConfig.generate()
        settings = Settings(auth=auth, profile=profile, max_body_bytes=max_body, **options).validate()
        app = build_app(settings, seed_file, faults_file)
        server = build_server(app, settings.host, settings.port)
    except (ConfigError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    click.echo(banner(settings, f"http://{host}:{server.server_port}"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("\nStopped.", err=True)
    finally:
        server.server_close()
        state_file = app.extensions.get("mockscim.state_file")
        if state_file is not None:
            state_file.stop()  # write what the batch writer has not written yet


def read_document(path: Path) -> Any:
    """Read a YAML (or JSON, which is YAML) start-up file; errors name the file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def read_tenants(path: Path) -> tuple[tuple[str, AuthConfig | None], ...]:
    """``{tenants: {NAME: {auth: SPEC}}}`` to (name, credentials) pairs."""
    document = read_document(path)
    tenants = document.get("tenants") if isinstance(document, dict) else None
    if not isinstance(tenants, dict):
        raise ConfigError(f"{path}: expected a mapping 'tenants:' of NAME: {{auth: SPEC}}")
    out = []
    for name, spec in tenants.items():
        auth = (spec or {}).get("auth") if isinstance(spec, dict | None) else None
        out.append((str(name), AuthConfig.parse(auth) if auth else None))
    return tuple(out)


def build_app(settings: Settings, seed_file: Path | None, faults_file: Path | None) -> Any:
    """Create the app and load the seed and faults files into it."""
    from mockscim.seed import load_seed
    from mockscim.seed import read_seed
    from mockscim.server import create_app
    from mockscim.server.faulting import load_faults

    app = create_app(settings)
    if seed_file is not None:
        counts = load_seed(app.extensions["mockscim"].store, read_seed(seed_file), source=str(seed_file))
        click.echo(f"Seeded {counts['users']} users and {counts['groups']} groups from {seed_file}", err=True)
    if faults_file is not None:
        try:
            count = load_faults(app.extensions["mockscim.tenants"], read_document(faults_file))
        except FaultError as exc:
            raise ConfigError(f"{faults_file}: {exc}") from None
        click.echo(f"Loaded {count} faults from {faults_file}", err=True)
    return app
