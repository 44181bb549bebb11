# RepairNet: `make run` to try it, `make test` to test it. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate demo messages lint check-ci e2e clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) tools/po.py compile >/dev/null
	$(PY) manage.py seed_demo

run: demo
	@echo "RepairNet is at http://127.0.0.1:8000/ (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:8000

# Runs the whole suite; with DATABASE_URL / REDIS_URL set it runs against them.
# Exit code 5 ("no tests collected") is an error here: an empty run must not pass.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

e2e: install
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

# Extract strings into each area's catalogue and compile them (needs GNU gettext).
messages: install
	$(PY) tools/messages.py

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) *.egg-info staticfiles test-artifacts
