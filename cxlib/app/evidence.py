"""Evidence runs: the notebooks run again on the real public data bundled in ``data/real/``.

``cxlib run`` executes every notebook on the synthetic sample (the demonstration) and, beside
it, each notebook of :data:`EVIDENCE` on the real file declared for it: the same notebook,
another instance with its own name. An instance is named ``<notebook>--<slug>``
(``02_satisfaction_to_loyalty--ecsi``), and that name is used for everything it writes:
its page ``<name>.html``, its deck ``slides/<name>.slides.html``, its executed notebook
``notebooks/<name>.ipynb`` and its result file ``results/<name>/<notebook>.json``. Its records
carry the real file's name in their ``data`` field (``mobi.csv``), which no other run uses, so
:func:`page_of` finds the page of any record from ``(notebook, data)`` alone.

Real data read *inside* a notebook (CDNOW and the donor panel in notebook 04) need no
evidence run: that notebook
records them itself, beside the sample.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EvidenceRun:
    """One notebook run on one real data file, through its mapping."""

    notebook: str  # the notebook's stem, 02_satisfaction_to_loyalty
    kind: str      # the data kind the file is read as
    file: str      # the file, relative to cxlib's data folder (real/mobi.csv)
    mapping: str   # its mapping file, relative to the data folder
    slug: str      # short name of the data set in the instance name (ecsi)
    label: str     # the data set as a reader names it (ECSI mobile phones)
    caveat: str = ""  # what a reader must know about the data's provenance, shown by its verdicts

    @property
    def name(self) -> str:
        """The instance name: pages, decks, executed notebooks and result files use it."""
        return f"{self.notebook}--{self.slug}"

    @property
    def data_name(self) -> str:
        """The ``data`` field of this run's records: the real file's name."""
        return Path(self.file).name

    def parameters(self, results_dir: Path) -> dict:
        """The notebook's papermill parameters: the real file, its mapping and a results
        folder of the instance's own (two instances of one notebook must not share a file)."""
        from cxlib.data.datasets import data_dir

        return {"data": {self.kind: str(data_dir() / self.file)},
                "columns": str(data_dir() / self.mapping), "drop_invalid": False,
                "results_dir": str(results_dir / self.name)}


ECSI = dict(kind="survey", file="real/mobi.csv", mapping="mappings/mobi.yaml", slug="ecsi",
            label="ECSI mobile phones")
REPUTATION = dict(kind="survey", file="real/corp_rep_data.csv", mapping="mappings/corp_rep.yaml",
                  slug="reputation", label="corporate reputation")
TELCO = dict(kind="customers", file="real/telco_churn.csv.gz",
             mapping="mappings/telco_churn.yaml", slug="telco", label="IBM telco churn",
             caveat=("vendor sample data: IBM published the table as sample data and describes "
                     "the company in its extended version as fictional; how the records were "
                     "made is not documented, and its own numbers do not fit a one-month "
                     "snapshot of a steady customer base (a quarter leave within the month, yet "
                     "two thirds have stayed over a year: notebook 03 shows the figures), so "
                     "read anything drawn from it as a teaching example, not as evidence about "
                     "customers"))

TIPJOKE = dict(kind="experiment", file="real/tipjoke.csv", mapping="mappings/tipjoke.yaml",
               slug="tipjoke", label="TipJoke field experiment",
               caveat=("the nearest published field experiment, not a test of the claim: a "
                       "card with a joke given with the bill (not a thank-you note) and a tip "
                       "in the same visit (not buying again); one waiter, who assigned the "
                       "cards himself"))
BANK_CALLS = dict(kind="intervals", file="real/bank_calls.csv.gz",
                  mapping="mappings/bank_calls.yaml", slug="bank",
                  label="bank call centre, 5-minute call counts",
                  caveat=("call counts only (Weinberg, Brown & Stroud 2007; fpp3 calls them the "
                          "volume handled, read here as calls offered): no waits, handle "
                          "times or abandonment, so whether calls were answered in time cannot "
                          "be seen; the staffing shown rests on a handle time of 240 s that the "
                          "mapping assumes"))

CUSTOMER_SAT = dict(kind="survey", file="real/customer_sat.csv",
                    mapping="mappings/customer_sat.yaml", slug="adsat",
                    label="advertising customers' satisfaction (Rossi, Gilula & Allenby)",
                    caveat=("the nine attributes rate a Yellow Pages advertising product (price, "
                            "effectiveness, reach, distribution), not the five dimensions of "
                            "service the claim names; respondents use the 10-point scale "
                            "differently (the authors' point), which a driver analysis of the "
                            "raw ratings does not correct"))

EVIDENCE: tuple[EvidenceRun, ...] = (
    EvidenceRun("01_service_quality_and_drivers", **ECSI),        # QUAL-1; LOY-2's drivers
    EvidenceRun("02_satisfaction_to_loyalty", **ECSI),            # LOY-1
    EvidenceRun("01_service_quality_and_drivers", **REPUTATION),  # LOY-2's drivers
    EvidenceRun("02_satisfaction_to_loyalty", **REPUTATION),      # LOY-1
    EvidenceRun("03_economics_of_retention", **TELCO),            # RET-1 (cross-holding)
    EvidenceRun("10_people_and_relationships", **TIPJOKE),        # REL-1 (beside the claim)
    EvidenceRun("08_service_standards", **BANK_CALLS),            # STD-1 (staffing described)
    EvidenceRun("01_service_quality_and_drivers", **CUSTOMER_SAT),  # LOY-2's drivers
)
"""Every evidence run ``cxlib run`` adds by default (CDNOW is read inside notebook 04)."""


def runs_for(notebooks: Iterable[str]) -> list[EvidenceRun]:
    """The evidence runs of the chosen notebooks (by stem), in declaration order."""
    chosen = set(notebooks)
    return [e for e in EVIDENCE if e.notebook in chosen]


def page_of(notebook: str, data: str) -> str:
    """The page showing a record of *notebook* on data set *data* (a record's fields)."""
    for e in EVIDENCE:
        if (e.notebook, e.data_name) == (notebook, data):
            return f"{e.name}.html"
    return f"{notebook}.html"


READ_INSIDE = {"cdnow_transactions.csv.gz": "CDNOW purchases",
               "donations.csv": "donor panel (Fader, Hardie & Shang)"}
"""Real data sets that notebooks read themselves, by file name: the reader's name for them."""


def caveat_of(data: str) -> str:
    """The provenance caveat of a bundled real data set, by file name ("" when none)."""
    return next((e.caveat for e in EVIDENCE if e.data_name == data), "")


def label_of(data: str) -> str:
    """The reader's name of a bundled real data set, by file name (the file name otherwise)."""
    return next((e.label for e in EVIDENCE if e.data_name == data), READ_INSIDE.get(data, data))
