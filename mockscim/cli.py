"""The ``mockscim`` command line. Subcommands live in ``mockscim.commands`` and load lazily,
so ``mockscim run`` never imports Flask unless it starts the embedded mock."""

from __future__ import annotations

import importlib

import click

from mockscim import __version__

# name -> "module:attribute" of a click command.
COMMANDS = {
    "export": "mockscim.commands.export:export",
    "load": "mockscim.commands.load:load",
    "run": "mockscim.commands.run:run",
    "serve": "mockscim.commands.serve:serve",
    "validate": "mockscim.commands.validate:validate",
    "verify": "mockscim.commands.verify:verify",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """All subcommand names, sorted."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the named subcommand."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mockscim")
def main() -> None:
    """Okta-compatible SCIM 2.0 mock server and contract-test harness."""
