"""Checking a user's table against a data kind, cell by cell, with messages people can act on.

The steps, in order:

1. rename the user's columns with the mapping and check the columns: every mapped
   column, construct item, covariate and recoded column is in the file; every required
   column is there (or one of each group of alternatives, such as acquisition dates or
   tenures; when they are missing, the message says where the names are if they are on a
   lower row, ``header_row:``, or on another sheet, ``sheet:``); a column that needs a
   partner has it (a tenure needs a churn flag); a header name written twice is refused
   when the column is used; a used column of lists (nested Parquet) is refused; a summary
   has ``T`` or the mapping's ``periods:`` (which then fills ``T``);
2. drop and count rows that repeat the header (files joined from several exports); turn
   the declared missing codes into missing values; drop and count empty rows;
   refuse a required column that is empty in every row, and set aside (with a note)
   an optional one that is, so that analyses needing it say so;
3. column by column: recode labels to numbers (``recode:``), convert the column to its
   type (collecting cells that do not convert; numbers and dates as
   :mod:`cxlib.data.parsing` reads them: times with a zone kept as written or converted
   to ``timezone:``, Excel serial dates named), and check ranges, allowed categories,
   unique ids and dates between 1900 and today (one vectorised mask per check); the
   column's text is let go once it is checked, so memory holds about one copy of the data;
   tenures in the unit ``tenure_unit:`` declares are checked in that unit, then made
   months (with a note);
4. check dates not before the date they follow (nobody leaves before arriving), churn
   flags that agree with churn dates, and customer summaries that could happen
   (:func:`summary_problems`);
5. either raise one :class:`~cxlib.errors.UserDataError` listing every problem
   (default) or, with ``drop_invalid=True``, drop the offending rows and count them;
6. drop and count rows with no value in a key column (an id, a customer, a date or a
   tenure); a missing rating stays missing, and each analysis reports the rows it
   leaves out; transactions: refunds (negative amounts) are netted against the purchase
   each refunds (``refunds: net``, the default) or dropped (``refunds: drop``), counted;
7. an experiment: refuse arms the mapping names but the file lacks, fewer than two arms,
   or several arms without a named treatment (:func:`experiment_arms`);
8. refuse a table with fewer than two usable rows, and note in the report what an
   analyst should know: columns that never vary (analyses of them will be "not
   testable"), how ambiguous numbers such as ``1.234`` were read, ratings that never
   reach the top of the rating scale (a 1–5 survey read on 1–7?), exact copies of earlier
   rows in a transaction or contact log, fewer than 30 rows.

Every row read is either kept or dropped with its reason: rows read = kept + dropped. Time
and memory grow linearly with the rows and the columns: every step is a few vectorised
passes over a column, or over the cells of many columns at once (a survey of 100,000
questions is checked in seconds).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.data.mapping import Mapping
from cxlib.data.parsing import NUMERIC, TEXT, arrow_text, convert, is_arrow_text, recode
from cxlib.data.progress import status
from cxlib.data.reading import RawTable, clean_name, release_memory
from cxlib.data.schemas import EARLIEST_DATE, Field, Kind
from cxlib.errors import UserDataError, example_rows
from cxlib.stats.design import reference_level
from cxlib.stats.units import DAYS_PER_MONTH, MONTHS_PER, to_months

MIN_ROWS = 2
"""Fewer usable rows than this and no analysis can estimate anything."""
FEW_ROWS = 30
"""Below this most analyses are below their minimum n (the report says so)."""


@dataclass
class Drop:
    """Rows dropped for one reason."""

    reason: str
    count: int
    rows: list[int] = field(default_factory=list)


@dataclass
class Problem:
    """Invalid cells of one column, for one reason."""

    column: str
    shown: str
    what: str
    rows: pd.Index
    examples: str
    hint: str = ""

    @property
    def message(self) -> str:
        n = len(self.rows)
        return (f"column {self.shown}: {n:,} {_plural(n, self.what)}, e.g. {self.examples}."
                + (f" {self.hint}" if self.hint else ""))

    @property
    def reason(self) -> str:
        return f"'{self.column}' {self.what.split(' (')[0]}"


def _plural(n: int, what: str) -> str:
    """'value that is' / 'values that are' by count; *what* is written in the plural."""
    if n != 1:
        return what
    singular = {"values": "value", "dates": "date", "customers": "customer", "rows": "row"}
    first, _, rest = what.partition(" ")
    rest = (rest.replace("that are", "that is", 1).replace("that repeat ", "that repeats ", 1)
            .replace("not dates", "not a date")
            .replace("not numbers", "not a number").replace("not whole numbers",
                                                             "not a whole number")
)
    return f"{singular.get(first, first)} {rest}"


@dataclass
class LoadReport:
    """What happened to a file on its way in: read, kept, dropped and why."""

    file: str
    kind: str
    format: str
    rows_read: int
    rows_kept: int
    encoding: str | None = None
    delimiter: str | None = None
    columns_used: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dropped: list[Drop] = field(default_factory=list)
    rating_scale: tuple[float, float] = (1, 7)
    synthetic: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_dropped(self) -> int:
        return self.rows_read - self.rows_kept

    def to_dict(self) -> dict:
        d = asdict(self)
        for drop in d["dropped"]:
            drop["rows"] = drop["rows"][:20]
        return d

    def summary(self) -> str:
        """A few lines for the terminal or a notebook."""
        enc = f", encoding {self.encoding}" if self.encoding else ""
        sep = f", delimiter {self.delimiter!r}" if self.delimiter else ""
        lines = [
            f"{Path(self.file).name} as '{self.kind}' ({self.format}{enc}{sep})",
            f"  rows read: {self.rows_read:,}; kept: {self.rows_kept:,}; "
            f"dropped: {self.rows_dropped:,}",
        ]
        lines += [f"    - {d.count:,} dropped: {d.reason} ({example_rows(d.rows)})"
                  for d in self.dropped]
        lines.append(f"  columns used ({len(self.columns_used)}): "
                     + _short_list(self.columns_used))
        if self.missing_optional:
            lines.append("  optional columns absent (analyses needing them will say so): "
                         + _short_list(self.missing_optional))
        if self.ignored_columns:
            lines.append("  columns ignored (not in the schema and not mapped): "
                         + _short_list(self.ignored_columns))
        lines += [f"  note: {w}" for w in self.warnings]
        return "\n".join(lines)


def _short_list(names: list[str], limit: int = 12) -> str:
    more = f" … (+{len(names) - limit})" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def validate(raw: RawTable, kind: Kind, mapping: Mapping | None = None, *,
             drop_invalid: bool = False) -> tuple[pd.DataFrame, LoadReport]:
    """Validate and type a raw table; return the clean frame and its :class:`LoadReport`
    (the steps are in the module docstring).

    The raw table's columns are handed over: ``raw.frame`` is emptied, and each column's
    text is let go once it is converted and checked, so that memory holds about one copy
    of the data at a time."""
    mapping = mapping or Mapping()
    name = str(raw.path)
    scale = mapping.rating_scale or kind.rating_scale
    header_copies = _header_copies(raw)
    frame = _rename(raw, kind, mapping)
    renamed = mapping.user_to_schema
    from_file = {renamed.get(c, c) for c in raw.frame.columns}
    raw.frame = raw.frame.iloc[:0, :0]
    spec_of = _field_lookup(kind, mapping)
    frame = _derived_columns(frame, kind, mapping, name)
    used = [c for c in frame.columns if spec_of(c) is not None]
    report = LoadReport(
        file=name, kind=kind.name, format=raw.format, rows_read=len(frame), rows_kept=0,
        encoding=raw.encoding, delimiter=raw.delimiter, columns_used=used,
        missing_optional=[f.name for f in kind.fields if f.name not in frame and not f.required],
        ignored_columns=[c for c in frame.columns if spec_of(c) is None],
        rating_scale=scale, warnings=[*mapping.notes, *raw.notes],
    )
    status("checking the columns")
    frame = _drop_header_copies(frame, header_copies, report)
    report.warnings += _unused_ratings(frame, report.ignored_columns, kind, mapping, scale)
    frame = frame[used]
    shown = {c: (f"'{c}'" if c not in mapping.columns else
                 f"'{c}' (your column '{mapping.columns[c]}')") for c in used}
    _refuse_nested(raw, frame, shown, name, mapping)
    frame = _blank_missing(frame, mapping.missing)
    empty = frame.isna().all(axis=1)
    if empty.any():
        report.dropped.append(Drop("empty row", int(empty.sum()), list(frame.index[empty])))
        frame = frame[~empty]
    _refuse_blank_required(frame, kind, shown, name)
    frame = _set_aside_blank(frame, kind, shown, report)
    generated = set(frame.columns) - from_file
    problems = _checked_cells(frame, kind, mapping, raw, report, shown, spec_of, generated)
    frame = _without_invalid(frame, problems, drop_invalid, report, name)
    frame = _drop_keyless(frame, kind, report)
    if kind.name == "transactions":
        frame = _refunds(frame, mapping.refunds, report)
    report.rows_kept = len(frame)
    _refuse_too_few(report, kind)
    if kind.name == "experiment":
        arms = experiment_arms(frame, mapping, file=name)
        report.warnings.append(f"arms: {arms.describe()}")
    status("notes")
    report.warnings += _constant_warnings(frame, spec_of, shown)
    report.warnings += _scale_notes(frame, spec_of, scale, mapping.rating_scale is not None)
    report.warnings += _exact_copies(frame, kind, generated)
    report.warnings += _size_notes(frame, kind, report.rows_kept)
    return frame, report


def _derived_columns(frame: pd.DataFrame, kind: Kind, mapping: Mapping,
                     name: str) -> pd.DataFrame:
    """Columns the mapping gives instead of the file: the end of observation of every
    customer (``observation_end:``), and a summary's T from its number of ``periods:``."""
    if mapping.observation_end and "observed_until" not in frame and kind.known("observed_until"):
        frame = frame.assign(observed_until=mapping.observation_end.isoformat())
    if kind.name == "summary" and "T" not in frame:
        if mapping.periods is None:
            raise UserDataError("a customer summary needs each customer's time observed: "
                                "map a column as T (columns: {T: <your column>}), or, for "
                                "data in discrete periods, give their number in the mapping "
                                "(periods: 6).", file=name)
        frame = frame.assign(T=str(mapping.periods))
    return frame


