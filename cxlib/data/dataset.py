"""The :class:`Dataset`: a validated table of one data kind and the record of how it was
loaded (:func:`cxlib.data.datasets.load_data` makes it; :mod:`cxlib.data.store` keeps it for
the kernels of a run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from cxlib.data.designs import detect_design
from cxlib.data.mapping import Mapping
from cxlib.data.validation import Arms, LoadReport, experiment_arms
from cxlib.stats.evidence import Design


@dataclass
class Dataset:
    """A validated table of one data kind and the record of how it was loaded."""

    kind: str
    frame: pd.DataFrame
    report: LoadReport
    mapping: Mapping = field(default_factory=Mapping)
    also_read: list[LoadReport] = field(default_factory=list)  # other files it was made from

    @property
    def synthetic(self) -> bool:
        """True for the bundled sample and for files their mapping declares synthetic (or
        made from synthetic data): their figures show the method and are never evidence."""
        return self.report.synthetic or self.mapping.synthetic

    @property
    def is_sample(self) -> bool:
        """True for the bundled synthetic sample itself (not for a file whose mapping
        declares it synthetic)."""
        return self.report.synthetic and not self.mapping.synthetic

    @property
    def source(self) -> str:
        return "bundled synthetic sample" if self.is_sample else Path(self.report.file).name

    @cached_property
    def design(self) -> Design:
        """How the data were made: declared in the mapping or detected
        (:func:`cxlib.data.designs.detect_design`); it caps what their figures can show."""
        return detect_design(self.kind, self.frame, declared=self.mapping.design,
                             follow_up_months=self.mapping.follow_up_months)

    @cached_property
    def arms(self) -> Arms:
        """An experiment's arms: control, treatment and the others, as its mapping names
        them (:func:`cxlib.data.validation.experiment_arms`)."""
        if self.kind != "experiment":
            raise ValueError(f"a {self.kind} data set has no arms; only experiments do")
        return experiment_arms(self.frame, self.mapping, file=self.report.file)

    @cached_property
    def units(self) -> int:
        """How many customers (or respondents) the data hold: distinct ``customer_id`` in a
        log of orders, visits or contacts; the sum of a summary's ``customers`` column; else
        its rows. The n of a figure the data could not give."""
        if "customers" in self.frame and self.kind == "summary":
            return int(self.frame["customers"].sum())
        if "customer_id" in self.frame and self.kind in ("transactions", "visits", "contacts"):
            return int(self.frame["customer_id"].nunique())
        return len(self.frame)

    def __len__(self) -> int:
        return len(self.frame)

    def _repr_markdown_(self) -> str:  # pragma: no cover - notebook display
        return f"**{self.kind}** from *{self.source}*\n\n```\n{self.report.summary()}\n```"
