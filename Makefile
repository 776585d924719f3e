# ALLFORCES — `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_ARCHIVE := demo/archive
# Debian packages: a Japanese font for share cards, a browser for browser tests, Java for the HTML checker,
# PostgreSQL's server programs for the streaming-replica test (tests/faults/test_replica.py).
SYSTEM_PACKAGES := fonts-noto-cjk chromium default-jre-headless wrk postgresql
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run serve backup restore test install install-dev system-deps tools lint format migrations-check demo clean bench bench-search load-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: system-deps $(VENV)/.installed-dev tools

## tools: tools from npm (pinned in tools/package-lock.json) into tools/node_modules: the Nu Html Checker for the
## tests, and textlint, which the desk's 校正 panel runs with Node (articles/proofreading.py)
tools: tools/node_modules/.installed

# --ignore-scripts: vnu-jar's install script would download a Java runtime; Java comes from system-deps.
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  { npm ci --prefix tools --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; } || \
	  echo "tools: npm ci failed (continuing without the HTML checker and the 校正 panel)." >&2; \
	else \
	  echo "tools: npm is missing; install Node.js with npm for the HTML checker and the 校正 panel (continuing without them)." >&2; \
	fi

## system-deps: install missing $(SYSTEM_PACKAGES) with apt-get; elsewhere, say what to install and go on
system-deps:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do \
	  dpkg -s "$$package" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then \
	  exit 0; \
	elif ! command -v apt-get >/dev/null 2>&1 || [ "$$(id -u)" -ne 0 ]; then \
	  echo "system-deps: missing$$missing; install them as root with apt-get (continuing without them)." >&2; \
	else \
	  echo "system-deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get -o DPkg::Lock::Timeout=300 update -qq && \
	    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $$missing; } || \
	  echo "system-deps: apt-get could not install$$missing (continuing without them)." >&2; \
	fi

## run: install, migrate, load the demo archive and accounts, serve on 127.0.0.1:$(PORT)
run: system-deps install tools
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py import_jekyll $(DEMO_ARCHIVE)
	DEBUG=1 $(BIN)/python manage.py seed_demo_images
	DEBUG=1 $(BIN)/python manage.py create_demo_accounts
	DEBUG=1 $(BIN)/python manage.py seed_demo_series
	DEBUG=1 $(BIN)/python manage.py seed_demo_views
	@echo "ALLFORCES: http://127.0.0.1:$(PORT)/  (管理画面: http://127.0.0.1:$(PORT)/admin/)"
	DEBUG=1 PORT=$(PORT) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (SQLite unless DATABASE_URL says otherwise)
test: install-dev
	$(BIN)/pytest

## e2e: only the end-to-end browser tests (tests/e2e, marked e2e); `make test` runs them with the rest
.PHONY: e2e
e2e: install-dev
	$(BIN)/pytest -m e2e tests/e2e

## lint: ruff, and the layers of articles/ (import-linter, contracts in pyproject.toml)
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install-dev
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache tools/node_modules artifacts

## serve: production-like on 127.0.0.1:$(PORT): DEBUG off, collected static files (whitenoise), gunicorn.
## Uses DATABASE_URL / REDIS_URL when set; a SECRET_KEY is generated once into var/secret_key if none is given.
serve: install tools
	mkdir -p var
	@[ -s var/secret_key ] || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" DEBUG=0 PORT=$(PORT); \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py collectstatic --noinput -v0 && \
	$(BIN)/python manage.py check --deploy --fail-level ERROR && \
	exec $(BIN)/gunicorn --config gunicorn.conf.py

## backup: database (pg_dump or SQLite's backup API) and media into var/backups/<time>/ (OUT= to choose)
backup: install
	$(BIN)/python manage.py backup_site $(OUT)

## restore: replace the database and media with a backup folder: make restore FROM=var/backups/…
restore: install
	@[ -n "$(FROM)" ] || { echo "usage: make restore FROM=var/backups/<folder>" >&2; exit 2; }
	$(BIN)/python manage.py restore_site "$(FROM)" --yes

## bench-search: search latency on generated articles in PostgreSQL, ours against icontains (not part of `make test`).
## ARGS="--articles 2000" to change the size; the database allforces_search_bench is reused while it holds N articles.
bench-search: install
	$(BIN)/python bench/search_bench.py $(ARGS)

## bench: production serving measured (bench/run.py, see bench/README.md): seeds 10,000 articles into PostgreSQL,
## times import_jekyll, loads make serve's gunicorn with wrk (cold/warm pages vs a static file), worker memory.
bench: system-deps install
	$(BIN)/python bench/run.py $(ARGS)

## bench-bounds: inputs that once took seconds to minutes (20,000 headings, a 40,000-character diff, a 70 KB preview)
.PHONY: bench-bounds
bench-bounds: install
	$(BIN)/python bench/bounds.py

## bench-database-hung: cached pages while the database accepts connections and never answers, breaker off and on
.PHONY: bench-database-hung
bench-database-hung: install
	$(BIN)/python bench/database_hung.py $(ARGS)

## load-test: 60 s of 50 anonymous readers while the desk saves and publishes, then 60 s more with the script's own
## redis-server killed at 30 s and started again (empty) at 45 s; fails on any error, lost edit or stale read.
load-test: install
	$(BIN)/python bench/load_under_editing.py $(ARGS)
