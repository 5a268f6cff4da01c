"""Loading data by kind: the bundled sample, a real public data set, or the user's own file.

``load_data("survey")`` gives the bundled synthetic sample;
``load_data("survey", "export.csv", columns="mapping.yaml")`` reads, maps and validates
the user's file. Either way the result is a :class:`Dataset`: the clean frame, the
report of what was read and dropped, and whether the data are synthetic (so that a
notebook never presents a planted effect as evidence). Every data set loaded is shown to
the observer set with :func:`observe_loads` (a notebook's session, which lists the files it read).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd

from cxlib.data.dataset import Dataset
from cxlib.data.mapping import Mapping, load_mapping
from cxlib.data.progress import progress
from cxlib.data.reading import read_table
from cxlib.data.schemas import get_kind
from cxlib.data.store import stored
from cxlib.data.validation import LoadReport, validate

__all__ = ["Dataset", "data_dir", "load_cdnow", "load_data", "load_donations",
           "observe_loads", "sample_mapping_path", "sample_path"]


_observer: Callable[[Dataset], None] | None = None


def observe_loads(observer: Callable[[Dataset], None] | None) -> None:
    """Show every data set loaded from now on to *observer* (``None``: to nobody)."""
    global _observer
    _observer = observer


def _loaded(ds: Dataset) -> Dataset:
    if _observer is not None:
        _observer(ds)
    return ds


@cache
def data_dir() -> Path:
    """The folder holding sample/, real/ and mappings/ (repo checkout or installed wheel)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_data", package.parent / "data"):
        if (candidate / "sample").is_dir():
            return candidate
    raise FileNotFoundError("cxlib's data folder was not found; reinstall the package.")


def sample_path(kind: str) -> Path:
    """Path of the bundled sample file of *kind*."""
    get_kind(kind)
    return data_dir() / "sample" / f"{kind}.csv"


def sample_mapping_path(kind: str) -> Path | None:
    """The mapping file the bundled sample of *kind* is read with (``sample/<kind>.yaml``:
    what its columns cannot say, such as the interval length of the interval report), or
    ``None`` when the sample needs none."""
    path = data_dir() / "sample" / f"{kind}.yaml"
    return path if path.exists() else None


def load_data(kind: str, path: str | Path | None = None, columns: str | Path | None = None,
              *, drop_invalid: bool = False) -> Dataset:
    """Load *kind* from *path* (the bundled sample when ``None``), mapped and validated.

    Parameters
    ----------
    kind : one of ``cxlib.data.schemas.KINDS`` (survey, customers, transactions, …).
    path : the user's CSV, Excel or Parquet file; ``None`` for the sample.
    columns : a YAML mapping file (see :mod:`cxlib.data.mapping`).
    drop_invalid : drop rows with invalid cells (counted in the report) instead of raising.
    """
    spec = get_kind(kind)
    synthetic = path is None
    path = sample_path(kind) if synthetic else Path(path)
    columns = sample_mapping_path(kind) if synthetic else columns

    def read_and_validate() -> Dataset:
        mapping = load_mapping(columns, kind, path) if columns is not None else Mapping()
        with progress(path.name):
            raw = read_table(path, encoding=mapping.encoding, delimiter=mapping.delimiter,
                             sheet=mapping.sheet, expect=mapping.columns.values(),
                             header_row=mapping.header_row)
            frame, report = validate(raw, spec, mapping, drop_invalid=drop_invalid)
        # the report (and so datasets.json) says synthetic for the sample and for a file its
        # mapping declares synthetic or made from synthetic data
        report.synthetic = synthetic or mapping.synthetic
        return Dataset(kind, frame, report, mapping)

    return _loaded(stored(kind, path, columns, drop_invalid, read_and_validate))


def load_cdnow(*, sample: bool = False) -> Dataset:
    """The CDNOW customer panel as a ``transactions`` data set (real data).

    23,570 customers who made their first purchase at CDNOW in January–March 1997,
    and all their purchases to June 1998 (69,659 rows). Fader & Hardie; the copy
    distributed with the ``lifetimes`` package (MIT licence). See data/README.md.
    With *sample*, only the 2,357 customers of the 1/10 sample that Fader, Hardie & Lee
    (2005) fitted (ids in data/real/cdnow_sample_ids.csv).
    """
    panel = load_data("transactions", data_dir() / "real" / "cdnow_transactions.csv.gz")
    if not sample:
        return panel
    path = data_dir() / "real" / "cdnow_sample_ids.csv"
    ids = pd.read_csv(path, dtype={"customer_id": str})
    frame = panel.frame[panel.frame["customer_id"].isin(ids["customer_id"])]
    read = LoadReport(str(path), panel.kind, "csv", len(ids), len(ids),
                      columns_used=list(ids.columns),
                      warnings=["customer ids of the published 1/10 sample; their purchases "
                                "are the panel's rows for these customers"])
    return _loaded(Dataset(panel.kind, frame.reset_index(drop=True), panel.report,
                           panel.mapping, also_read=[read]))


def load_donations() -> Dataset:
    """The donor panel of Fader, Hardie & Shang (2010) as a ``summary`` data set (real data).

    The 11,104 people who first gave to a US nonprofit in 1995, followed for the six years
    1996–2001: 22 recency/frequency patterns (in how many of the six years each gave, and the
    last such year) with the number of donors who have each; discrete periods of one year
    (its mapping, data/mappings/donations.yaml: ``periods: 6``, ``time_unit: year``). The
    copy distributed with the ``lifetimes`` package (MIT licence). See data/README.md.
    """
    return load_data("summary", data_dir() / "real" / "donations.csv",
                     data_dir() / "mappings" / "donations.yaml")
