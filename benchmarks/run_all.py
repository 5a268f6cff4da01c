"""Benchmarks (not tests): notebook execution time and data-path throughput on large inputs.

    python benchmarks/run_all.py [--quick]

Prints a table and writes benchmarks/out/results.json. Numbers depend on the machine;
the closing notes of the issues quote them for the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def timed(label: str, fn, results: dict, **extra):
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    results[label] = {"seconds": round(seconds, 2), **extra}
    rate = ""
    if "rows" in extra:
        rate = f"  ({extra['rows'] / seconds:,.0f} rows/s)"
    print(f"{label:<58} {seconds:8.2f} s{rate}", flush=True)
    return out


def bench_run(results: dict, tmp: Path) -> None:
    from cxlib.app.runner import run

    timed("cxlib run: all notebooks on the sample (2 workers)",
          lambda: run(out=tmp / "report", log=lambda _: None), results)


def bench_loading(results: dict, tmp: Path, rows: int) -> None:
    import pandas as pd

    from cxlib import load_data, sample

    frames = sample.generate(1, size=rows)
    survey = frames["survey"]
    path = tmp / "survey_big.csv"
    survey.to_csv(path, index=False)
    timed(f"load + validate survey CSV, {len(survey):,} rows x {survey.shape[1]} cols",
          lambda: load_data("survey", path), results, rows=len(survey))
    rng = np.random.default_rng(0)
    n = rows * 10
    tx = pd.DataFrame({"customer_id": rng.integers(0, n // 5, n).astype(str),
                       "date": (pd.Timestamp("2020-01-01")
                                + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
                                ).strftime("%Y-%m-%d"),
                       "amount": rng.gamma(2, 20, n).round(2)})
    tpath = tmp / "transactions_big.csv"
    tx.to_csv(tpath, index=False)
    timed(f"load + validate transactions CSV, {n:,} rows", lambda: load_data("transactions", tpath),
          results, rows=n)
    ppath = tmp / "transactions_big.parquet"
    tx.to_parquet(ppath)
    timed(f"load + validate transactions Parquet, {n:,} rows",
          lambda: load_data("transactions", ppath), results, rows=n)


def bench_survey_analysis(results: dict, tmp: Path, n: int, n_boot: int) -> None:
    """The analyses of notebooks 01 and 02 on *n* simulated respondents."""
    from cxlib import drivers, load_data, loyalty, measurement, pls, quality, sample
    from cxlib.data.constructs import construct_scores, survey_constructs

    path = tmp / "survey_analysis.csv"
    sample.generate(2, size=n)["survey"].to_csv(path, index=False)
    ds = load_data("survey", path)
    model = survey_constructs(ds)
    frame = ds.frame

    def analysis():
        scores = construct_scores(frame, model.blocks)
        measurement.reliability_table(frame, model.drivers)
        measurement.compare_structures(frame, model.drivers)
        dims = list(model.drivers)
        drivers.key_drivers(scores, "SAT", dims)
        drivers.relative_importance(scores, "SAT", dims, n_boot=n_boot)
        quality.perception_vs_gap(frame, "overall_sat", model.drivers, model.expectations,
                                  n_boot=n_boot)
        loyalty.ordinal_effect(frame, "repurchase_intent", "overall_sat")
        loyalty.churn_effect(frame, "churned", "overall_sat")
        loyalty.top_box_step(frame, "repurchase_intent", "overall_sat", n_boot=n_boot)
        loyalty.spline_test(frame, "repurchase_intent", "overall_sat")
        scores["quality"] = scores[dims].mean(axis=1)
        loyalty.mediation(scores, "quality", "SAT", "LOY", n_boot=n_boot)
        pls.bootstrap_paths(frame, model.blocks, model.paths, n_boot=n_boot)

    timed(f"survey analysis (notebooks 01+02), {n:,} respondents, {n_boot} bootstrap",
          analysis, results, rows=n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    args = parser.parse_args()
    results: dict = {"python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bench_run(results, tmp)
        bench_loading(results, tmp, 10_000 if args.quick else 100_000)
        bench_survey_analysis(results, tmp, 10_000 if args.quick else 100_000, 200)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
