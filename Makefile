# Two set-up commands: `make demo` and `make test`. Each creates .venv on first use.
# Everyday work: `make check` (lint, type check, fast tests; under a minute).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test check bench sample constraints clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	# bytecode now, as installing a wheel would: a first run does not compile ~140 modules (~0.5 s)
	$(BIN)/python -m compileall -q connectors pipelines rules reports xuncha samplegen
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/xuncha run data/sample --workspace workspace

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# the fast tier: tests not marked slow (tests/conftest.py lists the slow modules)
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not benchmark"

bench: $(STAMP)
	$(BIN)/python -m pytest -q -s -m benchmark benchmarks

sample: $(STAMP)
	$(BIN)/xuncha sample data/sample --seed 2024

# Regenerate constraints.txt: the project and its dev tools installed alone in a fresh venv, frozen.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	.venv-constraints/bin/pip freeze --exclude-editable | LC_ALL=C sort -f > constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) workspace
