#!/usr/bin/env bash
# `make bench`: every benchmark, printed. Expects the app built (dist/), the JS API built
# (core/pkg/) and the Letta server up (the Makefile target does all three).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $(date -u +%Y-%m-%d)"
echo
cargo run -q --profile native-bench -p canary-tests --bin bench
echo
node scripts/bench-web.js
