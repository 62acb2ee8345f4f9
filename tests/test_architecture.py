"""Import direction is law (design notes, convention 1): checked by walking the AST."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "mockscim"
PURE = [
    "scim",
    "inspect",
    "verify",
    "store.py",
    "indexes.py",
    "journal.py",
    "persistence.py",
    "export.py",
    "seed.py",
    "faults.py",
    "config.py",
    "clock.py",
    "ids.py",
    "errors.py",
    "constants.py",
    "profiles.py",
]
WEB = ("flask", "werkzeug", "requests")


def imports(path: Path) -> set[str]:
    """Every module name imported anywhere in the file (including inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def files(*parts: str) -> list[Path]:
    """Python files under the named modules or packages of mockscim/."""
    out: list[Path] = []
    for part in parts:
        target = ROOT / part
        out += sorted(target.rglob("*.py")) if target.is_dir() else [target] if target.exists() else []
    return out


def _bad(found: set[str], banned: tuple[str, ...]) -> list[str]:
    return sorted(m for m in found if any(m == b or m.startswith(b + ".") for b in banned))


@pytest.mark.parametrize("path", files(*PURE), ids=lambda p: str(p.relative_to(ROOT)))
def test_protocol_logic_never_imports_http_libraries(path):
    assert _bad(imports(path), WEB) == []


@pytest.mark.parametrize("path", files("runner"), ids=lambda p: str(p.relative_to(ROOT)))
def test_runner_never_imports_the_code_under_test(path):
    banned = ("mockscim.server", "mockscim.store", "mockscim.scim", "flask", "werkzeug", "pytest")
    assert _bad(imports(path), banned) == []


@pytest.mark.parametrize("path", files("."), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_imports_the_cli(path):
    if path.name in ("__main__.py", "cli.py"):
        return
    assert _bad(imports(path), ("mockscim.cli",)) == []


@pytest.mark.parametrize("path", files("."), ids=lambda p: str(p.relative_to(ROOT)))
def test_flask_only_in_the_server_package(path):
    relative = path.relative_to(ROOT).as_posix()
    if relative.startswith(("server/", "commands/")) or relative == "pytest_plugin.py":
        return
    assert _bad(imports(path), ("flask", "werkzeug")) == []


def test_module_size_budget():
    # Modules stay under about 400 lines (design notes §8.2).
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in files(".")}
    assert {name: n for name, n in sizes.items() if n > 450} == {}


@pytest.mark.parametrize("path", files("load"), ids=lambda p: str(p.relative_to(ROOT)))
def test_load_reads_the_target_like_the_runner(path):
    # The load tool knows only a base URL: its intended state is never computed by the server's code.
    banned = ("mockscim.server", "mockscim.store", "mockscim.scim", "flask", "werkzeug", "pytest")
    assert _bad(imports(path), banned) == []


@pytest.mark.parametrize("path", files("."), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_load_engine_imports_locust(path):
    # Importing Locust monkey-patches the process with gevent: only the engine, run as its own
    # process (python -m mockscim.load.engine), may do it, and nothing imports the engine.
    if path.relative_to(ROOT).as_posix() == "load/engine.py":
        return
    assert _bad(imports(path), ("locust", "gevent", "mockscim.load.engine")) == []
