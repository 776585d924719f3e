# ALLFORCES — `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_ARCHIVE := demo/archive
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev lint format migrations-check demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install, migrate, load the demo archive and accounts, serve on 127.0.0.1:$(PORT)
run: install
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py import_jekyll $(DEMO_ARCHIVE)
	DEBUG=1 $(BIN)/python manage.py create_demo_accounts
	@echo "ALLFORCES: http://127.0.0.1:$(PORT)/  (管理画面: http://127.0.0.1:$(PORT)/admin/)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (SQLite unless DATABASE_URL says otherwise)
test: install-dev
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install-dev
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
