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
SIM_ROWS_PER_MONTH ?= $(if $(filter command line,$(origin ROWS_PER_MONTH)),$(ROWS_PER_MONTH),300)
DATA ?= $(CURDIR)/data

export MONITORING_DATA_DIR ?= $(DATA)
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export PATH := $(CURDIR)/$(BIN):$(PATH)

DBT := cd dbt_project && dbt
DBT_SOURCES := $(shell find dbt_project/models dbt_project/seeds dbt_project/macros dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
MANIFEST := dbt_project/target/manifest.json

.PHONY: install office browser postgres demo test dev sample pipeline lint clean bench simulate

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib orchestration schemas > /dev/null || true
	touch $@

install: $(VENV)/.installed $(MANIFEST) office

# LibreOffice turns each report's .docx into the PDF that is printed (clause 13); Liberation
# Serif has Times New Roman's metrics, so the pages break as they do in Word; poppler-utils'
# pdftoppm renders a report's pages to images to look at them. Debian's packages, installed as
# root where missing (~15 s the first time here); elsewhere install them by hand.
OFFICE_PACKAGES := libreoffice-writer-nogui fonts-liberation2 poppler-utils
office:
	@if command -v soffice > /dev/null && fc-list | grep -q LiberationSerif && command -v pdftoppm > /dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
		echo "installing $(OFFICE_PACKAGES) (Debian) for the reports' PDF"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(OFFICE_PACKAGES) > /dev/null; \
	else echo "LibreOffice missing: install $(OFFICE_PACKAGES) (Debian) for the reports' PDF" >&2; fi

# PostgreSQL's server programs (initdb, pg_ctl, postgres): the tests start a throw-away cluster
# of their own (tests/postgres_server.py) for the marts published to PostgreSQL and the Dagster
# instance on PostgreSQL. Debian's package, installed by `make test` as root where missing (not by
# `make install`: `make demo` needs no server, and on a machine with systemd the package starts a
# cluster of its own). Elsewhere install it by hand (the tests fail, saying so, without it).
POSTGRES_PACKAGES := postgresql
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 || command -v initdb > /dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
		echo "installing $(POSTGRES_PACKAGES) (Debian) for the PostgreSQL tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(POSTGRES_PACKAGES) > /dev/null; \
	else echo "PostgreSQL missing: install $(POSTGRES_PACKAGES) (Debian) for the PostgreSQL tests" >&2; fi

# Debian's headless Chromium: the suite's browser test opens the Dagster UI in it (tests/test_ui_server.py).
# Installed as root where missing; elsewhere install it by hand.
BROWSER_PACKAGES := chromium
browser:
	@if command -v chromium > /dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
		echo "installing $(BROWSER_PACKAGES) (Debian) for the browser test of the Dagster UI"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(BROWSER_PACKAGES) > /dev/null; \
	else echo "Chromium missing: install $(BROWSER_PACKAGES) (Debian) for the browser test of the Dagster UI" >&2; fi

# dagster-dbt loads its assets from a manifest; parse once whenever the dbt project changes.
# A manifest that is not valid JSON (dbt stopped while writing it) is removed before make
# compares dates, with dbt's partial-parse state, so it is rebuilt instead of failing every load.
$(shell test -f $(MANIFEST) && ! $(PYTHON) -c 'import json,sys; json.load(open(sys.argv[1]))' $(MANIFEST) \
	2>/dev/null && rm -f $(MANIFEST) dbt_project/target/partial_parse.msgpack)
$(MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	$(DBT) parse --profiles-dir . --quiet
	touch $@

sample: install
	rm -rf $(MONITORING_DATA_DIR)/landing $(MONITORING_DATA_DIR)/sample_truth
	$(BIN)/python -m orchestration.tools.sample_data --year $(YEAR) --rows-per-month $(ROWS_PER_MONTH) \
		--defect-rate $(DEFECT_RATE) --seed $(SEED) --out $(MONITORING_DATA_DIR)/landing

pipeline: install
	MONITORING_DEMO=1 MONITORING_LANDING_SETTLE_SECONDS=0 $(BIN)/python -m orchestration.tools.run_year --year $(YEAR)

demo: install sample pipeline

# A sample year through the real sensors and schedules with a simulated clock (timeline in
# data/simulation/timeline.md); the runs are on the DAGSTER_HOME instance, seen in `make dev`.
simulate: install
	MONITORING_DEMO=1 $(BIN)/python -m orchestration.tools.simulate --year $(YEAR) \
		--rows-per-month $(SIM_ROWS_PER_MONTH) --defect-rate $(DEFECT_RATE) --seed $(SEED) $(SIMULATE_ARGS)

test: install postgres browser
	MONITORING_DEMO=1 MONITORING_LANDING_SETTLE_SECONDS=0 $(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check orchestration schemas tests

dev: install
	MONITORING_DEMO=$${MONITORING_DEMO-1} $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# A year of generated inputs through the real Dagster jobs, timed against a one-query floor;
# the last line printed is the JSON result (orchestration/tools/bench.py). Inputs are reused per size.
BENCH_DIR ?= /tmp/bench
bench: install
	MONITORING_DEMO=1 MONITORING_LANDING_SETTLE_SECONDS=0 $(BIN)/python -m orchestration.tools.bench --rows-per-month $(ROWS_PER_MONTH) --year $(YEAR) \
		--seed $(SEED) --defect-rate $(DEFECT_RATE) --bench-dir $(BENCH_DIR) $(BENCH_ARGS)

clean:
	rm -rf $(MONITORING_DATA_DIR) dbt_project/target dbt_project/logs
