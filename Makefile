# RepairNet: `make run` to try it, `make test` to test it. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two installs: the runtime (pyproject's dependencies) is all `make run` / `make demo` need; the dev and test tools
# (the `dev` extra: pytest, Playwright, ruff, schemathesis, …) come only with `make install` / `make test` / CI.
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed
# The runtime goes in with uv (from PyPI, into the venv): measured on this loaded 2-core machine, pip took 181 s of
# wall time (37 s CPU) for the runtime, uv 16.5 s (10 s CPU) with its own installation. It shows what it resolves and
# installs; pip is the fallback when uv cannot be had. The dev tools keep pip (CI's path, unchanged but for the runtime).
PIP_INSTALL := $(PY) -m pip install --progress-bar on
UV := $(VENV)/bin/uv

$(RUNTIME_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "== installing the runtime dependencies into $(VENV) (dev and test tools: make install)"
	$(PIP_INSTALL) uv && $(UV) pip install --python $(PY) -e . || $(PIP_INSTALL) -e .
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP) pyproject.toml
	@echo "== installing the dev and test tools into $(VENV)"
	$(PIP_INSTALL) -q --upgrade pip
	$(PIP_INSTALL) -e '.[dev]'
	touch $(STAMP)

runtime: $(RUNTIME_STAMP)

install: $(STAMP)

migrate: runtime
	@echo "== creating the database tables (migrate)"
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) tools/po.py compile >/dev/null
	@echo "== seeding the demo data (seed_demo)"
	$(PY) manage.py seed_demo

run: demo
	@echo "RepairNet is at http://127.0.0.1:8000/ (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:8000

# Runs the whole suite on every core (pytest-xdist: a database, uploads folder and Redis database per
# worker); with DATABASE_URL / REDIS_URL set it runs against them. REPAIRNET_TEST_NOW=<ISO instant>
# starts every test at that instant (tests/clock.py).
# Exit code 5 ("no tests collected") is an error here: an empty run must not pass.
WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(WORKERS) $(PYTEST_ARGS)

# Before a commit: no browser, no demo seeding, no fuzzing.
test-quick: install
	$(PY) -m pytest -n $(WORKERS) -m "not e2e and not slow" $(PYTEST_ARGS)

# The dates that break date rules: the 1st at 00:05 in Shanghai (still the previous day in UTC, and the
# end of a short February), New Year's Eve at 23:55, and a day of the Spring Festival holiday.
PINNED_INSTANTS ?= 2027-03-01T00:05+08:00 2026-12-31T23:55+08:00 2026-02-17T10:00+08:00
pinned-instants:
	@echo $(PINNED_INSTANTS)

test-pinned: install
	@for instant in $(PINNED_INSTANTS); do \
	  echo "== REPAIRNET_TEST_NOW=$$instant"; \
	  REPAIRNET_TEST_NOW=$$instant $(PY) -m pytest -n $(WORKERS) -m "not e2e" $(PYTEST_ARGS) || exit 1; \
	done

# Network-scale figures (bench/network.py report): fills DATABASE_URL, a throw-away PostgreSQL database, up to
# TICKETS tickets on the first run, then prints one table. Needs wrk for the throughput rows (apt-get install wrk).
TICKETS ?= 1000000
bench: install
	$(PY) bench/network.py report --tickets $(TICKETS) $(BENCH_ARGS)

e2e: install
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

# Extract strings into each area's catalogue and compile them (needs GNU gettext).
messages: install
	$(PY) tools/messages.py

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) *.egg-info staticfiles test-artifacts
