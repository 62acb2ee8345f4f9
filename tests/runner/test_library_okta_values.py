"""The library's own Okta values pass the project's own Okta schemas: a flow that Okta sends must
not be flagged as non-Okta by the mock (externalId is 00u + 17 characters, docs/okta-reference.md §5.2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockscim.runner import load_scenario
from mockscim.runner import run_scenario

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "okta"
FLOWS = sorted(p for p in LIBRARY.rglob("*.scenario.yaml") if p.parent.name in ("aiw", "oin", "common"))


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_okta_flows_send_okta_shaped_values(path, app, mock_target):
    assert run_scenario(load_scenario(path), mock_target).passed
    flagged = [
        (entry["id"], finding)
        for entry in app.extensions["mockscim"].journal.entries()
        for finding in entry.get("findings", [])
        if finding.get("pointer", "").endswith("/externalId")  # the value itself, not its presence
    ]
    assert flagged == []
