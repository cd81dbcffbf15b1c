# Between Visits — the two commands a person needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format install install-test chromium bench clean help

help:
	@echo "make run    start the app with demo data at http://127.0.0.1:5000"
	@echo "make test   install what the tests need and run lint and every test"
	@echo "make lint   ruff, mypy and the import layers (lint-imports)"

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
	$(FLASK) demo
	$(FLASK) serve

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

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint chromium
	$(BIN)/python -m pytest --db=sqlite
	$(BIN)/python -m pytest --db=postgresql -m "not browser"

# The benchmarks of the README (reminders needs PostgreSQL; lighthouse installs its pinned
# npm package the first time).
bench: $(TEST_STAMP) chromium
	$(BIN)/python -m bench.today
	$(BIN)/python -m bench.dashboard
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.lighthouse

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
