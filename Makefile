# Two entry points, both self-installing into a local virtual environment (.venv):
#   make report   -> every notebook executed on the bundled sample data: HTML report, slide
#                    decks and student notebooks in report/ (run it again to rebuild it);
#                    installs cxlib and its dependencies only
#   make test     -> ruff + the full pytest suite (unit tests, parameter recovery, notebooks,
#                    the queries on Spark in local mode: needs a Java runtime); adds the dev
#                    tools and the `spark` extra
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cxlib-installed
# the report needs cxlib and its dependencies only; the tools and the distributed path's
# PySpark/Ibis (a few hundred MB) are installed by the targets that use them
DEV    := $(VENV)/.cxlib-dev-installed

.PHONY: setup report test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

# ruff, pytest and the `spark` extra (the Spark tests of the distributed path run in CI)
$(DEV): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $(DEV)

# the run writes report/student/ itself; report/ carries cxlib's marker (.cxlib-report), so a
# second `make report` replaces the first report (and only cxlib's unchanged files)
report: $(STAMP)
	$(BIN)/cxlib run --out report

lint: $(DEV)
	$(BIN)/ruff check cxlib tests notebooks benchmarks

# two test workers on a 2-core machine: one BLAS thread each (more only oversubscribe)
test: lint
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 tests

bench: $(DEV)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) report .pytest_cache .ruff_cache
