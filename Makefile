# Two commands for a newcomer: `make run` and `make test` (each does the set-up first).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DSFR := node_modules/@gouvfr/dsfr/dist
# What the DSFR pages use: minified CSS and ES modules, fonts, icons, favicon.
DSFR_FILES := \( -name '*.min.css' ! -name '*.legacy.*' ! -name '*.print.*' ! -name '*.main.*' \
	-o -name '*.module.min.js' -o -name '*.woff2' -o -name '*.svg' -o -name '*.ico' -o -name '*.png' \)
# Fonts cut to the Latin letters, accents and punctuation French (and most European names) use:
# Marianne drops from 41 to 25 KB a weight; any other letter falls back to a system font.
FONT_UNICODES := U+0000-00FF,U+0100-017F,U+0180-024F,U+02C6,U+02DA,U+02DC,U+2000-206F,U+20AC,U+2122,U+2212,U+FEFF,U+FFFD
# Where Playwright cannot download its own browser, the system's Chromium is used (see e2e/conftest.py).
E2E_WORKERS ?= 2
# One unit-test worker more than the cores: a part of the suite waits (servers starting, processes
# racing, answers evened out in time) and another worker uses the core meanwhile (2 cores:
# 56-59 s with 3 workers, 62-65 s with 2).
UNIT_WORKERS ?= $(shell $(PYTHON) -c "import os; print((os.cpu_count() or 1) + 1)")
export FLASK_APP := app
# The suites run on TinyDB, then on PostgreSQL when it answers (CI requires it: CI=true).
POSTGRESQL_ANSWERS = $(BIN)/python -c "from tests.backends import postgresql_answers as a; raise SystemExit(not a())"
ON_POSTGRESQL = if $(POSTGRESQL_ANSWERS); then TEST_BACKEND=postgresql $(1); \
	else echo "PostgreSQL ne répond pas (TEST_DATABASE_URL) : la série sur PostgreSQL est sautée."; \
	test -z "$$CI"; fi

.PHONY: setup run test unit e2e measure bench lint clean

setup: $(VENV)/.installed static/vendor/.copied

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@command -v chromium >/dev/null || $(BIN)/python -m playwright install chromium \
		|| echo "Pas de navigateur Playwright téléchargeable ici : installez le paquet chromium."
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

static/vendor/.copied: node_modules/.package-lock.json $(VENV)/.installed
	rm -rf static/vendor
	mkdir -p static/vendor/htmx static/vendor/dsfr
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cd $(DSFR) && find core component icons favicon fonts -type f $(DSFR_FILES) \
		-exec cp --parents {} $(CURDIR)/static/vendor/dsfr/ \;
	for font in static/vendor/dsfr/fonts/*.woff2; do \
		$(BIN)/pyftsubset $$font --unicodes=$(FONT_UNICODES) --layout-features='*' \
			--flavor=woff2 --output-file=$$font || exit 1; \
	done
	touch $@

# The service on :5000 and the FranceConnect sandbox on :5001, stopped together; development
# settings (outbox pages, a fixed development key, cookies over plain HTTP).
run: export FLASK_DEV_PAGES = true
run: export FLASK_SESSION_COOKIE_SECURE = false
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	$(BIN)/python -m sandboxes.franceconnect --port 5001 --app-url http://127.0.0.1:5000 & \
	trap "kill $$!" EXIT INT TERM; \
	$(BIN)/flask run --port 5000

# Compiled modules and pytest's rewritten tests kept between runs even where the machine sets
# PYTHONDONTWRITEBYTECODE: each test worker and server otherwise compiles everything again.
unit e2e: export PYTHONDONTWRITEBYTECODE =
unit: setup
	$(BIN)/pytest tests -q -n $(UNIT_WORKERS)
	@$(call ON_POSTGRESQL,$(BIN)/pytest tests -q -n $(UNIT_WORKERS))

e2e: setup
	$(BIN)/pytest e2e -q -n $(E2E_WORKERS)
	@$(call ON_POSTGRESQL,$(BIN)/pytest e2e -q -n $(E2E_WORKERS))

test: unit e2e

measure: setup
	$(BIN)/python -m e2e.measure

# Latency and throughput with 1,000 to 1,000,000 seeded families (bench/results.md); needs wrk.
# Then the automatic examination of a school of 1,000 consenting pupils (bench/examination.py).
bench: setup
	$(BIN)/python -m bench
	$(BIN)/python -m bench.examination

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules static/vendor
