#!/bin/sh
# Install Debian packages for the project's own tools, when they are missing:
#   scripts/apt-install.sh LABEL PACKAGE...
# Idempotent, quiet and non-interactive; uses sudo when not root. It never fails the build: when
# it cannot install (no apt-get, not root and no password-less sudo, no network) it says why on
# stderr and exits 0, and the caller falls back (browser tests skip loudly, benchmarks use the
# Python load generator).
set -u
label=$1
shift
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$label: no apt-get here; install $* yourself" >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "$label: not root and no password-less sudo; run 'sudo apt-get install $*'" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if $SUDO apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1 \
    || { $SUDO apt-get update -qq >>"$log" 2>&1 && $SUDO apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1; }; then
    echo "$label: installed $*" >&2
else
    echo "$label: apt-get could not install $*; last lines:" >&2
    tail -n 5 "$log" >&2
fi
rm -f "$log"
exit 0
