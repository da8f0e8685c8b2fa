# casework: two commands from a fresh clone, with nothing but python3 (3.11+) and make.
#
#   make demo   creates .venv, installs, migrates the SQLite default, seeds demo data and
#               serves http://127.0.0.1:8000/ with DEBUG on
#   make test   creates .venv if needed, installs, runs the whole test suite
#
# The virtual environment is reinstalled only when pyproject.toml is newer than the stamp.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-pyproject
DEMO_PASSWORD ?= demo-password
# Extra pytest arguments, e.g. `make test ARGS="-k access -x"`.
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install demo test lint format clean

help:
	@echo "make demo    install, migrate, seed demo data, serve http://127.0.0.1:8000/"
	@echo "make test    install and run the whole test suite (ARGS=... for pytest)"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make format  ruff format and ruff check --fix"
	@echo "make clean   remove .venv, the SQLite demo database and collected static files"

# Debian and Ubuntu ship python3 without ensurepip unless python3-venv is installed. Then the
# environment is created without pip and pip is fetched from PyPI (bootstrap below).
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "casework needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)." >&2; exit 1; }
	@echo "==> Creating $(VENV)"
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		echo "==> $(PYTHON) has no ensurepip (Debian's python3-venv is missing); fetching pip from PyPI"; \
		rm -rf $(VENV) && $(PYTHON) -m venv --without-pip $(VENV) && $(BIN)/python -c "$$BOOTSTRAP_PIP"; }

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing casework and its development dependencies into $(VENV)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@echo "==> Migrating the SQLite demo database (db.sqlite3)"
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	@echo "==> Seeding demo data"
	DEBUG=1 DEMO_PASSWORD='$(DEMO_PASSWORD)' $(BIN)/python manage.py seed_demo
	@echo
	@echo "Demo users (password: $(DEMO_PASSWORD))"
	@echo "  caseworker1   caseworker, team A"
	@echo "  caseworker2   caseworker, team A"
	@echo "  caseworker3   caseworker, team B"
	@echo "  supervisor1   supervisor, team A"
	@echo "  supervisor2   supervisor, team B"
	@echo "  dataadmin     data admin (anonymised aggregates only)"
	@echo "  sysadmin      system admin (users and teams in /admin/)"
	@echo
	@echo "Open http://127.0.0.1:8000/ and log in. Stop the server with Ctrl-C."
	@echo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-output

# Installs pip into a virtual environment created --without-pip: asks PyPI (the JSON API)
# for the newest pip wheel, checks its sha256 and runs pip from the wheel to install itself.
define BOOTSTRAP_PIP
import hashlib, json, os, subprocess, sys, tempfile, urllib.parse, urllib.request
index = "https://pypi.org/pypi/pip/json"
with urllib.request.urlopen(index, timeout=60) as response:
    release = json.load(response)
wheel = next(f for f in release["urls"] if f["packagetype"] == "bdist_wheel")
with urllib.request.urlopen(urllib.parse.urljoin(index, wheel["url"]), timeout=120) as response:
    data = response.read()
if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
    sys.exit("The pip wheel from PyPI does not match its published sha256.")
path = os.path.join(tempfile.mkdtemp(), wheel["filename"])
with open(path, "wb") as f:
    f.write(data)
subprocess.run([sys.executable, os.path.join(path, "pip"), "install", "--quiet", path], check=True)
endef
export BOOTSTRAP_PIP
