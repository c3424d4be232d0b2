#!/usr/bin/env bash
# The local Letta stack on loopback: PostgreSQL (+pgvector), the deterministic model server and
# the Letta server. `up` starts what is not running and reuses what is; `down` stops exactly the
# processes recorded in the state folder (never by name); `reset` gives a fresh, empty database.
#
# State (database, logs, process ids) lives in $LETTA_STATE (default .letta/ in the checkout).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${FLEET_CANARY_CACHE:-/opt/fleet-canary}"
STATE="${LETTA_STATE:-$ROOT/.letta}"
LETTA_PORT="${LETTA_PORT:-8283}"
MODEL_PORT="${MODEL_PORT:-8284}"
PG_PORT="${PG_PORT:-8285}"
START_TIMEOUT="${LETTA_START_TIMEOUT:-180}"
ORIGINS="${ACCEPTABLE_ORIGINS:-http://127.0.0.1:8080,http://localhost:8080,http://127.0.0.1:8081,http://localhost:8081}"
# APP_ORIGINS: origins that must be allowed on top (comma-separated): `make run` passes its
# APP_PORT's, so an app on another port is not refused. A running server that lacks one is
# restarted with it (the database is kept).
APP_ORIGINS="${APP_ORIGINS:-}"
[ -z "$APP_ORIGINS" ] || ORIGINS="$ORIGINS,$APP_ORIGINS"
PGBIN="$(ls -d "$CACHE"/pg-venv/lib/python3*/site-packages/pgserver/pginstall/bin 2>/dev/null | head -n1)"
VENV="$CACHE/letta-venv"
SDIST="$CACHE/letta-sdist"
PG_URI="postgresql://letta@127.0.0.1:$PG_PORT/letta"
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

# PostgreSQL runs as `nobody`, which must reach its data folder. When the checkout sits where
# `nobody` cannot go (under /root, say), the data lives in /var/tmp instead, keyed by the state
# folder, and $STATE/pgdata points there.
mkdir -p "$STATE"
if setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$STATE" 2>/dev/null; then
  PGHOME="$STATE"
else
  PGHOME="/var/tmp/fleet-canary-pg/$(printf '%s' "$STATE" | cksum | cut -d' ' -f1)"
fi
PGDATA="$PGHOME/pgdata"
PGLOG="$PGHOME/postgres.log"

say() { echo "letta: $*"; }
die() { echo "letta: error: $*" >&2; exit 1; }

alive() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

healthy() { curl -fsS -m 3 "http://127.0.0.1:$LETTA_PORT/v1/health/" >/dev/null 2>&1; }

# Whether the running server allows an origin: it echoes it in Access-Control-Allow-Origin.
allows_origin() {
  curl -sS -m 3 -o /dev/null -D - -H "Origin: $1" "http://127.0.0.1:$LETTA_PORT/v1/health/" 2>/dev/null |
    tr -d '\r' | grep -qixF "access-control-allow-origin: $1"
}

# The origins of APP_ORIGINS the running server does not allow (comma-separated).
missing_origins() {
  local o out=()
  IFS=',' read -r -a wanted <<<"$APP_ORIGINS"
  for o in "${wanted[@]}"; do
    [ -z "$o" ] || allows_origin "$o" || out+=("$o")
  done
  (IFS=','; echo "${out[*]}")
}

# Comma-separated lists joined, without repeats, in order.
union() { printf '%s,%s' "$1" "$2" | tr ',' '\n' | awk 'NF && !seen[$0]++' | paste -sd, -; }

pg() { "${AS_NOBODY[@]}" "$PGBIN/$1" "${@:2}"; }

