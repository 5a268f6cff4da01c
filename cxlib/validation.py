"""Checking a user's table against a data kind, cell by cell, with messages people can act on.

The steps, in order: rename the user's columns with the mapping; make sure every
required column is there; turn the declared missing codes into missing values;
convert each column to its type (collecting cells that do not convert); check
ranges, allowed categories and unique ids with a pandera schema; then either raise
one :class:`~cxlib.errors.UserDataError` listing every problem (default) or, with
``drop_invalid=True``, drop the offending rows and count them. Rows with no value
in a required key column (an id, a customer, a date) are always dropped, counted
and reported; a missing rating stays missing, and each analysis reports the rows
it leaves out.
"""

from __future__ import annotations

import contextlib
import difflib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .errors import UserDataError, example_rows
from .mapping import Mapping
from .reading import RawTable
from .schemas import Field, Kind

_TRUE = {"1", "yes", "y", "true", "t", "ja", "kyllä", "k", "כן", "是", "x"}
_FALSE = {"0", "no", "n", "false", "f", "nein", "ei", "e", "לא", "否"}
_NUMERIC = ("integer", "number", "rating", "binary")


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
    return (what.replace("values that are", "value that is").replace("values ", "value ")
            .replace("rows that repeat", "row that repeats"))


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
        return "\n".join(lines)


def _short_list(names: list[str], limit: int = 12) -> str:
    more = f" … (+{len(names) - limit})" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def validate(raw: RawTable, kind: Kind, mapping: Mapping | None = None, *,
             drop_invalid: bool = False) -> tuple[pd.DataFrame, LoadReport]:
    """Validate and type a raw table; return the clean frame and its :class:`LoadReport`."""
    mapping = mapping or Mapping()
    name = str(raw.path)
    scale = mapping.rating_scale or kind.rating_scale
    frame = _rename(raw, kind, mapping)

    def spec_of(col: str) -> Field | None:
        if col in mapping.construct_items and not kind.known(col):
            return Field(col, "rating", "construct item")
        return kind.field(col)

    used = [c for c in frame.columns if spec_of(c) is not None]
    report = LoadReport(
        file=name, kind=kind.name, format=raw.format, rows_read=len(frame), rows_kept=0,
        encoding=raw.encoding, delimiter=raw.delimiter, columns_used=used,
        missing_optional=[f.name for f in kind.fields if f.name not in frame and not f.required],
        ignored_columns=[c for c in frame.columns if spec_of(c) is None],
        rating_scale=scale,
    )
    frame = frame[used].copy()
    shown = {c: (f"'{c}'" if c not in mapping.columns else
                 f"'{c}' (your column '{mapping.columns[c]}')") for c in used}

    frame = _blank_missing(frame, mapping.missing)
    empty = frame.isna().all(axis=1)
    if empty.any():
        report.dropped.append(Drop("empty row", int(empty.sum()), list(frame.index[empty])))
        frame = frame[~empty]

    def original(col: str, rows: pd.Index) -> str:
        return _examples(rows, raw.frame.loc[rows, mapping.columns.get(col, col)])

    problems: list[Problem] = []
    for col in used:
        frame[col], bad, what = _convert(frame[col], spec_of(col), raw.delimiter)
        if bad.any():
            rows = frame.index[bad]
            problems.append(Problem(col, shown[col], what, rows, original(col, rows)))
    problems += _schema_problems(frame, spec_of, scale, shown, original)

    if problems and not drop_invalid:
        fixes = ("Fix these cells in the file, declare codes that mean 'no answer' under "
                 "`missing:` in a mapping file, or rerun with --drop-invalid to drop the rows "
                 "(they will be counted in the report).")
        raise UserDataError([p.message for p in problems] + [fixes], file=name)
    for problem in problems:
        rows = problem.rows.intersection(frame.index)
        report.dropped.append(Drop(f"invalid value: {problem.reason}", len(rows), list(rows)))
        frame = frame.drop(index=rows)

    keys = [f.name for f in kind.fields
            if (f.required and f.type != "rating") or (f.unique and f.name in frame)]
    for col in keys:
        absent = frame[col].isna()  # a row without its id, customer or date is unusable
        if absent.any():
            report.dropped.append(Drop(f"no value in required column '{col}'",
                                       int(absent.sum()), list(frame.index[absent])))
            frame = frame[~absent]
    report.rows_kept = len(frame)
    return frame, report


