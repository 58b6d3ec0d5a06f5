# Two commands for a fresh machine (Python 3.11+ and pip only):
#   make playbooks   # demo engagement -> outputs/demo/index.html
#   make test        # test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.cx-installed

.PHONY: playbooks test bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

playbooks: $(STAMP)
	$(VENV)/bin/cx demo --out outputs/demo

test: $(STAMP)
	$(PY) -m pytest -q -m "not bench"

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf outputs .pytest_cache
