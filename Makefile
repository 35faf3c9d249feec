# Two commands do all the set-up on a fresh machine (see README.md):
#   make demo   - install into .venv and run the demo on DuckDB (no credentials)
#   make test   - install into .venv with test extras and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-slow bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# fakesnow needs sqlglot 30.22 while dlt needs 30.21: it lives in an overlay only its tests use
	$(BIN)/pip install --quiet --no-deps --target $(VENV)/fakesnow-overlay -r tests/recipes/fakesnow-overlay.txt
	touch $@

demo: $(BIN)/.installed
	$(BIN)/bosco-sync demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

test-slow: $(BIN)/.installed
	$(BIN)/python -m pytest -q -m slow

bench: $(BIN)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .bosco bosco_demo.duckdb bosco.duckdb
