# One entry point per job. `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DB ?= var/demo.sqlite
DEMO_SIZE ?= 100000

.PHONY: help install run test test-es check lint typecheck imports pytest bench data ui clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the package with its dev tools

run: $(STAMP)  ## serve the demo dataset on http://127.0.0.1:8000 (built on first start)
	$(BIN)/ror serve --demo --db $(DEMO_DB) --demo-size $(DEMO_SIZE)

test: check pytest  ## lint, type-check and run the whole test suite

check: lint typecheck imports  ## ruff, mypy and the import contracts

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)  ## the layers and independence contracts (pyproject.toml [tool.importlinter])
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/python -m pytest

test-es: $(STAMP)  ## the Elasticsearch integration suite against the cluster at ROR_ES_URL
	@test -n "$$ROR_ES_URL" || { echo "make test-es: set ROR_ES_URL=http://127.0.0.1:9200 (see docker-compose.yml)"; exit 2; }
	$(BIN)/python -m pytest tests/es -v

bench: $(STAMP)  ## benchmark at 1 M synthetic offers; writes bench/results.json
	$(BIN)/python -m bench

data: $(STAMP)  ## rebuild the shipped reference tables from the official files in data/
	$(BIN)/python scripts/build_nomenclatures.py
	$(BIN)/python scripts/build_gazetteer.py

ui:  ## vendor Leaflet (served) and axe-core (browser tests) from the npm registry, licences kept (needs npm)
	sh scripts/vendor_ui.sh

clean:  ## remove the virtualenv, caches and built data
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .grimp_cache test-output
