"""Fixtures for the report tests: real runs (the embedded mock, and mockscim behind a defect from
tests/library/conftest.py), an HTML tree to query the written page, and a headless Chromium.

The runs go through the CLI (``mockscim run ... --json --html-report``), as users run them; the
two whole-library runs are shared by the session because they take a few seconds each.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browser import launch_chromium
from click.testing import CliRunner
from library.conftest import DEFECTS
from library.conftest import serve

from mockscim.cli import main

FAILING_DEFECT = "409-on-group-put-of-its-own-name"  # AIW push groups and membership break
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    """An element of the written page (built with the standard library's HTMLParser)."""

    tag: str
    attrs: dict[str, str]
    children: list[Any] = field(default_factory=list)

    def text(self) -> str:
        """The text inside, entities decoded."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> Iterator[Node]:
        """This element and every element below it."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Elements with this tag, class and attribute values (``data_count`` is ``data-count``)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and (cls is None or cls in node.attrs.get("class", "").split())
            and all(node.attrs.get(name) == value for name, value in wanted.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        """The first such element; fail the test if there is none."""
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}> in the page"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    """The page as a tree of Nodes."""
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


@pytest.fixture(name="parse_html")
def parse_html_fixture() -> Callable[[str], Node]:
    """Parse a written page into Nodes."""
    return parse_html


@dataclass
class Run:
    """One ``mockscim run``: exit code, terminal output and the reports it wrote."""

    exit_code: int
    output: str
    json_path: Path
    html_path: Path

    @property
    def report(self) -> dict[str, Any]:
        """The JSON report."""
        return json.loads(self.json_path.read_text(encoding="utf-8"))

    @property
    def html(self) -> str:
        """The HTML report's text."""
        return self.html_path.read_text(encoding="utf-8")

    @property
    def page(self) -> Node:
        """The HTML report as a tree."""
        return parse_html(self.html)

    def capability(self, dialect: str, key: str) -> dict[str, Any]:
        """One capability's verdict from the JSON report."""
        judged = next(d for d in self.report["readiness"]["dialects"] if d["dialect"] == dialect)
        return next(c for c in judged["capabilities"] if c["key"] == key)


def run_cli(folder: Path, *args: str) -> Run:
    """``mockscim run ARGS --json --html-report`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / "report.json", folder / "report.html"
    command = ["run", *args, "--json", str(json_path), "--html-report", str(html_path)]
    result = CliRunner().invoke(main, command, catch_exceptions=False)
    return Run(result.exit_code, result.output, json_path, html_path)


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., Run]:
    """Run ``mockscim run`` with these arguments, reports into this test's folder."""
    counter = iter(range(1000))
    return lambda *args: run_cli(tmp_path / f"run{next(counter)}", *args)


@pytest.fixture
def defect_server() -> Iterator[Callable[[str | None], list[str]]]:
    """Start mockscim behind a named defect (None: no defect); returns ``--base-url``/``--auth`` args."""
    running = []

    def start(name: str | None) -> list[str]:
        served, server = serve(DEFECTS[name] if name else None)
        running.append(server)
        return ["--base-url", served.base_url, "--auth", served.auth]

    yield start
    for server in running:
        server.stop()


@pytest.fixture(scope="session")
def passing_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The whole library against the embedded mock."""
    return run_cli(tmp_path_factory.mktemp("passing"))


@pytest.fixture(scope="session")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The whole library against mockscim whose group PUT refuses the group's own name (409)."""
    served, server = serve(DEFECTS[FAILING_DEFECT])
    try:
        yield run_cli(
            tmp_path_factory.mktemp("failing"), "--base-url", served.base_url, "--auth", served.auth
        )
    finally:
        server.stop()


# -- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's headless Chromium through its own chromedriver; skipped, saying why, when missing."""
    session = launch_chromium(tmp_path_factory.mktemp("chromium-profile"), size=(1400, 1000))
    yield session
    session.quit()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $MOCKSCIM_SCREENSHOTS (scripts/screenshots.py sets docs/images), else tmp."""
    target = Path(os.environ.get("MOCKSCIM_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
