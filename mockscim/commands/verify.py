"""``mockscim verify``: check that a journal holds, in order, the requests Okta flows describe."""

from __future__ import annotations

from pathlib import Path

import click
import yaml


@click.command()
@click.argument("flows", nargs=-1)
@click.option("--from", "server_url", metavar="URL", help="A running mockscim (its URL or SCIM base URL).")
@click.option(
    "--auth", "auth_spec", metavar="SPEC", help="Credentials for --from: basic:USER:TOKEN or bearer:TOKEN."
)
@click.option(
    "--journal",
    "journal_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A journal JSON Lines file (--journal-file).",
)
@click.option("--since", help="Ignore journal entries before this id or ISO time.")
@click.option("--until", help="Ignore journal entries after this id or ISO time.")
@click.option("--strict-order", is_flag=True, help="No other request may come between a flow's steps.")
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Attribute-mapping expectations (YAML), checked on every matching request.",
)
@click.option(
    "--junit-xml", "junit_file", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML here."
)
@click.option("--list", "list_flows", is_flag=True, help="List the library's flow ids and exit.")
def verify(
    flows: tuple[str, ...],
    server_url: str | None,
    auth_spec: str | None,
    journal_file: Path | None,
    since: str | None,
    until: str | None,
    strict_order: bool,
    mapping_file: Path | None,
    junit_file: Path | None,
    list_flows: bool,
) -> None:
    """Verify received requests against FLOW ids (e.g. okta/common/assign-new-user), folders or files."""
    from mockscim.verify.flows import library_ids

    if list_flows:
        click.echo("\n".join(library_ids()))
        return
    if not flows and mapping_file is None:
        raise click.UsageError("name at least one flow (mockscim verify --list shows them) or give --mapping")
    if (journal_file is None) == (server_url is None):
        raise click.UsageError("give either --from URL or --journal FILE")
    _check_flow_names(flows)  # a wrong flow name is reported before the journal is read
    entries = _entries(server_url, auth_spec, journal_file)
    passed = _report(list(flows), entries, (since, until), strict_order, mapping_file, junit_file)
    raise click.exceptions.Exit(0 if passed else 1)


def _check_flow_names(flows: tuple[str, ...]) -> None:
    """Exit 2 naming the first flow that is neither a file nor a library id."""
    from mockscim.verify.flows import FlowNotFound
    from mockscim.verify.flows import resolve_flow

    for name in flows:
        try:
            resolve_flow(name)
        except FlowNotFound as exc:
            raise click.UsageError(str(exc)) from None


def _entries(server_url: str | None, auth_spec: str | None, journal_file: Path | None) -> list[dict]:
    """The journal to verify, from a running server or a file (commands/journal_file.py)."""
    from mockscim.commands.journal_file import fetch_entries
    from mockscim.commands.journal_file import read_journal

    if (journal_file is None) == (server_url is None):
        raise click.UsageError("give either --from URL or --journal FILE")
    return read_journal(journal_file) if journal_file else fetch_entries(server_url, auth_spec)  # type: ignore[arg-type]


def _mapping(mapping_file: Path | None) -> object:
    """The mapping document (None without --mapping); a YAML error names the file."""
    if mapping_file is None:
        return None
    try:
        document = yaml.safe_load(mapping_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise click.UsageError(f"{mapping_file}: {exc}") from None
    if document is None:
        raise click.UsageError(
            f"{mapping_file}: the file is empty; a mapping file maps operation names, e.g. create-user:"
        )
    return document


def _report(
    flows: list[str],
    entries: list[dict],
    window: tuple[str | None, str | None],
    strict_order: bool,
    mapping_file: Path | None,
    junit_file: Path | None,
) -> bool:
    """Run the verify service, print its report, write JUnit; True when all passed."""
    from mockscim.verify import VerifyInputError
    from mockscim.verify import load
    from mockscim.verify import verify

    try:
        loaded, rules = load(flows, _mapping(mapping_file))
    except VerifyInputError as exc:
        if exc.source == "file":
            for problem in exc.problems:  # file:line: what is wrong and how to fix it
                click.echo(problem, err=True)
            raise click.exceptions.Exit(2) from None
        prefix = f"{mapping_file}: " if exc.source == "mapping" else ""
        raise click.UsageError(f"{prefix}{exc}") from None
    since, until = window
    report = verify(entries, loaded, since=since, until=until, strict_order=strict_order, mapping=rules)
    click.echo(report.text())
    if junit_file:
        junit_file.write_bytes(report.junit())
    return report.passed
