# mockscim developer tasks. Every target builds .venv from PyPI when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test lint fmt clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed  ## start the mock SCIM server on 127.0.0.1:8080
	$(BIN)/mockscim serve $(ARGS)

test: $(BIN)/.installed-test  ## lint, then run the whole suite
	$(BIN)/ruff check mockscim tests
	$(BIN)/python -m pytest $(ARGS)

lint: $(BIN)/.installed-test  ## ruff
	$(BIN)/ruff check mockscim tests
	$(BIN)/ruff format --check mockscim tests

fmt: $(BIN)/.installed-test
	$(BIN)/ruff check --fix mockscim tests
	$(BIN)/ruff format mockscim tests

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
