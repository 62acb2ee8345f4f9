"""``mockscim validate``: lint scenario files without running them."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files (or folders of *.scenario.yaml); exit 2 if any is invalid."""
    from mockscim.runner import load_scenarios

    scenarios, errors = load_scenarios(paths)
    for error in errors:
        click.echo(str(error), err=True)
    for scenario in scenarios:
        click.echo(f"ok: {scenario.path} ({len(scenario.steps)} steps)")
    if errors:
        raise click.exceptions.Exit(2)
    if not scenarios:
        raise click.UsageError("no *.scenario.yaml files found")
