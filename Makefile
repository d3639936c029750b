# FlowPilot — `make run` to start, `make test` to test. Everything installs itself.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3
WEB := frontend
STAMP_PY := $(VENV)/.installed
STAMP_WEB := $(WEB)/node_modules/.installed
STATIC := flowpilot/static/index.html
PYTEST_WORKERS ?= 2

.PHONY: run dev test test-py test-web test-e2e lint bench load eval web api-types clean install lock screenshots

run: install web ## Start FlowPilot on http://127.0.0.1:8000
	$(VENV)/bin/flowpilot serve

dev: install ## API with reload + Vite dev server (http://127.0.0.1:5173)
	@trap 'kill 0' EXIT; \
	(cd $(WEB) && npx vite --host 127.0.0.1) & \
	$(VENV)/bin/uvicorn --factory flowpilot.app:create_app --reload --host 127.0.0.1 --port 8000

install: $(STAMP_PY) $(STAMP_WEB)

$(STAMP_PY): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]' -c requirements.lock
	touch $@

lock: ## Re-resolve the Python dependencies into requirements.lock (after editing pyproject.toml)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q --upgrade pip && .lock-venv/bin/pip install -q -e '.[dev]'
	{ echo "# Exact versions every install uses (\`make install\` passes this file as pip constraints)."; \
	  echo "# Regenerate after changing dependencies in pyproject.toml: \`make lock\`."; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lock-venv

$(STAMP_WEB): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web: $(STATIC)

$(STATIC): $(STAMP_WEB) $(shell find $(WEB)/src -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.ts
	cd $(WEB) && npm run build --silent

api-types: $(STAMP_PY) $(STAMP_WEB) ## Regenerate the typed API client from the OpenAPI schema
	$(PY) -m flowpilot.openapi > $(WEB)/openapi.json
	cd $(WEB) && npm run --silent api-types

test: install web ## Every test: Python (API, units, browser) and web unit tests
	cd $(WEB) && npx vitest run
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile -q

test-py: install
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile -q -m "not e2e"

test-web: $(STAMP_WEB)
	cd $(WEB) && npx vitest run

test-e2e: install web
	$(VENV)/bin/pytest -q -m e2e

lint: install ## ruff + mypy (strict) + import boundaries + TypeScript + ESLint
	$(VENV)/bin/ruff check flowpilot tests bench evals tools
	$(VENV)/bin/ruff format --check flowpilot tests bench evals tools
	$(VENV)/bin/mypy flowpilot
	$(VENV)/bin/lint-imports --no-cache
	cd $(WEB) && npx tsc -b
	cd $(WEB) && npm run --silent lint

bench: install ## Benchmarks (print numbers; not tests)
	$(PY) -m bench.bounded
	$(PY) -m bench.turn_overhead
	$(PY) -m bench.branching
	$(PY) -m bench.outputs
	$(PY) -m bench.deliveries

load: install ## Load test over loopback: 50 engineers for 60 s, then integrity and deadlock checks
	$(PY) -m bench.load

clean:
	rm -rf $(VENV) $(WEB)/node_modules flowpilot/static .flowpilot/test

screenshots: install web ## Every page at 1440x900 and 390x844 into screenshots/ (offline demo; not committed)
	$(PY) tools/screenshots.py

eval: install ## Guidance eval: real public tickets, three turns each (offline unless a key is set)
	$(PY) -m evals.run
