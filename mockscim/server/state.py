"""Per-app state, kept in ``app.extensions["mockscim"]`` (no module-level state)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from mockscim.config import Settings
from mockscim.journal import Journal
from mockscim.scim.query import Limits
from mockscim.store import InMemoryStore


@dataclass
class AppState:
    """Everything a request handler needs: settings, limits, the store and the journal."""

    settings: Settings
    store: InMemoryStore
    limits: Limits
    journal: Journal


def get_state() -> AppState:
    """Return the state of the app handling the current request."""
    return current_app.extensions["mockscim"]
