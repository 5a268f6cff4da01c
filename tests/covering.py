"""Files of every data kind with a generated covering set of optional columns, for the test that
runs every notebook on files `validate` accepts (tests/test_minimal_files.py).

Each kind's optional columns are grouped into *factors* (a column, or a family that goes
together such as the perception items); a few mapping keys that change what a notebook does are
factors too (a snapshot's `follow_up_months`, an experiment's covariate, a summary's
`time_unit`, an interval report's interval length, threshold and assumed handle time). Run 0
is the minimal file of each kind (required columns only). Runs 1..N give each factor a
pattern of presence over the N runs, chosen by a seeded search that

* keeps every file valid by the kind's declaration (required columns, one-of groups, columns
  that need a partner: :func:`valid`), and
* maximises the pairs of factors seen in all four combinations (both present, either alone,
  neither) over the runs, the minimal run included.

Every factor is then present in at least one run and absent in at least one. A covering run
holds a file of every kind, so one execution of the notebooks covers row i of every kind at
once; a kind with many interacting columns (customers) has extra runs of its own, in which only
the notebooks that read it run (:data:`EXTRA_RUNS`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.data.datasets import data_dir
from cxlib.data.schemas import KINDS, Kind

RUNS = 4
"""Covering runs besides the minimal one, each with a file of every kind."""
EXTRA_RUNS = {"customers": 2}
"""Runs after those for kinds with many columns that interact: only that kind's file is given
(the others come from the sample) and only the notebooks that read it run, which is cheap. For
customers this also runs notebook 10's thank-you trial from the ledger (with a file of every
kind, the experiment file takes its place)."""
ROWS = 300
"""Rows per file (fewer for the outlets, of which the sample has 30)."""
SEED = 21

MINIMAL = {
    "survey": ["overall_sat"],
    "customers": ["customer_id", "acquired_on", "churned_on"],
    "transactions": ["customer_id", "date", "amount"],
    "contacts": ["contact_id", "arrived_at", "wait_seconds"],
    "intervals": ["interval_start", "offered"],
    "visits": ["visit_id", "customer_id", "visit_date"],
    "outlets": ["outlet_id", "employee_sat"],
    "experiment": ["arm", "outcome"],
    "summary": ["frequency", "recency", "T"],
}
"""The minimal file of each kind: its required columns (customers: acquisition dates, the first
of its one-of group, and churn dates: who left, or nobody did)."""

_DIMS = ("rel", "res", "ass", "emp", "tan")
PERCEPTIONS = [f"{d}_{i}" for d in _DIMS for i in (1, 2, 3)]
EXPECTATIONS = [f"exp_{c}" for c in PERCEPTIONS]
MOMENTS = ["r_environment", "r_help", "r_reliability", "r_price", "r_friendliness",
           "r_aftercare"]
STEPS = ["step_greet", "step_needs", "step_meet", "step_check", "step_door"]

GROUPS: dict[str, dict[str, list[str]]] = {
    "survey": {"perception items": PERCEPTIONS, "expectation items": EXPECTATIONS},
    "visits": {"moment ratings": MOMENTS, "service steps": STEPS},
}
"""Column families that go together, by kind (a factor each)."""

MAPPING_FACTORS: dict[str, dict[str, tuple[list[str], str]]] = {
    "customers": {"follow_up_months": ([], "  follow_up_months: 1\n")},
    "experiment": {"covariates": (["prior_purchases"], "  covariates: [prior_purchases]\n")},
    "summary": {"time_unit": ([], "  time_unit: week\n")},
    "intervals": {"interval_minutes": ([], "  interval_minutes: 15\n"),
                  "threshold_seconds": ([], "  threshold_seconds: 30\n"),
                  "default_handle_seconds": ([], "  default_handle_seconds: 240\n")},
}
"""Mapping keys varied as factors: the columns they bring and their mapping lines."""

ALWAYS = {"summary": ["T"]}
"""Optional columns kept in every run: a summary without T needs `periods:` and data in
discrete periods, which the donor panel's own test covers (tests/test_bgbb.py)."""


