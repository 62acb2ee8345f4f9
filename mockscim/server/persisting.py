"""``--state-file``: a request that changed the default tenant's store gets it saved.

In ``request`` mode the file is written before the response goes out; in ``batch`` mode the
writer thread of ``mockscim.persistence.StateFile`` picks the change up within a second.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import g

from mockscim.config import Settings
from mockscim.persistence import StateFile
from mockscim.server.state import resolved_state
from mockscim.server.state import tenants

EXTENSION = "mockscim.state_file"


def init_app(app: Flask, settings: Settings) -> None:
    """Load the default tenant from ``--state-file`` and save it after each request that changed it."""
    if settings.state_file is None:
        return
    default = app.extensions["mockscim.tenants"].default
    state_file = StateFile(settings.state_file, default.store, mode=settings.state_sync)
    state_file.load()
    state_file.start()  # the batch writer
    app.extensions[EXTENSION] = state_file

    @app.before_request
    def _note_generation() -> None:
        g.mockscim_generation = tenants().default.store.generation

    @app.after_request
    def _persist(response: Response) -> Response:
        default = tenants().default
        if resolved_state() is default and g.get("mockscim_generation", default.store.generation) != (
            default.store.generation
        ):
            state_file.changed()
        return response
