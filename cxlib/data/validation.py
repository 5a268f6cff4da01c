"""Checking a user's table against a data kind, cell by cell, with messages people can act on.

The steps, in order:

1. rename the user's columns with the mapping and check the columns: every mapped
   column, construct item, covariate and recoded column is in the file; every required
   column is there (or one of each group of alternatives, such as acquisition dates or
   tenures); a column that needs a partner has it (a tenure needs a churn flag); a
   header name written twice is refused when the column is used;
2. turn the declared missing codes into missing values; drop and count empty rows;
   refuse a required column that is empty in every row, and set aside (with a note)
   an optional one that is, so that analyses needing it say so;
3. recode labels to numbers (``recode:``) and convert each column to its type
   (collecting cells that do not convert; numbers as :mod:`cxlib.data.parsing` reads them);
4. check ranges, allowed categories and unique ids (one vectorised mask per check),
   dates between 1900 and today and not before the date they follow (nobody leaves
   before arriving), and churn flags that agree with churn dates;
5. either raise one :class:`~cxlib.errors.UserDataError` listing every problem
   (default) or, with ``drop_invalid=True``, drop the offending rows and count them;
6. drop and count rows with no value in a key column (an id, a customer, a date or a
   tenure); a missing rating stays missing, and each analysis reports the rows it
   leaves out;
7. refuse a table with fewer than two usable rows, and note in the report what an
   analyst should know: columns that never vary (analyses of them will be "not
   testable"), how ambiguous numbers such as ``1.234`` were read, fewer than 30 rows.

Every row read is either kept or dropped with its reason: rows read = kept + dropped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.data.mapping import Mapping
from cxlib.data.parsing import NUMERIC, TEXT, convert, recode, stripped
from cxlib.data.reading import RawTable
from cxlib.data.schemas import EARLIEST_DATE, Field, Kind
from cxlib.errors import UserDataError, example_rows
from cxlib.stats.design import reference_level

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
    (the steps are in the module docstring)."""
    mapping = mapping or Mapping()
    name = str(raw.path)
    scale = mapping.rating_scale or kind.rating_scale
    frame = _rename(raw, kind, mapping)
    spec_of = _field_lookup(kind, mapping)
    if mapping.observation_end and "observed_until" not in frame and kind.known("observed_until"):
        frame = frame.assign(observed_until=mapping.observation_end.isoformat())
    used = [c for c in frame.columns if spec_of(c) is not None]
    report = LoadReport(
        file=name, kind=kind.name, format=raw.format, rows_read=len(frame), rows_kept=0,
        encoding=raw.encoding, delimiter=raw.delimiter, columns_used=used,
        missing_optional=[f.name for f in kind.fields if f.name not in frame and not f.required],
        ignored_columns=[c for c in frame.columns if spec_of(c) is None],
        rating_scale=scale, warnings=[*mapping.notes, *raw.notes],
    )
    report.warnings += _unused_ratings(frame, report.ignored_columns, kind, mapping, scale)
    frame = frame[used].copy()
    shown = {c: (f"'{c}'" if c not in mapping.columns else
                 f"'{c}' (your column '{mapping.columns[c]}')") for c in used}

    frame = _blank_missing(frame, mapping.missing)
    empty = frame.isna().all(axis=1)
    if empty.any():
        report.dropped.append(Drop("empty row", int(empty.sum()), list(frame.index[empty])))
        frame = frame[~empty]
    _refuse_blank_required(frame, kind, shown, name)
    frame = _set_aside_blank(frame, kind, shown, report)

    def original(col: str, rows: pd.Index) -> str:
        source = mapping.columns.get(col, col)
        values = raw.frame[source] if source in raw.frame else frame[col]
        return _examples(rows, values.loc[rows])

    def flag(col: str, mask: pd.Series, what: str, hint: str = "") -> list[Problem]:
        """The problem of the cells of *col* where *mask* holds (none if it holds nowhere),
        with example rows shown as the file has them."""
        rows = mask.index[mask.to_numpy(bool)]
        return [Problem(col, shown[col], what, rows, original(col, rows), hint)] if len(
            rows) else []

    problems = _convert_all(frame, spec_of, mapping, raw.delimiter, flag, report, shown)
    _check_references(frame, mapping, name)
    from_file = {mapping.user_to_schema.get(c, c) for c in raw.frame.columns}
    problems += _schema_problems(frame, spec_of, scale, flag, set(frame.columns) - from_file)
    problems += _date_problems(frame, spec_of, flag)
    if kind.name == "customers":
        problems += _churn_problems(frame, flag)
    if kind.name == "intervals":
        from cxlib.data.queue_checks import count_order_problems, interval_problems

        problems += count_order_problems(frame, spec_of, flag)
        found, notes = interval_problems(frame, flag, mapping.interval_minutes, name)
        problems, report.warnings = problems + found, report.warnings + notes
    if problems and not drop_invalid:
        fixes = ("Fix these cells in the file, declare codes that mean 'no answer' under "
                 "`missing:` in a mapping file, or rerun with --drop-invalid to drop the rows "
                 "(they will be counted in the report).")
        raise UserDataError([p.message for p in problems] + [fixes], file=name)
    for problem in problems:
        rows = problem.rows.intersection(frame.index)
        report.dropped.append(Drop(f"invalid value: {problem.reason}", len(rows), list(rows)))
        frame = frame.drop(index=rows)
    frame = _drop_keyless(frame, kind, report)
    report.rows_kept = len(frame)
    _refuse_too_few(report, kind)
    report.warnings += _constant_warnings(frame, spec_of, shown)
    if report.rows_kept < FEW_ROWS:
        report.warnings.append(f"only {report.rows_kept} {kind.row}s: most analyses need "
                               f"{FEW_ROWS} or more and will say 'not testable' below their "
                               "minimum")
    return frame, report


