"""Traffic mixes: the built-in profiles and custom mixes read from YAML.

A custom mix is validated with the packaged ``mix.schema.json``; every mistake reads
``file:line: $.path: what is wrong. how to fix it``, as scenario files do.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mockscim.runner.errors import Problem
from mockscim.runner.validation import short
from mockscim.runner.yamlmap import LineMap
from mockscim.runner.yamlmap import json_path

FLOWS = (
    "assign",
    "double-assign",
    "profile-push",
    "deactivate-wave",
    "reactivate-wave",
    "group-push",
    "membership",
    "import",
)


@dataclass(frozen=True)
class Mix:
    """Relative weights of Okta flows and the sizes they work with."""

    name: str
    operations: dict[str, int]
    shared_groups: int = 2
    group_size: int = 50
    wave_size: int = 5
    import_users: int = 10_000
    description: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (sent to Locust workers, written to reports)."""
        return {
            "name": self.name,
            "operations": dict(self.operations),
            "shared_groups": self.shared_groups,
            "group_size": self.group_size,
            "wave_size": self.wave_size,
            "import_users": self.import_users,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mix:
        """The inverse of ``to_dict``."""
        return cls(**{k: v for k, v in data.items() if k != "description"})

    @property
    def imports(self) -> bool:
        """True when the mix pages through the target's users (§4)."""
        return self.operations.get("import", 0) > 0


# Weights count flows, not requests: an import pass through 10,000 users is about 100 requests,
# an assignment 2, so imports get small weights.
PROFILES = {
    # Assignment waves: lookup then create (§5), profile pushes, duplicate tasks racing (§15).
    "onboarding": Mix(
        "onboarding",
        {"assign": 40, "double-assign": 4, "profile-push": 12, "group-push": 2, "membership": 4},
        group_size=25,
    ),
    # Many workers changing the same groups at once (§9.3, §9.4, §10.4).
    "group-storm": Mix("group-storm", {"assign": 10, "membership": 60, "group-push": 3}, group_size=100),
    # Full imports paging through 10,000 users while assignments continue (§4).
    "import": Mix("import", {"import": 1, "assign": 20, "profile-push": 5}),
    "balanced": Mix(
        "balanced",
        {
            "assign": 60,
            "double-assign": 5,
            "profile-push": 30,
            "deactivate-wave": 5,
            "reactivate-wave": 5,
            "group-push": 5,
            "membership": 40,
            "import": 1,
        },
    ),
}
DEFAULT_PROFILE = "balanced"


class MixError(ValueError):
    """A mix cannot be used; the message lists every problem, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(str(p) for p in self.problems))


@cache
def mix_schema() -> dict[str, Any]:
    """The packaged ``mix.schema.json``."""
    return json.loads(
        resources.files("mockscim.load").joinpath("mix.schema.json").read_text(encoding="utf-8")
    )


def resolve(spec: str) -> Mix:
    """A built-in profile by name, or a custom mix from a YAML file."""
    if spec in PROFILES:
        return PROFILES[spec]
    path = Path(spec)
    if not path.suffix and not path.exists():
        names = ", ".join(sorted(PROFILES))
        raise MixError(
            [Problem(spec, 1, "", f"no profile named {spec!r}; use one of {names} or a YAML file")]
        )
    return load_mix(path)


def load_mix(path: Path) -> Mix:
    """Read and validate a custom mix; raise ``MixError`` naming every mistake by line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MixError([Problem(str(path), 1, "", f"cannot read the mix file: {exc}")]) from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise MixError(
            [Problem(str(path), line, "", f"YAML syntax error: {getattr(exc, 'problem', exc)}")]
        ) from None
    lines = LineMap(root)
    problems = [
        Problem(str(path), lines.line(where), json_path(where), message)
        for error in Draft202012Validator(mix_schema()).iter_errors(data)
        for where, message in _explain(error)
    ]
    if not problems and not any(data["operations"].values()):
        problems.append(
            Problem(
                str(path),
                lines.line(["operations"]),
                "$.operations",
                "every weight is 0; give at least one flow a weight above 0",
            )
        )
    if problems:
        raise MixError(problems)
    return Mix(
        name=data.get("name", path.stem),
        operations={flow: data["operations"].get(flow, 0) for flow in FLOWS},
        **{k: data[k] for k in ("shared_groups", "group_size", "wave_size", "import_users") if k in data},
    )


def _explain(error: ValidationError) -> list[tuple[list[Any], str]]:
    """(path, message) pairs for one schema error; the schema's description says how to fix it."""
    where = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        out = []
        for key in [k for k in error.instance if k not in allowed]:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            out.append(([*where, key], f"unknown key {key!r}; {hint}allowed keys: {', '.join(allowed)}"))
        return out
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in error.instance)
        hint = error.schema.get("properties", {}).get(missing, {}).get("description", "")
        return [(where, f"missing required key {missing!r}. {hint}".strip())]
    if error.validator == "type" and error.instance is None and where:
        return [(where, f"{where[-1]} has no value. {error.schema.get('description', '')}".strip())]
    description = error.schema.get("description", "")
    detail = {
        "type": f"{short(error.instance)} is not an {error.validator_value}"
        if str(error.validator_value)[0] in "aeiou"
        else f"{short(error.instance)} is not a {error.validator_value}",
        "minimum": f"{short(error.instance)} is below {error.validator_value}",
        "maximum": f"{short(error.instance)} is above {error.validator_value}",
    }.get(str(error.validator), error.message)
    return [(where, f"{detail}. {description}".strip())]
