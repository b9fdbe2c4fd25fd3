# Chainrule: `make run` opens the editor, `make test` runs the suite headless.
# Everything lives in .venv, created on first use from pyproject.toml.

SHELL := /bin/bash

VENV    := .venv
VPY     := $(VENV)/bin/python
# .venv/bin/python is a symlink to the system interpreter, so its timestamp
# says nothing about the venv (and touching it would touch the interpreter).
# This file is written once the install has succeeded.
STAMP   := $(VENV)/.installed

# The first of these that runs and is Python 3.11 or newer.
PYTHON_CANDIDATES := python3.13 python3.12 python3.11 python3
PYTHON ?= $(shell for p in $(PYTHON_CANDIDATES); do \
	if command -v $$p >/dev/null 2>&1 && \
	   $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
		echo $$p; break; fi; done)

TORCH_VERSION := 2.13.0
# PyTorch float64 is the reference the ops are tested against. It is taken
# only from a local wheel (pip's find-links) unless you clear this, because
# the registry's default build pulls several GB of CUDA libraries.
TORCH_PIP_ARGS ?= --no-index
TORCH_STAMP := $(VENV)/.torch-tried

# pip, quietly (errors still show).
PIP := $(VPY) -m pip --disable-pip-version-check

.PHONY: all .venv run test bench clean screenshot help

all: test

help:
	@echo "make run         open the editor on the default demo"
	@echo "make test        run the whole test suite headless"
	@echo "make bench       run the benchmarks (installs micrograd, and torch if it can)"
	@echo "make screenshot  save screenshots of the editor"
	@echo "make clean       remove .venv and caches"

.venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ] || ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
		echo "error: Chainrule needs Python 3.11 or newer; none of $(or $(PYTHON),$(PYTHON_CANDIDATES)) is one." >&2; \
		echo "Install one (e.g. sudo apt-get install python3 python3-venv) or call: make PYTHON=/path/to/python3.11" >&2; \
		exit 1; \
	fi
	@echo "Setting up $(VENV) with $$($(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])') ..."
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip
	@$(PIP) install --quiet -e '.[test]'
	@touch $@
	@echo "$(VENV) is ready."

run: $(STAMP)
	@$(VPY) -m chainrule.gui.qt_check
	$(VENV)/bin/chainrule $(ARGS)

# Best effort: without PyTorch the reference tests are skipped, not failed.
$(TORCH_STAMP): $(STAMP)
	@$(PIP) install --quiet $(TORCH_PIP_ARGS) --no-deps torch==$(TORCH_VERSION) >/dev/null 2>&1 \
		&& $(PIP) install --quiet torch==$(TORCH_VERSION) >/dev/null 2>&1 \
		&& echo "PyTorch $(TORCH_VERSION) installed: reference tests enabled." \
		|| echo "PyTorch not available locally: reference tests will be skipped."
	@touch $@

test: $(STAMP) $(TORCH_STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	@$(PIP) install --quiet -e '.[bench]'
	@$(PIP) install --quiet $(TORCH_PIP_ARGS) --no-deps torch==$(TORCH_VERSION) >/dev/null 2>&1 \
		&& $(PIP) install --quiet torch==$(TORCH_VERSION) >/dev/null 2>&1 \
		|| echo "torch not installed: PyTorch comparisons skipped"
	@shopt -s nullglob; files=(tests/benchmarks/bench_*.py); \
	if [ $${#files[@]} -eq 0 ]; then \
		echo "No benchmarks yet: tests/benchmarks/bench_*.py does not exist."; exit 0; \
	fi; \
	status=0; \
	for f in "$${files[@]}"; do \
		echo "== $$f"; \
		QT_QPA_PLATFORM=offscreen $(VPY) "$$f" || { echo "FAILED: $$f" >&2; status=1; }; \
	done; \
	exit $$status

screenshot: $(STAMP)
	$(VPY) tests/tools/screenshot.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