def _unused_ratings(frame: pd.DataFrame, ignored: list[str], kind: Kind, mapping: Mapping,
                   scale: tuple[float, float]) -> list[str]:
    """A note when a survey without a declared model has ignored columns that hold ratings
    (whole numbers on the rating scale): they are probably attributes to analyse."""
    if kind.name != "survey" or mapping.attributes or mapping.constructs:
        return []
    found = []
    for col in ignored:
        values = frame[col]
        if not isinstance(values, pd.Series):  # a repeated header: not a candidate
            continue
        text = stripped(values)
        given = text.notna() & text.ne("")
        numbers = pd.to_numeric(text[given], errors="coerce")
        if given.sum() >= 2 and numbers.notna().all() and numbers.between(*scale).all() \
                and (numbers % 1 == 0).all():
            found.append(str(col))
    if not found:
        return []
    return [f"column(s) {_short_list(found)} hold whole numbers on the rating scale "
            f"{scale[0]:g}–{scale[1]:g} but are not used. If they rate attributes of the "
            f"service, list them in the mapping file as `attributes: [{', '.join(found[:3])}"
            f"{', …' if len(found) > 3 else ''}]`: notebook 01 then analyses them as the "
            "drivers of overall satisfaction (data/README.md)"]


def _field_lookup(kind: Kind, mapping: Mapping):
    """The field declaration of a column: the kind's, or a rating for a construct item, or a
    covariate (number or category, whichever its values are) for a declared covariate."""
    items = set(mapping.construct_items)
    covariates = set(mapping.covariates)

    def spec_of(col: str) -> Field | None:
        if kind.known(col):
            return kind.field(col)
        if col in items:
            return Field(col, "rating", "construct item")
        if col in covariates:
            return Field(col, "covariate", "covariate")
        return None
    return spec_of


def _convert_all(frame: pd.DataFrame, spec_of, mapping: Mapping, delimiter: str | None,
                 flag, report: LoadReport, shown: dict[str, str]) -> list[Problem]:
    """Recode labels, then convert every column in place; the cells that did not convert."""
    problems = []
    for col in frame.columns:
        if col in mapping.recode:
            frame[col], bad = recode(frame[col], mapping.recode[col])
            labels = ", ".join(map(str, mapping.recode[col]))
            problems += flag(col, bad, "values that are not among the labels declared under "
                             f"`recode:` ({labels})", "Add them to the labels, or declare them "
                             "under `missing:` if they mean 'no answer'.")
        out = convert(frame[col], spec_of(col), delimiter)
        frame[col] = out.values
        problems += flag(col, out.bad, out.what, out.hint)
        if out.note:
            report.warnings.append(f"column {shown[col]}: {out.note}")
    return problems


