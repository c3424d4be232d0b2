#!/usr/bin/env bash
# Installs the local Letta server (PyPI letta==0.16.8, pinned by the uv.lock in its own sdist)
# and PostgreSQL with pgvector (PyPI pgserver) into a cache outside the checkout, so that every
# clone on this machine shares one install. Idempotent: a working install is only checked.
#
# Why the sdist's uv.lock: an unpinned `pip install letta==0.16.8` resolves newer dependencies
# that break the server at import time (see shared/TOOLCHAIN.md).
set -euo pipefail

LETTA_VERSION=0.16.8
# Outside /root: PostgreSQL runs as `nobody` and must be able to read its own binaries.
CACHE="${FLEET_CANARY_CACHE:-/opt/fleet-canary}"
VENV="$CACHE/letta-venv"
PGVENV="$CACHE/pg-venv"
SDIST_DIR="$CACHE/letta-sdist"
PY="${PYTHON:-python3}"

mkdir -p "$CACHE"

# mcp (PyPI, a letta dependency pinned by its uv.lock) also runs our test MCP server,
# tests/mcp_server/server.py, which the Letta server spawns with this venv's python.
letta_ok() {
  [ -x "$VENV/bin/letta" ] && [ -f "$SDIST_DIR/alembic.ini" ] &&
    "$VENV/bin/python" -c "import letta, asyncpg, pgvector, mcp.server.fastmcp; assert letta.__version__ == '$LETTA_VERSION'" >/dev/null 2>&1
}

pg_ok() {
  [ -x "$(pg_bin)/pg_ctl" ] && "$(pg_bin)/postgres" --version >/dev/null 2>&1
}

pg_bin() {
  ls -d "$PGVENV"/lib/python3*/site-packages/pgserver/pginstall/bin 2>/dev/null | head -n1
}

if ! pg_ok; then
  echo "setup-letta: installing PostgreSQL + pgvector (PyPI pgserver) into $PGVENV"
  rm -rf "$PGVENV"
  "$PY" -m venv "$PGVENV"
  "$PGVENV/bin/pip" install -q --disable-pip-version-check "pgserver==0.1.4"
  pg_ok || { echo "setup-letta: pgserver installed but $(pg_bin)/pg_ctl does not run" >&2; exit 1; }
fi

if ! letta_ok; then
  echo "setup-letta: installing letta==$LETTA_VERSION into $VENV (~4 min)"
  rm -rf "$VENV" "$SDIST_DIR"
  tmp=$(mktemp -d)
  "$PY" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: -d "$tmp" "letta==$LETTA_VERSION"
  tar -xzf "$tmp"/letta-$LETTA_VERSION.tar.gz -C "$tmp"
  mv "$tmp/letta-$LETTA_VERSION" "$SDIST_DIR"
  rm -rf "$tmp"
  # Registry packages of uv.lock (all but letta itself) become pip constraints.
  "$PY" - "$SDIST_DIR/uv.lock" "$CACHE/constraints.txt" <<'EOF'
import sys, tomllib
lock = tomllib.load(open(sys.argv[1], "rb"))
out = []
for p in lock.get("package", []):
    src = p.get("source", {})
    if p["name"] == "letta" or "registry" not in src:
        continue
    out.append(f'{p["name"]}=={p["version"]}')
open(sys.argv[2], "w").write("\n".join(sorted(set(out))) + "\n")
EOF
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip >/dev/null
  "$VENV/bin/pip" install -q --disable-pip-version-check -c "$CACHE/constraints.txt" \
    "letta[server,sqlite]==$LETTA_VERSION" asyncpg pg8000 pgvector psycopg2-binary
  letta_ok || { echo "setup-letta: letta installed but does not import" >&2; exit 1; }
fi
echo "setup-letta: letta $LETTA_VERSION and PostgreSQL ready in $CACHE"
