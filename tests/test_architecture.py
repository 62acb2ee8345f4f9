"""The layer rules of docs/architecture.md, enforced by reading every module's imports (``ast``,
function-level imports included): who may import what, no import cycles, small modules."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "mockscim"
PACKAGE = "mockscim"

# Layer 0: the standard library and each other only.
LAYER_0 = (
    "constants",
    "errors",
    "clock",
    "ids",
    "config",
    "credentials",
    "profiles",
    "journal",
    "journal_packing",
    "jsontext",
    "faults",
)
# What the runner may import (it knows only a base URL: never the server, store or SCIM logic).
# Today it uses the standard library, yaml, jsonschema, requests (and urllib3's exceptions, which
# requests raises), mockscim's version, mockscim.constants and its own modules; jinja2 and the
# packaged schemas are allowed for reports and validation.
RUNNER_ALLOWED = (
    "yaml",
    "jsonschema",
    "requests",
    "urllib3",
    "jinja2",
    "mockscim.constants",
    "mockscim.schemas",
    "mockscim.runner",
)
# What the load tool may import: like the runner it knows only a base URL (its intended state is
# never computed by the server's code) and reuses the runner; the library scenarios give it
# Okta's request bodies. Locust (and its gevent) is allowed in load/engine.py alone, below.
LOAD_ALLOWED = (*RUNNER_ALLOWED, "mockscim.library", "mockscim.load")
LOAD_ENGINE = f"{PACKAGE}.load.engine"
# Composition roots: they may start the server, lazily (inside a function), so `mockscim run`
# and the pytest plugin load Flask only when they embed the mock.
COMPOSITION_ROOTS = ("cli", "__main__", "commands", "pytest_plugin")
WEB = ("flask", "werkzeug")
MAX_LINES = 400
# Modules allowed past MAX_LINES, each with the reason (none today; add one only with a reason).
OVER_BUDGET: dict[str, str] = {}


@dataclass(frozen=True)
class Import:
    """One import statement: the module it names, and whether it runs at import time."""

    module: str
    top_level: bool


def module_name(path: Path) -> str:
    """``mockscim/server/auth.py`` -> ``mockscim.server.auth``; a package is its ``__init__``."""
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _absolute(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    """The absolute module of a ``from`` import (relative imports resolved against ``here``)."""
    if not node.level:
        return node.module or ""
    base = here.split(".")[: len(here.split(".")) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _top_level_nodes(tree: ast.Module) -> set[int]:
    """ids of the import nodes that run when the module is imported (not inside a def, nor under
    ``if TYPE_CHECKING:``, which only type checkers run)."""
    found: set[int] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.add(id(child))
            visit(child)

    visit(tree)
    return found


def imports_of(name: str) -> list[Import]:
    """Every import in module ``name``; ``from pkg import sub`` names the submodule ``pkg.sub``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = _top_level_nodes(tree)
    out: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [Import(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, name, path.name == "__init__.py")
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                out.append(Import(sub if sub in MODULES else module, id(node) in top))
    return out


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    """True when ``module`` is one of ``prefixes`` or inside one of them."""
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names or module == "__future__"


def _internal(module: str) -> str | None:
    """The mockscim module an import reaches (``mockscim.x.y`` may name an attribute of x)."""
    while module and module not in MODULES:
        module = module.rpartition(".")[0]
    return module if module.startswith(PACKAGE) else None


def _in(*parts: str) -> list[str]:
    """The modules at these places under mockscim/ (``scim`` is the package and its modules)."""
    prefixes = tuple(f"{PACKAGE}.{p}" for p in parts)
    return [m for m in MODULES if _within(m, prefixes)]


def _ids(names: list[str]) -> list[str]:
    return [n.removeprefix(PACKAGE + ".") or PACKAGE for n in names]


# Third-party packages layer 0 may import: codecs that do a standard-library module's job
# faster, with no I/O and no state (orjson for ``json``'s encoder, in jsontext.py).
LAYER_0_CODECS = ("orjson",)


@pytest.mark.parametrize("name", _in(*LAYER_0), ids=_ids(_in(*LAYER_0)))
def test_layer_0_imports_only_the_standard_library_and_layer_0(name):
    allowed = (*LAYER_0_CODECS, *(f"{PACKAGE}.{m}" for m in LAYER_0))
    bad = [i.module for i in imports_of(name) if not _is_stdlib(i.module) and not _within(i.module, allowed)]
    assert bad == []


@pytest.mark.parametrize("name", _in("scim"), ids=_ids(_in("scim")))
def test_protocol_logic_is_pure(name):
    # Dicts in, dicts out: no I/O libraries, no server, no store.
    allowed = (f"{PACKAGE}.scim", *(f"{PACKAGE}.{m}" for m in LAYER_0))
    bad = [i.module for i in imports_of(name) if not _is_stdlib(i.module) and not _within(i.module, allowed)]
    assert bad == []


@pytest.mark.parametrize("name", _in("runner"), ids=_ids(_in("runner")))
def test_runner_imports_only_its_allow_list(name):
    bad = [
        i.module
        for i in imports_of(name)
        if not _is_stdlib(i.module) and not _within(i.module, RUNNER_ALLOWED) and i.module != PACKAGE
    ]
    assert bad == []


@pytest.mark.parametrize("name", list(MODULES), ids=_ids(list(MODULES)))
def test_flask_only_in_the_server_package(name):
    if _within(name, (f"{PACKAGE}.server",)):
        return
    assert [i.module for i in imports_of(name) if _within(i.module, WEB)] == []


@pytest.mark.parametrize("name", list(MODULES), ids=_ids(list(MODULES)))
def test_only_composition_roots_start_the_server_and_only_lazily(name):
    if _within(name, (f"{PACKAGE}.server",)):
        return
    reaches = [i for i in imports_of(name) if _within(i.module, (f"{PACKAGE}.server",))]
    if _within(name, tuple(f"{PACKAGE}.{r}" for r in COMPOSITION_ROOTS)):
        reaches = [i for i in reaches if i.top_level]
    assert [i.module for i in reaches] == []


@pytest.mark.parametrize("name", list(MODULES), ids=_ids(list(MODULES)))
def test_nothing_imports_the_cli(name):
    if name in (f"{PACKAGE}.cli", f"{PACKAGE}.__main__"):
        return
    assert [i.module for i in imports_of(name) if _within(i.module, (f"{PACKAGE}.cli",))] == []


def import_graph() -> dict[str, set[str]]:
    """module -> the mockscim modules it imports, anywhere in the file."""
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        targets = {_internal(i.module) for i in imports_of(name)}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
    ids=["two", "three-with-a-tail", "none"],
)
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert cycles(graph) == expected


