"""How far word of mouth spreads: branching processes and independent cascades.

**Branching process.** Generation 0 is one customer. Each teller tells a negative
binomial number of people (mean μ, dispersion k: variance μ + μ²/k); each person
told passes the story on with probability p, becoming a teller of the next
generation. Runs are simulated side by side with NumPy: the tellings of z tellers
are one NB(z·k) draw, and the passes a binomial thinning of them.

**Independent cascade** (Kempe, Kleinberg & Tardos 2003) on a network: each newly
told person gets one chance to tell each neighbour, succeeding with probability p.
Graphs are kept as CSR arrays (SciPy sparse layout) and a cascade advances a whole
frontier at a time, so a million-node network takes seconds. Graph families:
random (Erdős–Rényi, by random edge endpoints), small world (Watts–Strogatz ring
with rewiring) and scale free (configuration model with power-law degrees, P(d) ∝
d^−γ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse


@dataclass
class Graph:
    """An undirected graph in CSR form: neighbours of v are indices[indptr[v]:indptr[v+1]]."""

    indptr: np.ndarray
    indices: np.ndarray
    name: str = ""

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def mean_degree(self) -> float:
        return len(self.indices) / self.n

    @classmethod
    def from_edges(cls, n: int, a: np.ndarray, b: np.ndarray, name: str = "") -> Graph:
        keep = a != b
        a, b = a[keep], b[keep]
        m = sparse.coo_matrix((np.ones(2 * len(a), dtype=np.int8),
                               (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
        m.sum_duplicates()
        return cls(m.indptr.astype(np.int64), m.indices.astype(np.int64), name)


def random_graph(n: int, mean_degree: float, seed: int = 0) -> Graph:
    """Erdős–Rényi-like graph: n·d/2 edges with uniformly random endpoints."""
    rng = np.random.default_rng(seed)
    m = int(n * mean_degree / 2)
    return Graph.from_edges(n, rng.integers(0, n, m), rng.integers(0, n, m), "random")


def small_world(n: int, mean_degree: int, rewire: float = 0.1, seed: int = 0) -> Graph:
    """Watts–Strogatz: a ring where each node links to its d/2 nearest neighbours on each
    side, each edge's far end rewired to a random node with probability *rewire*."""
    rng = np.random.default_rng(seed)
    half = max(1, mean_degree // 2)
    a = np.repeat(np.arange(n), half)
    b = (a + np.tile(np.arange(1, half + 1), n)) % n
    moved = rng.random(len(b)) < rewire
    b[moved] = rng.integers(0, n, moved.sum())
    return Graph.from_edges(n, a, b, "small world")


def scale_free(n: int, mean_degree: float, gamma: float = 2.5, seed: int = 0) -> Graph:
    """Configuration model with power-law degrees P(d) ∝ d^−γ (d ≥ d_min) cut off at
    √(n·d) (the structural cut-off), scaled to the mean degree; stubs are paired at
    random (self-loops and duplicate edges dropped)."""
    rng = np.random.default_rng(seed)
    d_min = mean_degree * (gamma - 2) / (gamma - 1)
    raw = d_min * (1 - rng.random(n)) ** (-1 / (gamma - 1))
    raw = np.clip(raw, 1, np.sqrt(n * mean_degree))  # structural cut-off keeps pairing simple
    degrees = np.maximum(1, np.round(raw * mean_degree / raw.mean())).astype(np.int64)
    if degrees.sum() % 2:
        degrees[0] += 1
    stubs = rng.permutation(np.repeat(np.arange(n), degrees))
    return Graph.from_edges(n, stubs[0::2], stubs[1::2], "scale free")


def cascade_sizes(graph: Graph, p: float, runs: int = 100, seed: int = 0,
                  sources: np.ndarray | None = None) -> np.ndarray:
    """Final sizes (people told, the source included) of independent cascades from random
    (or given) single sources."""
    rng = np.random.default_rng(seed)
    sources = rng.integers(0, graph.n, runs) if sources is None else np.asarray(sources)
    out = np.empty(len(sources), dtype=np.int64)
    active = np.zeros(graph.n, dtype=bool)
    for r, s in enumerate(sources):
        touched = [np.array([s])]
        active[s] = True
        frontier = touched[0]
        while frontier.size:
            starts, ends = graph.indptr[frontier], graph.indptr[frontier + 1]
            lens = ends - starts
            total = int(lens.sum())
            if total == 0:
                break
            offsets = np.repeat(starts - np.cumsum(np.r_[0, lens[:-1]]), lens) + np.arange(total)
            nbrs = graph.indices[offsets[rng.random(total) < p]]
            nbrs = np.unique(nbrs[~active[nbrs]])
            active[nbrs] = True
            touched.append(nbrs)
            frontier = nbrs
        done = np.concatenate(touched)
        out[r] = done.size
        active[done] = False  # reset only what this run touched
    return out


def reach_table(cascades: dict[str, np.ndarray], population: int,
                small: int = 100) -> pd.DataFrame:
    """Final reach of the cascades of each network, one row per network: the share of
    stories that stay small (reach ≤ *small* people), the share that reach more than half
    of the *population*, and the median, mean and largest reach (as whole people)."""
    rows = {}
    for name, sizes in cascades.items():
        s = np.asarray(sizes, dtype=float)
        rows[name] = {f"share reaching ≤ {small:,} people": float((s <= small).mean()),
                      "share reaching over half the people": float((s > population / 2).mean()),
                      "median reach": round(float(np.median(s))),
                      "mean reach": round(float(s.mean())),
                      "largest reach": int(s.max())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("network")


def branching_sizes(mean_tellings: float, pass_on: float, dispersion: float = 1.0,
                    runs: int = 10_000, max_generations: int = 60, cap: int = 10**7,
                    seed: int = 0) -> pd.DataFrame:
    """Simulated branching processes: total people told (source excluded) and generations.

    A run that reaches *cap* people is stopped there (an outbreak that does not die out).
    """
    rng = np.random.default_rng(seed)
    tellers = np.ones(runs, dtype=np.int64)
    total = np.zeros(runs, dtype=np.int64)
    generations = np.zeros(runs, dtype=np.int64)
    k = dispersion
    prob = k / (k + mean_tellings)
    for g in range(1, max_generations + 1):
        alive = (tellers > 0) & (total < cap)
        if not alive.any():
            break
        told = np.zeros(runs, dtype=np.int64)
        told[alive] = rng.negative_binomial(tellers[alive] * k, prob)
        total += told
        tellers = np.where(alive, rng.binomial(told, pass_on), tellers)  # capped runs keep theirs
        generations[alive & (told > 0)] = g
    return pd.DataFrame({"people told": np.minimum(total, cap), "generations": generations,
                         "died out": tellers == 0})


def reach_by_generation(mean_tellings: float, pass_on: float, generations: int = 8) -> pd.Series:
    """Expected people told in generation g: μ (μ p)^(g−1)."""
    g = np.arange(1, generations + 1)
    return pd.Series(mean_tellings * (mean_tellings * pass_on) ** (g - 1),
                     index=pd.Index(g, name="generation"), name="expected people told")


def expected_reach(tellings: float, pass_on: float) -> float:
    """Expected people reached beyond the first customer: R/(1−R), R = tellings × pass_on
    (infinite when R ≥ 1: the story keeps spreading until the network runs out)."""
    r = tellings * pass_on
    return np.inf if r >= 1 else r / (1 - r)


def extinction_probability(mean: float, dispersion: float | None = None) -> float:
    """Probability a branching process dies out: the smallest root of q = G(q), where G is
    the offspring generating function: Poisson exp(μ(q−1)), or negative binomial
    (1 + μ(1−q)/k)^(−k) with dispersion k (variance μ + μ²/k)."""
    if mean <= 1:
        return 1.0

    def g(q: float) -> float:
        if dispersion is None:
            return np.exp(mean * (q - 1))
        return (1 + mean * (1 - q) / dispersion) ** (-dispersion)

    q = 0.0
    for _ in range(10_000):  # fixed-point iteration from 0 converges to the smallest root
        nxt = g(q)
        if abs(nxt - q) < 1e-13:
            break
        q = nxt
    return float(q)
