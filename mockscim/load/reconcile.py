"""Reconciliation after load: the target's state against what Okta would believe.

The intended state comes from the ledger (the requests sent and the answers accepted); the
target is read with the runner's ``check_final_state`` (lost group members, duplicate users,
users in the wrong active state), in a few threads so thousands of users read quickly. The
load-specific checks (409 loops, users created twice) come from the answers themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mockscim.load.ledger import intended_state
from mockscim.load.ledger import load_findings
from mockscim.load.ledger import uncertain_members
from mockscim.runner.client import ScimClient
from mockscim.runner.final_state import Difference
from mockscim.runner.final_state import FinalState
from mockscim.runner.final_state import check_final_state
from mockscim.runner.final_state import parse_final_state

THREADS = 4


def reconcile(entries: dict[str, dict[str, Any]], client_factory: Callable[[], ScimClient]) -> dict[str, Any]:
    """Check the target against the ledger; every failure is named by resource."""
    intended, unchecked = intended_state(entries)
    expected = parse_final_state(intended)
    parts = [FinalState(users=expected.users[i::THREADS]) for i in range(THREADS)]
    parts.append(FinalState(groups=expected.groups))

    def check(part: FinalState) -> list[Difference]:
        with client_factory() as client:
            return check_final_state(client, part)

    with ThreadPoolExecutor(THREADS + 1) as pool:
        differences = [d for found in pool.map(check, parts) for d in found]
    differences = _drop_uncertain(differences, uncertain_members(entries))
    return {
        "checked": {"users": len(expected.users), "groups": len(expected.groups)},
        "differences": [d.to_dict() for d in differences],
        "load_findings": load_findings(entries),
        "unchecked": unchecked,
        "intended": intended,
    }


def _drop_uncertain(differences: list[Difference], uncertain: dict[str, set[str]]) -> list[Difference]:
    """Leave out member differences about users whose membership change had no answer."""
    unknown = {group.casefold(): names for group, names in uncertain.items()}

    def about_unknown(difference: Difference) -> bool:
        names = unknown.get(difference.name.casefold(), set()) if difference.kind == "group" else set()
        for prefix, suffix in (("member ", " missing"), ("unexpected member ", "")):
            text = difference.message
            if text.startswith(prefix) and text.endswith(suffix):
                member = text[len(prefix) : len(text) - len(suffix)]
                return member.casefold() in names
        return False

    return [d for d in differences if not about_unknown(d)]


def failures(reconciliation: dict[str, Any]) -> list[str]:
    """Every reason the reconciliation fails the run, one line each, named by resource."""
    found = reconciliation["differences"] + reconciliation["load_findings"]
    return [f"{d['kind']} {d['name']}: {d['message']}" for d in found]
