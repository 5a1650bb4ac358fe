# centra-engage-bridge: every command a developer or CI needs.
# `make test` and `make demo` create or update the virtual environment themselves.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Offline-safe defaults for the AWS tooling; nothing here talks to a real account.
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= eu-north-1
export PYTHONDONTWRITEBYTECODE := 1

# The Lambda runtime is python3.13; the venv must match so `sam build` needs no container.
define find_python313
for c in python3.13 "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13 \
         "$$HOME"/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
  if "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; then echo "$$c"; break; fi; \
done
endef

.PHONY: help venv demo soak lint typecheck template-lint security build unit test bench clean

help:
	@echo "make demo    run the whole bridge locally on a generated shop and check the result (no AWS, no Docker)"
	@echo "make test    lint, format check, types, template lint, sam build and tests (what CI runs)"
	@echo "make security  bandit, pip-audit on the locks, checkov on the template (part of make test)"
	@echo "make soak    the generated shop under injected faults; checks nothing lost, doubled or blanked (bench/soak.json)"
	@echo "make bench   benchmarks; figures go to bench/results.json, rendered as docs/performance.md"
	@echo "make venv    create or update .venv from requirements/dev.lock"
	@echo "make clean   remove the venv and build output"

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/dev.lock
	@if [ -x "$(PY)" ] && ! "$(PY)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'; then \
	  echo "Recreating $(VENV): it was not built with Python 3.13"; rm -rf "$(VENV)"; fi
	@if [ ! -x "$(PY)" ]; then \
	  py="$$($(find_python313))"; \
	  if [ -z "$$py" ]; then \
	    echo "error: Python 3.13 not found (the Lambda runtime is python3.13)." >&2; \
	    echo "Install it and put python3.13 on PATH, e.g. 'pyenv install 3.13' or your OS package." >&2; \
	    exit 1; fi; \
	  echo "Creating $(VENV) with $$py"; "$$py" -m venv "$(VENV)"; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy layers/common/engage_bridge tools/engage_bridge_tools functions tests

# The template gates: SAM's own validation with cfn-lint and the serverless rules (.cfnlintrc lists every
# ignored rule with its reason), then a real build for python3.13 on arm64 (no container: the venv's
# python3.13 is first on PATH).
template-lint: $(STAMP)
	$(VENV)/bin/sam validate --lint
	$(VENV)/bin/cfn-lint

# Security gates: bandit on the shipped code (pyproject.toml [tool.bandit]) and on the tools (tools/bandit.toml);
# pip-audit on both locks, without installing them; checkov on the template from a venv of its own, because its
# pins conflict with the SAM CLI's (.checkov.yaml lists every skipped check with its reason). pip-audit asks
# PyPI's vulnerability data per pinned release; where that does not answer, engage_bridge_tools.lock_audit says
# "NOT AUDITED" instead of passing quietly (PIP_AUDIT=required makes that a failure). Accepted vulnerabilities,
# each with its reason, live in lock_audit.IGNORED_VULNERABILITIES; there are none.
CHECKOV_VENV ?= .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
PIP_AUDIT ?= auto

$(CHECKOV_STAMP): requirements/checkov.lock
	@if [ ! -x "$(CHECKOV_VENV)/bin/python" ]; then py="$$($(find_python313))"; \
	  if [ -z "$$py" ]; then echo "error: Python 3.13 not found" >&2; exit 1; fi; \
	  echo "Creating $(CHECKOV_VENV) with $$py"; "$$py" -m venv "$(CHECKOV_VENV)"; fi
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/checkov.lock
	@touch $@

security: $(STAMP) $(CHECKOV_STAMP)
	$(VENV)/bin/bandit -q -c pyproject.toml -r layers/common/engage_bridge functions
	$(VENV)/bin/bandit -q -c tools/bandit.toml -r tools/engage_bridge_tools
	$(PY) -m engage_bridge_tools.lock_audit $(if $(filter required,$(PIP_AUDIT)),--required) \
	  requirements/dev.lock layers/common/requirements.txt
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

build: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/sam build --parallel

unit: $(STAMP)
	$(PY) -m pytest -q

test: lint typecheck template-lint security build unit

# The whole bridge on one machine: Centra fake, Engage sandbox, the template's stack in moto (docs/demo.md).
demo: $(STAMP)
	$(VENV)/bin/engage-bridge demo

# The demo's shop under Engage, SQS and Centra faults, with planted poison (docs/soak.md); exit 1 on a broken promise.
SOAK_ORDERS ?= 1000
soak: $(STAMP)
	$(VENV)/bin/engage-bridge soak --orders $(SOAK_ORDERS) --out bench/soak.json

bench: $(STAMP)
	$(PY) -m engage_bridge_tools.bench --out bench/results.json
	$(PY) -m engage_bridge_tools.bench.report bench/results.json > docs/performance.md

clean:
	rm -rf "$(VENV)" "$(CHECKOV_VENV)" .aws-sam .mypy_cache .ruff_cache
