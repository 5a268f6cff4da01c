"""Benchmark (not a test): the targets of issue 14, measured as a user meets them.

    python benchmarks/scale.py [--rows 10000000] [--respondents 100000] [--skip-big]

Each figure is a whole command, timed from outside (start-up included):

* ``cxlib --help`` and ``cxlib validate survey <the sample>``: the fastest of 5 runs;
* ``cxlib run`` of all 11 notebooks on the sample (no evidence runs);
* ``cxlib run 01 02`` on a simulated survey of *respondents* rows;
* ``cxlib run 04`` on a simulated *rows*-row Parquet transaction log: wall time and the
  peak memory summed over all its processes (runner, workers, template, kernels: PSS and
  RSS, from ``harness.measure``), beside that of the largest;
* how often each user file was read and validated in those runs (validations.json).

Prints a table and writes benchmarks/out/scale.json. Numbers depend on the machine and on
what else runs on it: the closing notes quote them for the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from harness import Run, measure

HERE = Path(__file__).resolve().parent
CXLIB = [sys.executable, "-m", "cxlib"]


def timed(argv: list[str], repeat: int = 1) -> float:
    """The fastest wall time of *repeat* runs of *argv* (which must succeed)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def measured(argv: list[str]) -> Run:
    """One run of *argv* (which must succeed): wall time, and memory summed over every
    process of the command (runner, workers, template, kernels), not its largest one."""
    run = measure(argv)
    if run.code != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit code {run.code})")
    return run


def validations_per_file(out: Path) -> int:
    """The most times one file was validated in the run written to *out*."""
    done = json.loads((out / "validations.json").read_text())
    return max(Counter(v["file"] for v in done).values(), default=0)


def transaction_log(rows: int, seed: int = 0) -> pd.DataFrame:
    """*rows* purchases by rows/8 customers over five years, ids as text."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": rng.integers(0, max(1, rows // 8), rows).astype(str),
        "date": pd.Timestamp("2019-01-01")
        + pd.to_timedelta(rng.integers(0, 5 * 365, rows), unit="D"),
        "amount": rng.gamma(2.0, 20.0, rows).round(2)})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--skip-big", action="store_true", help="skip the transaction log")
    args = parser.parse_args()
    from cxlib.data.datasets import sample_path
    from cxlib.data.sample import generate

    results: dict[str, float] = {}

    def show(label: str, value: float, unit: str = "s") -> None:
        results[label] = round(value, 3)
        print(f"{label:<62} {value:9.2f} {unit}", flush=True)

    show("cxlib --help", timed([*CXLIB, "--help"], 5))
    show("cxlib validate survey (the sample)",
         timed([*CXLIB, "validate", "survey", str(sample_path("survey"))], 5))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        show("cxlib run: all 11 notebooks on the sample (2 workers)",
             timed([*CXLIB, "run", "--no-evidence", "--out", str(tmp / "all")]))
        survey = tmp / "survey.csv"
        generate(2, size=args.respondents)["survey"].to_csv(survey, index=False)
        show(f"cxlib run 01 02 on {args.respondents:,} respondents",
             timed([*CXLIB, "run", "01", "02", "--data", f"survey={survey}",
                    "--out", str(tmp / "big_survey")]))
        show("  times the survey file was validated in that run",
             validations_per_file(tmp / "big_survey"), "")
        if not args.skip_big:
            log = tmp / "log.parquet"
            transaction_log(args.rows).to_parquet(log)
            big = measured([*CXLIB, "run", "04", "--data", f"transactions={log}",
                            "--out", str(tmp / "big_log")])
            show(f"cxlib run 04 on a {args.rows:,}-row Parquet log", big.wall)
            show("  peak memory summed over its processes (PSS)", big.pss_sum_gb, "GB")
            show("  peak memory summed over its processes (RSS)", big.rss_sum_gb, "GB")
            show("  peak resident memory of its largest process", big.rss_max_gb, "GB")
            show("  times the log was validated in that run",
                 validations_per_file(tmp / "big_log"), "")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
