"""The runner's exceptions. Nothing here knows about HTTP servers or pytest.

::

    RunnerError
    ├── ScenarioError        a scenario file is wrong; holds every Problem found in it
    ├── UnknownVariable      ``${name}`` names no variable (at load time or at run time)
    ├── TargetUnreachable    the SCIM server cannot be reached at all (connect failed)
    └── ScenarioFailed       a scenario ran and failed; carries the ScenarioResult (for pytest)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class RunnerError(Exception):
    """Base class of every runner error."""


@dataclass(frozen=True)
class Problem:
    """One mistake in a scenario file, located by line and JSON path."""

    file: str
    line: int
    json_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.json_path}: " if self.json_path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class ScenarioError(RunnerError):
    """A scenario file cannot be used; ``problems`` lists every mistake, in line order."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line)))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def first(self) -> Problem:
        """The first problem (files always have at least one when this is raised)."""
        return self.problems[0]


class UnknownVariable(RunnerError):
    """``${name}`` names no variable; the message lists the ones that exist."""

    def __init__(self, name: str, known: list[str] | tuple[str, ...] = (), *, detail: str = ""):
        self.name = name
        hint = detail or (f"known variables: {', '.join(sorted(known))}" if known else "")
        super().__init__(f"unknown variable ${{{name}}}" + (f"; {hint}" if hint else ""))


class TargetUnreachable(RunnerError):
    """No TCP connection to the target: refused, DNS failure or connect timeout."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"cannot connect to {url}: {reason}. Is the SCIM server running? Check --base-url.")


class ScenarioFailed(RunnerError):
    """A scenario failed; ``result`` is its ScenarioResult and ``str()`` is the report text."""

    def __init__(self, result: Any, text: str):
        self.result = result
        super().__init__(text)
