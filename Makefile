# breachtrail — the two commands a newcomer needs: `make run` and `make test`.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test lint typecheck layers unit integration e2e fuzz bench clean vendor-dkfds browser screenshots translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever the project's metadata changes.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

run: $(VENV)/.installed-runtime
	$(BIN)/breachtrail serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

layers: $(VENV)/.installed-dev
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

test: lint layers typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

e2e: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

# A longer, still seeded, run of the generated requests: the stateful sequences (POST /cases, then
# its steps through the document's links) with FUZZ_SCENARIOS scenarios, and the per-operation run.
# On PostgreSQL too when BREACHTRAIL_TEST_POSTGRES_URL is set.
FUZZ_SCENARIOS ?= 300
fuzz: $(VENV)/.installed-dev
	BREACHTRAIL_FUZZ_SCENARIOS=$(FUZZ_SCENARIOS) $(BIN)/python -m pytest tests/e2e/test_fuzz_stateful.py tests/e2e/test_fuzz.py $(PYTEST_ARGS)

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed-runtime

# Starts gunicorn on loopback against the local PostgreSQL (BENCH_POSTGRES_URL, an admin URL; the
# run makes and drops its own databases) and a SQLite file; see docs/PERFORMANCE.md.
# `make bench QUICK=1` runs the same table on small data with short loads (meant for under two minutes).
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench $(if $(QUICK),--quick) $(BENCH_ARGS)

# Re-vendors Det Fælles Designsystem into adapters/web/static/dkfds/ with npm pack (needs npm).
# The version recorded in adapters/web/static/dkfds/VERSION, or `make vendor-dkfds DKFDS_VERSION=x.y.z`.
vendor-dkfds:
	bash adapters/web/static/refresh-dkfds.sh $(DKFDS_VERSION)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Browser tests only (Chromium; skipped without it, except under CI=true).
browser: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

# PNGs of the main pages for the README, in docs/screenshots/.
screenshots: $(VENV)/.installed-dev
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

# After changing a page's text: extract it, update the English catalogue, compile it (commit both files).
translations: $(VENV)/.installed-dev
	mkdir -p var
	$(BIN)/pybabel extract -F adapters/web/babel.cfg -k _l --no-location -w 120 -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d adapters/web/translations -l en -w 120
	$(BIN)/pybabel compile -d adapters/web/translations -l en
