# voicecontract — every target creates .venv on first use and installs the project from pyproject.toml.
# `make contract` is the main job; `make test` runs everything CI runs.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help setup lint test contract generate check-generated compat serve bench mutants fuzz clean reports

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t18

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing voicecontract and its dev tools into $(VENV) …"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) ## create .venv and install the project with its dev extra

lint: setup ## lint the spec (voicecontract lint), ruff on src/ tests/ bench/, mypy on src/
	$(BIN)/voicecontract lint spec/openapi.yaml
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

generate: setup ## regenerate generated/ (models + packaged spec) from spec/ with the pinned generator
	$(BIN)/voicecontract generate

check-generated: setup ## fail with a diff when generated/ is stale
	$(BIN)/voicecontract generate --check

COMPAT = $(BIN)/voicecontract diff spec/history/openapi-2024-08.json spec/openapi.yaml --format markdown --fail-on none \
	--path-prefix /v1/numbers --path-prefix /v1/agents --path-prefix /v1/account_connections

compat: setup ## rewrite docs/compat-2024.md: what changed from the 2024 published spec to ours (tests check it is current)
	$(COMPAT) > docs/compat-2024.md

PYTEST_WORKERS ?= 2

test: lint check-generated ## everything CI runs: lint, check-generated and the whole pytest suite (2 processes)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

VOICECONTRACT_SEED ?= 20261126

contract: setup reports ## the main job: the contract suite against the embedded reference server
	$(BIN)/voicecontract run --seed $(VOICECONTRACT_SEED) --junit-xml reports/contract-junit.xml --report reports/contract.json

serve: setup ## start the reference server on 127.0.0.1:8000 (prints its URL and token; data in voicecontract.db)
	$(BIN)/voicecontract serve

bench: setup ## run the benchmarks in bench/ and print ratios
	@for f in validators server suite load diff; do echo "== bench/$$f.py"; $(BIN)/python -m bench.$$f || exit 1; done

mutants: setup ## our suite and plain schemathesis against every faulty and legitimate server (full budget)
	$(BIN)/python -m tests.mutants --full

fuzz: setup ## the fuzz campaign: 10^5 payloads through the validators and CLI, 10^4 requests through the server
	$(BIN)/python -m tests.fuzz

reports:
	@mkdir -p reports

clean: ## remove .venv and caches
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
