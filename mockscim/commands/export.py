"""``mockscim export``: turn a journal (from a running server or a JSON Lines file) into a scenario."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mockscim.commands.journal_file import fetch_entries
from mockscim.commands.journal_file import read_journal


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
    "--faults",
    type=click.Choice(["mock", "skip"]),
    default="mock",
    show_default=True,
    help="Requests that met an injected fault: 'mock' replays them after a mock: step that injects "
    "the fault again (the scenario then requires a mockscim target); 'skip' leaves them out, for "
    "other SCIM servers.",
)
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
    faults: str,
    output: Path | None,
) -> None:
    """Export recorded requests as a *.scenario.yaml that `mockscim run` replays.

    Exit codes: 0 written, 1 nothing to export, 2 bad usage or not a journal, 3 --from unreachable.
    """
    from mockscim.export import choose
    from mockscim.export import export_scenario
    from mockscim.export import select_entries
    from mockscim.export import to_yaml

    if (journal_file is None) == (server_url is None):
        raise click.UsageError("give either a journal JSON Lines file or --from URL")
    entries = read_journal(journal_file) if journal_file else fetch_entries(server_url, auth_spec)  # type: ignore[arg-type]
    chosen = select_entries(entries, since=since, until=until, operations=operations)
    if not chosen:
        raise click.ClickException("no journal entries match; check --since/--until/--operation")
    text = to_yaml(export_scenario(chosen, name=name, literal=literal, faults=faults, journal=entries))
    selection = choose(chosen, faults)
    left_out = len(selection.refused) + len(selection.faulted)
    counted = f"{selection.requests} requests" + (
        f", {left_out} left out: see its description" if left_out else ""
    )
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({counted}); check it with: mockscim validate {output}", err=True)
