# Everyday commands. `make demo` and `make test` work on a fresh clone with no
# AWS account: they install what they need (npm packages, a project-local
# Python venv with the pinned moto server and checkov) and start/stop the
# local AWS themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# The lockfile pins AWS SDK releases that still support Node 20 (the build
# machines' runtime; Lambda runs 22), so the SDK's notice about future
# releases needing Node 22 is noise here.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?= true
NPM_STAMP := node_modules/.installed
PY_STAMP := .venv/.requirements.sha256

.PHONY: help install build test test-unit test-integration demo up down replay state typecheck clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

node-check:
	@command -v node >/dev/null || { echo "node not found: install Node.js 20.19+ (https://nodejs.org) and retry." >&2; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node "+process.versions.node+" is too old: install Node.js 20.19 or newer."); process.exit(1) }'

$(NPM_STAMP): package-lock.json | node-check
	npm ci --no-audit --no-fund
	@touch $@

$(PY_STAMP): requirements.txt python-constraints.txt scripts/python-env.sh
	@bash scripts/python-env.sh

install: $(NPM_STAMP) $(PY_STAMP) ## install npm packages and the Python venv (moto, checkov)

build: $(NPM_STAMP) ## bundle every function with esbuild into dist/<fn>/ and dist/<fn>.zip
	npx tsx scripts/build.ts

typecheck: $(NPM_STAMP) ## strict TypeScript check
	npx tsc --noEmit

test: install build typecheck ## every test: unit, Terraform offline checks, integration on the local AWS
	@bash scripts/run-tests.sh

test-unit: install ## unit tests only
	@bash scripts/run-tests.sh --project unit

test-integration: install build ## integration tests only (local AWS)
	@bash scripts/run-tests.sh --project integration

demo: install ## the event path end to end on the local AWS: 10,000 events, report and verdict (ORDERING=1: with the ordering buffer and a feed verdict)
	$(if $(ORDERING),ORDERING_ENABLED=$(ORDERING)) npx tsx scripts/demo.ts $(DEMO_ARGS)

up: install build ## start the local AWS in the background and provision it
	npm run --silent cli -- local up

down: $(NPM_STAMP) ## stop the background local AWS
	npm run --silent cli -- local down

replay: $(NPM_STAMP) ## replay FILE=events.jsonl [RATE=n] through the running local AWS
	@test -n "$(FILE)" || { echo "make replay: set FILE=path/to/events.jsonl (one EventBridge event per line)" >&2; exit 2; }
	npm run --silent cli -- replay "$(FILE)" $(if $(RATE),--rate $(RATE))

state: $(NPM_STAMP) ## print the projection of ENTITY=conversation/<id> [PREFIX=transcript/], aspects in order-key order
	@test -n "$(ENTITY)" || { echo "make state: set ENTITY=conversation/<id> (or user/<id>, audit/<type>/<id>, topic/<name>)" >&2; exit 2; }
	npm run --silent cli -- state "$(ENTITY)" $(if $(PREFIX),--prefix '$(PREFIX)')

clean: ## remove build output and local state
	rm -rf dist .local

-include mk/*.mk
