"""The verify tests' servers declare the packaged example extension, as ``mockscim run``'s
embedded mock does, so the library's custom-attribute flows are played, not skipped; and they
let ``POST /__admin/verify`` read the flows under ``data/`` (``--flows-dir``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mockscim.config import Settings
from mockscim.schema_extensions import example_path


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings plus ``--schema-extension`` with the packaged example and
    ``--flows-dir`` for this folder's test flows."""
    flows = Path(__file__).parent / "data"
    return dataclasses.replace(settings, schema_extensions=(example_path(),), flows_dir=flows)
