# The whole set-up is `make run` or `make test`: both build .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run admin test test-unit test-integration lint fmt migrate rollback revision clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED) ## build .venv with the service and its development tools

run: $(INSTALLED) ## migrate, then serve on http://127.0.0.1:8000 (docs at /docs)
	$(BIN)/alembic upgrade head
	$(BIN)/shop serve

admin: $(INSTALLED) ## create an administrator: make admin email=you@example.com (password from SHOP_ADMIN_PASSWORD or asked)
	@test -n "$(email)" || { echo 'usage: make admin email=you@example.com' >&2; exit 2; }
	$(BIN)/shop create-admin --email "$(email)"

test: $(INSTALLED) ## run every test, unit and integration
	$(BIN)/pytest

test-unit: $(INSTALLED) ## run the unit tests only (no database)
	$(BIN)/pytest tests/unit

test-integration: $(INSTALLED) ## run the integration tests only
	$(BIN)/pytest tests/integration

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

clean: ## remove .venv, caches and the embedded database's data (.data/)
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
