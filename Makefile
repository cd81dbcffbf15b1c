# Between Visits — the two commands a person needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format install install-test chromium caddy pg-client smoke bench clean help translations

help:
	@echo "make run    start the app with demo data at http://127.0.0.1:5000"
	@echo "make test   install what the tests need and run lint and every test"
	@echo "make lint   ruff, mypy, the import layers (lint-imports), complete catalogs"
	@echo "make translations  collect the strings to translate, update each catalog, compile it"
	@echo "make smoke  the production recipe of the README, losing a web instance and a scheduler"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) library sync
	@# The demo's printed sign-ins are a password alone: two-factor is off unless asked for.
	STAFF_TWO_FACTOR=$${STAFF_TWO_FACTOR:-off} $(FLASK) demo
	STAFF_TWO_FACTOR=$${STAFF_TWO_FACTOR:-off} $(FLASK) serve

# Debian's Chromium for the real-browser tests; installed only when missing and when we
# may (root). Without it those tests say why they are skipped, and fail under CI=true.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); \
	  else \
	    echo "chromium is not installed and we are not root: browser tests will be skipped."; \
	  fi; \
	fi

# PostgreSQL's client tools (pg_dump, pg_restore) for backups and their tests, and Caddy for
# the production smoke: Debian's, installed only when missing and when we may (root).
# (Debian starts its own caddy service on installing it; the smoke runs a Caddy of its own.)
pg-client:
	@if ! command -v pg_dump >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's postgresql-client for backups..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    (apt-get install -y -q postgresql-client >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q postgresql-client >/dev/null)); \
	  else \
	    echo "pg_dump is not installed and we are not root: PostgreSQL backup tests will be skipped."; \
	  fi; \
	fi

caddy:
	@if ! command -v caddy >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's caddy for the production smoke..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    (apt-get install -y -q caddy >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q caddy >/dev/null)); \
	  else \
	    echo "caddy is not installed and we are not root: the smoke cannot run."; \
	  fi; \
	fi

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m tools.catalog_check

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint chromium pg-client
	$(BIN)/python -m pytest --db=sqlite
	$(BIN)/python -m pytest --db=postgresql -m "not browser"
	@if [ "$$CI" = "true" ]; then $(MAKE) --no-print-directory smoke; fi

# The README's production recipe on this machine (PostgreSQL and Redis must be running):
# two gunicorns behind Caddy, two schedulers, Chromium as a patient; prints one JSON line.
smoke: $(TEST_STAMP) chromium pg-client caddy
	$(BIN)/python -m tests.smoke

# The benchmarks of the README (reminders needs PostgreSQL; lighthouse installs its pinned
# npm package the first time).
bench: $(TEST_STAMP) chromium
	$(BIN)/python -m bench.today
	$(BIN)/python -m bench.dashboard
	$(BIN)/python -m bench.figures
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.lighthouse

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The catalogs: collect every marked string (babel.cfg) into messages.pot, merge it into each
# language's messages.po (translate the new entries there), then compile the .mo files the
# app reads. Both .po and .mo are committed: nothing is built when the app starts.
# `make lint` (tools/catalog_check.py, with these -k markers) fails on an untranslated or
# fuzzy entry, or on a catalog that no longer matches the marked strings.
TRANSLATIONS := webapp/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k translate:2 -k translate_plural:2,3 --no-wrap --sort-by-file \
	  --project "Between Visits" --copyright-holder "Between Visits" \
	  -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