stop_pid() { # name
  local f="$STATE/$1.pid"
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

pg_stop() {
  if [ -f "$PGDATA/postmaster.pid" ]; then
    pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -f "$STATE/postgres.pid"
}

down() {
  stop_pid letta
  stop_pid model
  pg_stop
  say "stopped"
}

fail_start() { # message, log
  echo "letta: error: $1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "---- last lines of $2 ----" >&2
    tail -n 30 "$2" >&2
  fi
  down >/dev/null 2>&1 || true
  exit 1
}

pg_up() {
  if [ -f "$PGDATA/postmaster.pid" ] && pg pg_ctl -D "$PGDATA" status >/dev/null 2>&1; then
    return 0
  fi
  port_busy "$PG_PORT" && fail_start "port $PG_PORT (PostgreSQL) is already in use by another program; set PG_PORT"
  local fresh=0
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    chown nobody:nogroup "$PGDATA"
    [ "$PGHOME" = "$STATE" ] || ln -sfn "$PGDATA" "$STATE/pgdata"
    pg initdb -D "$PGDATA" -U letta --auth=trust -E UTF8 >"$STATE/initdb.log" 2>&1 ||
      fail_start "initdb failed" "$STATE/initdb.log"
    fresh=1
  fi
  touch "$PGLOG" && chown nobody:nogroup "$PGLOG"
  [ "$PGHOME" = "$STATE" ] || ln -sfn "$PGLOG" "$STATE/postgres.log"
  pg pg_ctl -D "$PGDATA" -l "$PGLOG" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k '' -c authentication_timeout=5s -c max_connections=200" start >/dev/null 2>&1 ||
    fail_start "PostgreSQL did not start" "$PGLOG"
  head -n1 "$PGDATA/postmaster.pid" >"$STATE/postgres.pid"
  if [ "$fresh" = 1 ]; then
    "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U letta -d postgres -qc "create database letta" >/dev/null
    "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U letta -d letta -qc "create extension vector" >/dev/null
    say "migrating a fresh database (alembic upgrade head)"
    (cd "$SDIST" && LETTA_PG_URI="$PG_URI" "$VENV/bin/alembic" upgrade head) >"$STATE/alembic.log" 2>&1 ||
      fail_start "database migration failed" "$STATE/alembic.log"
  fi
}

up() {
  [ -x "$VENV/bin/letta" ] && [ -x "$PGBIN/pg_ctl" ] || die "the Letta environment is not installed; run 'make setup'"
  mkdir -p "$STATE/home" "$STATE/work"
  if alive letta && healthy; then
    local missing; missing="$(missing_origins)"
    if [ -z "$missing" ]; then
      say "already running, reused"
      echo "LETTA_BASE_URL=http://127.0.0.1:$LETTA_PORT"
      return 0
    fi
    # Restarted with what it allowed before plus the new origins: other apps keep working.
    [ ! -f "$STATE/origins" ] || ORIGINS="$(union "$(cat "$STATE/origins")" "$ORIGINS")"
    say "the running server does not allow $missing (ACCEPTABLE_ORIGINS); restarting it to allow it (the database is kept)"
    stop_pid letta
  fi
  # Refuse early, before starting anything, when a port belongs to another program.
  alive letta || ! port_busy "$LETTA_PORT" || die "port $LETTA_PORT (Letta) is already in use by another program; set LETTA_PORT, or point LETTA_BASE_URL at that server"
  alive model || ! port_busy "$MODEL_PORT" || die "port $MODEL_PORT (model server) is already in use by another program; set MODEL_PORT"
  [ -f "$PGDATA/postmaster.pid" ] || ! port_busy "$PG_PORT" || die "port $PG_PORT (PostgreSQL) is already in use by another program; set PG_PORT"
  local t0; t0=$(date +%s)
  pg_up
  if ! alive model; then
    port_busy "$MODEL_PORT" && fail_start "port $MODEL_PORT (model server) is already in use by another program; set MODEL_PORT"
    python3 "$ROOT/tests/model_server/model_server.py" "$MODEL_PORT" >"$STATE/model.log" 2>&1 &
    echo $! >"$STATE/model.pid"
  fi
  if ! alive letta; then
    port_busy "$LETTA_PORT" && fail_start "port $LETTA_PORT (Letta) is already in use by another program; set LETTA_PORT or point LETTA_BASE_URL at that server"
    # MCP_DISABLE_STDIO=false: the tests' MCP server (tests/mcp_server) is a stdio server that
    # Letta spawns; Letta refuses SSE/streamable-HTTP URLs on loopback, and disables stdio by
    # default (letta/settings.py ToolSettings.mcp_disable_stdio).
    local openai_base="http://127.0.0.1:$MODEL_PORT/v1" openai_key="canary-local"
    if [ -n "${LETTA_OPENAI_BASE_URL:-}" ]; then openai_base="$LETTA_OPENAI_BASE_URL"; openai_key="${LETTA_OPENAI_API_KEY:-}"; fi
    ORIGINS="$(union "$ORIGINS" "")"
    echo "$ORIGINS" >"$STATE/origins"
    (cd "$STATE/work" && exec env HOME="$STATE/home" LETTA_DIR="$STATE/home/.letta" \
      LETTA_PG_URI="$PG_URI?ssl=disable" LETTA_DISABLE_SQLALCHEMY_POOLING=false \
      OPENAI_API_KEY="$openai_key" OPENAI_BASE_URL="$openai_base" \
      ACCEPTABLE_ORIGINS="$ORIGINS" LETTA_TRACK_PROVIDER_TRACE=false \
      LETTA_TELEMETRY_ENABLE=false MCP_DISABLE_STDIO=false \
      "$VENV/bin/letta" server --host 127.0.0.1 --port "$LETTA_PORT") >>"$STATE/letta.log" 2>&1 &
    echo $! >"$STATE/letta.pid"
  fi
  local deadline=$((t0 + START_TIMEOUT))
  until healthy; do
    alive letta || fail_start "the Letta server exited during start" "$STATE/letta.log"
    [ "$(date +%s)" -lt "$deadline" ] || fail_start "the Letta server was not healthy within ${START_TIMEOUT}s" "$STATE/letta.log"
    sleep 1
  done
  say "healthy after $(($(date +%s) - t0))s ($(curl -fsS "http://127.0.0.1:$LETTA_PORT/v1/health/"))"
  echo "LETTA_BASE_URL=http://127.0.0.1:$LETTA_PORT"
}

reset() {
  down >/dev/null
  rm -rf "$PGDATA" "$STATE/pgdata"
  # A fresh database, a fresh server log; a restart (`restart`, `up`) appends to it, so the
  # errors of a whole test run survive the restart test (see `errors`).
  : >"$STATE/letta.log"
  say "database removed; starting on an empty one"
  up
}

# The server's unhandled errors (the ones it answers as a bare 500: "An unknown error occurred",
# "A database error occurred"),
# each with its traceback: printed by `make test` when a test fails, so a CI log says what the
# server hit and not only that a request failed.
errors() {
  local log="$STATE/letta.log"
  [ -f "$log" ] || return 0
  python3 - "$log" <<'PY'
import re, sys
log = sys.argv[1]
unhandled = re.compile(r"Unhandled (error|DBAPIError)")
record = re.compile(r"^([\w.]+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - |(INFO|WARNING|ERROR):)")
blocks, cur = [], None
for line in open(log, errors="replace"):
    if unhandled.search(line):
        cur = [line.rstrip()]
        blocks.append(cur)
    elif cur is not None and record.match(line):
        cur = None
    elif cur is not None:
        cur.append(line.rstrip())
if not blocks:
    print(f"letta: no unhandled server errors in {log}")
else:
    print(f"letta: {len(blocks)} unhandled server error(s) in {log} (the last 3 with their tracebacks):")
for b in blocks[-3:]:
    print(b[0][:2000])
    print("\n".join(b[1:][-30:]))
    print()
PY
}

case "${1:-}" in
  up) up ;;
  errors) errors ;;
  down) down ;;
  reset) reset ;;
  restart) stop_pid letta; up ;;
  status) if alive letta && healthy; then say "running on http://127.0.0.1:$LETTA_PORT"; else say "not running"; exit 1; fi ;;
  *) echo "usage: $0 up|down|reset|restart|status|errors" >&2; exit 2 ;;
esac
