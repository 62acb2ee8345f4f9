"""Library flows as Okta alone sends them, for the verify tests (importable as ``library_flows``).

A real tenant's journal holds only what Okta sent. ``okta_only`` keeps the steps that set the
stage (an account created outside Okta, the users an import reads) and then only Okta's own
steps, so verify can be tested on exactly the traffic Okta would produce.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mockscim.library import library_root
from mockscim.runner import Scenario
from mockscim.runner import Step
from mockscim.runner import Target
from mockscim.runner import load_scenario
from mockscim.runner.client import Credentials
from mockscim.verify.flows import library_ids

OKTA_FLOWS = [flow for flow in library_ids() if flow.startswith("okta/")]
# Flows in which Okta sends none of the requests: nothing for verify to look for.
UNVERIFIABLE = {"okta/negative/unknown-id"}


def load(flow: str) -> Scenario:
    """A library flow by id, e.g. ``okta/common/assign-new-user``."""
    return load_scenario(library_root() / f"{flow}.scenario.yaml")


def requests_of(step: Step) -> int:
    """How many requests a step sends (its loop count; none for a ``mock:`` step)."""
    if step.request is None:
        return 0
    return step.loop.count if step.loop else 1


def okta_requests(scenario: Scenario) -> list[Step]:
    """The steps whose requests Okta itself sends."""
    return [step for step in scenario.steps if step.request is not None and step.okta]


def okta_only(scenario: Scenario) -> tuple[Scenario, int]:
    """The scenario as Okta alone would play it, and how many requests set the stage first.

    The steps before the first Okta step stay (they create what Okta's flow finds); after it,
    only Okta's steps are kept, so every value a later step uses must be saved by an Okta step.
    """
    first = scenario.steps.index(okta_requests(scenario)[0])
    stage = scenario.steps[:first]
    rest = tuple(step for step in scenario.steps[first:] if step.okta)
    return dataclasses.replace(scenario, steps=stage + rest), sum(map(requests_of, stage))


def target(server: Any, settings: Any) -> Target:
    """The running server as a runner target, with its Basic credentials."""
    credentials = Credentials.parse(f"basic:{settings.auth.user}:{settings.auth.token}")
    return Target(server.url + "/scim/v2", credentials, 10, admin_url=server.url + "/__admin")
