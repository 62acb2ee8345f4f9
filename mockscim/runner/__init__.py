"""The contract-test runner: plays Okta's SCIM client from ``*.scenario.yaml`` files against any
SCIM base URL. It imports no server code (see README.md in this folder)."""

from __future__ import annotations

from mockscim.runner.client import Credentials
from mockscim.runner.client import ScimClient
from mockscim.runner.errors import Problem
from mockscim.runner.errors import RunnerError
from mockscim.runner.errors import ScenarioError
from mockscim.runner.errors import ScenarioFailed
from mockscim.runner.errors import TargetUnreachable
from mockscim.runner.errors import UnknownVariable
from mockscim.runner.execute import ScenarioResult
from mockscim.runner.execute import StepResult
from mockscim.runner.execute import Target
from mockscim.runner.execute import run_scenario
from mockscim.runner.loader import find_scenarios
from mockscim.runner.loader import load_scenario
from mockscim.runner.loader import load_scenarios
from mockscim.runner.loader import load_text
from mockscim.runner.matchers import Failure
from mockscim.runner.model import Scenario
from mockscim.runner.model import Step
from mockscim.runner.outputs import json_report
from mockscim.runner.outputs import junit_xml
from mockscim.runner.report import scenario_report
from mockscim.runner.selection import SelectionError
from mockscim.runner.selection import select

__all__ = [
    "Credentials",
    "Failure",
    "Problem",
    "RunnerError",
    "Scenario",
    "ScenarioError",
    "ScenarioFailed",
    "ScenarioResult",
    "ScimClient",
    "SelectionError",
    "Step",
    "StepResult",
    "Target",
    "TargetUnreachable",
    "UnknownVariable",
    "find_scenarios",
    "json_report",
    "junit_xml",
    "load_scenario",
    "load_scenarios",
    "load_text",
    "run_scenario",
    "scenario_report",
    "select",
]
