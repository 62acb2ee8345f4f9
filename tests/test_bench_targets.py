"""make bench's verdicts: a goal is MET from the exact figure, never from the rounded one it shows.

The fourth run of the fifteenth session (docs/performance.md) printed POST at "0.5x, MET" while
the geometric mean of its rounds was 0.4997x. These tests feed the report the rounds of that run.
"""

from __future__ import annotations

import pytest

from benchmarks import figures
from benchmarks import report
from benchmarks.hotpaths import CEILING
from benchmarks.hotpaths import MAIN


def _runs(path: str, ratios: list[float]) -> list[dict[str, object]]:
    """One mockscim run and one ceiling run per round, mockscim at ``ratio`` of the ceiling."""
    runs = []
    for number, ratio in enumerate(ratios):
        runs.append({"round": number, "path": path, "target": CEILING, "rps": 1000.0})
        runs.append({"round": number, "path": path, "target": MAIN, "rps": 1000.0 * ratio})
    return runs


@pytest.mark.parametrize(
    ("rounds", "status", "measured"),
    [
        ([0.487, 0.490, 0.523], "NOT MET", "0.4997x"),  # the 09:32 run: 0.49974 before rounding
        ([0.5, 0.5, 0.5], "MET", "0.500x"),
        ([0.4999999, 0.5, 0.5], "NOT MET", "0.49999997x"),
        ([0.6, 0.55, 0.58], "MET", "0.576x"),
        ([0.3, 0.31, 0.29], "NOT MET", "0.300x"),
    ],
)
def test_write_goal_is_judged_on_the_exact_ratio(rounds: list[float], status: str, measured: str) -> None:
    runs = _runs("create_user", rounds)
    rows = {
        "create_user": {
            "x_ceiling": figures.ratio(runs, "create_user", MAIN, CEILING, "rps"),
            "x_werkzeug": None,
        }
    }
    (row,) = report.ratio_targets(rows)
    assert (row["status"], row["measured"], row["goal"]) == (status, measured, ">= 0.5x")


@pytest.mark.parametrize(
    ("goal", "value", "places", "met", "text"),
    [
        ("<= 0.4", 0.4004, 3, False, "0.4004"),
        ("<= 0.4", 0.3996, 3, True, "0.400"),
        ("<= 0.4", 0.4, 3, True, "0.400"),
        ("<= 80", 80.04, 1, False, "80.04"),
        ("<= 4096", 4096.4, 0, False, "4096.4"),
        ("<= 4096", 2571.6, 0, True, "2572"),
        (">= 0.25", 0.2499, 3, False, "0.2499"),
    ],
)
def test_shown_figure_never_reads_as_the_other_verdict(
    goal: str, value: float, places: int, met: bool, text: str
) -> None:
    assert (report.meets(value, goal), report.shown(value, goal, places)) == (met, text)


def test_missing_figure_is_not_met() -> None:
    row = report._target("lookup", ">= 0.6", None)
    assert (row["status"], row["measured"]) == ("NOT MET", "n/a")