def test_imports_inside_functions_and_submodules_are_seen():
    # The dashboard used to import dashboard_tools at its bottom, and dashboard_tools imported
    # the dashboard: both forms must be read as edges for the cycle check to mean anything.
    assert f"{PACKAGE}.server.dashboard_tools" in import_graph()[f"{PACKAGE}.server.dashboard"]
    lazy = [i for i in imports_of(f"{PACKAGE}.commands.serve") if not i.top_level]
    assert f"{PACKAGE}.server" in {i.module for i in lazy}


def test_module_size_budget():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in MODULES.values()}
    over = {name: n for name, n in sizes.items() if n > MAX_LINES and name not in OVER_BUDGET}
    assert over == {}
    assert {name: n for name, n in sizes.items() if name in OVER_BUDGET and n > 450} == {}


@pytest.mark.parametrize("name", _in("load"), ids=_ids(_in("load")))
def test_load_imports_only_its_allow_list(name):
    allowed = (*LOAD_ALLOWED, "locust", "gevent") if name == LOAD_ENGINE else LOAD_ALLOWED
    bad = [
        i.module
        for i in imports_of(name)
        if not _is_stdlib(i.module) and not _within(i.module, allowed) and i.module != PACKAGE
    ]
    assert bad == []


@pytest.mark.parametrize("name", list(MODULES), ids=_ids(list(MODULES)))
def test_only_the_load_engine_imports_locust(name):
    # Importing Locust monkey-patches the process with gevent: only the engine, run as its own
    # process (python -m mockscim.load.engine), may do it, and nothing imports the engine.
    if name == LOAD_ENGINE:
        return
    assert [i.module for i in imports_of(name) if _within(i.module, ("locust", "gevent", LOAD_ENGINE))] == []


def loaded_at_import(roots: list[str]) -> set[str]:
    """Every module (ours and third-party top-level names) the top-level imports of ``roots`` load."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for i in imports_of(name) if name in MODULES else []:
            if i.top_level:
                internal = _internal(i.module)
                stack.append(internal if internal is not None else i.module.split(".")[0])
    return seen


# The server must not load what only the CLI tools need: the runner and verify import requests
# (7.6 MiB of RSS and about 80 ms of cold start, measured in benchmarks.journal_memory's twin).
NOT_IN_THE_SERVER = ("requests", f"{PACKAGE}.runner", f"{PACKAGE}.verify", f"{PACKAGE}.load")


@pytest.mark.parametrize("unwanted", NOT_IN_THE_SERVER)
def test_the_server_loads_no_client_code_at_import(unwanted):
    loaded = loaded_at_import(_in("server"))
    assert sorted(m for m in loaded if _within(m, (unwanted,))) == []


# Validation and YAML run after a response (journal findings) or for files given at start-up
# only: importing them at start cost about 95 ms of the cold start (benchmarks.coldstart, 0.415
# -> 0.319 s), so `mockscim serve` loads them on first use.
NOT_AT_SERVER_START = ("jsonschema", "referencing", "yaml")


@pytest.mark.parametrize("unwanted", NOT_AT_SERVER_START)
def test_serve_starts_without_validation_or_yaml_libraries(unwanted):
    loaded = loaded_at_import([*_in("server"), f"{PACKAGE}.commands.serve"])
    assert sorted(m for m in loaded if _within(m, (unwanted,))) == []
