# Two commands for a fresh machine (Python 3.11+ and pip only):
#   make playbooks   # demo engagement -> outputs/demo/index.html
#   make test        # test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.cx-installed

.PHONY: playbooks test test-fast test-latest bench clean venv

venv: $(STAMP)

# the tested dependency set (constraints.txt); pyproject.toml keeps ranges
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $(STAMP)

playbooks: $(STAMP)
	$(VENV)/bin/cx demo --out outputs/demo

LINT := $(VENV)/bin/ruff check lib tests benchmarks notebooks/src

test: $(STAMP)
	$(LINT)
	$(PY) -m pytest -q -m "not bench" -n 2 --dist loadfile

# unit and parity tests only (no notebook runs): a minute instead of several
test-fast: $(STAMP)
	$(LINT)
	$(PY) -m pytest -q -m "not bench and not slow"

# newest releases of every dependency, ignoring constraints.txt (not in CI): shows upstream breaks as such
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	.venv-latest/bin/python -m pip freeze --exclude-editable > .venv-latest/freeze.txt
	.venv-latest/bin/python -m pytest -q -m "not bench"

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf outputs .pytest_cache .venv-latest
