"""A notebook's session: which data it runs on and where its results go.

Every notebook starts with::

    nb = cx.start("05_word_of_mouth", data=data, columns=columns,
                  drop_invalid=drop_invalid, results_dir=results_dir)
    survey = nb.load("survey")

where ``data``, ``columns``, ``drop_invalid`` and ``results_dir`` come from the
notebook's papermill ``parameters`` cell. ``nb.load`` reads the user's file for a
kind when one was given and the bundled sample otherwise; ``nb.record`` writes a
headline figure to ``results_dir/<notebook>.json`` at once, so a notebook that
fails later keeps what it had recorded. The runner merges those files into
``results.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .claims import get_claim
from .datasets import Dataset, load_data
from .results import SYNTHETIC_VERDICT, Estimate, ResultRecord, Verdict, make_record


@dataclass
class Session:
    """The data and results of one notebook run."""

    notebook: str
    data: dict[str, str] = field(default_factory=dict)
    columns: str | None = None
    drop_invalid: bool = False
    results_dir: str | None = None
    datasets: dict[str, Dataset] = field(default_factory=dict)
    records: list[ResultRecord] = field(default_factory=list)

    def load(self, kind: str, *, quiet: bool = False) -> Dataset:
        """Load *kind*: the user's file if one was given, else the bundled sample."""
        ds = load_data(kind, self.data.get(kind), self.columns, drop_invalid=self.drop_invalid)
        self.datasets[kind] = ds
        if not quiet:
            print(ds.report.summary())
        self._write()
        return ds

    def uses_sample(self, kind: str) -> bool:
        """True when *kind* comes from the synthetic sample (user gave no file)."""
        return kind not in self.data

    def record(self, claim: str, est: Estimate, verdict: Verdict, *,
               data: Dataset | None = None, truth: float | None = None,
               published: str | None = None) -> ResultRecord:
        """Record a headline figure for *claim* with its verdict; returns the record.

        ``truth`` is the planted value when the data are synthetic (the record then
        says whether the interval recovered it); ``published`` defaults to the
        registry's published figure.
        """
        get_claim(claim)
        if data is None:
            if len(self.datasets) != 1:
                raise ValueError("say which data set the figure comes from: data=...")
            data = next(iter(self.datasets.values()))
        rec = make_record(self.notebook, claim, est, verdict, data=data.source,
                          synthetic=data.synthetic,
                          published=published or get_claim(claim).published, truth=truth)
        self._replace(rec)
        return rec

    def not_testable(self, claim: str, figure: str, reason: str, *,
                     data: Dataset | None = None) -> ResultRecord:
        """Record that *claim* cannot be tested with the data at hand, and why."""
        get_claim(claim)
        source = data.source if data is not None else "—"
        rec = ResultRecord(notebook=self.notebook, claim=claim, figure=figure, value=None,
                           ci_low=None, ci_high=None, n=len(data) if data is not None else 0,
                           verdict=SYNTHETIC_VERDICT, reason=reason, method="—", data=source,
                           synthetic=bool(data is not None and data.synthetic),
                           published=get_claim(claim).published)
        self._replace(rec)
        return rec

    def table(self) -> pd.DataFrame:
        """The records so far, as a table for the notebook's closing summary."""
        cols = ["claim", "figure", "value", "ci_low", "ci_high", "n", "verdict", "reason"]
        return pd.DataFrame([r.to_dict() for r in self.records], columns=cols)

    def _replace(self, rec: ResultRecord) -> None:
        self.records = [r for r in self.records
                        if (r.claim, r.figure) != (rec.claim, rec.figure)] + [rec]
        self._write()

    def _write(self) -> None:
        if not self.results_dir:
            return
        out = Path(self.results_dir)
        out.mkdir(parents=True, exist_ok=True)
        doc = {"notebook": self.notebook,
               "records": [r.to_dict() for r in self.records],
               "datasets": [d.report.to_dict() for d in self.datasets.values()]}
        (out / f"{self.notebook}.json").write_text(json.dumps(doc, indent=1, default=str),
                                                   encoding="utf-8")


def start(notebook: str, data: dict[str, str] | None = None, columns: str | None = None,
          drop_invalid: bool = False, results_dir: str | None = None) -> Session:
    """Begin a notebook session (see the module docstring)."""
    from .plots import use_style

    use_style()
    return Session(notebook, dict(data or {}), columns, drop_invalid, results_dir)
