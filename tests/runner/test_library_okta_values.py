"""The library's own Okta values pass the project's own Okta schemas: a flow that Okta sends must
not be flagged as non-Okta by the mock (externalId is 00u + 17 characters, docs/okta-reference.md §5.2)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mockscim.runner import load_scenario
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.schema_extensions import example_path
from mockscim.server import create_app

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "okta"
FLOWS = sorted(p for p in LIBRARY.rglob("*.scenario.yaml") if p.parent.name in ("aiw", "oin", "common"))


@pytest.fixture
def app(settings):
    """A mock declaring the packaged example extension, as `mockscim run`'s embedded mock does
    (the library's custom-attribute flows need it)."""
    return create_app(replace(settings, schema_extensions=(example_path(),)))


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_okta_flows_send_okta_shaped_values(path, app, mock_target):
    result = run_scenario(load_scenario(path), mock_target)
    assert result.passed, scenario_report(result)
    flagged = [
        (entry["id"], finding)
        for entry in app.extensions["mockscim"].journal.entries()
        for finding in entry.get("findings", [])
        if finding.get("pointer", "").endswith("/externalId")  # the value itself, not its presence
    ]
    assert flagged == []
