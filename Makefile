# ocop-app — quick start:  make run   (app with demo data)   ·   make test   (whole suite)
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 5000
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app ocop_app

.PHONY: run runtime test install install-test translations messages db demo bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

## Compile the Vietnamese and English catalogs (.po → .mo).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d ocop_app/translations

## Re-extract UI strings, merge them into the catalog and fill Vietnamese from tools/vi/*.tsv.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o ocop_app/translations/messages.pot ocop_app templates
	$(BIN)/pybabel update -N -i ocop_app/translations/messages.pot -d ocop_app/translations
	$(BIN)/python tools/fill_vi.py

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) sheets load
	$(FLASK) demo load

## Debian libraries the app needs at run time (Pango and fonts for PDF documents), if missing.
runtime:
	@bash tools/setup-runtime.sh

## Set up, migrate, load the demo data (only adds what is missing) and serve on 127.0.0.1:$(PORT).
run: runtime demo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## Set up (Python packages; Debian's chromium, chromium-driver and postgresql) and run the
## whole suite on SQLite, then again on PostgreSQL (browser tests run once, on SQLite).
test: install-test
	@url="$${TEST_DATABASE_URL:-$$(bash tools/setup-system.sh)}" && \
	echo "== tests on SQLite" && $(BIN)/python -m pytest -q -n 2 && \
	echo "== tests on PostgreSQL ($$url)" && \
	TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest -q -n 2 -m "not browser"

bench: install-test
	$(BIN)/python bench/public_listing.py

clean:
	rm -rf $(VENV) instance/ocop.sqlite3* .pytest_cache
