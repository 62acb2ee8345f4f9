"""The settings of one load run as plain data (they travel to Locust workers as JSON), and the
per-process ``Context`` built from them."""

from __future__ import annotations

from typing import Any

from mockscim.load.mix import Mix
from mockscim.load.policy import RetryPolicy
from mockscim.load.session import Budget
from mockscim.load.session import Context
from mockscim.load.session import Report
from mockscim.load.templates import okta_templates
from mockscim.runner.client import Credentials


def run_settings(
    *,
    base_url: str,
    auth: str,
    dialect: str,
    mix: Mix,
    policy: RetryPolicy,
    shared_groups: list[dict[str, str]],
    prefix: str,
    timeout: float,
) -> dict[str, Any]:
    """What every process of the run needs to send Okta's traffic."""
    return {
        "base_url": base_url,
        "auth": auth,
        "dialect": dialect,
        "mix": mix.to_dict(),
        "policy": {
            "attempts_429": policy.attempts_429,
            "attempts_5xx": policy.attempts_5xx,
            "wait_cap": policy.wait_cap,
        },
        "shared_groups": shared_groups,
        "prefix": prefix,
        "timeout": timeout,
        "budget": None,
        "concurrency": 10,
    }


def build_context(run: dict[str, Any], report: Report) -> Context:
    """The shared context of one process from the run's settings."""
    return Context(
        base_url=run["base_url"],
        credentials=Credentials.parse(run["auth"]),
        dialect=run["dialect"],
        mix=Mix.from_dict(run["mix"]),
        templates=okta_templates(),
        policy=RetryPolicy(**run["policy"]),
        shared_groups=run["shared_groups"],
        prefix=run["prefix"],
        timeout=run["timeout"],
        concurrency=run["concurrency"],
        budget=Budget(run["budget"]),
        report=report,
    )
