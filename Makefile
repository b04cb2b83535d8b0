# consentry: `make run` serves the demo, `make test` runs the whole suite (SQLite and PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-deps check lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	@scripts/run

test-deps:
	@scripts/test-deps

test: install test-deps
	@scripts/test

bench: install
	@bench/run

check: install
	@scripts/check

format: install
	$(BIN)/ruff format src tests demo_client
	$(BIN)/ruff check --fix src tests demo_client

clean:
	rm -rf $(VENV) var test-artifacts
