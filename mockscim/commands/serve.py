"""``mockscim serve``: run the mock SCIM server and print what to type into Okta."""

from __future__ import annotations

import errno
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import MISSING
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from mockscim import __version__
from mockscim.config import ConfigError
from mockscim.config import Option
from mockscim.config import Settings
from mockscim.errors import BadInput

# What the Invicti-style AIW setup turns on (docs/okta-reference.md §13; Okta Provisioning tab names).
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
        f"Listening on {url} (waitress, {settings.threads} threads); Ctrl+C stops it.",
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


def _click_option(name: str, option: Option, default: Any) -> Callable[[Any], Any]:
    """The click option for one declared setting (its value arrives under the field's name)."""
    names = [option.short] if option.short else []
    names.append(
        f"{option.flag}/--no-{option.flag.removeprefix('--')}" if option.kind == "switch" else option.flag
    )
    kwargs: dict[str, Any] = {"help": option.help, "envvar": option.envvar, "show_envvar": True}
    if option.kind == "flag":
        kwargs["is_flag"] = True
    elif option.kind == "value":
        kwargs["metavar"] = option.metavar
        kwargs["type"] = _click_type(option)
        kwargs["multiple"] = option.multiple
    if option.kind != "value" or option.when_absent is None:
        shown = option.text_default if option.text_default is not None else default
        kwargs["default"] = shown if isinstance(shown, str | int | float | bool) else None
        kwargs["show_default"] = option.show_default
    return click.option(*names, name, **kwargs)


def _click_type(option: Option) -> Any:
    """What click turns the text into before ``Option.parse`` (if any) sees it."""
    if option.choices:
        return click.Choice(list(option.choices))
    if option.type is Path:
        return click.Path(dir_okay=option.folder, file_okay=not option.folder, path_type=Path)
    return option.type


def settings_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add one click option per ``Settings`` field, in the order they are declared."""
    for declared in reversed(fields(Settings)):
        default = declared.default if declared.default is not MISSING else None
        command = _click_option(declared.name, declared.metadata["option"], default)(command)
    return command


def settings_from_options(values: dict[str, Any]) -> Settings:
    """Settings from the values click collected (flags or ``MOCKSCIM_*``), validated."""
    given: dict[str, Any] = {}
    for declared in fields(Settings):
        option, value = declared.metadata["option"], values.get(declared.name)
        if value is None and option.when_absent is not None:
            given[declared.name] = option.when_absent()
        elif value is None or (option.multiple and not value):
            continue  # the field's own default
        elif option.document:
            given[declared.name] = option.parse(read_document(value), value)  # type: ignore[misc]
        else:
            given[declared.name] = option.parse(value) if option.parse else value
    if given.get("state_file") and not given.get("journal_file"):
        # The journal survives restarts with the state: it goes next to the state file.
        given["journal_file"] = given["state_file"].with_name(given["state_file"].name + ".journal.jsonl")
    return Settings(**given).validate()


@click.command()
@settings_options
def serve(**values: Any) -> None:
    """Run the mock SCIM server (credentials required by default, loopback by default).

    Every option can also be set in the environment as MOCKSCIM_<OPTION>, e.g.
    MOCKSCIM_AUTH=basic:okta:secret or MOCKSCIM_MAX_BODY=2097152; an option given on the
    command line wins.

    Connections are kept alive; a request must arrive whole within --request-timeout, a silent
    connection is closed after --idle-timeout, and Ctrl+C or SIGTERM gives requests in flight
    5 seconds to finish (docs/hardening.md, "Connections").
    """
    from mockscim.server.serving import build_server
    from mockscim.server.serving import limit_malloc_arenas

    limit_malloc_arenas()  # before the server's threads start
    logging.basicConfig(
        level=logging.WARNING if values.get("quiet") else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        settings = settings_from_options(values)
        warning = check_public_url(settings.public_url, settings.base_path)
        if warning:
            click.echo(warning, err=True)
        app = build_app(settings)
        server = build_server(app, settings.host, settings.port)
    except (BadInput, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        click.echo(_bind_problem(exc, settings.host, settings.port), err=True)
        sys.exit(1)
    run_until_stopped(server, app, banner(settings, server.url))


def _bind_problem(exc: OSError, host: str, port: int) -> str:
    """What to do when the address cannot be bound."""
    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} is in use by another program. Stop it or choose another port with --port (0 picks a free one)."
    return f"Cannot listen on {host}:{port}: {exc.strerror}. Choose another --host or --port."


def run_until_stopped(server: Any, app: Any, text: str) -> None:
    """Print ``text``, serve until Ctrl+C (SIGINT) or SIGTERM, then the one shutdown path: stop the
    server (requests in flight finish, up to 5 s), then write everything the state file has not
    written yet. The signals are caught before the banner says the server is up."""
    from mockscim.persistence import end_on_signals
    from mockscim.server.serving import settle

    end_on_signals()  # SIGTERM (docker stop, systemd) stops the server as Ctrl+C does
    settle()
    try:
        click.echo(text)
        threading.Thread(target=server.serve_forever, name="mockscim-server", daemon=True).start()
        server.wait()
    except KeyboardInterrupt:
        click.echo("\nStopped.", err=True)
    finally:
        server.stop()
        state_file = app.extensions.get("mockscim.state_file")
        if state_file is not None:
            state_file.shutdown()  # write everything; the store stays locked until the process ends


def read_document(path: Path) -> Any:
    """Read a YAML (or JSON, which is YAML) start-up file; errors name the file."""
    import yaml  # only for start-up files: a plain `mockscim serve` starts without it

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def build_app(settings: Settings) -> Any:
    """Create the app and load the ``--seed`` and ``--faults`` files into it."""
    from mockscim.seed import load_seed
    from mockscim.seed import read_seed
    from mockscim.server import create_app
    from mockscim.server.faulting import load_faults

    app = create_app(settings)
    seed_file, faults_file = settings.seed_file, settings.faults_file
    state_file = app.extensions.get("mockscim.state_file")
    if seed_file is not None and state_file is not None and state_file.loaded:
        # The state file holds what the seed created last time (and every change since).
        click.echo(
            f"{seed_file} not loaded: {state_file.path} already holds {state_file.loaded} resources", err=True
        )
    elif seed_file is not None:
        counts = load_seed(app.extensions["mockscim"].store, read_seed(seed_file), source=str(seed_file))
        click.echo(f"Seeded {counts['users']} users and {counts['groups']} groups from {seed_file}", err=True)
    if faults_file is not None:
        try:
            count = load_faults(app.extensions["mockscim.tenants"], read_document(faults_file))
        except BadInput as exc:
            raise ConfigError(f"{faults_file}: {exc}") from None
        click.echo(f"Loaded {count} faults from {faults_file}", err=True)
    return app
