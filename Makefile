# Two commands: `make run` starts the hub on embedded defaults, `make test` runs the suite.
# Everything else installs itself on first use.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NPM_FRONTEND := frontend/node_modules/.installed
NPM_WIDGET := frontend/widget/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests run against the local PostgreSQL and Redis (what production uses); override to taste.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hub
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=
# Then again on the embedded default (`make run`): SQLite, no Redis, tasks in-process. Its tests
# get a file of their own (var/test-embedded/test_hub.sqlite3, one per xdist worker).
EMBEDDED_TEST_DATABASE_URL ?= sqlite:///$(CURDIR)/var/test-embedded/hub.sqlite3
# What drives no browser, starts no real Celery worker and restarts no service: it runs on xdist
# workers, and is the quick loop of `make test-fast`.
PARALLEL_MARKERS := not browser and not worker and not fault
EMBEDDED_TEST_MARKERS := not postgres and not redis and $(PARALLEL_MARKERS)
EMBEDDED_TEST_WORKERS ?= 2
TEST_WORKERS ?= 2

.PHONY: install run run-services test test-embedded test-fast lint format bench bench-compare clean messages

install: $(STAMP) assets

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required: install Python 3.11 (or run make PYTHON=/path/to/python3.11)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# The agent UI's TypeScript islands and the chat widget, built with Node (20 or newer).
assets: $(NPM_FRONTEND) $(NPM_WIDGET)
	@if [ -f frontend/package.json ]; then cd frontend && npm run --silent build; fi
	@if [ -f frontend/widget/package.json ]; then cd frontend/widget && npm run --silent build; fi

$(NPM_FRONTEND): $(wildcard frontend/package.json frontend/package-lock.json)
	@command -v npm >/dev/null || { echo "npm is required for the agent UI: install Node.js 20 or newer"; exit 1; }
	@if [ -f frontend/package.json ]; then cd frontend && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; fi

$(NPM_WIDGET): $(wildcard frontend/widget/package.json frontend/widget/package-lock.json)
	@if [ -f frontend/widget/package.json ]; then cd frontend/widget && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; fi

# Embedded defaults: SQLite, in-memory channel layer, Celery tasks in-process, demo data.
run: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py runhub --host $(HOST) --port $(PORT)

# The production topology on this machine: local PostgreSQL and Redis, web + worker + beat.
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hub
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/0
run-services: install
	DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) DEBUG=true bash scripts/run-services.sh

# On PostgreSQL and Redis: first what runs side by side (each xdist worker has a test database
# and a Redis database of its own, hub/tests/redis_per_worker.py), then one after the other what
# drives a browser, starts real workers or restarts services. Exit status 5 is "nothing of this
# part was selected" (PYTEST_ARGS naming one file), not a failure.
test: install
	@bash scripts/ensure-test-deps.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest --create-db -q \
		-n $(TEST_WORKERS) -m "$(PARALLEL_MARKERS)" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest --create-db -q \
		-m "not ($(PARALLEL_MARKERS))" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(MAKE) --no-print-directory test-embedded

# The suite on the embedded default, less what needs PostgreSQL, Redis, a browser, a real worker
# or the fault stack (markers in pyproject.toml).
test-embedded: install
	DATABASE_URL=$(EMBEDDED_TEST_DATABASE_URL) REDIS_URL= $(VENV)/bin/pytest --create-db -q \
		-n $(EMBEDDED_TEST_WORKERS) -m "$(EMBEDDED_TEST_MARKERS)" $(PYTEST_ARGS)

# Everything but the browser and real-worker tests, for a quick loop.
test-fast: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -q -m "$(PARALLEL_MARKERS)" $(PYTEST_ARGS)

# Ruff, mypy, the import rules between hub, channel apps and frontend (pyproject.toml,
# tool.importlinter), and no model change without its migration.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	DEBUG=true $(PY) manage.py makemessages -l de -l en --ignore=.venv --ignore='*/node_modules/*'
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

bench: install
	DEBUG=true $(PY) -m bench.run

# The same generated mails through django-helpdesk (installed into var/helpdesk-venv on first
# use) and through the hub's front doors, on the benchmark's 10k database; prints the ratio.
BENCH_COMPARE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hub_bench10k
bench-compare: install
	DATABASE_URL=$(BENCH_COMPARE_DATABASE_URL) $(PY) -m bench.helpdesk_compare

clean:
	rm -rf var/ frontend/static/frontend/dist frontend/node_modules frontend/widget/node_modules