def _rename(raw: RawTable, kind: Kind, mapping: Mapping) -> pd.DataFrame:
    """Apply the mapping and check the columns; structural problems raise at once."""
    frame = raw.frame
    name = str(raw.path)
    header = list(frame.columns)
    problems = []
    if raw.format == "csv" and len(header) == 1 and len(kind.fields) > 1:
        raise UserDataError(_one_column_message(raw, header[0]), file=name)
    for ours, theirs in mapping.columns.items():
        if not kind.known(ours):
            close = difflib.get_close_matches(ours, [f.name for f in kind.fields], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"the mapping file names '{ours}', which is not a column of the "
                            f"'{kind.name}' kind.{hint} See data/README.md for the columns.")
        elif theirs not in header:
            close = difflib.get_close_matches(theirs, header, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"the mapping file maps '{ours}' to column '{theirs}', which is not "
                            f"in the file.{hint} The file's columns are: {_short_list(header)}."
                            + _encoding_hint(raw))
    renamed = {mapping.user_to_schema.get(h, h) for h in header}
    for construct, items in mapping.constructs.items():
        absent = [c for c in items if c not in renamed]
        if absent:
            problems.append(f"construct '{construct}' lists item(s) {', '.join(absent)}, not "
                            f"in the file (after mapping). The file's columns are: "
                            f"{_short_list(header)}.")
    if problems:
        raise UserDataError(problems, file=name)
    frame = frame.rename(columns=mapping.user_to_schema)
    missing = [c for c in kind.required if c not in frame.columns]
    if missing:
        raise UserDataError(_missing_column_message(raw, missing, header), file=name)
    id_field = kind.id_field
    if id_field is not None and not id_field.required and id_field.name not in frame:
        frame = frame.assign(**{id_field.name: [f"row{r}" for r in frame.index]})
    dupes = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dupes:
        raise UserDataError(f"column(s) {', '.join(dupes)} appear twice after mapping; map only "
                            "one of your columns to each cxlib column.", file=name)
    return frame


def _encoding_hint(raw: RawTable) -> str:
    if raw.encoding and not raw.encoding.startswith("utf"):
        return (f" (The file was read as {raw.encoding}; if the names above look garbled, set "
                "`encoding:` in the mapping file, e.g. cp1255 or gbk, or save it as CSV UTF-8.)")
    return ""


def _one_column_message(raw: RawTable, header: str) -> str:
    """The whole header read as one column: the delimiter is not one we recognise."""
    counts = Counter(ch for ch in header if not ch.isalnum() and ch not in " _-.'\"")
    guess = counts.most_common(1)[0][0] if counts else None
    seen = f" It looks like the file uses {guess!r} between values." if guess else ""
    return (f"the whole header was read as a single column ({header[:60]!r}…), so the values "
            f"are not separated by {raw.delimiter_name or 'a comma'}.{seen} Save the file as "
            "CSV (comma-separated), or set `delimiter:` in the mapping file"
            + (f" (delimiter: \"{guess}\")." if guess else "."))


def _missing_column_message(raw: RawTable, missing: list[str], header: list[str]) -> str:
    cols = ", ".join(f"'{c}'" for c in missing)
    example = "\n".join(f"      {c}: <your column name>" for c in missing)
    return (f"missing required column(s) {cols}. The file has: {_short_list(header)}. "
            f"Rename the column(s) in the file, or map yours in a mapping file:\n"
            f"    columns:\n{example}" + _encoding_hint(raw))


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
        as_text = s.astype("string").str.strip()
        na = s.isna() | as_text.isin(texts)
        if numbers:
            na |= pd.to_numeric(as_text, errors="coerce").isin(numbers)
        out[col] = s.where(~na, None)
    return pd.DataFrame(out, index=frame.index)


