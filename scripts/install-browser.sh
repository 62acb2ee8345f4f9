#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the dashboard's browser tests (tests/dashboard).
#
# Idempotent and quiet: does nothing when they are present. Never fails the build: when it
# cannot install (not root and no sudo, no apt-get, no network), it says why and exits 0, and
# the browser tests then skip loudly with that reason (tests/dashboard/conftest.py).
# Playwright's own browser download does not work offline; Debian's packages do.
set -u

# fonts-dejavu-core: readable text in headless screenshots on a machine with no fonts.
PACKAGES="chromium chromium-driver fonts-dejavu-core"

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
    && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get here; install Chromium and ChromeDriver yourself" \
        "(browser tests will be skipped)" >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "install-browser: not root and no password-less sudo; run 'sudo apt-get install $PACKAGES'" \
        "(browser tests will be skipped)" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if $SUDO apt-get update -qq >"$log" 2>&1 \
    && $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >>"$log" 2>&1; then
    echo "install-browser: installed $PACKAGES" >&2
else
    echo "install-browser: apt-get failed (browser tests will be skipped); last lines:" >&2
    tail -n 5 "$log" >&2
fi
rm -f "$log"
exit 0
