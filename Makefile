# The two commands: `make run` (demo clinic) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# The venv's own pip (3.11's installs editable pyproject packages) and no byte-code
	@# compiled ahead for every installed module: Python compiles what it imports.
	$(PY) -m pip install --quiet --no-compile -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) main.py --demo

# mypy runs beside the tests, not before them: it is one process, and on a fresh clone
# its cold run (~14 s of CPU, the cache empty) held one core while the other idled and
# no test had started. Its verdict is printed after the tests'; either failing fails.
test: $(STAMP) lint
	@echo "mypy: checking beside the tests; its result follows theirs"
	@$(VENV)/bin/mypy > $(VENV)/mypy.out 2>&1 & types=$$!; \
	$(MAKE) --no-print-directory pytest; tests=$$?; \
	wait $$types; typed=$$?; cat $(VENV)/mypy.out; \
	test $$tests -eq 0 && test $$typed -eq 0

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# One worker per core (-n auto): each test has its own folder and clinic, so they run apart.
# Work stealing: a worker that runs out takes queued tests from the other, so neither
# idles at the end behind one long test. Compiled bytecode is kept (in an environment that
# sets PYTHONDONTWRITEBYTECODE, each Python process the kill, server and benchmark tests
# start compiled the package again: a third of a kill test's CPU).
pytest: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n auto --dist worksteal

bench: $(STAMP)
	$(PY) benchmarks/bench_core.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_ui.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
