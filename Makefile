# mockscim developer tasks. Every target builds .venv from PyPI when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=
# -qq: pip prints errors only, so the first `make run` ends with the banner (warnings from a
# machine's pip configuration or from setuptools' editable mode are noise here).
PIP := $(BIN)/pip install -qq

.PHONY: run test lint fmt clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(PIP) -e '.[test]'
	touch $@

run: $(BIN)/.installed  ## start the mock SCIM server on 127.0.0.1:8080
	$(BIN)/mockscim serve $(ARGS)

test: $(BIN)/.installed-test  ## lint, then run the whole suite (installs Chromium for the browser tests)
	bash scripts/install-browser.sh
	$(BIN)/ruff check mockscim tests
	$(BIN)/python -m pytest $(ARGS)

lint: $(BIN)/.installed-test  ## ruff
	$(BIN)/ruff check mockscim tests
	$(BIN)/ruff format --check mockscim tests

fmt: $(BIN)/.installed-test
	$(BIN)/ruff check --fix mockscim tests
	$(BIN)/ruff format mockscim tests

.PHONY: bench bench-quick

$(BIN)/.installed-bench: $(BIN)/.installed
	$(PIP) -e '.[bench]'
	touch $@

bench: $(BIN)/.installed-bench  ## benchmarks (about 13 minutes: 784 s measured, docs/performance.md): tables on stdout, JSON in benchmarks/results/
	sh benchmarks/install-tools.sh
	$(BIN)/python -m benchmarks.run $(ARGS)

bench-quick: $(BIN)/.installed-bench  ## the same figures, smaller (under a minute)
	sh benchmarks/install-tools.sh
	$(BIN)/python -m benchmarks.run --quick $(ARGS)

.PHONY: load-reference

$(BIN)/.installed-load: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[load]'
	touch $@

load-reference: $(BIN)/.installed-load  ## the reference load run of docs/performance.md (about 80 s)
	mkdir -p benchmarks/results
	$(BIN)/mockscim load --profile balanced --users 10 --duration 60s \
	  --json-report benchmarks/results/load-reference.json --html-report benchmarks/results/load-reference.html $(ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
