# mangfold: two commands. `make report` sets everything up and produces the annual report on the
# demo municipality; `make test` sets up the same environment and runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := outputs/demo-data
# Years of demo data written and ingested, and the years reported.
DATA_YEARS ?= 2021-2025
YEARS      ?= 2025
SCALE      ?= small
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: setup report demo test test-fast benchmark lab clean help

help:
	@echo "make report   set up .venv, write the demo municipality, run the pipeline -> outputs/$(YEARS)/public/report.html"
	@echo "make test     set up .venv and run the test suite"
	@echo "make lab      open the notebooks in JupyterLab"
	@echo "make benchmark  run benchmarks/ (oslo scale; slow)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/mangfold demo-data $(DEMO) --years $(DATA_YEARS) --scale $(SCALE)

report: demo
	$(BIN)/mangfold run --years $(YEARS) --data $(DEMO) --jobs $(JOBS)
	@echo "Report: outputs/<year>/public/report.html (e.g. outputs/$(lastword $(subst -, ,$(YEARS)))/public/report.html)"

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

lab: setup
	$(BIN)/jupyter lab notebooks/

benchmark: setup
	$(BIN)/python benchmarks/run_benchmarks.py

clean:
	rm -rf outputs/20* outputs/demo-data outputs/*.duckdb