def _rename(raw: RawTable, kind: Kind, mapping: Mapping) -> pd.DataFrame:
    """Apply the mapping and check the columns; structural problems raise at once."""
    frame = raw.frame
    name = str(raw.path)
    header = list(frame.columns)
    single = header[0] if len(header) == 1 else None
    named = single is not None and (kind.known(mapping.user_to_schema.get(single, single))
                                    or single in mapping.construct_items)
    if raw.format == "csv" and single is not None and len(kind.fields) > 1 and not named \
            and _delimiter_guess(single):
        raise UserDataError(_one_column_message(raw, header[0]), file=name)
    if frame.empty:
        raise UserDataError(f"the file has a header ({len(header)} columns) but no data rows. "
                            "Export the table again with its rows.", file=name)
    problems = []
    for ours, theirs in mapping.columns.items():
        if theirs not in header:
            close = difflib.get_close_matches(theirs, header, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"the mapping file maps '{ours}' to column '{theirs}', which is not "
                            f"in the file.{hint} The file's columns are: {_short_list(header)}."
                            + _encoding_hint(raw))
    renamed = [mapping.user_to_schema.get(h, h) for h in header]
    problems += _absent_names(mapping, renamed, header)
    wanted = {*mapping.columns.values(), *mapping.construct_items, *mapping.covariates,
              *mapping.recode}
    for dup, positions in raw.duplicates.items():
        if dup in wanted or (kind.known(dup) and dup not in mapping.columns):
            problems.append(f"the header has the name '{dup}' {len(positions)} times (columns "
                            f"{', '.join(map(str, positions))}), so cxlib cannot tell which one "
                            "you mean. Rename the others in the file.")
    if problems:
        raise UserDataError(problems, file=name)
    for dup, positions in raw.duplicates.items():
        raw.notes.append(f"the header has the name '{dup}' {len(positions)} times; the column "
                         "is not used, so the repeats were ignored")
    frame = frame.rename(columns=mapping.user_to_schema)
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
    for construct, items in mapping.constructs.items():
        absent = [c for c in items if c not in renamed]
        if absent:
            problems.append(f"construct '{construct}' lists item(s) {', '.join(absent)}, not "
                            f"in the file (after mapping). The file's columns are: "
                            f"{_short_list(header)}.")
    for key, names in (("attributes", mapping.attributes), ("covariates", mapping.covariates),
                       ("recode", list(mapping.recode))):
        for col in names:
            if col not in renamed and col not in mapping.columns:
                close = difflib.get_close_matches(col, renamed, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                problems.append(f"`{key}:` names '{col}', which is not a column of the file "
                                f"(after mapping).{hint}")
    return problems


def _check_required(raw: RawTable, kind: Kind, mapping: Mapping, frame: pd.DataFrame,
                    header: list[str]) -> None:
    """Required columns, one of each group of alternatives, and partners of columns."""
    missing = [c for c in kind.required if c not in frame.columns]
    groups = [g for g in kind.one_of if not any(c in frame for c in g)]
    partners = [(f.name, f.with_any) for f in kind.fields
                if f.with_any and f.name in frame and not any(c in frame for c in f.with_any)]
    if not (missing or groups or partners):
        return
    wanted = [*missing, *(g[0] for g in groups), *(alts[0] for _, alts in partners)]
    lines = []
    if missing:
        lines.append(f"missing required column(s) {', '.join(f'{c!r}' for c in missing)}.")
    for group in groups:
        lines.append(f"the file needs {' or '.join(f'{c!r}' for c in group)} (one of them), and "
                     "has neither.")
    for col, alts in partners:
        lines.append(f"column '{col}' needs {' or '.join(f'{c!r}' for c in alts)} beside it, "
                     "and the file has neither (see data/README.md).")
    example = "\n".join(f"      {c}: <your column name>" for c in wanted)
    notes = "".join(f" (Note: {n}.)" for n in mapping.notes)
    raise UserDataError(" ".join(lines) + f" The file has: {_short_list(header)}. Rename the "
                        "column(s) in the file, or map yours in a mapping file:\n"
                        f"    columns:\n{example}" + _encoding_hint(raw) + notes,
                        file=str(raw.path))


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
        if spec.type not in (*NUMERIC, "category", "covariate") or col == "observed_until":
            continue
        values = frame[col].dropna()
        if len(values) >= 2 and values.nunique() == 1:
            out.append(f"column {shown[col]} has the same value ({values.iloc[0]}) in every "
                       "row: analyses of it have nothing to compare and will report 'not "
                       "testable'")
    return out


def _date_problems(frame: pd.DataFrame, spec_of, flag) -> list[Problem]:
    """Dates before 1900 or after today, and dates earlier than the date they follow."""
    problems = []
    latest = pd.Timestamp(dt.date.today()) + pd.Timedelta(days=1)
    for col in frame.columns:
        spec = spec_of(col)
        if spec.type not in ("date", "datetime"):
            continue
        values = frame[col]
        odd = values.notna() & ((values < pd.Timestamp(EARLIEST_DATE)) | (values >= latest))
        problems += flag(col, odd, f"dates before {EARLIEST_DATE.year} or after today",
                         "Check the year (1850 for 1985? 2099 for 2019?).")
        if spec.after and spec.after in frame:
            problems += flag(col, (values < frame[spec.after]).fillna(False),
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
    """Empty strings and declared missing codes become NA (numbers compared as numbers)."""
    texts = {str(c).strip() for c in codes} | {""}
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
        as_text = stripped(s)
        na = s.isna().to_numpy() | as_text.isin(texts).to_numpy(bool)
        if numbers:
            na |= pd.to_numeric(as_text, errors="coerce").isin(numbers).to_numpy(bool)
        out[col] = s.where(~na, None)
    return pd.DataFrame(out, index=frame.index)


def _examples(rows: pd.Index, values: pd.Series, limit: int = 3) -> str:
    shown = [f"{values.loc[r]!r} (row {r})" for r in rows[:limit]]
    more = f" and {len(rows) - limit:,} more" if len(rows) > limit else ""
    return ", ".join(shown) + more


def _schema_problems(frame: pd.DataFrame, spec_of, scale: tuple[float, float],
                     flag, generated: set[str]) -> list[Problem]:
    """Range, category and uniqueness checks on every column, each one vectorised mask.

    A cell is out of range when lo ≤ x ≤ hi fails (bounds from the field and the rating
    scale), outside its categories when it is not one of them, and a repeat when its id
    already appeared on an earlier row (ids cxlib made itself, *generated*, are unique by
    construction and not checked); missing cells pass every check.
    """
    problems = []
    for col in frame.columns:
        spec = spec_of(col)
        s = frame[col]
        lo, hi = spec.bounds(scale)
        if spec.type in NUMERIC and (lo is not None or hi is not None):
            values = pd.to_numeric(s, errors="coerce")
            outside = (values < lo if lo is not None else False) | (
                values > hi if hi is not None else False)
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
        if spec.unique and col not in generated:
            # keep the first row of each duplicated id, flag the repeats
            problems += flag(col, repeats(s),
                             "rows that repeat an id used on an earlier row (ids must be "
                             "unique)", "Remove the duplicate rows or give each row its own id.")
    return problems


def repeats(s: pd.Series) -> pd.Series:
    """True on each row whose value already appeared on an earlier row (missing never
    repeats). Values are factorised first (Arrow text by Arrow's dictionary encoding), so
    ten million ids cost a sort of integers, not a hash table of Python strings."""
    codes, _ = pd.factorize(s, use_na_sentinel=True)
    first = np.zeros(len(codes), bool)
    first[np.unique(codes, return_index=True)[1]] = True
    return pd.Series(~first & (codes >= 0), index=s.index)


def _range_label(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g}–{hi:g}"
    return f"≥ {lo:g}" if lo is not None else f"≤ {hi:g}"
