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
    """The analyses of notebooks 01 and 02 on *n* simulated respondents, called as the
    notebooks call them: *n_boot* resamples (the notebooks' 500), clustered by outlet, the
    loyalty and recommend ordinal logits, SEM beside PLS, and the exercises' extra fits."""
    from cxlib import constructs, drivers, load_data, loyalty, measurement, pls, quality, sample
    from cxlib.stats import sem

    path = tmp / "survey_analysis.csv"
    sample.generate(2, size=n)["survey"].to_csv(path, index=False)
    ds = load_data("survey", path)
    model = constructs.survey_constructs(ds)
    frame = ds.frame

    def analysis():
        scores = constructs.construct_scores(frame, model.blocks)
        cluster = constructs.survey_cluster(frame)
        if cluster:
            scores[cluster] = frame[cluster]
        dims = list(model.drivers)
        multi = {k: v for k, v in model.drivers.items() if len(v) >= 2}
        measurement.reliability_table(frame, multi)
        measurement.compare_structures(frame, multi)
        drivers.key_drivers(scores, model.satisfaction, dims, cluster=cluster)
        for b in (n_boot, 100, 1000):  # the notebook's, and its exercise's
            drivers.relative_importance(scores, model.satisfaction, dims, n_boot=b,
                                        cluster=cluster)
        quality.disconfirmation(frame, "overall_sat", model.perceptions, model.expectations,
                                cluster=cluster)
        quality.perception_vs_gap(frame, "overall_sat", model.perceptions, model.expectations,
                                  n_boot=n_boot, cluster=cluster)
        loyal = model.blocks[model.loyalty][0]
        adjust = dict(covariates=ds.mapping.covariates, reference=ds.mapping.reference)
        loyalty.ordinal_effect(frame, loyal, "overall_sat", cluster=cluster, **adjust)
        loyalty.ordinal_effect(frame, "recommend", "overall_sat", cluster=cluster)
        loyalty.loyalty_by_level(frame, loyal, "overall_sat")
        loyalty.spline_test(frame, loyal, "overall_sat")
        loyalty.top_box_step(frame, loyal, "overall_sat", cluster=cluster)
        loyalty.logistic_effect(frame, "churned", "overall_sat", cluster=cluster, **adjust)
        quality_name = model.quality or "service quality"
        if model.quality is None:
            scores[quality_name] = scores[dims].mean(axis=1)
        loyalty.mediation(scores, quality_name, model.satisfaction, model.loyalty,
                          cluster=cluster, n_boot=n_boot)
        pls.bootstrap_paths(frame, model.blocks, model.paths, n_boot=n_boot, cluster=cluster)
        pls.pls_pm(frame, model.blocks, model.paths)
        sem.fit_model(frame, model.blocks, model.paths)
        loyalty.ordinal_effect(frame.assign(service=scores[quality_name]), loyal, "service",
                               cluster=cluster)

    timed(f"survey analysis (notebooks 01+02), {n:,} respondents, {n_boot} bootstrap, "
          "clustered", analysis, results, rows=n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    args = parser.parse_args()
    results: dict = {"python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bench_run(results, tmp)
        bench_loading(results, tmp, 10_000 if args.quick else 100_000)
        bench_survey_analysis(results, tmp, 10_000 if args.quick else 100_000, 500)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
