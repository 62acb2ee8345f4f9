#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the dashboard's browser tests (tests/dashboard),
# plus fonts-dejavu-core so headless screenshots have readable text. A no-op when they are
# present; when they cannot be installed the browser tests skip loudly with the reason
# (tests/dashboard/conftest.py). Playwright's own browser download does not work offline;
# Debian's packages do.
set -u
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
    && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    exit 0
fi
exec sh "$(dirname "$0")/apt-install.sh" install-browser chromium chromium-driver fonts-dejavu-core
