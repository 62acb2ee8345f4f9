"""Report groups: which part of the library a scenario belongs to, from its tags.

The library's folders and tags (``scenarios/README.md``): ``okta/aiw`` is tagged ``aiw``,
``okta/oin`` ``oin``, ``okta/spec-test`` ``spec-test``, ``okta/negative`` ``negative``,
``rfc7644`` ``rfc``, ``mock`` ``mock``, and ``okta/common`` only ``okta``. The first row whose
tag a scenario carries names its group; a scenario with none of them is "Other".
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

# (tag, group title), first match wins: a negative check tagged mock is still a negative case.
GROUPS: tuple[tuple[str, str], ...] = (
    ("spec-test", "Okta SPEC test"),
    ("negative", "Okta negative cases"),
    ("aiw", "Okta AIW"),
    ("oin", "Okta OIN"),
    ("mock", "mockscim faults"),
    ("okta", "Okta, both dialects"),
    ("rfc", "RFC 7644"),
)
OTHER = "Other"
STATUSES = ("passed", "failed", "skipped")


def group_of(tags: Iterable[str]) -> str:
    """The report group of a scenario with these tags."""
    present = set(tags)
    return next((title for tag, title in GROUPS if tag in present), OTHER)


def group_counts(scenarios: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Passed/failed/skipped/total per group, in the order of GROUPS (empty groups left out)."""
    order = [title for _, title in GROUPS] + [OTHER]
    counts: dict[str, dict[str, int]] = {}
    for scenario in scenarios:
        row = counts.setdefault(group_of(scenario["tags"]), dict.fromkeys((*STATUSES, "total"), 0))
        row[scenario["status"]] += 1
        row["total"] += 1
    return {title: counts[title] for title in order if title in counts}
