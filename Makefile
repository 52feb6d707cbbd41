# ABL Desk: `make demo` to see it work, `make test` to check everything.
# Variables: PYTHON (default python3), VENV (default .venv), PORT (default 8000),
# SITE_URL (the address printed and put in e-mails; default http://127.0.0.1:$(PORT)),
# ABL_BUSINESS_DATE (the demo's "today", default 2003-04-07: just after the
# samples' as-of date, inside the letter's spring of 2003).

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
ABL_BUSINESS_DATE ?= 2003-04-07
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo serve test lint typecheck pytest bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else echo "Python's venv module is missing: sudo apt-get install python3-venv" >&2; exit 1; fi; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e ".[dev]"
	@[ -f .env ] || { printf 'DEBUG=1\nABL_BUSINESS_DATE=%s\n' "$(ABL_BUSINESS_DATE)" > .env; \
	  echo "Wrote .env (DEBUG=1, ABL_BUSINESS_DATE=$(ABL_BUSINESS_DATE)) for this development checkout."; }
	@touch $(STAMP)

# The demo's address follows PORT unless SITE_URL is given (config/settings.py reads it).
demo serve: export SITE_URL ?= http://127.0.0.1:$(PORT)

demo: install
	DEBUG=1 $(BIN)/python manage.py ensure_database
	DEBUG=1 $(BIN)/python manage.py migrate --no-input -v0
	DEBUG=1 ABL_BUSINESS_DATE=$(ABL_BUSINESS_DATE) $(BIN)/python manage.py seed_demo
	@$(MAKE) --no-print-directory serve

serve:
	@ABL_BUSINESS_DATE=$(ABL_BUSINESS_DATE) bash scripts/serve-demo $(BIN) $(PORT)

test: install lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy .

pytest:
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/bench_readers.py
	$(BIN)/python bench/bench_borrowing_base.py
	@echo "With a PostgreSQL DATABASE_URL: $(BIN)/python bench/bench_submit.py, bench/bench_pages.py"

clean:
	rm -rf $(VENV) db.sqlite3 media .test-media staticfiles .run
