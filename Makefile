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
.PHONY: help install demo test lint format clean messages

help:
	@echo "make demo    install, migrate, seed demo data, serve http://127.0.0.1:8000/"
	@echo "make test    install and run the whole test suite (ARGS=... for pytest)"
	@echo "make lint    ruff check, ruff format --check, lint-imports and mypy"
	@echo "make format  ruff format and ruff check --fix"
	@echo "make messages  refresh locale/*.po from the source and compile the .mo files (needs gettext)"
	@echo "make clean   remove .venv, the SQLite demo database and collected static files"

# Debian and Ubuntu ship python3 without ensurepip unless python3-venv is installed. Then
# the environment is created without pip, and the system's own pip (22.3 or newer, for
# --python) installs into it; without a usable pip there either, say what to install.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "casework needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)." >&2; exit 1; }
	@echo "==> Creating $(VENV)"
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		if ! $(PYTHON) -c "$$PIP_HAS_PYTHON_OPTION" 2>/dev/null; then \
			echo "$(PYTHON) cannot create a virtual environment with pip (no ensurepip), and it has no pip 22.3" >&2; \
			echo "or newer to install into one. On Debian or Ubuntu: sudo apt-get install python3-venv" >&2; \
			exit 1; \
		fi; \
		echo "==> $(PYTHON) has no ensurepip (Debian's python3-venv is missing): $(VENV) without pip," \
			"installed into by $(PYTHON)'s own pip"; \
		$(PYTHON) -m venv --without-pip $(VENV); }

# The environment's own pip, or (created --without-pip, see above) the system's pip aimed at it.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing casework with its development and demo dependencies into $(VENV)"
	@if $(BIN)/python -m pip --version >/dev/null 2>&1; then \
		pip="$(BIN)/python -m pip"; \
	else \
		pip="$(PYTHON) -m pip --python $(BIN)/python"; \
	fi; \
	$$pip install --quiet --disable-pip-version-check -e '.[dev,demo]'
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
	@echo "  sysadmin2     second system admin (approves what sysadmin grants)"
	@echo
	@echo "Open http://127.0.0.1:8000/ and log in. Stop the server with Ctrl-C."
	@echo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

# Every check runs, even after one fails, so that one run shows all that needs fixing.
# lint-imports reads its contracts from .importlinter; mypy reads mypy.ini.
LINTERS := "$(BIN)/ruff check ." "$(BIN)/ruff format --check ." "$(BIN)/lint-imports" "$(BIN)/mypy --config-file mypy.ini"

lint: $(STAMP)
	@failed=""; \
	for check in $(LINTERS); do \
		echo "==> $$check"; \
		$$check || failed="$$failed\n  $$check"; \
	done; \
	if [ -n "$$failed" ]; then printf 'make lint failed:%b\n' "$$failed" >&2; exit 1; fi

# The .mo files are committed, so that a fresh clone shows Korean and Chinese without gettext.
# After changing a message: make messages, translate the new entries, make messages again.
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l ko -l zh_Hans --no-obsolete \
		--ignore='.venv/*' --ignore='tests/*' --ignore='bench/*' --ignore='staticfiles/*' --ignore='test-output/*' --ignore='build/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore='.venv/*'

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-output

# Exits 0 if this Python has pip 22.3 or newer (the first with `pip --python`).
define PIP_HAS_PYTHON_OPTION
import re, sys
import pip
major, minor = (int(n) for n in re.match(r"(\d+)\.(\d+)", pip.__version__).groups())
sys.exit(0 if (major, minor) >= (22, 3) else 1)
endef
export PIP_HAS_PYTHON_OPTION
