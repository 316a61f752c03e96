# aftersales — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PG_URL ?= postgres://postgres@127.0.0.1:5432/aftersales
# CI sets these to 1: PostgreSQL and the browser tests must run, not be skipped.
REQUIRE_POSTGRES ?= 0
REQUIRE_BROWSER ?= 0
PYTEST_ARGS ?=
export AFTERSALES_NO_SKIPS := $(if $(filter 1,$(REQUIRE_POSTGRES)),1,0)

.PHONY: run test setup translations lint unit test-sqlite test-postgres test-browser messages demo clean

$(BIN)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

setup: $(BIN)/.installed messages

# Compile translations with Babel (pure Python: no gettext needed on the machine).
messages: $(BIN)/.installed
	@$(BIN)/pybabel compile --statistics -d aftersales/locale -D django 2>&1 | grep -v '^$$' || true

# Developers: refresh the catalogue after adding strings (needs GNU gettext), then translate.
translations: $(BIN)/.installed
	cd aftersales && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --no-location --ignore 'migrations/*' --ignore 'tests/*' --ignore 'testing/*'

run: setup
	$(BIN)/aftersales migrate --no-input -v0
	$(BIN)/aftersales demo --if-empty
	$(BIN)/aftersales serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy aftersales bench tests
	$(BIN)/lint-imports
	$(BIN)/aftersales makemigrations --check --dry-run
	$(BIN)/python -m aftersales.core.i18ncheck

test-sqlite: setup
	DATABASE_URL= $(BIN)/pytest -m "not browser" -n 2 $(PYTEST_ARGS)

test-postgres: setup
	@if $(BIN)/python -m aftersales.core.dbcheck "$(PG_URL)"; then \
		DATABASE_URL="$(PG_URL)" $(BIN)/pytest -m "not browser" -n 2 $(PYTEST_ARGS); \
	elif [ "$(REQUIRE_POSTGRES)" = "1" ]; then \
		echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but $(PG_URL) is not reachable"; exit 1; \
	else echo "PostgreSQL not reachable at $(PG_URL): PostgreSQL tests not run (CI requires them)"; fi

test-browser: setup
	@if [ -x /usr/bin/chromium ]; then \
		DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -m browser -p no:xdist $(PYTEST_ARGS); \
	elif [ "$(REQUIRE_BROWSER)" = "1" ]; then \
		echo "Chromium is required (REQUIRE_BROWSER=1) but /usr/bin/chromium is missing"; exit 1; \
	else echo "Chromium not installed: browser tests not run (apt-get install chromium fonts-noto-cjk; CI requires them)"; fi

test: lint test-sqlite test-postgres test-browser
	@echo "make test: all checks passed"

clean:
	rm -rf $(VENV) var/test-*