def _drop_header_copies(frame: pd.DataFrame, copies: pd.Series,
                        report: LoadReport) -> pd.DataFrame:
    """*frame* without the rows that repeat the header (*copies*), counted and said."""
    if not copies.any():
        return frame
    rows = list(frame.index[copies.to_numpy(bool)])
    report.dropped.append(Drop("a copy of the header row", len(rows), rows))
    report.warnings.append(f"the header row repeats: {example_rows(rows)} "
                           f"{'is a copy' if len(rows) == 1 else 'are copies'} of it (a file "
                           "joined from several exports?); they were dropped")
    return frame[~copies.to_numpy(bool)]


def _checked_cells(frame: pd.DataFrame, kind: Kind, mapping: Mapping, raw: RawTable,
                   report: LoadReport, shown: dict[str, str], spec_of,
                   generated: set[str]) -> list[Problem]:
    """Convert and check every column of *frame* in place (its cells become typed values),
    then the rows against each other; the problems found, each with example rows shown as
    the file has them (a column's text is kept only while examples may be taken from it)."""
    name = str(raw.path)
    scale = report.rating_scale
    texts: dict[str, pd.Series] = {}

    def flag(col: str, mask: pd.Series, what: str, hint: str = "") -> list[Problem]:
        """The problem of the cells of *col* where *mask* holds (none if it holds nowhere),
        with example rows shown as the file has them."""
        rows = mask.index[mask.to_numpy(bool)]
        if not len(rows):
            return []
        values = texts.get(col, frame[col])
        return [Problem(col, shown[col], what, rows, _examples(rows, values.loc[rows]), hint)]

    keep = _compared_later(frame, spec_of)
    problems = []
    for i, col in enumerate(_conversion_order(frame, kind)):
        status("checking the values", i, len(frame.columns), "columns")
        texts[col] = frame[col]
        problems += _convert_column(frame, col, spec_of(col), mapping, raw, flag, report,
                                    shown)
        problems += _column_problems(frame, col, spec_of(col), scale, flag,
                                     col in generated, kind)
        if col not in keep:
            del texts[col]
        release_memory()
    _tenure_to_months(frame, mapping, shown, report)
    status("checking rows against each other")
    _check_references(frame, mapping, name)
    problems += _date_order_problems(frame, spec_of, flag)
    if kind.name == "customers":
        problems += _churn_problems(frame, flag)
    if kind.name == "summary":
        problems += summary_problems(frame, mapping.periods, flag)
    if kind.name == "intervals":
        from cxlib.data.queue_checks import count_order_problems, interval_problems

        problems += count_order_problems(frame, spec_of, flag)
        found, notes = interval_problems(frame, flag, mapping.interval_minutes, name)
        problems, report.warnings = problems + found, report.warnings + notes
    texts.clear()
    return problems


def _without_invalid(frame: pd.DataFrame, problems: list[Problem], drop_invalid: bool,
                     report: LoadReport, name: str) -> pd.DataFrame:
    """Refuse the file for its *problems*, one message naming each; with *drop_invalid*
    drop their rows instead, counted by reason."""
    if problems and not drop_invalid:
        fixes = ("Fix these cells in the file, declare codes that mean 'no answer' under "
                 "`missing:` in a mapping file, or rerun with --drop-invalid to drop the rows "
                 "(they will be counted in the report).")
        raise UserDataError([p.message for p in problems] + [fixes], file=name)
    for problem in problems:
        rows = problem.rows.intersection(frame.index)
        report.dropped.append(Drop(f"invalid value: {problem.reason}", len(rows), list(rows)))
        frame = frame.drop(index=rows)
    return frame


def _size_notes(frame: pd.DataFrame, kind: Kind, rows: int) -> list[str]:
    """How many units the rows hold (a summary's rows may count several customers) and a
    note when they are fewer than most analyses need (:data:`FEW_ROWS`)."""
    notes, units = [], rows
    if kind.name == "summary" and "customers" in frame:
        units = int(frame["customers"].sum())
        notes.append(f"{rows:,} rows summarise {units:,} customers (column 'customers')")
    if units < FEW_ROWS:
        notes.append(f"only {units} {kind.row}s: most analyses need {FEW_ROWS} or more and "
                     "will say 'not testable' below their minimum")
    return notes


