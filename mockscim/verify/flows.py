"""Finding flows by name: library ids such as ``okta/aiw/assign-new-user``, folders, or files."""

from __future__ import annotations

from pathlib import Path

from mockscim.library import library_root
from mockscim.runner import Scenario
from mockscim.runner import load_scenarios
from mockscim.runner.errors import ScenarioError

SUFFIX = ".scenario.yaml"


class FlowNotFound(ValueError):
    """A flow name is neither a file nor a library id; the message lists what exists."""


def library_ids(root: Path | None = None) -> list[str]:
    """Every scenario in the library, as ids relative to its root without the suffix."""
    root = root or library_root()
    return sorted(p.relative_to(root).as_posix()[: -len(SUFFIX)] for p in root.rglob("*" + SUFFIX))


def resolve_flow(name: str, root: Path | None = None) -> Path:
    """A file, a folder, or a library id (file or folder) to a path."""
    given = Path(name)
    if given.exists():
        return given
    root = root or library_root()
    for candidate in (root / (name + SUFFIX), root / name):
        if candidate.exists():
            return candidate
    close = [i for i in library_ids(root) if name.split("/")[-1] in i][:8]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `mockscim verify --list` shows the ids"
    raise FlowNotFound(f"no flow {name!r} (not a file, not a library id){hint}")


def load_flows(
    names: list[str], root: Path | None = None
) -> tuple[list[tuple[str, Scenario]], list[ScenarioError]]:
    """Load every named flow (folders expand to their scenarios); keep each flow's display name."""
    flows: list[tuple[str, Scenario]] = []
    errors: list[ScenarioError] = []
    library = root or library_root()
    for name in names:
        path = resolve_flow(name, library)
        scenarios, problems = load_scenarios([path])
        errors += problems
        for scenario in scenarios:
            flows.append((_display(scenario.path, library), scenario))
    return flows, errors


def _display(path: Path, root: Path) -> str:
    """The library id of a scenario under the library, else its path."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()[: -len(SUFFIX)]
    except ValueError:
        return str(path)