@dataclass(frozen=True)
class Factor:
    """A column, a family of columns or a mapping key that a run has or has not."""

    name: str
    columns: tuple[str, ...]
    mapping: str = ""


def factors(kind: str) -> list[Factor]:
    """The optional factors of *kind*: every optional field (grouped families as one), the
    item families, and the mapping factors."""
    spec = KINDS[kind]
    grouped = {c: g for g, cols in GROUPS.get(kind, {}).items() for c in cols}
    out = [Factor(g, tuple(cols)) for g, cols in GROUPS.get(kind, {}).items()]
    for f in spec.fields:
        if f.required or f.name in grouped or f.name in ALWAYS.get(kind, ()):
            continue
        out.append(Factor(f.name, (f.name,)))
    for name, (cols, text) in MAPPING_FACTORS.get(kind, {}).items():
        out.append(Factor(name, tuple(cols), text))
    return out


def valid(kind: Kind, present: set[str]) -> bool:
    """Whether a file with the columns *present* satisfies the kind's declaration: its
    required columns, one column of each one-of group, a partner for each column that needs
    one, and for a summary T (or `periods:`, not varied here)."""
    if not set(kind.required) <= present:
        return False
    if any(not present & set(group) for group in kind.one_of):
        return False
    for f in kind.fields:
        if f.name in present and f.with_any and not present & set(f.with_any):
            return False
    return True


def columns_of(kind: str, pattern: dict[str, bool]) -> tuple[list[str], str]:
    """The columns and mapping lines of a file of *kind* whose factors are *pattern* (name →
    present): its required columns, those always kept, and those of the factors present."""
    cols = list(KINDS[kind].required) + ALWAYS.get(kind, [])
    text = ""
    for factor in factors(kind):
        if pattern[factor.name]:
            cols += factor.columns
            text += factor.mapping
    return list(dict.fromkeys(cols)), text


def minimal_pattern(kind: str) -> dict[str, bool]:
    """The factors the minimal file has (customers: acquisition and churn dates)."""
    extra = {c for c in MINIMAL[kind] if c not in KINDS[kind].required}
    return {f.name: bool(set(f.columns) & extra) and not f.mapping for f in factors(kind)}


def pairs_covered(bits: np.ndarray) -> int:
    """Pairs of factors (rows of *bits*: presence over the runs) seen in all four
    combinations: both present, each without the other, neither."""
    b = bits.astype(int)
    nb = 1 - b
    seen = [(b @ b.T) > 0, (b @ nb.T) > 0, (nb @ b.T) > 0, (nb @ nb.T) > 0]
    return int(np.triu(np.logical_and.reduce(seen), k=1).sum())


def runs_of(kind: str) -> int:
    """How many covering runs give a file of *kind*: :data:`RUNS`, and its extra runs."""
    return RUNS + EXTRA_RUNS.get(kind, 0)


def all_runs() -> list[int]:
    """The numbers of every run: 0 (minimal), the covering runs, the extra runs."""
    return list(range(max(map(runs_of, KINDS)) + 1))


@functools.cache
def design(kind: str, runs: int | None = None, seed: int = SEED
           ) -> tuple[dict[str, bool], ...]:
    """The presence of each factor of *kind* in runs 1..*runs* (default :func:`runs_of`): a
    seeded hill climb over patterns whose every file is :func:`valid`, maximising
    :func:`pairs_covered` over these runs and the minimal one."""
    runs = runs or runs_of(kind)
    spec = KINDS[kind]
    fs = factors(kind)
    first = np.array([[minimal_pattern(kind)[f.name]] for f in fs])
    rng = np.random.default_rng(seed)

    def ok(bits: np.ndarray) -> bool:
        return all(valid(spec, set(columns_of(kind, {f.name: bool(bits[i, r])
                                                      for i, f in enumerate(fs)})[0]))
                   for r in range(runs))

    def score(bits: np.ndarray) -> int:
        return pairs_covered(np.hstack([first, bits]))

    best = None
    while best is None:
        bits = rng.random((len(fs), runs)) < 0.6
        best = bits if ok(bits) else None
    best_score = score(best)
    for _ in range(2000):
        trial = best.copy()
        i, r = rng.integers(len(fs)), rng.integers(runs)
        trial[i, r] = ~trial[i, r]
        if ok(trial) and (new := score(trial)) >= best_score:
            best, best_score = trial, new
    return tuple({f.name: bool(best[i, r]) for i, f in enumerate(fs)} for r in range(runs))