def _conversion_order(frame: pd.DataFrame, kind: Kind) -> list[str]:
    """The columns in the order they are converted: a transaction's amount before its
    quantity (a refund may have a negative quantity)."""
    cols = list(frame.columns)
    if kind.name == "transactions" and "amount" in cols:
        cols.remove("amount")
        cols.insert(0, "amount")
    return cols


def _compared_later(frame: pd.DataFrame, spec_of) -> set[str]:
    """Columns checked against another column once all are converted (a date that follows
    another, a churn flag): their text is kept for the examples until then."""
    keep = {"churned"} & set(frame.columns)
    for col in frame.columns:
        spec = spec_of(col)
        if spec.after and spec.after in frame:
            keep.add(col)
    return keep


_WHOLE = r"^[+-]?[0-9]+(\.0*)?$"


def _rating_candidates(frame: pd.DataFrame, ignored: list[str]) -> tuple[list[int], list[int]]:
    """Positions of the *ignored* columns that could hold ratings, by how they are held:
    Arrow text, or Python objects and numbers (lists, dates and repeated headers are not
    candidates)."""
    position = {c: i for i, c in enumerate(frame.columns)}
    twice = set(frame.columns[frame.columns.duplicated(keep=False)])
    dtypes = list(frame.dtypes)
    arrow, objects = [], []
    for col in ignored:
        if col in twice:
            continue  # a repeated header: not a candidate
        i = position[col]
        dtype = dtypes[i]
        if is_arrow_text(dtype):
            arrow.append(i)
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            objects.append(i)
    return arrow, objects


