"""Benchmark: fitting the BG/NBD model to 1,000,000 customers' summaries, cxlib vs lifetimes.

    python benchmarks/customer_base_fit.py [--customers 1000000] [--repeat 3]

Draws per-customer summaries (frequency, recency, T) from the BG/NBD model at the published
CDNOW parameters (r = 0.243, α = 4.414, a = 0.793, b = 2.426; weeks), with first purchases
spread over 78 weeks and times recorded to the day, as a transaction log gives them. Times
``cxlib.stats.customer_base.fit_bgnbd`` (standard errors included) and, when ``lifetimes`` is
installed, ``lifetimes.BetaGeoFitter.fit`` on the same input, each --repeat times in turn,
quoting both medians and each pair's ratio, and compares the parameters.

lifetimes is not a dependency of cxlib (it is archived and its last release predates
pandas 3). To compare, install it for the measurement only:
``pip install lifetimes==0.11.3`` (it then imported and fitted under pandas 2.3 and 3.0.1).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cxlib.stats.customer_base import fit_bgnbd, simulate_bgnbd

TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def make_summaries(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 78 * 7, n) / 7  # whole days, in weeks
    d = simulate_bgnbd(n, *TRUTH.values(), T, rng)
    d["recency"] = np.floor(d["recency"] * 7) / 7
    return d


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    d = make_summaries(args.customers)
    print(f"{len(d):,} customers, {int(d['frequency'].sum()):,} repeat purchases")

    # like with like: both fitted --repeat times, turn about (cxlib, lifetimes, cxlib, …),
    # and the medians compared, with the ratio of each pair
    try:
        from lifetimes import BetaGeoFitter
    except ImportError:
        BetaGeoFitter = None
        print("lifetimes is not installed: `pip install lifetimes==0.11.3` to compare")
    times, ref_times = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = fit_bgnbd(d["frequency"], d["recency"], d["T"], unit="week")
        times.append(time.perf_counter() - start)
        if BetaGeoFitter is not None:
            start = time.perf_counter()
            ref = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
            ref_times.append(time.perf_counter() - start)
    t_ours = float(np.median(times))
    print(f"cxlib fit_bgnbd:  {t_ours:6.2f} s (median of {args.repeat}: "
          f"{', '.join(f'{t:.2f}' for t in times)})")
    print(ours.intervals().round(4).to_string())
    if BetaGeoFitter is None:
        return 0
    t_ref = float(np.median(ref_times))
    print(f"lifetimes BetaGeoFitter.fit: {t_ref:6.2f} s (median of {args.repeat}: "
          f"{', '.join(f'{t:.2f}' for t in ref_times)}); pair ratios "
          f"{', '.join(f'{r / o:.1f}' for r, o in zip(ref_times, times, strict=True))}")
    diff = {k: abs(ours[k] - ref.params_[k]) for k in TRUTH}
    print("parameters, cxlib vs lifetimes:",
          {k: (round(ours[k], 5), round(float(ref.params_[k]), 5)) for k in TRUTH})
    print(f"largest absolute difference {max(diff.values()):.2e}; "
          f"lifetimes / cxlib time ratio: {t_ref / t_ours:.1f}×")
    assert max(diff.values()) < 1e-3, "parameters differ"

    # cxlib fits distinct (x, t_x, T) once each, with a count; lifetimes can be given the same
    # compression through its weights argument, which isolates the likelihood code's speed
    unique = d.groupby(["frequency", "recency", "T"]).size().reset_index(name="w")
    start = time.perf_counter()
    weighted = BetaGeoFitter().fit(unique["frequency"], unique["recency"], unique["T"],
                                   weights=unique["w"])
    t_w = time.perf_counter() - start
    diff_w = max(abs(ours[k] - weighted.params_[k]) for k in TRUTH)
    print(f"lifetimes on the {len(unique):,} distinct summaries with weights: {t_w:6.2f} s "
          f"(largest parameter difference {diff_w:.2e}; ratio to cxlib {t_w / t_ours:.1f}×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
