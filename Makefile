# Two commands do everything on a fresh machine with python3 and make:
#   make demo   install, sample year, the whole pipeline through Dagster, reports
#   make test   the whole suite (pytest, incl. dbt build on generated data)
# and `make dev` starts the Dagster UI on 127.0.0.1:3000.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
YEAR ?= 2019
ROWS_PER_MONTH ?= 3000
DEFECT_RATE ?= 0.03
SEED ?= 7
DATA ?= $(CURDIR)/data

export MONITORING_DATA_DIR ?= $(DATA)
export MONITORING_WAREHOUSE_PATH ?= $(MONITORING_DATA_DIR)/warehouse.duckdb
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export PATH := $(CURDIR)/$(BIN):$(PATH)

DBT := cd dbt_project && dbt
DBT_SOURCES := $(shell find dbt_project/models dbt_project/seeds dbt_project/macros dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
MANIFEST := dbt_project/target/manifest.json

.PHONY: install demo test dev sample pipeline lint clean bench

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib orchestration schemas > /dev/null || true
	touch $@

install: $(VENV)/.installed $(MANIFEST)

# dagster-dbt loads its assets from a manifest; parse once whenever the dbt project changes.
$(MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	$(DBT) parse --profiles-dir . --quiet
	touch $@

sample: install
	rm -rf $(MONITORING_DATA_DIR)/landing $(MONITORING_DATA_DIR)/sample_truth
	$(BIN)/python -m orchestration.sample_data --year $(YEAR) --rows-per-month $(ROWS_PER_MONTH) \
		--defect-rate $(DEFECT_RATE) --seed $(SEED) --out $(MONITORING_DATA_DIR)/landing

pipeline: install
	MONITORING_DEMO=1 $(BIN)/python -m orchestration.run_year --year $(YEAR)

demo: install sample pipeline

test: install
	MONITORING_DEMO=1 $(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check orchestration schemas tests

dev: install
	MONITORING_DEMO=$${MONITORING_DEMO-1} $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# A year of generated inputs through the real Dagster jobs, timed against a one-query floor;
# the last line printed is the JSON result (orchestration/bench.py). Inputs are reused per size.
BENCH_DIR ?= /tmp/bench
bench: install
	MONITORING_DEMO=1 $(BIN)/python -m orchestration.bench --rows-per-month $(ROWS_PER_MONTH) --year $(YEAR) \
		--seed $(SEED) --defect-rate $(DEFECT_RATE) --bench-dir $(BENCH_DIR) $(BENCH_ARGS)

clean:
	rm -rf $(MONITORING_DATA_DIR) dbt_project/target dbt_project/logs
