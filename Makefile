# Two commands do all the set-up on a fresh machine:
#   make demo   environment + system packages + demo extracts + full materialisation + board paper
#   make test   environment + system packages + the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check setup system-deps ui daemon bench clean lab

demo: setup
	$(BIN)/oba demo

test: setup
	$(BIN)/python -m pytest

# The fast loop while changing code: lint (ruff, with a complexity limit) and the tests not
# marked slow (tests/slow_tests.txt). `make test` still runs everything; CI runs `make test`.
check: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow"

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Chromium renders the board paper to PDF and is the browser the tests drive.
system-deps:
	@bash scripts/system-deps.sh

ui: setup
	$(BIN)/oba ui

# JupyterLab on the notebooks (optional extra "lab", installed on first use; not part of setup).
# The notebooks find the warehouse themselves: $$OBA_DATA_DIR, else this project's data/.
LAB_STAMP := $(VENV)/.lab-installed

$(LAB_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,lab]"
	touch $(LAB_STAMP)

lab: setup $(LAB_STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: setup
	$(BIN)/python -m bench --scale 1

clean:
	rm -rf $(VENV) data
