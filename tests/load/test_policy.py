"""Okta's retry behaviour (docs/okta-reference.md §10.3, §10.4, §7.4) as pure functions."""

from __future__ import annotations

import pytest

from mockscim.load.policy import RetryPolicy
from mockscim.load.policy import RetryState
from mockscim.load.policy import parse_retry_after


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 30 ", 30.0),
        ("0", 0.0),
        (None, None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),
        ("1.5", None),
        ("-1", None),
    ],
)
def test_only_integer_retry_after_counts(header, seconds):
    assert parse_retry_after(header) == seconds


def waits(policy: RetryPolicy, answers: list[tuple[int, str | None]], operation: str = "create-user") -> list:
    """The wait after each answer, None where Okta stops."""
    state = RetryState(policy, operation)
    return [state.after(status, header) for status, header in answers]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # Retry-After: 5 -> exactly 5 s, then the wait doubles (§10.3).
        ([(429, "5"), (429, "5"), (429, "5")], [5.0, 10.0, 20.0]),
        # No header, or an HTTP-date: 5 minutes, then doubling.
        ([(429, None), (429, None)], [300.0, 600.0]),
        ([(429, "Wed, 21 Oct 2026 07:28:00 GMT")], [300.0]),
        # 5xx and lost answers (status 0): our default, 3 attempts, 1 s then 2 s (§10.4 UNCONFIRMED).
        ([(503, None), (0, None), (502, None)], [1.0, 2.0, None]),
        ([(503, "7")], [7.0]),
        # Not retried: success, 404 during an update (§6), 409 on create (§5.2), 400.
        ([(200, None)], [None]),
        ([(404, None)], [None]),
        ([(409, None)], [None]),
        ([(400, None)], [None]),
    ],
)
def test_waits_follow_okta(answers, expected):
    assert waits(RetryPolicy(), answers) == expected


def test_at_most_ten_attempts_on_repeated_429s():
    result = waits(RetryPolicy(), [(429, "1")] * 10)
    assert result[:9] == [2.0**i for i in range(9)]
    assert result[9] is None  # the 10th 429 fails the task for good


def test_a_deactivation_is_never_retried_on_5xx_but_is_on_429():
    assert waits(RetryPolicy(), [(503, None)], "deactivate-user") == [None]
    assert waits(RetryPolicy(), [(429, "2")], "deactivate-user") == [2.0]


@pytest.mark.parametrize(("cap", "wait", "made"), [(None, 300.0, 300.0), (1.0, 300.0, 1.0), (5.0, 2.0, 2.0)])
def test_the_wait_cap_bounds_what_is_waited(cap, wait, made):
    assert RetryPolicy(wait_cap=cap).capped(wait) == made
