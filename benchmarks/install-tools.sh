#!/bin/sh
# Install wrk (the HTTP load tool the benchmarks use) from Debian's packages when it is missing.
# Without wrk (or without the rights to install it) the benchmarks say so and fall back to a
# slower, bounded Python load generator.
set -u
if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
exec sh "$(dirname "$0")/../scripts/apt-install.sh" install-tools wrk
