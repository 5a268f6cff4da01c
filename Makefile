# Two entry points, both self-installing into a local virtual environment (.venv):
#   make report   -> every notebook executed on the bundled sample data: HTML report, slide
#                    decks and student notebooks in report/ (run it again to rebuild it)
#   make test     -> ruff + the full pytest suite (unit tests, parameter recovery, notebooks,
#                    the queries on Spark in local mode: needs a Java runtime)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cxlib-installed

.PHONY: setup report test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $(STAMP)

# the run writes report/student/ itself; report/ carries cxlib's marker (.cxlib-report), so a
# second `make report` replaces the first report (and only cxlib's unchanged files)
report: $(STAMP)
	$(BIN)/cxlib run --out report

lint: $(STAMP)
	$(BIN)/ruff check cxlib tests notebooks benchmarks

# two test workers on a 2-core machine: one BLAS thread each (more only oversubscribe)
test: lint
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 tests

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) report .pytest_cache .ruff_cache
