"""``mockscim export``: turn a journal (from a running server or a JSON Lines file) into a scenario."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from mockscim.constants import ADMIN_PREFIX
from mockscim.constants import DEFAULT_BASE_PATH


def admin_url(server_url: str) -> str:
    """``http://host:8080`` or ``http://host:8080/t/acme/scim/v2`` -> the matching ``/__admin``."""
    url = server_url.rstrip("/")
    if url.endswith(DEFAULT_BASE_PATH):
        url = url[: -len(DEFAULT_BASE_PATH)]
    return url + ADMIN_PREFIX


def fetch_entries(server_url: str, auth_spec: str | None, timeout: float = 30) -> list[dict[str, Any]]:
    """Read the whole journal of a running mockscim through its admin API."""
    import requests

    from mockscim.runner import Credentials

    try:
        credentials = Credentials.parse(auth_spec)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    url = admin_url(server_url) + "/requests"
    try:
        headers = {credentials.header: credentials.value} if credentials.header and credentials.value else {}
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise click.ClickException(f"cannot reach {url}: {exc.__class__.__name__}; check --from") from None
    if response.status_code == 401:
        raise click.ClickException(f"{url} refused the credentials; pass the server's with --auth")
    if response.status_code != 200:
        raise click.ClickException(f"{url} answered {response.status_code}; is this a mockscim server?")
    return list(reversed(response.json()["requests"]))  # the admin API lists newest first


@click.command()
@click.argument("journal_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "server_url", metavar="URL", help="A running mockscim (its URL or SCIM base URL).")
@click.option(
    "--auth", "auth_spec", metavar="SPEC", help="Credentials for --from: basic:USER:TOKEN or bearer:TOKEN."
)
@click.option("--since", help="First journal entry to export: an entry id or an ISO timestamp.")
@click.option("--until", help="Last journal entry to export: an entry id or an ISO timestamp.")
@click.option(
    "--operation", "operations", multiple=True, help="Only these operations (repeatable), e.g. create-user."
)
@click.option("--name", default="Recorded Okta session", show_default=True, help="The scenario's name.")
@click.option("--literal", is_flag=True, help="Keep user names, externalIds and group names as recorded.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout)."
)
def export(
    journal_file: Path | None,
    server_url: str | None,
    auth_spec: str | None,
    since: str | None,
    until: str | None,
    operations: tuple[str, ...],
    name: str,
    literal: bool,
    output: Path | None,
) -> None:
    """Export recorded requests as a *.scenario.yaml that `mockscim run` replays."""
    from mockscim.export import export_scenario
    from mockscim.export import select_entries
    from mockscim.export import to_yaml
    from mockscim.journal import read_journal_file

    if (journal_file is None) == (server_url is None):
        raise click.UsageError("give either a journal JSON Lines file or --from URL")
    entries = read_journal_file(journal_file) if journal_file else fetch_entries(server_url, auth_spec)  # type: ignore[arg-type]
    chosen = select_entries(entries, since=since, until=until, operations=operations)
    if not chosen:
        raise click.ClickException("no journal entries match; check --since/--until/--operation")
    text = to_yaml(export_scenario(chosen, name=name, literal=literal))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(
            f"wrote {output} ({len(chosen)} requests); check it with: mockscim validate {output}", err=True
        )
