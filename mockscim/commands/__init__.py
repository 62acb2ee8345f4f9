"""Subcommands of the ``mockscim`` CLI (composition roots; nothing imports them but cli.py)."""
