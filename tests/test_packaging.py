"""The explicit package list in setup.cfg matches the tree, so wheels ship every module."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = {line.strip() for line in config["options"]["packages"].splitlines() if line.strip()}
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "mockscim").rglob("__init__.py")
    }
    assert on_disk | {"mockscim.builtin_scenarios"} == listed


def test_library_root_finds_the_scenarios():
    from mockscim.library import library_root

    assert (library_root() / "README.md").is_file()
