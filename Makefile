# Two commands do all the set-up on a fresh machine (see README.md):
#   make demo   - install into .venv what the demo needs and run it on DuckDB (no credentials)
#   make test   - install into .venv with the test extras and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
#: The demo's default sources need one SDK beyond the base install (Meta's).
DEMO_EXTRAS ?= facebook

.PHONY: demo test test-slow bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The demo: the package and the extras of its default sources, no test tools.
$(BIN)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[$(DEMO_EXTRAS)]'
	touch $@

# The tests: the package with the test extras (which include the demo's).
$(BIN)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	# fakesnow needs sqlglot 30.22 while dlt needs 30.21: it lives in an overlay only its tests use
	$(BIN)/pip install --quiet --no-deps --target $(VENV)/fakesnow-overlay -r tests/recipes/fakesnow-overlay.txt
	touch $@ $(BIN)/.demo-installed

demo: $(BIN)/.demo-installed
	$(BIN)/bosco-sync demo

#: Tests run on every core; `make test PYTEST_WORKERS=0` runs them in one process.
PYTEST_WORKERS ?= auto

test: $(BIN)/.test-installed
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal

test-slow: $(BIN)/.test-installed
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal -m slow

bench: $(BIN)/.test-installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .bosco bosco_demo.duckdb bosco.duckdb
