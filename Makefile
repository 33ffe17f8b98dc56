# Every target installs what it needs first, so each one works as the first command on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEPS_LAYER := build/layers/deps/python
PORT ?= 8787
REGION ?= eu-west-3
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION = 20
export CDK_OUTDIR ?= cdk.out

.PHONY: run test synth openapi compliance audit lint format layer bench deploy destroy clean console chromium

# The console (console/): dependencies from the lock file, rebuilt when a source changed.
CONSOLE_STAMP := console/.build-stamp
CONSOLE_DEPS := console/node_modules/.package-lock.json
CONSOLE_SOURCES := $(shell find console/src -type f) console/index.html console/vite.config.ts \
	console/tsconfig.json console/package.json docs/openapi.json

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The dependency layer: the runtime dependencies as Lambda (arm64) wheels, built with pip, no Docker.
$(DEPS_LAYER)/.built: pyproject.toml tools/build_layer.py | $(STAMP)
	$(PY) -m tools.build_layer $(DEPS_LAYER)

layer: $(DEPS_LAYER)/.built

$(CONSOLE_DEPS): console/package-lock.json
	# `npm ci` refuses this lock file: npm 11 leaves vite's platform-only optional packages out of it
	# and then counts them missing; `npm install` installs the locked versions all the same.
	cd console && npm install --no-audit --no-fund
	touch $(CONSOLE_DEPS)

$(CONSOLE_STAMP): $(CONSOLE_SOURCES) $(CONSOLE_DEPS)
	cd console && npm run build
	touch $(CONSOLE_STAMP)

console: $(CONSOLE_STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@test -x /usr/bin/chromium && test -x /usr/bin/chromedriver || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

run: $(STAMP) console
	$(PY) -m infra.local --port $(PORT)

# Three runs: the infrastructure tier (CDK synthesis, mostly in node) beside the unit and
# integration tiers, one core each, its report printed whole after theirs; then the local and
# browser tiers, which wait on servers and deadlines, on a machine of their own. Every run goes
# to its end; the target fails if any failed.
INFRA_LOG := build/test-infra.log
test: $(STAMP) layer console chromium
	$(PY) -m ruff check .
	@mkdir -p build; \
	$(PY) -m pytest -p no:cacheprovider tests/infra > $(INFRA_LOG) 2>&1 & infra=$$!; \
	trap 'kill $$infra 2>/dev/null; exit 130' INT TERM; \
	$(PY) -m pytest --ignore=tests/infra --ignore=tests/local --ignore=tests/browser; tiers=$$?; \
	wait $$infra; infra_status=$$?; \
	echo "==== tests/infra (ran beside the tiers above; also in $(INFRA_LOG)) ===="; \
	cat $(INFRA_LOG); \
	$(PY) -m pytest tests/local tests/browser; servers=$$?; \
	echo "unit+integration: exit $$tiers; infra: exit $$infra_status; local+browser: exit $$servers"; \
	test $$tiers -eq 0 && test $$infra_status -eq 0 && test $$servers -eq 0

synth: $(STAMP) layer console
	REGION=$(REGION) $(PY) -m infra.app

openapi: $(STAMP)
	$(PY) -m tools.openapi docs/openapi.json

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP) $(CONSOLE_STAMP)
	$(PY) -m bench

# Operator parameters (README "Deploy"), each passed as the CDK context key infra/config.py reads:
# SENDER_DOMAIN (required), REGION, ALARM_EMAIL, PUBLIC_URL, WAF, MAX_SEND_RATE.
deploy: $(STAMP) layer console
	@test -n "$(SENDER_DOMAIN)" || { echo "make deploy needs SENDER_DOMAIN=<the domain consentmail sends from>" >&2; exit 2; }
	npx --yes aws-cdk@2 deploy --all --require-approval broadening \
		-c region=$(REGION) -c sender_domain=$(SENDER_DOMAIN) \
		$(if $(ALARM_EMAIL),-c alarm_email=$(ALARM_EMAIL)) \
		$(if $(PUBLIC_URL),-c public_url=$(PUBLIC_URL)) \
		$(if $(WAF),-c waf=$(WAF)) \
		$(if $(MAX_SEND_RATE),-c max_send_rate=$(MAX_SEND_RATE)) \
		$(if $(WEBHOOK_TOPICS),-c webhook_topics=$(WEBHOOK_TOPICS))
	$(PY) -m infra.console_upload --stack ConsentmailService --region $(REGION)

# Removes the service stack only: the data stack's tables, key, user pool and secret are retained
# by design (README "Deploy" says how to remove them for good).
destroy: $(STAMP) layer
	npx --yes aws-cdk@2 destroy ConsentmailService -c region=$(REGION) \
		$(if $(SENDER_DOMAIN),-c sender_domain=$(SENDER_DOMAIN))

clean:
	rm -rf $(VENV) build cdk.out .pytest_cache .ruff_cache console/node_modules console/dist $(CONSOLE_STAMP)

# docs/compliance.md and docs/records-of-processing.md, generated from the promise registry, the
# tests' promise markers, the tables, the retention periods and the region guard.
compliance: $(STAMP)
	$(PY) -m tools.compliance docs

# Deletion receipts of the last 30 days, every signature verified: local mode by default
# (PORT=…), or a deployed stack with AUDIT_ARGS='--aws --region eu-west-3'. Fails on a bad
# signature or a late deletion.
audit: $(STAMP)
	$(PY) -m tools.audit $(if $(AUDIT_ARGS),$(AUDIT_ARGS),--local http://127.0.0.1:$(PORT))
