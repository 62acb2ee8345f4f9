"""Where the built-in scenario library lives: installed package data, or the checkout's scenarios/."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def library_root() -> Path:
    """Return the folder holding the built-in ``*.scenario.yaml`` files.

    A wheel installs ``scenarios/`` as the package ``mockscim.builtin_scenarios`` (setup.cfg maps it);
    an editable install from a checkout reads ``scenarios/`` next to the package instead.
    """
    try:
        installed = resources.files("mockscim.builtin_scenarios")
    except ModuleNotFoundError:
        installed = None
    if installed is not None and installed.is_dir():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parent.parent / "scenarios"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the built-in scenario library is missing; reinstall mockscim")
