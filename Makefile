# The two commands a user needs: `make serve` and `make test`.
# Both bootstrap .venv on a machine that has only Python 3.11, make and git.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LOCK   := .venv.lock
PYTEST_WORKERS ?= 2

.PHONY: serve test lint typecheck infra-lint security-lint unit integration functional e2e demo bench mutation clean venv

venv: $(STAMP)

# A lock folder, because `make demo` and `make serve` may start side by side on a fresh
# clone; a venv left without pip by an interrupted run is created again.
$(STAMP): pyproject.toml constraints.txt
	@n=0; until mkdir $(LOCK) 2>/dev/null; do \
	  n=$$((n+1)); if [ $$n -gt 900 ]; then echo "waited 15 min for $(LOCK); remove it if stale"; exit 1; fi; \
	  sleep 1; done; \
	trap 'rmdir $(LOCK)' EXIT; \
	if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ] && [ $(STAMP) -nt constraints.txt ]; then exit 0; fi; \
	test -x $(BIN)/pip || $(PYTHON) -m venv --clear $(VENV) || exit 1; \
	echo "installing the registry and its tools into $(VENV) ..."; \
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' || exit 1; \
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/registry serve

demo: $(STAMP)
	$(BIN)/python -m tests.fakes

lint: $(STAMP)
	$(BIN)/ruff check src tests bench docs
	$(BIN)/ruff format --check src tests bench docs

typecheck: $(STAMP)
	$(BIN)/mypy

# The deployment files, each by its own linter: the Dockerfile (warnings fail), the
# Compose file and the CI workflows against their published schemas, the workflows'
# security (zizmor, offline), the CloudFormation templates and the shell scripts.
infra-lint: $(STAMP)
	$(BIN)/hadolint --failure-threshold warning deploy/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec deploy/docker-compose.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --min-severity medium .github/workflows
	$(BIN)/cfn-lint deploy/aws/*.yaml
	$(BIN)/shellcheck deploy/aws/*.sh

# Supply chain and code: bandit over the registry's code (nothing of medium severity or
# above, or justified in place with `# nosec` and a reason), and pip-audit over the
# installed dependencies (skipped, saying so, where its service cannot be reached).
security-lint: $(STAMP)
	$(BIN)/bandit -r src -q --severity-level medium
	$(BIN)/python -m docs.audit_dependencies

test: lint typecheck infra-lint security-lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup tests

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/integration

functional: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/functional

# The browser tests: Playwright and Debian's chromium, axe-core on every page; the
# screenshots of every page go to var/screenshots (E2E_SCREENSHOTS), named at the end.
e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

bench: $(STAMP)
	$(BIN)/python -m bench

# Mutation testing with mutmut (not part of `make test`; docs/testing.md). It mutates
# services/, sources/, storage/, auth/ and domain/ and runs the fast SQLite tiers
# against each mutant. Scope a run with MUTANTS, e.g. MUTANTS='registry.services.search*';
# results are cached in mutants/, so a second run only redoes what changed.
MUTANTS ?=
MUTATION_CHILDREN ?= 2
mutation: $(STAMP)
	@$(BIN)/python -c "import mutmut" 2>/dev/null || \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,mutation]'
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS); \
	  status=$$?; $(BIN)/python -m docs.mutation_score; exit $$status

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache mutants
