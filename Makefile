# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The MariaDB and Redis that the second test pass uses (CI runs both locally).
TEST_DATABASE_URL ?= mysql://root@127.0.0.1:3306/taleas
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# How to reach the test server as its administrator (to load the time zone tables once).
MARIADB_ADMIN ?= mariadb --protocol=tcp -h 127.0.0.1 -uroot

.PHONY: mariadb-tz test-deps run test test-sqlite test-mariadb install system-deps lint bench

$(VENV)/.installed: requirements.txt
	@$(MAKE) --no-print-directory system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# mysqlclient compiles against the MariaDB client headers; install them when they are missing.
system-deps:
	@if ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null; then \
		echo "Installing the MariaDB client headers (libmariadb-dev, pkg-config) with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libmariadb-dev pkg-config >/dev/null; \
	fi

# Served as readers will see it (DEBUG off: real 404 pages, hashed static files); DJANGO_DEBUG=1
# make run shows Django's debug pages instead.
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py ensure_admin --url http://$(HOST):$(PORT)/admin/
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) taleas.asgi:application

# The whole suite, once on the embedded default (SQLite, local memory) and once on MariaDB + Redis.
test: test-sqlite test-mariadb

# What the tests drive besides Python: Debian's chromium, through Playwright.
test-deps:
	@missing=""; [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then echo "Installing$$missing with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; fi

test-sqlite: install test-deps
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -q $(PYTEST_ARGS)

# Django converts dates to the site's zone in SQL (CONVERT_TZ): MariaDB needs its zone tables.
mariadb-tz:
	@if [ "$$($(MARIADB_ADMIN) -N -e 'SELECT COUNT(*) FROM mysql.time_zone_name')" = "0" ]; then \
		echo "Loading MariaDB's time zone tables"; \
		mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | $(MARIADB_ADMIN) mysql; \
	fi

test-mariadb: install test-deps mariadb-tz
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

bench: install
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/import_archive.py
	$(PY) bench/pages.py
