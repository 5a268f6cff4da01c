"""Benchmark: cxlib's independent cascade against ndlib's on the same graph.

    python benchmarks/cascade_ndlib.py [--nodes 5000] [--runs 200] [--p 0.08]

Builds one random graph (mean degree 10), runs independent cascades from random
single sources with cxlib.stats.spread.cascade_sizes and with ndlib's
IndependentCascadesModel (``pip install ndlib``; not a dependency of cxlib), and
compares the final-size distributions (means with standard errors, two-sample
Kolmogorov-Smirnov test) and the time per cascade. Then times cxlib alone on a
1,000,000-node graph with 10 edges per node.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

from cxlib import spread


def networkx_graph(graph: spread.Graph):
    """The same graph as networkx holds it (ndlib's input)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(graph.n))
    rows = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    g.add_edges_from((int(a), int(b)) for a, b in zip(rows, graph.indices, strict=True) if a < b)
    return g


def ndlib_sizes(g, p: float, sources: np.ndarray) -> np.ndarray:
    """Final sizes of ndlib's independent cascades on the networkx graph *g*."""
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc

    sizes = []
    for s in sources:
        model = ep.IndependentCascadesModel(g, seed=int(s))
        config = mc.Configuration()
        config.add_model_initial_configuration("Infected", [int(s)])
        for e in g.edges():
            config.add_edge_configuration("threshold", e, p)
        model.set_initial_status(config)
        while True:
            it = model.iteration(node_status=False)
            if it["node_count"][1] == 0:  # nobody left who can still tell
                break
        sizes.append(it["node_count"][1] + it["node_count"][2])
    return np.array(sizes)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--p", type=float, default=0.08)
    args = parser.parse_args()
    # like with like: each library's graph is built first and timed apart; the ratio
    # compares the cascades alone, and the ratio with each one's graph set-up is printed too
    start = time.perf_counter()
    graph = spread.random_graph(args.nodes, 10, seed=1)
    t_build = time.perf_counter() - start
    sources = np.random.default_rng(2).integers(0, graph.n, args.runs)

    start = time.perf_counter()
    ours = spread.cascade_sizes(graph, args.p, sources=sources, seed=3)
    t_ours = time.perf_counter() - start
    print(f"cxlib: graph of {graph.n:,} nodes built in {t_build:.3f} s; {args.runs} cascades "
          f"in {t_ours:.3f} s; mean size {ours.mean():.2f} ± "
          f"{ours.std() / np.sqrt(len(ours)):.2f}")
    try:
        start = time.perf_counter()
        g = networkx_graph(graph)
        t_convert = time.perf_counter() - start
        start = time.perf_counter()
        theirs = ndlib_sizes(g, args.p, sources)
        t_theirs = time.perf_counter() - start
    except ImportError:
        print("ndlib is not installed: `pip install ndlib` to compare")
        theirs = None
    if theirs is not None:
        print(f"ndlib: networkx graph built in {t_convert:.3f} s; {args.runs} cascades in "
              f"{t_theirs:.1f} s; mean size {theirs.mean():.2f} ± "
              f"{theirs.std() / np.sqrt(len(theirs)):.2f}")
        ks = stats.ks_2samp(ours, theirs)
        print(f"KS test of equal final-size distributions: D = {ks.statistic:.3f}, "
              f"p = {ks.pvalue:.3f}; ndlib / cxlib time: cascades alone "
              f"{t_theirs / t_ours:,.0f}×, graph set-up included "
              f"{(t_convert + t_theirs) / (t_build + t_ours):,.0f}×")

    start = time.perf_counter()
    big = spread.random_graph(1_000_000, 10, seed=1)
    t_build = time.perf_counter() - start
    start = time.perf_counter()
    sizes = spread.cascade_sizes(big, 0.05, runs=1000, seed=4)
    t_sub = time.perf_counter() - start
    start = time.perf_counter()
    large = spread.cascade_sizes(big, 0.15, runs=10, seed=5)
    t_super = time.perf_counter() - start
    print(f"1,000,000 nodes x 10 edges: graph built in {t_build:.2f} s; 1,000 subcritical "
          f"cascades (p = 0.05, mean size {sizes.mean():.2f}) in {t_sub:.2f} s; 10 "
          f"supercritical cascades (p = 0.15, largest {large.max():,} people) in {t_super:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
