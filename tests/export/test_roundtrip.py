"""The record → replay promise, held for every library scenario and for the whole library as one session.

Each case plays scenarios against a live mock with a journal, exports the journal, then replays
the export on a fresh mock, again on the same mock (nothing collides), and through the pytest
plugin. Every export ends with a ``final_state:`` step, so the replays also reconcile the end
state with what the recorded session left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.export import export_scenario
from mockscim.export import to_yaml
from mockscim.runner import Credentials
from mockscim.runner import Scenario
from mockscim.runner import Target
from mockscim.runner import load_scenario
from mockscim.runner import load_text
from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.schema_extensions import example_path
from mockscim.server import create_app
from mockscim.server.serving import start_background

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = sorted((ROOT / "scenarios").rglob("*.scenario.yaml"))
AUTH = "basic:okta:roundtrip-secret"


@dataclass
class Mock:
    """A live mockscim with a journal, and a runner Target for it."""

    app: object
    server: object
    target: Target

    def entries(self) -> list[dict]:
        """The journal, oldest first."""
        return self.app.extensions["mockscim"].journal.entries()  # type: ignore[attr-defined]


class Mocks:
    """Starts fresh mocks on demand and stops them all at the end."""

    def __init__(self) -> None:
        self.started: list[Mock] = []

    def __call__(self) -> Mock:
        # The packaged example extension, as `mockscim run`'s embedded mock declares it, for the
        # library's custom-attribute scenarios.
        app = create_app(Settings(port=0, auth=AuthConfig.parse(AUTH), schema_extensions=(example_path(),)))
        server = start_background(app)
        target = Target(server.url + "/scim/v2", Credentials.parse(AUTH), timeout=30, label="roundtrip")
        self.started.append(Mock(app, server, target))
        return self.started[-1]

    def stop(self) -> None:
        """Stop every mock started."""
        for mock in self.started:
            mock.server.stop()  # type: ignore[attr-defined]


@pytest.fixture
def mocks() -> Iterator[Mocks]:
    """Fresh mocks for one test."""
    started = Mocks()
    yield started
    started.stop()


def _play(scenarios: list[Scenario], mock: Mock) -> None:
    """Play scenarios in order on one mock (no reset between them); each must pass."""
    for scenario in scenarios:
        result = run_scenario(scenario, mock.target)
        assert result.passed, scenario_report(result)


def _session_order(paths: list[Path]) -> list[Path]:
    """Scenarios that reset the mock first, so the session's journal keeps everything after them."""
    return sorted(paths, key=lambda p: ("reset: true" not in p.read_text(encoding="utf-8"), str(p)))


def _record(paths: list[Path], name: str, mocks: Mocks) -> str:
    """Play the scenarios on a mock with a journal and export the journal as scenario text."""
    recording = mocks()
    _play([load_scenario(p) for p in paths], recording)
    return to_yaml(export_scenario(recording.entries(), name=name))


CASES = {p.relative_to(ROOT / "scenarios").as_posix().removesuffix(".scenario.yaml"): [p] for p in LIBRARY}
CASES["the whole library as one session"] = _session_order(LIBRARY)


@pytest.fixture(scope="module")
def exports() -> Iterator[dict[str, str]]:
    """Every case recorded once and exported: case name -> scenario text."""
    started = Mocks()
    try:
        yield {case: _record(paths, f"replay of {case}", started) for case, paths in CASES.items()}
    finally:
        started.stop()


@pytest.mark.parametrize("case", list(CASES))
def test_the_export_replays_on_a_fresh_mock_and_again(case, exports, mocks):
    text = exports[case]
    exported = load_text(text, "exported.scenario.yaml")
    fresh = mocks()
    for attempt in ("fresh mock", "same mock again"):
        result = run_scenario(exported, fresh.target)
        assert result.passed, f"{attempt}:\n{scenario_report(result)}\n--- export ---\n{text}"
    writes = [s for s in exported.steps if s.request is not None and s.request.method != "GET"]
    if any(s.expect is not None and 200 <= s.expect.status[0] < 300 for s in writes):
        assert exported.steps[-1].final_state is not None, text


def test_the_whole_library_export_reconciles_users_and_groups(exports):
    final = load_text(exports["the whole library as one session"]).steps[-1].final_state
    assert len(final["users"]) > 40 and len(final["groups"]) > 5


def test_every_export_replays_through_the_pytest_plugin(exports, pytester):
    for number, text in enumerate(exports.values()):
        (pytester.path / f"export-{number}.scenario.yaml").write_text(text, encoding="utf-8")
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(exports))
