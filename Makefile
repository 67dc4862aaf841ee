# The two commands of the README (`make run`, `make test`) do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PYTHONDONTWRITEBYTECODE := 1
DEMO_CUSTOMERS ?= 200
DEMO_SEED ?= 1
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist processes; 2 fits the 2-core machines this project is tested on.
TEST_WORKERS ?= 2

.PHONY: help venv assets browser run serve test check-services lint format worker beat bench messages migrate backup restore clean

help:
	@echo "make run    - set up and serve the CRM with demo data on http://$(HOST):$(PORT)"
	@echo "make test   - set up and run the whole suite against PostgreSQL and Redis"
	@echo "make lint / format / worker / beat / bench / messages / backup / restore FILE=..."

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# htmx and ECharts come from the npm registry at set-up time and are served by the CRM itself.
var/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p var/vendor/htmx var/vendor/echarts
	cp node_modules/htmx.org/dist/htmx.min.js var/vendor/htmx/
	cp node_modules/echarts/dist/echarts.min.js var/vendor/echarts/
	@touch $@

assets: var/vendor/.installed

# Debian's Chromium for the browser tests (test tools may not download browsers here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install Debian's chromium; browser tests will say so."; \
	  else echo "Install Debian's chromium for the browser tests: sudo apt-get install -y chromium"; fi; \
	fi

migrate: venv assets
	$(PY) manage.py migrate --noinput

run: export CRM_ENV ?= development
run: venv assets
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED) --if-empty
	@echo "Serving the CRM on http://$(HOST):$(PORT) (Ctrl-C stops it and its Celery jobs)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(VENV)/bin/celery -A crm beat --loglevel=warning --schedule=var/celerybeat-schedule & \
	  if [ -n "$$REDIS_URL" ]; then $(VENV)/bin/celery -A crm worker -Q default,billing,analytics --loglevel=info & fi; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

check-services: venv
	@$(PY) scripts/check_services.py

test: export CRM_ENV := test
test: venv assets browser check-services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=crm.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/check_messages.py
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --create-db $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: venv
	$(VENV)/bin/celery -A crm worker -Q default,billing,analytics --loglevel=info

beat: venv
	$(VENV)/bin/celery -A crm beat --loglevel=info --schedule=var/celerybeat-schedule

# Benchmarks print their figures and write bench/results/; never part of `make test`.
bench: venv assets check-services
	CRM_ENV=test $(PY) bench/run.py $(if $(SCALE),--scale $(SCALE),)

messages: venv
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# Backups of DATABASE_URL (PostgreSQL): `make backup` writes var/backups/crm-<time>.dump; `make restore FILE=...`
# asks before it replaces the data (YES=1 does not ask). See README "Security and reliability".
backup: venv
	$(PY) scripts/backup.py backup

restore: venv
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/crm-<time>.dump [YES=1]"; exit 2; }
	$(PY) scripts/backup.py restore "$(FILE)" $(if $(filter 1 yes true,$(YES)),--yes,)

clean:
	rm -rf $(VENV) var node_modules
