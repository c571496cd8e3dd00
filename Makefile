# The two commands of the README, and what they need. Python comes from pyenv (.python-version).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install e2e-setup lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Run the dashboard on SQLite with the sandbox upstream at http://127.0.0.1:8000
demo: install
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py demo $(ADDRPORT)

## Install everything and run the whole test suite (browser journeys included)
test: install e2e-setup
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

e2e-setup:
	bash scripts/setup-e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
