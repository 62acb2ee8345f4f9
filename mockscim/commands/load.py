"""``mockscim load``: Okta-shaped load against a SCIM server, then a reconciliation of its state.

The traffic runs on Locust in a subprocess (``mockscim.load.engine``: gevent patches the process
it runs in); this command prepares the target, starts the engine, reconciles and reports.

Exit codes: 0 the target held and reconciled, 1 the reconciliation or the error budget failed,
2 bad usage (or Locust not installed), 3 the target is unreachable.
"""

from __future__ import annotations

import importlib.util
import json
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
EMBEDDED_USERS, EMBEDDED_DURATION = 10, 30.0
INSTALL_HINT = "mockscim load runs on Locust, which is not installed: pip install 'mockscim[load]'"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smh]?)")


def parse_duration(text: str) -> float:
    """``30s``, ``2m``, ``1h`` or plain seconds -> seconds."""
    match = _DURATION.fullmatch(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise click.BadParameter(f"{text!r} is not a duration; write 30s, 2m, 1h or a number of seconds")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def locust_installed() -> bool:
    """True when Locust can be imported (checked without importing it: that would patch this process)."""
    try:
        return importlib.util.find_spec("locust") is not None
    except (ImportError, ValueError):  # ValueError: sys.modules["locust"] is None
        return False


def _usage(message: str) -> click.exceptions.Exit:
    """Print a usage error and return the exit to raise (code 2)."""
    click.echo(f"error: {message}", err=True)
    return click.exceptions.Exit(EXIT_USAGE)


def _engine(config: dict[str, Any], folder: Path) -> int:
    """Run the Locust engine in its own process; Ctrl+C reaches it and it stops gracefully."""
    path = folder / "engine.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "mockscim.load.engine", str(path)])
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue  # the engine got the same signal: wait for its report


def _check_options(options: dict[str, Any]) -> None:
    """Usage rules that click cannot express; raise exit 2 naming the fix."""
    if not locust_installed():
        raise _usage(INSTALL_HINT)
    if options["worker"]:
        if not options["master_host"]:
            raise _usage("--worker needs --master-host HOST (where `mockscim load --master` runs)")
        if options["master"] or options["web"]:
            raise _usage("--worker cannot be combined with --master or --web")
        return
    if options["auth_spec"] and not options["base_url"]:
        raise _usage("--auth needs --base-url (the embedded mock has its own credentials)")
    if options["base_url"]:
        if not options["base_url"].startswith(("http://", "https://")):
            raise _usage(f"--base-url {options['base_url']!r} must start with http:// or https://")
        missing = [name for name in ("users", "duration") if options[name] is None]
        if missing:
            flags = " and ".join(f"--{name}" for name in missing)
            raise _usage(
                f"a live target needs explicit {flags} (the load it gets is only the load you ask for)"
            )


def _run(options: dict[str, Any]) -> int:
    """Prepare the target, run the engine, reconcile, report; return the exit code."""
    from mockscim.load.mix import MixError
    from mockscim.load.mix import resolve
    from mockscim.load.orchestrate import LoadRun
    from mockscim.load.target import TargetError

    try:
        mix = resolve(options["profile"])
    except MixError as exc:
        raise _usage(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="mockscim-load-") as folder:
        try:
            with LoadRun(options, mix, Path(folder)) as run:
                code = _engine(run.engine_config(), Path(folder))
                if code != 0 or not run.result_path.exists():
                    click.echo(
                        "error: the load engine stopped without a result (see its messages above)", err=True
                    )
                    return EXIT_USAGE
                report = run.finish()
        except TargetError as exc:
            click.echo(f"error: {exc}", err=True)
            return exc.exit_code
    click.echo(run.summary(report))
    return report["verdict"]["exit_code"]


@click.command()
@click.option(
    "--base-url", metavar="URL", help="SCIM base URL of a live server (default: an embedded mockscim)."
)
@click.option(
    "--auth", "auth_spec", metavar="SPEC", help="basic:USER:PASS, bearer:TOKEN or 'header:Name: value'."
)
@click.option(
    "--dialect",
    type=click.Choice(["oin", "aiw"]),
    default="oin",
    show_default=True,
    help="oin (PATCH) or aiw (GET then full PUT).",
)
@click.option(
    "--profile",
    default="balanced",
    show_default=True,
    metavar="NAME|FILE",
    help="onboarding, group-storm, import, balanced, or a custom mix YAML file.",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    help=f"Concurrent Okta provisioning threads [embedded: {EMBEDDED_USERS}].",
)
@click.option(
    "--spawn-rate",
    type=click.FloatRange(min=0, min_open=True),
    help="Threads started per second [default: all in 1 s].",
)
@click.option(
    "--duration",
    metavar="30s",
    help=f"How long the load runs (30s, 2m, 1h) [embedded: {EMBEDDED_DURATION:.0f}s].",
)
@click.option(
    "--max-requests", type=click.IntRange(min=1), help="Stop after about this many requests (retries count)."
)
@click.option(
    "--max-error-rate",
    type=click.FloatRange(0, 1),
    default=0.01,
    show_default=True,
    help="Share of flows that may fail before the run fails.",
)
@click.option(
    "--retry-wait-cap",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Bound every retry wait (test runs); the report shows what Okta would have waited.",
)
@click.option(
    "--app-concurrency",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Requests in flight per app at most (UNCONFIRMED for Okta; split across workers).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Per-request timeout in seconds (Okta's is 60).",
)
@click.option(
    "--json-report", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report here."
)
@click.option(
    "--html-report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML report (plots inline) here.",
)
@click.option("--web", is_flag=True, help="Also open Locust's own web UI while the run lasts.")
@click.option(
    "--web-port", type=int, default=8089, show_default=True, help="Port of Locust's web UI (loopback)."
)
@click.option(
    "--master", is_flag=True, help="Run as Locust master; workers connect with --worker --master-host."
)
@click.option("--worker", is_flag=True, help="Run as a Locust worker of the master at --master-host.")
@click.option("--master-host", metavar="HOST", help="Where the master runs (with --worker).")
@click.option("--master-port", type=int, default=5557, show_default=True, help="Locust's master port.")
@click.option(
    "--expect-workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Workers the master waits for (with --master).",
)
def load(**options: Any) -> None:
    """Drive Okta-shaped load at a SCIM server, then reconcile its state (docs/load.md)."""
    _check_options(options)
    if options["worker"]:
        with tempfile.TemporaryDirectory(prefix="mockscim-load-") as folder:
            config = {
                "mode": "worker",
                "master_host": options["master_host"],
                "master_port": options["master_port"],
            }
            raise click.exceptions.Exit(_engine(config, Path(folder)))
    options["duration"] = parse_duration(options["duration"]) if options["duration"] else EMBEDDED_DURATION
    options["users"] = options["users"] or EMBEDDED_USERS
    options["spawn_rate"] = options["spawn_rate"] or float(options["users"])
    options["prefix"] = "load-" + secrets.token_hex(2)
    raise click.exceptions.Exit(_run(options))
