# plebiscite: every set-up and check step a user or CI needs.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto
DEMO_ARGS ?=

.PHONY: setup demo test check lint format typecheck layers bench clean mutation mutation-verifier i18n

$(BIN)/plebiscite: pyproject.toml
	@$(PY) -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("sodium") else 1)' || \
	  { echo "error: the system libsodium is missing: install the Debian/Ubuntu package 'libsodium23' (sudo apt-get install libsodium23)" >&2; exit 1; }
	@command -v $(PY) >/dev/null || { echo "error: $(PY) not found: install Python 3.11 (package 'python3.11' and 'python3.11-venv')" >&2; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(BIN)/plebiscite

NATIVE := src/plebiscite/crypto/native

setup: $(BIN)/plebiscite
	@if [ ! -f /usr/include/decaf/decaf/point_255.h ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get install -y libdecaf-dev || \
	    { apt-get update && apt-get install -y libdecaf-dev; }; \
	  else echo "note: the fast verifier needs libdecaf: sudo apt-get install libdecaf-dev (libsodium serves without it)"; fi; fi
	@if [ -f /usr/include/decaf/decaf/point_255.h ] && command -v cc >/dev/null; then \
	  [ $(NATIVE)/_vartime.so -nt $(NATIVE)/vartime.c ] || \
	    cc -O2 -fPIC -shared -Wall -Wextra -I/usr/include/decaf -o $(NATIVE)/_vartime.so $(NATIVE)/vartime.c -ldecaf || \
	    echo "note: the native verifier did not build; libsodium serves"; \
	else echo "note: no libdecaf-dev or no C compiler: the verifier uses libsodium (slower)"; fi
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get install -y chromium || \
	    { apt-get update && apt-get install -y chromium; }; \
	  else echo "note: the browser tests need Chromium at /usr/bin/chromium: sudo apt-get install chromium"; fi; fi
	@if command -v npm >/dev/null; then \
	  [ -f tests/interfaces/node_modules/axe-core/axe.min.js ] || \
	    npm install --prefix tests/interfaces --no-save --no-audit --no-fund axe-core; \
	  [ -f tests/interfaces/node_modules/libsodium-wrappers-sumo/package.json ] || \
	    npm install --prefix tests/interfaces --no-save --no-audit --no-fund \
	      axe-core libsodium-wrappers-sumo; \
	else echo "note: the accessibility test needs npm (apt-get install npm) for axe-core"; fi

demo: setup
	@if [ -d demo-out ] && [ -n "$$(ls -A demo-out)" ]; then \
	  rm -rf demo-out.previous && mv demo-out demo-out.previous && \
	  echo "moved the previous demo-out/ to demo-out.previous/"; fi
	$(BIN)/plebiscite demo --out demo-out $(DEMO_ARGS)

test: setup
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not slow" $(PYTEST_ARGS)

format:
	$(BIN)/ruff format src tests bench

lint: setup
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

typecheck: setup
	$(BIN)/mypy

layers: setup
	$(BIN)/lint-imports

check: lint typecheck layers test

# The message catalogs (docs/languages.md): collect every text to translate into the template,
# carry new and changed ones into each language's .po file (then translate them there: the
# catalog test fails on an empty or fuzzy entry). The .po files are read at run time.
LOCALE := src/plebiscite/interfaces/locale
i18n: setup
	$(BIN)/pybabel extract -F babel.cfg -k tr:2 -k trp:2c,3 -k N_ -k _spec:4 \
	  --add-location=file --sort-by-file --project=plebiscite --version=0.1.0 \
	  -o $(LOCALE)/messages.pot src
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-fuzzy-matching \
	  --ignore-obsolete --ignore-pot-creation-date

# Mutation testing (mutmut) over crypto/ and domain/rules.py; slow: not part of make check.
mutation: setup
	@$(BIN)/python -c 'import mutmut' 2>/dev/null || $(BIN)/pip install -q 'mutmut==3.8.1'
	$(BIN)/mutmut run; $(BIN)/mutmut results --all true > mutation-results.txt; \
	  $(BIN)/python bench/mutation_score.py mutation-results.txt

# The verifier's mutants, against its attacker tests (docs/mutation.md); slower still.
MUTATION_DIR := build/mutation-verifier
mutation-verifier: setup
	@$(BIN)/python -c 'import mutmut' 2>/dev/null || $(BIN)/pip install -q 'mutmut==3.8.1'
	$(BIN)/python bench/mutation_tree.py verifier $(MUTATION_DIR)
	mkdir -p build/record-cache
	cd $(MUTATION_DIR) && PLEBISCITE_RECORD_CACHE=$(CURDIR)/build/record-cache $(CURDIR)/$(BIN)/mutmut run; \
	  $(CURDIR)/$(BIN)/mutmut results --all true > $(CURDIR)/mutation-verifier-results.txt; \
	  $(CURDIR)/$(BIN)/python $(CURDIR)/bench/mutation_score.py $(CURDIR)/mutation-verifier-results.txt

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(NATIVE)/_vartime.so $(VENV) .mypy_cache .pytest_cache .ruff_cache demo-out demo-out.previous demo-out.failed
