"""The verify tests' servers declare the packaged example extension, as ``mockscim run``'s
embedded mock does, so the library's custom-attribute flows are played, not skipped."""

from __future__ import annotations

import dataclasses

import pytest

from mockscim.config import Settings
from mockscim.schema_extensions import example_path


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings plus ``--schema-extension`` with the packaged example."""
    return dataclasses.replace(settings, schema_extensions=(example_path(),))