def _whole_on_scale(frame: pd.DataFrame, arrow: list[int], objects: list[int],
                    scale: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate column (*arrow* then *objects* positions): the cells given, and those
    that are whole numbers on the rating *scale*, counted in one pass of Arrow kernels over
    the cells put end to end."""
    import pyarrow as pa
    import pyarrow.compute as pc

    width = len(arrow) + len(objects)
    chunks = [c for i in arrow for c in frame.iloc[:, i].array._pa_array.chunks]
    if objects:  # one block of Python values: converted in one go, column after column
        grid = frame.iloc[:, objects].to_numpy(dtype=object).ravel(order="F")
        chunks.append(pa.array([None if v is None or v != v else str(v) for v in grid],
                               type=pa.large_string()))
    types = {c.type for c in chunks}
    if len(types) > 1:
        chunks = [c.cast(pa.large_string()) for c in chunks]
    cells = pc.utf8_trim_whitespace(pa.chunked_array(chunks, types.pop()
                                                     if len(types) == 1 else pa.large_string()))
    given = pc.and_(pc.is_valid(cells), pc.not_equal(cells, ""))
    whole = pc.fill_null(pc.match_substring_regex(cells, _WHOLE), False)
    number = pc.cast(pc.if_else(whole, cells, None), pa.float64())
    on_scale = pc.fill_null(pc.and_(pc.greater_equal(number, scale[0]),
                                    pc.less_equal(number, scale[1])), False)
    starts = np.arange(width) * len(frame)

    def per_column(mask) -> np.ndarray:
        values = np.asarray(mask.to_numpy(zero_copy_only=False), dtype=np.int64)
        return np.add.reduceat(values, starts) if len(values) else np.zeros(width)

    return per_column(given), per_column(pc.and_(given, on_scale))


def _unused_ratings(frame: pd.DataFrame, ignored: list[str], kind: Kind, mapping: Mapping,
                   scale: tuple[float, float]) -> list[str]:
    """A note when a survey without a declared model has ignored columns that hold ratings
    (at least two answers, all whole numbers on the rating scale): they are probably
    attributes to analyse. All the ignored columns are checked in one pass of Arrow kernels
    over their cells put end to end, so the time grows with the number of cells, not with
    a fixed cost per column."""
    if kind.name != "survey" or mapping.attributes or mapping.constructs or not ignored:
        return []
    arrow, objects = _rating_candidates(frame, ignored)
    names = [str(frame.columns[i]) for i in (*arrow, *objects)]
    if not names:
        return []
    n_given, n_fit = _whole_on_scale(frame, arrow, objects, scale)
    found = [c for c, g, f in zip(names, n_given, n_fit, strict=True) if g >= 2 and f == g]
    if not found:
        return []
    return [f"column(s) {_short_list(found)} hold whole numbers on the rating scale "
            f"{scale[0]:g}–{scale[1]:g} but are not used. If they rate attributes of the "
            f"service, list them in the mapping file as `attributes: [{', '.join(found[:3])}"
            f"{', …' if len(found) > 3 else ''}]`: notebook 01 then analyses them as the "
            "drivers of overall satisfaction (data/README.md)"]


def _header_copies(raw: RawTable) -> pd.Series:
    """Rows of a text file that repeat its header (files joined from several exports): at
    least half of the named columns, and two or more, hold their own column's name (the
    first 50 columns are compared, on the rows whose first named column holds its name)."""
    frame = raw.frame
    none = pd.Series(False, index=frame.index)
    if raw.format != "csv" or frame.empty:
        return none
    import pyarrow.compute as pc

    twice = raw_duplicates(raw)
    named = [(i, str(c).rsplit(" (", 1)[0] if str(c) in twice else str(c))
             for i, c in enumerate(frame.columns[:50])
             if str(c).strip() and "(no name)" not in str(c)]
    if not named:
        return none
    i, name = named[0]
    candidate = pc.fill_null(pc.match_substring(arrow_text_raw(frame.iloc[:, i]), name), False)
    rows = np.flatnonzero(np.asarray(candidate.to_numpy(zero_copy_only=False), dtype=bool))
    if not len(rows):
        return none
    part = frame.iloc[rows]
    hits = np.zeros(len(rows), np.int64)
    for i, name in named:
        same = pc.fill_null(pc.equal(arrow_text(part.iloc[:, i]), name), False)
        hits += np.asarray(same.to_numpy(zero_copy_only=False), dtype=np.int64)
    need = max(min(2, len(named)), (len(named) + 1) // 2)
    out = np.zeros(len(frame), bool)
    out[rows[hits >= need]] = True
    return pd.Series(out, index=frame.index)


def arrow_text_raw(s: pd.Series):
    """The cells of a text column as Arrow text, as they are (see :func:`arrow_text`)."""
    if is_arrow_text(s):
        return s.array._pa_array
    return arrow_text(s)


def raw_duplicates(raw: RawTable) -> set[str]:
    """Header names given to repeated columns (``name (2)`` …)."""
    return {f"{name} ({k})" for name, cols in raw.duplicates.items()
            for k in range(2, len(cols) + 1)}


def _field_lookup(kind: Kind, mapping: Mapping):
    """The field declaration of a column: the kind's, or a rating for a construct item, or a
    covariate (number or category, whichever its values are) for a declared covariate."""
    items = set(mapping.construct_items)
    covariates = set(mapping.covariates)

    @functools.cache
    def spec_of(col: str) -> Field | None:
        if col == "tenure_months" and mapping.tenure_unit not in (None, "month"):
            return _tenure_in(kind.field(col), mapping.tenure_unit)
        if kind.known(col):
            return kind.field(col)
        if col in items:
            return Field(col, "rating", "construct item")
        if col in covariates:
            return Field(col, "covariate", "covariate")
        return None
    return spec_of


def _tenure_in(spec: Field, unit: str) -> Field:
    """The tenure field with its range in *unit* (``tenure_unit:``): the file's values are
    checked as written, then converted to months (:func:`_tenure_to_months`)."""
    per = MONTHS_PER[unit]
    return replace(spec, min=spec.min / per, max=spec.max / per,
                   description=f"{spec.description} Given in {unit}s.")


def _tenure_to_months(frame: pd.DataFrame, mapping: Mapping, shown: dict[str, str],
                      report: LoadReport) -> None:
    """Tenures given in another unit (``tenure_unit:``) become months, with a note."""
    unit = mapping.tenure_unit
    if unit in (None, "month") or "tenure_months" not in frame:
        return
    frame["tenure_months"] = to_months(frame["tenure_months"].astype("float64"), unit)
    how = (f"÷ {DAYS_PER_MONTH} days per month" if unit == "day" else
           f"× 7 ÷ {DAYS_PER_MONTH} days per month" if unit == "week" else "× 12")
    report.warnings.append(f"column {shown['tenure_months']}: tenures in {unit}s "
                           f"(`tenure_unit: {unit}s`) converted to months ({how})")


def _convert_column(frame: pd.DataFrame, col: str, spec: Field, mapping: Mapping,
                    raw: RawTable, flag, report: LoadReport, shown: dict[str, str]
                    ) -> list[Problem]:
    """Recode labels, then convert one column in place; the cells that did not convert."""
    problems = []
    if col in mapping.recode:
        frame[col], bad = recode(frame[col], mapping.recode[col])
        labels = ", ".join(map(str, mapping.recode[col]))
        problems += flag(col, bad, "values that are not among the labels declared under "
                         f"`recode:` ({labels})", "Add them to the labels, or declare them "
                         "under `missing:` if they mean 'no answer'.")
    out = convert(frame[col], spec, raw.delimiter, timezone=mapping.timezone)
    frame[col] = out.values
    problems += flag(col, out.bad, out.what, out.hint)
    if out.note:
        report.warnings.append(f"column {shown[col]}: {out.note}")
    return problems


def _refuse_nested(raw: RawTable, frame: pd.DataFrame, shown: dict[str, str],
                   name: str, mapping: Mapping) -> None:
    """A used column of a Parquet file that holds lists or maps (one value per cell is
    needed); unused ones are ignored."""
    bad = [(c, raw.nested[src]) for c in frame.columns
           if (src := mapping.columns.get(c, c)) in raw.nested]
    if bad:
        what = "; ".join(f"column {shown[c]} holds {kind}" for c, kind in bad)
        raise UserDataError(f"{what} (nested Parquet), where cxlib needs one value per cell. "
                            "Flatten the column before saving (in pandas, e.g. "
                            "df.explode(column) for lists), or map another column.", file=name)


def _rename(raw: RawTable, kind: Kind, mapping: Mapping) -> pd.DataFrame:
    """Apply the mapping and check the columns; structural problems raise at once."""
    frame = raw.frame
    name = str(raw.path)
    header = list(frame.columns)
    _refuse_headless(raw, kind, mapping, header)
    renamed = [mapping.user_to_schema.get(h, h) for h in header]
    problems = _mapping_problems(raw, kind, mapping, header, renamed)
    if problems:
        raise UserDataError(problems, file=name)
    for dup, positions in raw.duplicates.items():
        raw.notes.append(f"the header has the name '{dup}' {len(positions)} times; the column "
                         "is not used, so the repeats were ignored")
    frame = frame.copy(deep=False)  # the columns renamed, the data shared
    frame.columns = renamed
    dupes = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dupes:
        raise UserDataError(f"column(s) {', '.join(dupes)} appear twice after mapping: your file "
                            "already has a column of that name and the mapping maps another one "
                            "to it. Map only one of your columns to each cxlib column.",
                            file=name)
    _check_required(raw, kind, mapping, frame, header)
    id_field = kind.id_field
    if id_field is not None and not id_field.required and id_field.name not in frame:
        frame = frame.assign(**{id_field.name: row_ids(frame.index)})
    return frame


def _refuse_headless(raw: RawTable, kind: Kind, mapping: Mapping, header: list[str]) -> None:
    """A CSV read as one column that holds another delimiter, or a header without rows."""
    single = header[0] if len(header) == 1 else None
    named = single is not None and (kind.known(mapping.user_to_schema.get(single, single))
                                    or single in mapping.construct_items)
    if raw.format == "csv" and single is not None and len(kind.fields) > 1 and not named \
            and _delimiter_guess(single):
        raise UserDataError(_one_column_message(raw, header[0]), file=str(raw.path))
    if raw.frame.empty:
        raise UserDataError(f"the file has a header ({len(header)} columns) but no data rows. "
                            "Export the table again with its rows.", file=str(raw.path))


def _mapping_problems(raw: RawTable, kind: Kind, mapping: Mapping, header: list[str],
                      renamed: list[str]) -> list[str]:
    """Columns the mapping names that the file lacks, and header names repeated where
    cxlib would have to choose between them."""
    problems = []
    in_header = set(header)
    for ours, theirs in mapping.columns.items():
        if theirs not in in_header:
            close = difflib.get_close_matches(theirs, header, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"the mapping file maps '{ours}' to column '{theirs}', which is not "
                            f"in the file.{hint} The file's columns are: {_short_list(header)}."
                            + _encoding_hint(raw) + _where_the_header_is(raw, [theirs]))
    problems += _absent_names(mapping, renamed, header)
    wanted = {*mapping.columns.values(), *mapping.construct_items, *mapping.covariates,
              *mapping.recode}
    for dup, positions in raw.duplicates.items():
        if dup in wanted or (kind.known(dup) and dup not in mapping.columns):
            problems.append(f"the header has the name '{dup}' {len(positions)} times (columns "
                            f"{', '.join(map(str, positions))}), so cxlib cannot tell which one "
                            "you mean. Rename the others in the file.")
    return problems


def row_ids(index: pd.Index) -> pd.Series:
    """Ids ``row<number>`` for a kind whose id column the file lacks, as compact Arrow text
    (ten million of them take about 150 MB, not 700 MB of Python strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = pa.array(index.to_numpy()).cast(pa.string())
    return pd.Series(pd.array(pc.binary_join_element_wise("row", numbers, ""), dtype=TEXT),
                     index=index)


def _absent_names(mapping: Mapping, renamed: list[str], header: list[str]) -> list[str]:
    """Construct items, covariates and recoded columns the mapping names but the file lacks."""
    problems = []
    present = set(renamed)
    for construct, items in mapping.constructs.items():
        absent = [c for c in items if c not in present]
        if absent:
            problems.append(f"construct '{construct}' lists item(s) {', '.join(absent)}, not "
                            f"in the file (after mapping). The file's columns are: "
                            f"{_short_list(header)}.")
    for key, names in (("attributes", mapping.attributes), ("covariates", mapping.covariates),
                       ("recode", list(mapping.recode))):
        for col in names:
            if col not in present and col not in mapping.columns:
                close = difflib.get_close_matches(col, renamed, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                problems.append(f"`{key}:` names '{col}', which is not a column of the file "
                                f"(after mapping).{hint}")
    return problems


def _check_required(raw: RawTable, kind: Kind, mapping: Mapping, frame: pd.DataFrame,
                    header: list[str]) -> None:
    """Required columns, one of each group of alternatives, and partners of columns."""
    missing, groups, partners = _required_gaps(kind, frame)
    if not (missing or groups or partners):
        return
    wanted = [*missing, *(g[0] for g in groups), *(alts[0] for _, alts in partners)]
    example = "\n".join(f"      {c}: <your column name>" for c in wanted)
    notes = "".join(f" (Note: {n}.)" for n in mapping.notes)
    anywhere = [*missing, *(c for g in groups for c in g), *(c for _, a in partners for c in a)]
    where = _where_the_header_is(raw, anywhere)
    raise UserDataError(" ".join(_required_lines(missing, groups, partners))
                        + f" The file has: {_short_list(header)}." + where
                        + " Rename the column(s) in the file, or map yours in a mapping file:\n"
                        f"    columns:\n{example}" + _encoding_hint(raw) + notes,
                        file=str(raw.path))


def _required_gaps(kind: Kind, frame: pd.DataFrame) -> tuple[list[str], list, list]:
    """The required columns *frame* lacks, the groups of alternatives it has none of, and
    (column, partners) for each column without any of its partners."""
    missing = [c for c in kind.required if c not in frame.columns]
    groups = [g for g in kind.one_of if not any(c in frame for c in g)]
    partners = [(f.name, f.with_any) for f in kind.fields
                if f.with_any and f.name in frame and not any(c in frame for c in f.with_any)]
    return missing, groups, partners


def _required_lines(missing: list[str], groups: list, partners: list) -> list[str]:
    """What the file lacks, one sentence for the required columns, one per group of
    alternatives and one per column without its partner."""
    lines = [f"missing required column(s) {', '.join(f'{c!r}' for c in missing)}."] \
        if missing else []
    lines += [f"the file needs {' or '.join(f'{c!r}' for c in group)} (one of them), and "
              "has neither." for group in groups]
    lines += [f"column '{col}' needs {' or '.join(f'{c!r}' for c in alts)} beside it, and "
              "the file has neither (see data/README.md)." for col, alts in partners]
    return lines


def _where_the_header_is(raw: RawTable, wanted: list[str]) -> str:
    """Where the column names the file lacks are, when they are elsewhere: on a row below
    the header (the rows above it are titles, or a header of two rows: `header_row:`), or
    on another sheet of the workbook (`sheet:`). Otherwise, for a workbook read from its
    first sheet, the names of its other sheets."""
    wanted = {w.casefold() for w in wanted if w}
    if not wanted:
        return ""

    def hits(row) -> int:
        return len(wanted & {clean_name(v).casefold() for v in row})

    top = raw.frame.head(10)
    rows = [(hits(top.iloc[i]), r) for i, r in enumerate(top.index)]
    found = max(rows, default=(0, 0))
    if found[0]:
        return (f" The column names seem to be on row {found[1]}: if the rows above it are "
                f"titles (or the first row of a header of two rows), set `header_row: "
                f"{found[1]}` in the mapping file.")
    for name, top_rows in raw.other_sheets.items():
        for r, row in enumerate(top_rows, 1):
            if hits(row):
                row_hint = f" and `header_row: {r}`" if r > 1 else ""
                return (f" The workbook's sheet '{name}' has them (on row {r}); the first "
                        f"sheet, '{raw.sheet}', was read: set `sheet: {name}`{row_hint} in "
                        "the mapping file.")
    if raw.other_sheets:
        listed = ", ".join(f"'{n}'" for n in raw.other_sheets)
        return (f" The table was read from the workbook's first sheet, '{raw.sheet}'; it also "
                f"has the sheet(s) {listed}: if the table is on one of them, set `sheet:` in "
                "the mapping file.")
    return ""


def _refuse_blank_required(frame: pd.DataFrame, kind: Kind, shown: dict[str, str],
                           name: str) -> None:
    """A required column (or every present column of a required group) with no value."""
    groups = [(c,) for c in kind.required] + list(kind.one_of)
    for group in groups:
        present = [c for c in group if c in frame]
        if present and all(frame[c].isna().all() for c in present):
            cols = " and ".join(shown[c] for c in present)
            raise UserDataError(
                f"column {cols} {'is' if len(present) == 1 else 'are'} empty in every row. "
                "Check that the mapping points at the right column, and that `missing:` does "
                "not list codes that are real answers.", file=name)


def _set_aside_blank(frame: pd.DataFrame, kind: Kind, shown: dict[str, str],
                     report: LoadReport) -> pd.DataFrame:
    """Optional columns empty in every row are dropped and noted: analyses needing them
    then say that the column is missing, instead of failing on it. An empty date column
    is kept (an empty churn date means nobody has left), with a note."""
    blank = [c for c in frame.columns if frame[c].isna().all()
             and not (kind.field(c) and kind.field(c).required)
             and kind.group_of(c) is None and c != getattr(kind.id_field, "name", None)]
    dates = [c for c in blank if kind.field(c) and kind.field(c).type in ("date", "datetime")]
    for col in dates:
        report.warnings.append(f"column {shown[col]} is empty in every row (for a churn date: "
                               "nobody has left)")
    blank = [c for c in blank if c not in dates]
    for col in blank:
        report.warnings.append(f"column {shown[col]} is empty in every row; it was set aside, "
                               "and analyses needing it will say so")
        report.columns_used.remove(col)
        report.missing_optional.append(col)
    return frame.drop(columns=blank)


def _drop_keyless(frame: pd.DataFrame, kind: Kind, report: LoadReport) -> pd.DataFrame:
    """Drop and count rows with no id, customer, date or tenure (unusable)."""
    keys = [(f.name,) for f in kind.fields
            if (f.required and f.type != "rating") or (f.unique and f.name in frame)]
    keys += [tuple(c for c in g if c in frame) for g in kind.one_of]
    if "tenure_months" in frame and "churned" in frame and "churned_on" not in frame:
        keys.append(("churned",))  # with tenures, the flag is the only word on who left
    for group in keys:
        absent = frame[list(group)].isna().all(axis=1)
        if absent.any():
            report.dropped.append(Drop(f"no value in required column "
                                       f"{' or '.join(f'{c!r}' for c in group)}",
                                       int(absent.sum()), list(frame.index[absent])))
            frame = frame[~absent]
    return frame


def _refuse_too_few(report: LoadReport, kind: Kind) -> None:
    if report.rows_kept >= MIN_ROWS:
        return
    why = "; ".join(f"{d.count:,} {d.reason}" for d in report.dropped)
    raise UserDataError(
        f"only {report.rows_kept} usable {kind.row} row(s) of {report.rows_read:,} read"
        + (f" (dropped: {why})" if why else "") + f". No analysis can estimate anything from "
        f"fewer than {MIN_ROWS} {kind.row}s, and most need {FEW_ROWS} or more. Check the file "
        "and the mapping.", file=report.file)


def _constant_warnings(frame: pd.DataFrame, spec_of, shown: dict[str, str]) -> list[str]:
    out = []
    for col in frame.columns:
        spec = spec_of(col)
        if spec.type not in (*NUMERIC, "category", "covariate") or col in ("observed_until",
                                                                              "T"):
            continue
        if _constant(frame[col]):
            first = frame[col].dropna().iloc[0]
            out.append(f"column {shown[col]} has the same value ({first}) in every "
                       "row: analyses of it have nothing to compare and will report 'not "
                       "testable'")
    return out


def _constant(s: pd.Series) -> bool:
    """Two or more values, all equal (numbers: by their least and greatest)."""
    if pd.api.types.is_float_dtype(s) or pd.api.types.is_integer_dtype(s):
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        given = np.count_nonzero(~np.isnan(values))
        return given >= 2 and np.nanmin(values) == np.nanmax(values)
    values = s.dropna()
    return len(values) >= 2 and bool((values == values.iloc[0]).all())


def _date_order_problems(frame: pd.DataFrame, spec_of, flag) -> list[Problem]:
    """Dates earlier than the date they follow (nobody leaves before arriving)."""
    problems = []
    for col in frame.columns:
        spec = spec_of(col)
        if spec.type in ("date", "datetime") and spec.after and spec.after in frame:
            problems += flag(col, (frame[col] < frame[spec.after]).fillna(False),
                             f"dates earlier than '{spec.after}'",
                             f"A row's {col} cannot come before its {spec.after}: check both "
                             "dates, or whether the mapping swaps them.")
    return problems


def _check_references(frame: pd.DataFrame, mapping: Mapping, name: str) -> None:
    """Every reference level the mapping declares must occur in its column."""
    for col, level in mapping.reference.items():
        if col in frame:
            try:
                reference_level(frame[col].rename(col), level)
            except UserDataError as err:
                raise UserDataError(err.problems, file=name) from None


def _churn_problems(frame: pd.DataFrame, flag) -> list[Problem]:
    """Customers: a churn flag must agree with the churn date, and a leaver needs a date or
    a tenure."""
    if "churned" not in frame:
        return []
    left = frame["churned"]
    none = pd.Series(float("nan"), index=frame.index)
    date, months = frame.get("churned_on", none), frame.get("tenure_months", none)
    return (flag("churned", (left == 0) & date.notna(), "values of 0 (still a customer) on "
                 "rows that have a churn date", "The flag and 'churned_on' must agree.")
            + flag("churned", (left == 1) & date.isna() & months.isna(), "customers marked as "
                   "left with neither the date they left nor a tenure",
                   "Give 'churned_on' or 'tenure_months' for them."))


def summary_problems(frame: pd.DataFrame, periods: int | None, flag) -> list[Problem]:
    """A customer summary that could not happen: repeat transactions that are not whole
    numbers, a last transaction after the end of observation or none with a positive
    recency, a repeat customer with recency 0; in discrete periods (*periods* given), also
    periods that are not whole, more periods with a transaction than the last of them, and
    periods beyond *periods*."""
    x, t_x, T = (pd.to_numeric(frame[c], errors="coerce") for c in ("frequency", "recency", "T"))
    problems = flag("frequency", x.notna() & (x % 1 != 0), "values that are not whole numbers",
                    "Frequency counts repeat transactions (or periods with one).")
    problems += flag("recency", (t_x > T + 1e-9).fillna(False), "values greater than T",
                     "The last transaction cannot come after the end of observation: check "
                     "that recency and T are in the same unit, and not swapped.")
    problems += flag("recency", ((x == 0) & (t_x > 0)).fillna(False), "values above 0 for "
                     "customers with no repeat transaction (frequency 0)",
                     "Recency is 0 when there is no repeat transaction.")
    problems += flag("recency", ((x > 0) & (t_x == 0)).fillna(False), "values of 0 for "
                     "customers with repeat transactions", "Recency is the time of the last "
                     "repeat transaction after the first, so it is above 0 when frequency is.")
    if periods is None:
        return problems
    for col, values in (("recency", t_x), ("T", T)):
        problems += flag(col, values.notna() & (values % 1 != 0), "values that are not whole "
                         "numbers", "In discrete periods recency and T count periods.")
        problems += flag(col, (values > periods).fillna(False), f"values above the {periods} "
                         "periods the mapping declares (periods:)",
                         "Give the number of periods observed under `periods:`.")
    problems += flag("frequency", (x > t_x).fillna(False), "values greater than recency",
                     "In discrete periods a customer cannot transact in more periods than "
                     "the last one with a transaction.")
    return problems


@dataclass(frozen=True)
class Arms:
    """The arms of an experiment: the ``control``, the ``treatment`` the claim is about and
    the ``others`` (reported beside), each with its number of units (``sizes``)."""

    control: str
    treatment: str
    others: tuple[str, ...]
    sizes: dict[str, int]

    def describe(self) -> str:
        def one(arm: str) -> str:
            return f"'{arm}' ({self.sizes[arm]:,} units)"
        text = f"treatment {one(self.treatment)} against control {one(self.control)}"
        if self.others:
            text += "; also reported: " + ", ".join(one(a) for a in self.others)
        return text


def experiment_arms(frame: pd.DataFrame, mapping: Mapping, *, file: str = "") -> Arms:
    """The arms of an experiment frame (column ``arm``) as the mapping names them:
    ``control:`` and ``treatment:`` must be labels of the file (matched without regard to
    case); without ``control:`` the control is the arm labelled 0 (arms 0 and 1) or
    "control"; with more than two arms ``treatment:`` must say which one the claim is about.
    One UserDataError otherwise."""
    counts = frame["arm"].astype(str).value_counts()
    labels = sorted(counts.index, key=str)
    shown = ", ".join(f"'{a}' ({counts[a]:,})" for a in labels)
    where = file or "experiment"
    if len(labels) < 2:
        raise UserDataError(f"column 'arm' holds a single arm ({shown}): an experiment compares "
                            "at least two arms. Check that the mapping points at the column of "
                            "assigned arms.", file=where)

    def find(label: str, key: str) -> str:
        match = [a for a in labels if a == label] or [a for a in labels
                                                       if a.casefold() == label.casefold()]
        if not match:
            raise UserDataError(f"'{key}: {label}' in the mapping is not an arm of the file; "
                                f"its arms are {shown}. Write the label as the file has it.",
                                file=where)
        return match[0]

    if mapping.control is not None:
        control = find(mapping.control, "control")
    elif set(labels) == {"0", "1"}:
        control = "0"
    elif "control" in {a.casefold() for a in labels}:
        control = next(a for a in labels if a.casefold() == "control")
    else:
        raise UserDataError(f"the mapping does not say which arm is the control; the file's "
                            f"arms are {shown}. Add e.g. control: {labels[0]} to the mapping "
                            "(the arm that got nothing, or the usual service).", file=where)
    rest = [a for a in labels if a != control]
    if mapping.treatment is not None:
        treatment = find(mapping.treatment, "treatment")
    elif len(rest) == 1:
        treatment = rest[0]
    else:
        raise UserDataError(f"the file has {len(labels)} arms ({shown}); say which one the "
                            f"claim is about with e.g. treatment: {rest[0]} in the mapping (the "
                            "others are reported beside it).", file=where)
    others = tuple(a for a in rest if a != treatment)
    return Arms(control, treatment, others, {a: int(counts[a]) for a in labels})


def _encoding_hint(raw: RawTable) -> str:
    if raw.encoding and not raw.encoding.startswith("utf"):
        return (f" (The file was read as {raw.encoding}; if the names above look garbled, set "
                "`encoding:` in the mapping file, e.g. cp1255 or gbk, or save it as CSV UTF-8.)")
    return ""


def _delimiter_guess(header: str) -> str | None:
    """The character a one-column header most likely uses between names, if any."""
    counts = Counter(ch for ch in header if not ch.isalnum() and ch not in " _-.'\"")
    return counts.most_common(1)[0][0] if counts else None


def _one_column_message(raw: RawTable, header: str) -> str:
    """The whole header read as one column: the delimiter is not one we recognise."""
    guess = _delimiter_guess(header)
    seen = f" It looks like the file uses {guess!r} between values." if guess else ""
    return (f"the whole header was read as a single column ({header[:60]!r}…), so the values "
            f"are not separated by {raw.delimiter_name or 'a comma'}.{seen} Save the file as "
            "CSV (comma-separated), or set `delimiter:` in the mapping file"
            + (f" (delimiter: \"{guess}\")." if guess else "."))


def _blank_missing(frame: pd.DataFrame, codes: tuple) -> pd.DataFrame:
    """Empty strings and declared missing codes become NA (numbers compared as numbers).
    Text columns come back as Arrow text without surrounding spaces."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(sorted({str(c).strip() for c in codes} | {""}), type=pa.large_string())
    numbers = set()
    for c in codes:
        with contextlib.suppress(TypeError, ValueError):
            numbers.add(float(c))
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
            na = s.isin(numbers) if numbers else None  # typed (Parquet/Excel) columns
            out[col] = s if na is None or not na.any() else s.mask(na)
            continue
        if not (is_arrow_text(s) or isinstance(s.dtype, pd.StringDtype) or s.dtype == object):
            out[col] = s  # lists, structs and other types: checked where they are used
            continue
        cells = arrow_text(s)
        na = pc.fill_null(pc.is_in(cells, value_set=texts), True)
        if numbers:
            looks = pc.fill_null(pc.match_substring_regex(
                cells, r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"), False)
            as_number = pc.cast(pc.if_else(looks, cells, None), pa.float64())
            coded = pc.fill_null(pc.is_in(as_number, value_set=pa.array(sorted(numbers))),
                                 False)
            na = pc.or_(na, coded)
        if pc.any(na).as_py():
            cells = pc.if_else(na, None, cells)
        out[col] = pd.Series(pd.arrays.ArrowExtensionArray(cells), index=frame.index, name=col)
    return pd.DataFrame(out, index=frame.index)


def _examples(rows: pd.Index, values: pd.Series, limit: int = 3) -> str:
    shown = [f"{_shown(values.loc[r])!r} (row {r})" for r in rows[:limit]]
    more = f" and {len(rows) - limit:,} more" if len(rows) > limit else ""
    return ", ".join(shown) + more


def _shown(value):
    """A cell as the user wrote it, near enough: a date without a time, a whole number
    without '.0', text cut to 60 characters."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) > 60:
        return value[:60] + "…"
    return value


def _column_problems(frame: pd.DataFrame, col: str, spec: Field,
                     scale: tuple[float, float], flag, generated: bool, kind: Kind
                     ) -> list[Problem]:
    """Range, category, uniqueness and date checks on one converted column, each one
    vectorised mask.

    A cell is out of range when lo ≤ x ≤ hi fails (bounds from the field and the rating
    scale), outside its categories when it is not one of them, a repeat when its id
    already appeared on an earlier row (ids cxlib made itself, *generated*, are unique by
    construction and not checked), and an impossible date before 1900 or after today;
    missing cells pass every check. A transaction with a negative amount is a refund: its
    quantity may be negative, and it may repeat its purchase's order id.
    """
    problems = []
    s = frame[col]
    refund = (frame["amount"] < 0).fillna(False) if (
        kind.name == "transactions" and "amount" in frame and col != "amount"
        and pd.api.types.is_numeric_dtype(frame["amount"])) else None
    lo, hi = spec.bounds(scale)
    if spec.type in NUMERIC and (lo is not None or hi is not None):
        values = pd.to_numeric(s, errors="coerce")
        outside = (values < lo if lo is not None else False) | (
            values > hi if hi is not None else False)
        if refund is not None:
            outside = outside & ~refund
        hint = (f"If your scale is not {scale[0]:g}–{scale[1]:g}, set "
                "`rating_scale: [lowest, highest]` in the mapping file."
                if spec.type == "rating" else "")
        problems += flag(col, outside & s.notna(), "values outside the allowed range "
                         f"{_range_label(lo, hi)}", hint)
    if spec.categories:
        problems += flag(col, s.notna() & ~s.isin(spec.categories),
                         f"values not one of: {', '.join(spec.categories)}",
                         "Recode them, or declare them under `missing:` if they mean "
                         "'no answer'.")
    if spec.unique and not generated:
        # keep the first row of each duplicated id, flag the repeats
        problems += flag(col, repeats(s if refund is None else s.where(~refund)),
                         "rows that repeat an id used on an earlier row (ids must be "
                         "unique)", "Remove the duplicate rows or give each row its own id.")
    if spec.type in ("date", "datetime") and pd.api.types.is_datetime64_any_dtype(s):
        latest = pd.Timestamp(dt.date.today()) + pd.Timedelta(days=1)
        odd = s.notna() & ((s < pd.Timestamp(EARLIEST_DATE)) | (s >= latest))
        problems += flag(col, odd, f"dates before {EARLIEST_DATE.year} or after today",
                         "Check the year (1850 for 1985? 2099 for 2019?).")
    return problems


def _refunds(frame: pd.DataFrame, rule: str | None, report: LoadReport) -> pd.DataFrame:
    """Transactions with a negative amount are refunds, never purchases. By the rule
    ``refunds: net`` (the default) each is netted against the purchase it refunds: the
    purchase with its order id when both have one, else the customer's latest purchase on
    or before the refund's date; a purchase refunded in full is dropped, one refunded in
    part keeps the rest of its amount, and a refund with no such purchase is dropped. By
    ``refunds: drop`` refunds are dropped and purchases kept whole. Every row is counted."""
    if "amount" not in frame:
        return frame
    refund = (frame["amount"] < 0).fillna(False).to_numpy(bool)
    n = int(refund.sum())
    if not n:
        return frame
    rows = list(frame.index[refund])
    if rule == "drop":
        report.dropped.append(Drop("refund (a negative amount), dropped by `refunds: drop`",
                                   n, rows))
        report.warnings.append(f"{n:,} refund(s) (negative amounts, e.g. {example_rows(rows)}) "
                               "were dropped (`refunds: drop`); the purchases they refund are "
                               "kept whole")
        return frame[~refund]
    purchases = frame[~refund]
    refunds = frame[refund]
    matched = pd.Series(pd.NA, index=refunds.index, dtype="Int64")  # refund -> purchase row
    if "order_id" in frame:
        by_order = pd.Series(purchases.index, index=purchases["order_id"].astype(object))
        by_order = by_order[by_order.index.notna() & ~by_order.index.duplicated()]
        orders = refunds["order_id"].astype(object)
        hit = orders.isin(by_order.index)
        matched[hit.to_numpy(bool)] = by_order.loc[orders[hit]].to_numpy()
    rest = refunds[matched.isna().to_numpy(bool)]
    if len(rest):
        mine = purchases[purchases["customer_id"].isin(rest["customer_id"])]
        left = pd.DataFrame({"customer": rest["customer_id"].astype(object).to_numpy(),
                             "date": rest["date"].to_numpy(), "refund": rest.index})
        right = pd.DataFrame({"customer": mine["customer_id"].astype(object).to_numpy(),
                              "date": mine["date"].to_numpy(), "purchase": mine.index})
        both = pd.merge_asof(left.sort_values("date"), right.sort_values("date"), on="date",
                             by="customer", direction="backward")
        found = both.dropna(subset=["purchase"])
        matched.loc[found["refund"].to_numpy()] = found["purchase"].astype("int64").to_numpy()
    taken = matched.dropna()
    net = purchases["amount"].copy()
    net = net.add(refunds.loc[taken.index, "amount"].groupby(taken.to_numpy()).sum(),
                  fill_value=0).reindex(purchases.index)
    full = purchases.index[(net <= 1e-9).to_numpy(bool)
                           & purchases.index.isin(taken.to_numpy())]
    part = np.setdiff1d(np.unique(taken.to_numpy(dtype="int64")), full)
    unmatched = list(matched.index[matched.isna().to_numpy(bool)])
    out = purchases.drop(index=full)
    out.loc[part, "amount"] = net.loc[part]
    report.dropped.append(Drop("refund (a negative amount), netted against the purchase it "
                               "refunds", len(taken), list(taken.index)))
    if len(full):
        report.dropped.append(Drop("purchase refunded in full (netted with its refund)",
                                   len(full), list(full)))
    if unmatched:
        report.dropped.append(Drop("refund with no earlier purchase by its customer",
                                   len(unmatched), unmatched))
    report.warnings.append(
        f"{n:,} refund(s) (negative amounts, e.g. {example_rows(rows)}) were netted against "
        "the purchase each refunds (`refunds: net`, the default: the purchase with the same "
        "order_id, else the customer's latest purchase on or before the refund's date): "
        f"{len(full):,} purchase(s) refunded in full were dropped, {len(part):,} reduced"
        + (f", and {len(unmatched):,} refund(s) with no earlier purchase dropped"
           if unmatched else "")
        + ". A refund is never counted as a purchase; set `refunds: drop` to drop refunds and "
        "keep purchases whole")
    return out


def _scale_notes(frame: pd.DataFrame, spec_of, scale: tuple[float, float],
                 declared: bool) -> list[str]:
    """A note when no rating reaches the top of the rating scale over 30 or more answers
    (whole numbers: means of answers, such as an outlet's, are not checked): the answers
    were probably given on a narrower scale (1–5 read as 1–7), and top-box shares and the
    scale's midpoint would be wrong. (Ratings above the scale are refused.)"""
    cols = [c for c in frame.columns if spec_of(c).type == "rating"
            and pd.api.types.is_numeric_dtype(frame[c])]
    if not cols:
        return []
    values = frame[cols].to_numpy(dtype="float64", na_value=np.nan)
    given = values[np.isfinite(values)]
    n = len(given)
    if n < FEW_ROWS or (given % 1 != 0).any():
        return []  # few answers, or means of answers (an outlet's), not answers
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    if hi >= scale[1]:
        return []
    which = "as the mapping declares" if declared else "the default"
    return [f"no rating is above {hi:g} ({n:,} answers in {len(cols)} rating column(s); the "
            f"lowest is {lo:g}), but the rating scale is {scale[0]:g}–{scale[1]:g} ({which}). "
            f"If the answers were given on a {min(lo, scale[0]):g}–{hi:g} scale, set "
            f"`rating_scale: [{min(lo, scale[0]):g}, {hi:g}]` in the mapping file: top-box "
            "shares and the scale's midpoint depend on it"]


def _exact_copies(frame: pd.DataFrame, kind: Kind, generated: set[str]) -> list[str]:
    """A note on rows of a transaction or contact log that repeat an earlier row in every
    column (an export that wrote rows twice?). A log with its own unique ids cannot have
    them (repeated ids are refused). Rows are compared by codes of their values mixed into
    one 64-bit key; rows whose keys repeat are then compared value by value."""
    if kind.name not in ("transactions", "contacts") or frame.empty:
        return []
    if any(f.unique and f.name in frame and f.name not in generated for f in kind.fields):
        return []
    cols = [c for c in frame.columns if c not in generated]
    key = np.zeros(len(frame), np.uint64)
    for col in cols:
        values = frame[col]
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_datetime64_dtype(values):
            bits = values.to_numpy().view(np.uint64)  # equal values, equal bits (NaN: NaN)
        else:
            codes, _ = pd.factorize(values, use_na_sentinel=True)
            bits = (codes.astype(np.int64) + 1).astype(np.uint64)
        key = key * np.uint64(1_000_003) ^ bits
    maybe = pd.Series(key).duplicated(keep=False).to_numpy()
    if not maybe.any():
        return []
    copies = frame.loc[maybe, cols].astype(object).duplicated()
    rows = list(copies.index[copies.to_numpy(bool)])
    if not rows:
        return []
    what = kind.row + "s" if kind.name != "contacts" else "contacts"
    return [f"{example_rows(rows)} {'is an exact copy' if len(rows) == 1 else 'are exact copies'}"
            f" of an earlier row ({len(rows):,} in all: the same {', '.join(cols)}); they were "
            f"kept as {what} of their own. If the export repeated rows, remove the copies; if "
            "they are separate, an id column (order_id, contact_id) tells them apart"]


def repeats(s: pd.Series) -> pd.Series:
    """True on each row whose value already appeared on an earlier row (missing never
    repeats). Arrow sorts the row numbers by value (a stable sort: equal values keep their
    rows in order) and each value is compared with the one before it, a block of rows at a
    time: ten million ids cost a sort of row numbers, not a hash table or a sorted copy of
    the ids."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if is_arrow_text(s):
        cells = s.array._pa_array
    else:
        codes, _ = pd.factorize(s, use_na_sentinel=True)
        cells = pa.array(np.where(codes >= 0, codes, -1), mask=codes < 0)
    out = np.zeros(len(s), bool)
    order = pc.array_sort_indices(cells)  # missing values last
    block = 1 << 20
    for start in range(0, max(len(order) - 1, 0), block):
        rows = order[start:start + block + 1]
        values = pc.take(cells, rows)
        same = pc.fill_null(pc.equal(values[1:], values[:-1]), False)
        if pc.any(same).as_py():
            later = pc.filter(rows[1:], same)
            out[np.asarray(later.to_numpy(zero_copy_only=False), dtype=np.int64)] = True
    return pd.Series(out, index=s.index)


def _range_label(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g}–{hi:g}"
    return f"≥ {lo:g}" if lo is not None else f"≤ {hi:g}"