def _convert(s: pd.Series, spec: Field, delimiter: str | None) -> tuple[pd.Series, pd.Series, str]:
    """Convert one column; return (converted, mask of cells that did not convert, problem)."""
    present = s.notna()
    if spec.type in _NUMERIC and pd.api.types.is_numeric_dtype(s) and spec.type != "binary":
        num = s.astype("float64")
        frac = num.notna() & (num != np.floor(num)) if spec.type == "integer" else None
        if frac is not None and frac.any():
            return num, frac, "values that are not whole numbers"
        return num, pd.Series(False, index=s.index), ""
    if spec.type in _NUMERIC:
        text = s.astype("string").str.strip()
        if spec.type == "binary":
            low = text.str.lower()
            text = low.mask(low.isin(_TRUE), "1").mask(low.isin(_FALSE), "0")
        if delimiter and delimiter != ",":  # decimal comma, as in German or Finnish exports
            text = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
        num = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = present & num.isna()
        what = "values that are not numbers" if spec.type != "binary" else \
            "values that are not yes/no or 1/0"
        if spec.type in ("integer", "binary"):
            frac = num.notna() & (num != np.floor(num))
            if frac.any() and not bad.any():
                return num, frac, "values that are not whole numbers"
            bad |= frac
        return num, bad, what
    if spec.type in ("date", "datetime"):
        if pd.api.types.is_datetime64_any_dtype(s):
            return s, pd.Series(False, index=s.index), ""
        parsed = pd.to_datetime(s.astype("string").str.strip(), errors="coerce",
                                format="ISO8601")
        bad = present & parsed.isna()
        return parsed, bad, "values that are not dates (write them as YYYY-MM-DD)"
    text = s.astype("string").str.strip()
    if spec.categories:
        text = text.str.lower()
    return text, pd.Series(False, index=s.index), ""


def _examples(rows: pd.Index, values: pd.Series, limit: int = 3) -> str:
    shown = [f"{values.loc[r]!r} (row {r})" for r in rows[:limit]]
    more = f" and {len(rows) - limit:,} more" if len(rows) > limit else ""
    return ", ".join(shown) + more


def _schema_problems(frame: pd.DataFrame, spec_of, scale: tuple[float, float],
                     shown: dict[str, str], original) -> list[Problem]:
    """Range, category and uniqueness checks, run as one lazy pandera validation."""
    columns = {}
    for col in frame.columns:
        spec = spec_of(col)
        checks = []
        lo, hi = spec.bounds(scale)
        if spec.type in _NUMERIC and (lo is not None or hi is not None):
            checks.append(_range_check(lo, hi))
        if spec.categories:
            checks.append(pa.Check.isin(spec.categories,
                                        error=f"one of: {', '.join(spec.categories)}"))
        columns[col] = pa.Column(checks=checks, nullable=True, unique=spec.unique, coerce=False)
    try:
        pa.DataFrameSchema(columns).validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    problems = []
    for (col, check), group in cases.groupby(["column", "check"], sort=False):
        spec = spec_of(col)
        if check == "field_uniqueness":
            # keep the first row of each duplicated id, flag the repeats
            rows = frame.index[frame[col].duplicated(keep="first") & frame[col].notna()]
            problems.append(Problem(col, shown[col], "rows that repeat an id used on an "
                                    "earlier row (ids must be unique)", rows,
                                    original(col, rows), "Remove the duplicate rows or give "
                                    "each row its own id."))
            continue
        rows = pd.Index(group["index"].dropna().astype(int).unique())
        hint = ""
        if spec.type == "rating":
            hint = ("If your scale is not "
                    f"{scale[0]:g}–{scale[1]:g}, set `rating_scale: [lowest, highest]` in the "
                    "mapping file.")
        elif spec.categories:
            hint = "Recode them, or declare them under `missing:` if they mean 'no answer'."
        what = (f"values not {check}" if spec.categories else
                f"values outside the allowed range {check}")
        problems.append(Problem(col, shown[col], what, rows, original(col, rows), hint))
    return problems


def _range_check(lo: float | None, hi: float | None) -> pa.Check:
    label = f"{lo:g}–{hi:g}" if lo is not None and hi is not None else (
        f"≥ {lo:g}" if lo is not None else f"≤ {hi:g}")
    if lo is not None and hi is not None:
        return pa.Check.in_range(lo, hi, error=label)
    if lo is not None:
        return pa.Check.ge(lo, error=label)
    return pa.Check.le(hi, error=label)
