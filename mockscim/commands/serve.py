"""``mockscim serve``: run the mock SCIM server and print what to type into Okta."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from mockscim import __version__
from mockscim.config import AuthConfig
from mockscim.config import ConfigError
from mockscim.config import Settings
from mockscim.constants import DEFAULT_BASE_PATH
from mockscim.constants import DEFAULT_HOST
from mockscim.constants import DEFAULT_PORT
from mockscim.profiles import PROFILES

# What the Invicti-style AIW setup turns on (wire reference §13; Okta Provisioning tab names).
OKTA_ACTIONS = (
    "Import New Users and Profile Updates",
    "Push New Users",
    "Push Profile Updates",
    "Push Groups",
    "Import Groups",
)


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
        lines.append(f"    Authorization                    Bearer {auth.token}")
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
    help="Public base URL (a tunnel's https URL plus the base path) used in meta.location and the banner.",
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
@click.option("--debug", is_flag=True, help="Include exception text in 500 responses.")
@click.option("-q", "--quiet", is_flag=True, help="Do not log each request.")
def serve(
    auth_spec: str | None,
    seed_file: Path | None,
    profile_name: str,
    patch_response: str,
    max_body: int,
    quiet: bool,
    **options: object,
) -> None:
    """Run the mock SCIM server (credentials required by default, loopback by default)."""
    from dataclasses import replace

    from mockscim.seed import SeedError
    from mockscim.seed import load_seed
    from mockscim.seed import read_seed
    from mockscim.server import create_app
    from mockscim.server.serving import build_server

    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format="%(message)s", stream=sys.stderr
    )
    try:
        auth = AuthConfig.parse(auth_spec) if auth_spec else AuthConfig.generate()
        profile = replace(PROFILES[profile_name], patch_returns_resource=patch_response == "resource")
        settings = Settings(auth=auth, profile=profile, max_body_bytes=max_body, **options).validate()  # type: ignore[arg-type]
        app = create_app(settings)
        if seed_file is not None:
            counts = load_seed(app.extensions["mockscim"].store, read_seed(seed_file), source=str(seed_file))
            click.echo(
                f"Seeded {counts['users']} users and {counts['groups']} groups from {seed_file}", err=True
            )
        server = build_server(app, settings.host, settings.port)
    except (ConfigError, SeedError) as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {options['host']}:{options['port']}: {exc.strerror}"
        ) from None
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    click.echo(banner(settings, f"http://{host}:{server.server_port}"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("\nStopped.", err=True)
    finally:
        server.server_close()
