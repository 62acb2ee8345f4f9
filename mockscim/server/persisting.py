"""``--state-file``: a request that changed the default tenant's store gets it saved.

In ``request`` mode the file is written before the response goes out; in ``batch`` mode the
writer thread of ``mockscim.persistence.StateFile`` is woken and writes it, at most once a
second; a write that fails is retried there (and in ``request`` mode answered 503).
"""

from __future__ import annotations

from flask import Flask
from flask import Response

from mockscim.config import Settings
from mockscim.errors import ScimError
from mockscim.persistence import StateFile
from mockscim.server.context import scope
from mockscim.server.responses import scim_response
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
        scope().mockscim_generation = tenants().default.store.generation

    @app.after_request
    def _persist(response: Response) -> Response:
        default = tenants().default
        if resolved_state() is default and getattr(
            scope(), "mockscim_generation", default.store.generation
        ) != (default.store.generation):
            try:
                state_file.changed()
            except ScimError as exc:  # request mode: not saved, so not acknowledged (503)
                return scim_response(exc.to_dict(), exc.status, exc.headers)
        return response
