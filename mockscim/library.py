"""Where the built-in scenario library lives, however mockscim was installed.

A wheel ships ``scenarios/`` as package data ``mockscim/builtin_scenarios`` (setup.cfg maps it).
It is found through ``importlib.resources`` from the ``mockscim`` package itself, so the answer
does not depend on the working directory:

- installed on the file system (wheel, sdist): the folder itself;
- imported from a zip (``zipimport``, a wheel on ``sys.path``): the files are copied once per
  process into a temporary folder, because the loader, ``verify`` and the dashboard read
  scenarios as files and report ``file:line``;
- an editable install from a checkout: ``scenarios/`` next to the package.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGED = "builtin_scenarios"


def library_root() -> Path:
    """Return the folder holding the built-in ``*.scenario.yaml`` files."""
    packaged = _packaged()
    if packaged.is_dir():
        return packaged if isinstance(packaged, Path) else _materialised()
    checkout = Path(__file__).resolve().parent.parent / "scenarios"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the built-in scenario library is missing; reinstall mockscim")


def packaged_file(name: str) -> Path:
    """A file shipped inside the ``mockscim`` package as a real path (copied out of a zip once)."""
    resource = resources.files("mockscim").joinpath(name)
    return resource if isinstance(resource, Path) else _copied_out(name)


@cache
def _copied_out(name: str) -> Path:
    """A temporary copy of one packaged file (removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="mockscim-resource-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = folder / Path(name).name
    target.write_bytes(resources.files("mockscim").joinpath(name).read_bytes())
    return target


def _packaged() -> Traversable:
    """The library as package data of ``mockscim`` (it may not exist: editable installs)."""
    return resources.files("mockscim").joinpath(PACKAGED)


@cache
def _materialised() -> Path:
    """A file-system copy of a library that is not on the file system (removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="mockscim-library-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _copy(_packaged(), folder)
    return folder


def _copy(source: Traversable, destination: Path) -> None:
    """Copy a Traversable tree into ``destination``."""
    for entry in source.iterdir():
        if entry.is_dir():
            (destination / entry.name).mkdir()
            _copy(entry, destination / entry.name)
        elif entry.is_file():
            (destination / entry.name).write_bytes(entry.read_bytes())
