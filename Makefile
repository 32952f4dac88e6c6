# starbranch — set-up, run and test. The two commands of the README:
#   make run    virtualenv + dependencies + CJK font + translations + migrations + demo data, then serve
#   make test   the test suite on SQLite (no PostgreSQL/Redis needed)
# More: make test-pg, make test-integration, make test-browser, make bench, make migrations,
#       make translations. Run `make help` for the list.

PYTHON      ?= python3.11
VENV        ?= .venv
PY          := $(VENV)/bin/python
STARBRANCH  := $(VENV)/bin/starbranch
STAMP       := $(VENV)/.starbranch-installed
HOST        ?= 127.0.0.1
PORT        ?= 5000
TEST_PG_URL ?= postgresql://postgres@127.0.0.1/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=
# The suites run in parallel (pytest-xdist): one worker per CPU core, at most
# PYTEST_MAX_WORKERS; PYTEST_WORKERS=0 runs them in one process (e.g. for pdb).
PYTEST_WORKERS ?= auto
PYTEST_MAX_WORKERS ?= 4
xdist        = $(if $(filter 0,$(1)),-p no:xdist,-n $(1) --maxprocesses=$(PYTEST_MAX_WORKERS) --dist worksteal)
XDIST       := $(call xdist,$(PYTEST_WORKERS))
# The browser journeys run one at a time by default: each drives a server and chromium;
# two at once on 2 cores gained 29 s when quiet (444 s against 473 s beside the integration
# tests) and timed out in Playwright under load — BROWSER_WORKERS=auto to try.
BROWSER_WORKERS ?= 0
CHROMIUM    ?= /usr/bin/chromium

FONT_CHECK  := fc-list :lang=zh family | grep -q .
# Fonts of PDF documents (core/documents/fonts.py): TrueType-outline CJK faces and the
# Extension A/B fallback. Each line: Debian package, the file that proves it is there.
DOC_FONTS   := fonts-arphic-ukai:ukai.ttc fonts-arphic-uming:uming.ttc fonts-hanazono:HanaMinB.ttf

.PHONY: help run serve setup venv deps fonts pdf-tools document-fonts translations compile-translations db demo \
        test test-pg test-integration test-browser bench mutation migrations clean

help:
	@echo "make run               set everything up (venv, deps, font, translations, DB, demo) and serve on http://$(HOST):$(PORT)"
	@echo "make test              the test suite on SQLite (browser journeys excluded: make test-browser)"
	@echo "make test-pg           the same suite on PostgreSQL ($(TEST_PG_URL))"
	@echo "make test-integration  PostgreSQL + a real Celery worker on Redis ($(TEST_REDIS_URL))"
	@echo "make test-browser      Playwright journeys on Debian's chromium"
	@echo "make bench             benchmarks (print figures)"
	@echo "make mutation          mutation testing of the rules (mutmut; prints the score per module group)"
	@echo "make migrations        pre-release: rewrite the initial Alembic revisions from the models"
	@echo "make translations      re-extract messages, update and compile the English catalog"

# ------------------------------------------------------------------ set-up
$(PY):
	@scripts/check_python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

venv: $(PY)

