# mangfold: two commands. `make report` sets everything up and produces the annual report on the
# demo municipality; `make test` sets up the same environment and runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Every package's exact version (transitive ones too), installed as pip constraints; `make lock` refreshes it.
LOCK   := requirements.lock
DEMO   := outputs/demo-data
# Years of demo data written and ingested, and the years reported.
DATA_YEARS ?= 2021-2025
YEARS      ?= 2025
SCALE      ?= small
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: setup report demo test test-fast test-stress lock benchmark lab clean help

help:
	@echo "make report   set up .venv, write the demo municipality, run the pipeline -> outputs/$(YEARS)/public/report.html"
	@echo "make test     set up .venv and run the test suite (what CI runs)"
	@echo "make test-fast  the tests not marked slow (under a minute)"
	@echo "make lock     re-resolve the dependencies and rewrite $(LOCK)"
	@echo "make lab      open the notebooks in JupyterLab"
	@echo "make benchmark  run benchmarks/ (oslo scale; slow)"

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/mangfold demo-data $(DEMO) --years $(DATA_YEARS) --scale $(SCALE)

report: demo
	$(BIN)/mangfold run --years $(YEARS) --data $(DEMO) --jobs $(JOBS)
	@echo "Report: outputs/<year>/public/report.html (e.g. outputs/$(lastword $(subst -, ,$(YEARS)))/public/report.html)"

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -m "not stress"

# a few hundred generated municipalities through the whole pipeline (MANGFOLD_GEN_SLOW_N, default 200)
test-stress: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -m stress

test-fast: setup
	$(BIN)/python -m pytest -n 2 -m "not slow and not stress" -q

# Resolve `.[test]` afresh (newest releases within pyproject's lower bounds) in a throwaway venv and
# write every installed version to $(LOCK), sorted. Run it with Python 3.11 (what CI uses), e.g.
# `make lock PYTHON=python3.11`; commit the new lock after `make test` passes on it.
lock:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "make lock: $(PYTHON) is Python %d.%d; the lock is made with 3.11 (make lock PYTHON=python3.11)" % sys.version_info[:2])'
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip; \
	"$$tmp/venv/bin/python" -m pip install --quiet -e ".[test]"; \
	{ echo "# $(LOCK): the exact version of every package that \`pip install -e .[test]\` installs (mangfold itself"; \
	  echo "# left out). Made by \`make lock\`: a fresh venv, \`pip install -e \".[test]\"\` without pins (newest"; \
	  echo "# releases within pyproject.toml's lower bounds), then \`pip freeze --exclude-editable\`, sorted by name."; \
	  echo "# Python $$("$$tmp/venv/bin/python" -c 'import platform; print(platform.python_version())'), $$("$$tmp/venv/bin/python" -m pip --version | cut -d' ' -f1-2), $$(uname -sm), $$(date -u +%Y-%m-%d)."; \
	  echo "# Installed as constraints: pip install -c $(LOCK) -e \".[test]\"  (make setup, make test, CI)."; \
	  "$$tmp/venv/bin/python" -m pip freeze --exclude-editable \
	    | awk -F'==' '{k = tolower($$1); gsub(/[-_.]+/, "-", k); print k " " $$0}' | LC_ALL=C sort -k1,1 | cut -d' ' -f2; \
	} > "$(LOCK).tmp"; \
	mv "$(LOCK).tmp" "$(LOCK)"; \
	echo "wrote $(LOCK): $$(grep -c '==' $(LOCK)) packages"

lab: setup
	$(BIN)/jupyter lab notebooks/

benchmark: setup
	$(BIN)/python benchmarks/run_benchmarks.py

clean:
	rm -rf outputs/20* outputs/demo-data outputs/*.duckdb
