#!/bin/sh
# Install wrk (the HTTP load tool the benchmarks use) from Debian/Ubuntu packages. Idempotent and
# non-interactive; without wrk (or without the rights to install it) the benchmarks fall back to a
# slower, bounded Python load generator and say so.
set -u

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-tools: wrk is missing and apt-get is not available; install wrk yourself," >&2
    echo "install-tools: or the benchmarks will use the Python load generator." >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "install-tools: wrk is missing; run 'sudo apt-get install -y wrk' (the benchmarks will use" >&2
    echo "install-tools: the Python load generator until then)." >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-tools: installing wrk with apt-get" >&2
if ! $SUDO apt-get install -y --no-install-recommends wrk >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null 2>&1
    $SUDO apt-get install -y --no-install-recommends wrk >/dev/null 2>&1 \
        || echo "install-tools: apt-get could not install wrk; using the Python load generator." >&2
fi
exit 0
