# The interface: `make run` and `make test` (README quick start); the rest are their parts.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

APP_PORT ?= 8080
TEST_APP_PORT ?= 8081
LETTA_PORT ?= 8283
export LETTA_PORT

.PHONY: setup run run-port build js test lint test-core test-wasm test-js test-engine test-e2e e2e letta-up letta-down letta-reset bench

setup:
	@bash scripts/setup.sh

## Builds the release app into dist/ (DIST=… for another folder): cargo, wasm-split,
## wasm-bindgen, wasm-opt (scripts/build.js); skipped when dist/ is newer than its sources.
build:
	node scripts/build.js

## Builds the core's JavaScript package (@fleet-canary/core) into core/pkg/: the Node 20+ build
## at its root, the browser build (an ES module) in web/; `npm pack` there gives the tarball.
js:
	cargo build -p canary-core --target wasm32-unknown-unknown --features js --profile js
	wasm-bindgen --target nodejs --out-dir core/pkg target/wasm32-unknown-unknown/js/canary_core.wasm
	wasm-bindgen --target web --out-dir core/pkg/web target/wasm32-unknown-unknown/js/canary_core.wasm
	cp core/npm/package.json core/npm/README.md core/pkg/
	cp core/npm/web/package.json core/pkg/web/

letta-up:
	@bash scripts/letta.sh up

letta-down:
	@bash scripts/letta.sh down

letta-reset:
	@bash scripts/letta.sh reset

## Starts the local Letta server (unless LETTA_BASE_URL is set), builds and serves the app.
## The app's origin (APP_PORT, as 127.0.0.1 and localhost) is allowed by the local server; a
## busy APP_PORT fails first, before anything is built or started.
run: run-port setup build
	@APP="http://127.0.0.1:$(APP_PORT)"
	if [ -z "$${LETTA_BASE_URL:-}" ]; then
	  APP_ORIGINS="$$APP,http://localhost:$(APP_PORT)" bash scripts/letta.sh up
	elif ! curl -sS -m 5 -o /dev/null -D - -H "Origin: $$APP" "$${LETTA_BASE_URL%/}/v1/health/" 2>/dev/null |
	    tr -d '\r' | grep -qiE "^access-control-allow-origin: ($$APP|\*)$$"; then
	  echo "make run: $$LETTA_BASE_URL did not allow the app's origin $$APP (or did not answer): add $$APP to its ACCEPTABLE_ORIGINS, or the app cannot reach it" >&2
	fi
	# Checked again: the build and the server start took a while.
	$(MAKE) --no-print-directory run-port
	SERVER="$${LETTA_BASE_URL:-http://127.0.0.1:$(LETTA_PORT)}"
	echo
	echo "  Letta server: $$SERVER"
	echo "  App:          http://127.0.0.1:$(APP_PORT)/?server=$$SERVER"
	echo
	exec node scripts/serve.js dist $(APP_PORT)

## Fails, with what to do, when something already listens on APP_PORT.
run-port:
	@if (exec 3<>"/dev/tcp/127.0.0.1/$(APP_PORT)") 2>/dev/null; then
	  echo "make run: port $(APP_PORT) (APP_PORT) is already in use on 127.0.0.1, by another 'make run' or another program. Stop it, or choose a free port: APP_PORT=<port> make run" >&2
	  exit 1
	fi

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p canary-web --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p canary-core --target wasm32-unknown-unknown --features js --all-targets -- -D warnings

test-core:
	cargo test -p canary-core

test-wasm:
	WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver \
	  cargo test -p canary-core --target wasm32-unknown-unknown --test wasm

test-js: js
	node --test tests/js/

test-engine:
	cargo test -p canary-tests
	cargo test -p canary-cli
	cargo test -p canary-tests --test restart -- --ignored

test-e2e: build e2e

## The browser tests on an existing dist/ (`make test` builds it while the engine tests run).
e2e:
	node --test --test-concurrency=1 tests/e2e/

## Every test. The tests get their own Letta stack (own ports, own state folder, a fresh
## database per run), so a server started by `make run` is left alone.
test: export LETTA_STATE := $(CURDIR)/.letta/test
test: export LETTA_PORT := 8293
test: export MODEL_PORT := 8294
test: export PG_PORT := 8295
test: export LETTA_BASE_URL := http://127.0.0.1:8293
test: setup lint test-core test-wasm
	build=""
	trap 'rc=$$?; if [ -n "$$build" ]; then kill "$$build" 2>/dev/null || true; fi; if [ "$$rc" -ne 0 ]; then bash scripts/letta.sh errors || true; fi; bash scripts/letta.sh down' EXIT
	bash scripts/letta.sh reset
	# The release build of the app is CPU work and the server tests mostly wait on the server:
	# build while they run, then run the browser tests on the result.
	mkdir -p "$$LETTA_STATE"
	FORCE=1 node scripts/build.js > "$$LETTA_STATE/app-build.log" 2>&1 & build=$$!
	$(MAKE) --no-print-directory test-js test-engine
	if ! wait $$build; then cat "$$LETTA_STATE/app-build.log"; echo "make test: the app's release build failed" >&2; exit 1; fi
	$(MAKE) --no-print-directory e2e

bench: setup js build
	trap 'bash scripts/letta.sh down' EXIT
	bash scripts/letta.sh up
	bash scripts/bench.sh
