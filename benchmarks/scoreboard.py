"""Benchmark (not a test): each row of issue 23's table beside its peer or floor, in one run.

    python benchmarks/scoreboard.py [--rows ROW ...] [--pairs 3] [--scale 1.0] [--dir DIR]

Every figure is a whole command, timed from outside by :mod:`harness` (start-up included;
A and its peer B in turn, A B A B …, the ratio A/B taken pair by pair; CPU seconds from the
operating system's accounting; memory summed over every process of the command), and each
row is written with the load average before and after it. Rows (``--rows``, default all):

* ``notebooks``: ``cxlib run --no-evidence`` (11 notebooks on the sample) against the same
  with ``CXLIB_FRESH_KERNELS=1`` (every kernel started from scratch, as before the
  template). Target: 20 s.
* ``survey``: ``cxlib run 01 02`` on a simulated 100,000-respondent survey (500 resamples,
  clustered by outlet, as the notebooks run) against the same notebooks on the bundled
  sample (what the size adds). Target: 15 s.
* ``rfm``: the per-customer summary (``customer_summary``) of a 10,000,000-row Parquet log
  against the floor: the raw DuckDB GROUP BY of the same file, both as whole commands.
  Target: 1.2×.
* ``log``: ``cxlib run 04`` on a 10,000,000-row Parquet log drawn from cxlib's purchase
  simulator in its BG/NBD form (every stage of the notebook runs on it)
  against the raw DuckDB summary of the same file. Targets: 10×, 1.5 GB summed.
* ``validate``: ``cxlib validate transactions`` of a 5,000,000-row CSV against the floor of
  reading the file with Arrow's CSV reader; and ``validate`` of a survey with 100,000
  columns alone. Targets: 3× the file in memory; seconds.

``--scale`` multiplies every size (0.1 for a quick check). The inputs are made once in
``--dir`` and reused. Results: ``DIR/scoreboard.json`` (and a table on the terminal).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from harness import paired, single

PY = sys.executable
CXLIB = [PY, "-m", "cxlib"]
ROWS = ("notebooks", "survey", "rfm", "log", "validate")


def survey_file(folder: Path, respondents: int) -> Path:
    path = folder / f"survey_{respondents}.csv"
    if not path.exists():
        from cxlib.data.sample import generate

        generate(2024, size=respondents)["survey"].to_csv(path, index=False)
    return path


def log_file(folder: Path, rows: int) -> Path:
    """A Parquet log of about *rows* purchases from cxlib's purchase simulator in its BG/NBD
    form (a growing base of customers who buy at their own rate and may drop out after each
    purchase): every stage of notebook 04 runs on it."""
    path = folder / f"log_{rows}.parquet"
    if not path.exists():
        import numpy as np

        from cxlib.stats.purchases import BusinessParams, simulate_log

        def business(first: int) -> BusinessParams:  # the BG/NBD story: drop-out after buying
            return BusinessParams(months=36, first_month=first, growth=0.01, rate_mean=0.8,
                                  dropout_beta=(0.79, 2.43))

        per_first = len(simulate_log(business(100), np.random.default_rng(0))) / 100
        first = max(1, round(rows / per_first))
        simulate_log(business(first), np.random.default_rng(1)).to_parquet(path, index=False)
    return path


def csv_log(folder: Path, rows: int) -> Path:
    path = folder / f"transactions_{rows}.csv"
    if not path.exists():
        import pandas as pd

        pd.read_parquet(log_file(folder, rows)).to_csv(path, index=False)
    return path


def wide_survey(folder: Path, columns: int) -> Path:
    path = folder / f"survey_wide_{columns}.csv"
    if not path.exists():
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(0)
        frame = pd.DataFrame(rng.integers(1, 8, (5, columns)),
                             columns=[f"q{i}" for i in range(columns)])
        frame.insert(0, "overall_sat", rng.integers(1, 8, 5))
        frame.insert(0, "respondent_id", [f"R{i}" for i in range(5)])
        frame.to_csv(path, index=False)
    return path


def script(code: str) -> list[str]:
    return [PY, "-c", textwrap.dedent(code)]


def duckdb_floor(path: Path) -> list[str]:
    """The raw per-customer GROUP BY of the log at *path* (the floor of any summary)."""
    return script(f"""
        import duckdb
        duckdb.sql(\"\"\"SELECT customer_id, count(DISTINCT CAST(date AS DATE)) - 1 AS frequency,
                          min(date) AS first, max(date) AS last, sum(amount) AS spend
                   FROM read_parquet('{path}') GROUP BY customer_id\"\"\").df()
        """)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="*", choices=ROWS, default=list(ROWS))
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dir", default="/tmp/cxlib_scoreboard")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    n = lambda count: max(1000, int(count * args.scale))  # noqa: E731
    board: dict = {"scale": args.scale, "python": sys.version.split()[0]}
    out_file = folder / "scoreboard.json"

    def record(name: str, result: dict, target: str) -> None:
        board[name] = {**result, "target": target}
        out_file.write_text(json.dumps(board, indent=1))
        a = result["a"]["wall"]["median"]
        ratio = result.get("ratio_a_over_b", {}).get("wall", {}).get("median")
        mem = result["a"]["pss_sum_gb"]["median"]
        shown = f"ratio {ratio:6.2f}" if ratio is not None else " " * 12
        print(f"{name:<34} {a:8.2f} s  {shown}  {mem:5.2f} GB (PSS, summed)  "
              f"load {result['load_before'][0]}→{result['load_after'][0]}  target {target}",
              flush=True)

    if "notebooks" in args.rows:
        run = [*CXLIB, "run", "--no-evidence", "--out"]
        record("11 notebooks on the sample", paired(
            [*run, str(folder / "nb_template")], [*run, str(folder / "nb_fresh")],
            runs=args.pairs, env_b={"CXLIB_FRESH_KERNELS": "1"}),
            "20 s; B = the same with every kernel started from scratch")
    if "survey" in args.rows:
        big = survey_file(folder, n(100_000))
        run = [*CXLIB, "run", "01", "02", "--no-evidence", "--out"]
        record(f"notebooks 01+02, {n(100_000):,} respondents", paired(
            [*run, str(folder / "survey_big"), "--data", f"survey={big}"],
            [*run, str(folder / "survey_sample")], runs=args.pairs),
            "15 s; B = the same two notebooks on the bundled sample (800 respondents)")
    if "rfm" in args.rows:
        log = log_file(folder, n(10_000_000))
        ours = script(f"""
            from cxlib.analyses.repeat import customer_summary
            customer_summary('{log}')
            """)
        record(f"RFM summary, {n(10_000_000):,}-row Parquet", paired(
            ours, duckdb_floor(log), runs=args.pairs), "1.2× the raw DuckDB GROUP BY (B)")
    if "log" in args.rows:
        log = log_file(folder, n(10_000_000))
        record(f"cxlib run 04, {n(10_000_000):,}-row log", paired(
            [*CXLIB, "run", "04", "--no-evidence", "--data", f"transactions={log}", "--out",
             str(folder / "log_run")], duckdb_floor(log), runs=args.pairs),
            "10× the raw DuckDB summary (B), 1.5 GB summed")
    if "validate" in args.rows:
        csv = csv_log(folder, n(5_000_000))
        floor = script(f"""
            import pyarrow.csv
            pyarrow.csv.read_csv('{csv}')
            """)
        result = paired([*CXLIB, "validate", "transactions", str(csv)], floor, runs=args.pairs)
        result["file_gb"] = csv.stat().st_size / 1024**3
        record(f"validate {n(5_000_000):,}-row CSV", result,
               "3× the file in memory; B = Arrow reading the file")
        wide = wide_survey(folder, n(100_000))
        record(f"validate survey, {n(100_000):,} columns",
               single([*CXLIB, "validate", "survey", str(wide)], runs=args.pairs), "seconds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