def coverage(kind: str) -> dict:
    """What the runs of *kind* cover, the minimal run included: its factors, how many are
    present in some run and absent in some run, and the pairs of factors seen in all four
    combinations."""
    fs = factors(kind)
    rows = [minimal_pattern(kind), *design(kind)]
    bits = np.array([[row[f.name] for row in rows] for f in fs])
    return {"factors": len(fs), "present": int(bits.any(axis=1).sum()),
            "absent": int((~bits).any(axis=1).sum()),
            "pairs": len(fs) * (len(fs) - 1) // 2, "pairs covered": pairs_covered(bits)}


def _universe(kind: str) -> pd.DataFrame:
    """Every column a file of *kind* can have: the sample's first :data:`ROWS` rows (the
    experiment: every fifth, so both arms and every block are in it), with the columns the
    sample does not carry derived from it."""
    frame = pd.read_csv(data_dir() / "sample" / f"{kind}.csv", dtype=str,
                        keep_default_na=False)
    frame = frame.iloc[::5] if kind == "experiment" else frame
    frame = frame.head(ROWS).reset_index(drop=True)
    n = len(frame)
    rng = np.random.default_rng(SEED)
    if kind == "customers":
        end = pd.Timestamp("2024-12-31")
        start = pd.to_datetime(frame["acquired_on"])
        left = frame["churned_on"] != ""
        stop = pd.to_datetime(frame["churned_on"].where(left, end.isoformat()[:10]))
        frame["tenure_months"] = ((stop - start).dt.days / 30.4375).round(2).astype(str)
        frame["churned"] = left.astype(int).astype(str)
        frame["observed_until"] = np.where(left, "", end.isoformat()[:10])
    if kind == "contacts":
        frame["outlet_id"] = rng.choice(["Q1", "Q2", "Q3"], n)
    if kind == "intervals":  # two queues, each on alternate days
        day = pd.to_datetime(frame["interval_start"]).dt.day
        frame["queue"] = np.where(day % 2 == 0, "sales", "service")
    if kind == "summary":
        repeat = frame["frequency"].astype(int) > 0
        frame["monetary_value"] = np.where(repeat, rng.gamma(4, 10, n).round(2), 0).astype(str)
        frame["customers"] = rng.integers(1, 4, n).astype(str)
    return frame


def notebooks_reading(kinds) -> list[str]:
    """The notebooks (by number) whose claims read any of *kinds*."""
    from cxlib.registry.claims import claims

    return sorted({c.notebook[:2] for c in claims().values() if set(c.kinds) & set(kinds)})


def write_run(folder, run: int) -> tuple[dict[str, str], str | None, list[str] | None]:
    """Write the files of run *run* (0: the minimal files) into *folder*: the data files by
    kind, a mapping file with a section for each kind whose mapping factors are on (None when
    there is none), and the notebooks to run (None: all; an extra run: those reading its
    kinds)."""
    files, mapping = {}, ""
    kinds = [k for k in MINIMAL if run <= runs_of(k)]
    for kind in kinds:
        frame = _universe(kind)
        if run == 0:
            cols, text = MINIMAL[kind], ""
        else:
            cols, text = columns_of(kind, design(kind)[run - 1])
            if kind == "customers" and "churn_reason" in cols and "churned_on" not in cols:
                # a churn-flag export: stayers carry a reason too ("still a customer")
                frame["churn_reason"] = frame["churn_reason"].replace("", "still a customer")
        files[kind] = str(folder / f"{kind}.csv")
        frame[cols].to_csv(files[kind], index=False)
        if text:
            mapping += f"{kind}:\n{text}"
    books = None if run <= RUNS else notebooks_reading(kinds)
    if not mapping:
        return files, None, books
    path = folder / "mapping.yaml"
    path.write_text(mapping, encoding="utf-8")
    return files, str(path), books
