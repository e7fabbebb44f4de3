# plantopt: two commands on a fresh machine with Python 3.11 and make.
#   make run    set up .venv and solve the packaged default instance
#   make test   set up .venv (with test tools) and run the test suite (without slow tests;
#               make test-slow runs those, make test-all everything, make test-parallel
#               the default suite on 2 cores)
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run test test-slow test-all test-parallel lint typecheck bench docs examples clean fuzz

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=python3"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/plantopt solve

test: setup
	$(BIN)/python -m pytest -q -m "not slow"

test-slow: setup
	$(BIN)/python -m pytest -q -m slow

test-all: setup
	$(BIN)/python -m pytest -q

# the default suite on both cores (pytest-xdist); `make test` stays serial
test-parallel: setup
	$(BIN)/python -m pytest -q -m "not slow" -n 2

examples: setup
	$(BIN)/python examples/run_notebooks.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# property-based fuzzing of reading, checks and solve (tests/test_fuzz.py): 3,000 cases;
# counts per outcome in fuzz-report.json. The default `make test` runs 300 of them.
fuzz: setup
	PLANTOPT_FUZZ_FULL=1 PLANTOPT_FUZZ_EXAMPLES=$${PLANTOPT_FUZZ_EXAMPLES:-3000} \
	PLANTOPT_FUZZ_REPORT=fuzz-report.json $(BIN)/python -m pytest -q -m fuzz tests/test_fuzz.py
	@cat fuzz-report.json

bench: setup
	$(BIN)/python benchmarks/run.py

docs: setup
	$(BIN)/plantopt schema-doc --out docs/instance-format.md

clean:
	rm -rf $(VENV) results .pytest_cache