$(STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

deps: $(STAMP)

# CJK fonts for PDF documents (WeasyPrint): a Chinese UI font, the document faces and
# their fallback; then the pre-subset copies are prepared once (cached in instance/fonts).
fonts:
	@scripts/ensure_apt_package.sh fonts-wqy-microhei "$(FONT_CHECK)" "Chinese text in PDF documents"
	@for spec in $(DOC_FONTS); do pkg=$${spec%%:*}; file=$${spec#*:}; \
	  scripts/ensure_apt_package.sh $$pkg "find /usr/share/fonts /usr/local/share/fonts -name $$file 2>/dev/null | grep -q ." \
	    "the fonts of PDF certificates and decisions" || exit 1; done

# Tools the document tests read PDFs with: pdftotext/pdftoppm (poppler-utils), zbarimg (zbar-tools).
pdf-tools:
	@scripts/ensure_apt_package.sh poppler-utils "command -v pdftotext" "reading PDFs in the document tests"
	@scripts/ensure_apt_package.sh zbar-tools "command -v zbarimg" "decoding QR codes in the document tests"

document-fonts: deps fonts
	@$(STARBRANCH) documents fonts

# A file target, not a phony one: the catalog is compiled when its .po changed, so the
# CI steps that run at once (.ci/run) never write the .mo while another reads it.
MO := core/translations/en/LC_MESSAGES/messages.mo
$(MO): core/translations/en/LC_MESSAGES/messages.po | $(STAMP)
	@$(PY) scripts/translations.py --compile >/dev/null

compile-translations: $(MO)

translations: deps
	$(PY) scripts/translations.py

db: deps
	$(STARBRANCH) db upgrade

demo: db
	$(PY) scripts/demo_if_empty.py

setup: deps fonts compile-translations demo document-fonts

run: setup
	@echo ">> serving on http://$(HOST):$(PORT)  (demo logins: see README.md)"
	$(STARBRANCH) run --host $(HOST) --port $(PORT)

serve: run

migrations: deps
	scripts/regenerate_migrations.sh

# ------------------------------------------------------------------ tests
# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
define run_pytest
	@set +e; $(1) $(PY) -m pytest $(2) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "ERROR: no tests were collected ($(2))" >&2; fi; exit $$rc
endef

# Tests marked database_independent (templates and translations only) run here, on
# SQLite, and not again on PostgreSQL. Under xdist each worker has its own PostgreSQL
# databases (tests/parallel.py); the integration tests run in one process.
test: deps fonts pdf-tools compile-translations
	$(call run_pytest,,$(XDIST) -m 'not browser' --ignore=tests/browser)

test-pg: deps fonts pdf-tools compile-translations
	@$(PY) scripts/ensure_pg_database.py $(TEST_PG_URL)
	$(call run_pytest,STARBRANCH_TEST_DATABASE_URL=$(TEST_PG_URL),$(XDIST) -m 'not browser and not database_independent' --ignore=tests/browser)

test-integration: deps compile-translations
	@$(PY) scripts/ensure_pg_database.py $(TEST_PG_URL)
	@$(PY) -c "import redis,sys; redis.Redis.from_url('$(TEST_REDIS_URL)', socket_connect_timeout=3).ping()" \
	  || { echo "ERROR: Redis not reachable at $(TEST_REDIS_URL) (Debian: sudo apt-get install redis-server)" >&2; exit 1; }
	$(call run_pytest,STARBRANCH_TEST_DATABASE_URL=$(TEST_PG_URL) STARBRANCH_TEST_REDIS_URL=$(TEST_REDIS_URL),tests/integration -m integration -rs)

test-browser: deps fonts compile-translations
	@scripts/ensure_apt_package.sh chromium "test -x $(CHROMIUM)" "the browser tests (Playwright drives Debian's chromium; never 'playwright install')"
	@if ! ls tests/browser/test_*.py >/dev/null 2>&1; then \
	  echo ">> SKIPPED browser tests: tests/browser has no test files yet"; exit 0; fi; \
	npm ci --prefix tests/browser/axe --no-audit --no-fund --silent || exit $$?; \
	set +e; $(PY) -m pytest tests/browser -m browser $(call xdist,$(BROWSER_WORKERS)) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "ERROR: tests/browser has test files but no browser test was collected" >&2; fi; exit $$rc

# Mutation testing (scripts/mutation.py): MUTATION_GROUPS=points scoping … limits the groups.
MUTATION_GROUPS ?=
MUTATION_STAMP := $(VENV)/.starbranch-mutation

$(MUTATION_STAMP): setup.cfg | $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,mutation]'
	@touch $(MUTATION_STAMP)

mutation: deps compile-translations $(MUTATION_STAMP)
	nice -n 19 $(PY) scripts/mutation.py run $(MUTATION_GROUPS)

bench: deps
	@for script in bench/*.py; do echo ">> $$script"; $(PY) $$script || exit $$?; done

clean:
	rm -rf .pytest_cache test-artifacts
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
