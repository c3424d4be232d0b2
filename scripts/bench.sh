#!/usr/bin/env bash
# `make bench`: every benchmark, printed. Expects the app built (dist/), the JS API built
# (core/pkg/) and the Letta server up (the Makefile target does all three).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $(date -u +%Y-%m-%d)"
echo
# Every part runs even when an earlier one misses a budget; `make bench` fails at the end.
# The machine's load is printed before and after: figures taken under load say so.
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
# The Review plan part of the editor benchmark talks to the local server too.
export LETTA_BASE_URL="${LETTA_BASE_URL:-http://127.0.0.1:8283}"
failed=()
# The command line, built with the same profile, runs inside the native benchmark's rounds.
cargo build -q --profile native-bench -p canary-cli
FLEET_CANARY_BIN="$PWD/target/native-bench/fleet-canary" \
  cargo run -q --profile native-bench -p canary-tests --bin bench || failed+=("native")
echo
node scripts/bench-web.js || failed+=("release app")
echo
node scripts/bench-plan.js || failed+=("wasm planning")
echo
node scripts/bench-page.js || failed+=("page vs browser floor")
echo
node scripts/bench-editor.js || failed+=("editor")
echo
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "make bench: budget(s) failed in: ${failed[*]}" >&2
  exit 1
fi
echo "make bench: every budget passed"
