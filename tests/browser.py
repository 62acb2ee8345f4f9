"""Debian's headless Chromium through its own chromedriver, for the browser tests.

The dashboard and the HTML report are both checked in a real browser; both start it here.
When selenium, Chromium or ChromeDriver is missing the tests skip, saying loudly why and how
to install it (``make test`` installs the Debian packages with scripts/install-browser.sh).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; --disable-dev-shm-usage avoids a small /dev/shm in containers.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def _tool(env: str, name: str) -> str | None:
    """The path of a browser tool: an environment override, PATH, or Debian's location."""
    candidate = os.environ.get(env) or shutil.which(name) or f"/usr/bin/{name}"
    return candidate if os.path.exists(candidate) else None


def launch_chromium(profile: Path, size: tuple[int, int] = (1400, 900)) -> Any:
    """A new headless Chromium session with an empty profile; skip the test when it cannot start."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("BROWSER TESTS SKIPPED: the 'selenium' package is missing; pip install -e '.[test]'")
    browser, driver = _tool("MOCKSCIM_CHROMIUM", "chromium"), _tool("MOCKSCIM_CHROMEDRIVER", "chromedriver")
    if browser is None or driver is None:
        pytest.skip(
            "BROWSER TESTS SKIPPED: Chromium or ChromeDriver is missing "
            f"(chromium: {browser or 'missing'}, chromedriver: {driver or 'missing'}); "
            "run scripts/install-browser.sh (Debian packages chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    session = webdriver.Chrome(options=options, service=Service(driver))
    session.set_window_size(*size)
    return session
