# Two commands on a fresh machine: `make run` and `make test`. Everything lands in .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: install run demo test lint format bench clean chromium wrk

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "digestcms needs Python 3.11 (Django 5.2 LTS); set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing dependencies into $(VENV) …"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py rundemo

demo: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py rundemo --no-serve

test: install lint chromium
	DJANGO_SETTINGS_MODULE=digestcms.settings.test $(BIN)/pytest

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work
# offline). Installed here when missing and when we may; otherwise they skip, saying why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests …"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "Could not install chromium (not root, or no package mirror): browser tests will be skipped."; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install wrk
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/placement.py
	$(BIN)/python bench/drafting.py
	$(BIN)/python bench/site.py
	$(BIN)/python bench/page_cpu.py
	$(BIN)/python bench/load.py

# The public site's benchmark loads gunicorn with Debian's wrk; without it, bench/site.py
# falls back to a slower Python load generator and says so.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the public site's benchmark …"; \
	  (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) \
	  || echo "Could not install wrk (not root, or no package mirror): bench/site.py will use its Python load generator."; }

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
