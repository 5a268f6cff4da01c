"""Turning cells into values: numbers as people write them, yes/no in many languages,
dates, and labels recoded to numbers.

**Numbers.** Digit groups may be separated by a space, a no-break space or an
apostrophe (``1 234``, ``1'234``). Whether a comma or a point marks the decimals is
decided per column from the values that can only be read one way: ``12,5``,
``0,25``, ``1.234,5`` or ``1.234.567`` say "decimal comma"; ``12.5``, ``1,234.5`` or
``1,234,567`` say "decimal point". A value such as ``1.234`` or ``1,234`` could be
either (one thousand two hundred and thirty-four, or one point two three four): it
follows the column's convention, and in a column of such values only, the file's:
decimal comma in semicolon-separated files, decimal point otherwise; the load report
says how they were read. A value written in the other convention than the rest of
its column is invalid (its row is named).

**Labels.** ``recode: {col: {order: [Low, Medium, High]}}`` gives codes 1, 2, 3;
``{levels: {Yes: 1, No: 0}}`` gives the codes written. Labels are matched after
trimming spaces, without regard to case; a value that is neither a label nor a
missing code is invalid.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.data.schemas import Field

TRUE = {"1", "yes", "y", "true", "t", "ja", "kyllä", "k", "כן", "是", "x"}
FALSE = {"0", "no", "n", "false", "f", "nein", "ei", "e", "לא", "否"}
NUMERIC = ("integer", "number", "rating", "binary")

_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f'’](?=\d{3}(?!\d))")
_SIGN = r"^[+-]?"
_AMBIGUOUS = re.compile(_SIGN + r"[1-9]\d{0,2}[.,]\d{3}$")
_DECIMAL = {  # decimal mark: (a plain decimal, a number with digit groups)
    ",": (re.compile(_SIGN + r"\d*,\d+$"), re.compile(_SIGN + r"\d{1,3}(\.\d{3})+(,\d+)?$")),
    ".": (re.compile(_SIGN + r"\d*\.\d+$"), re.compile(_SIGN + r"\d{1,3}(,\d{3})+(\.\d+)?$")),
}


def _number(cell: str, decimal: str) -> float:
    """One cleaned cell read with *decimal* as the decimal mark (NaN if not a number)."""
    group = "." if decimal == "," else ","
    if _DECIMAL[decimal][1].match(cell):
        cell = cell.replace(group, "")
    if decimal == ",":
        cell = cell.replace(",", ".")
    if "_" in cell:
        return math.nan
    try:
        value = float(cell)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


@dataclass
class Converted:
    """A column converted to its type: the values, the cells that did not convert and what
    is wrong with them (with a hint on the fix), and a note on how ambiguous cells were read."""

    values: pd.Series
    bad: pd.Series
    what: str = ""
    hint: str = ""
    note: str = ""


_PLAIN_INTEGER = r"^[+-]?[0-9]+$"
_PLAIN_POINT = r"^[+-]?[0-9]*\.[0-9]+$"
_AMBIGUOUS_RE2 = r"^[+-]?[1-9][0-9]{0,2}[.,][0-9]{3}$"


def arrow_text(s: pd.Series):
    """The cells of *s* as an Arrow text array without surrounding spaces (missing stays
    missing), for Arrow's vectorised string kernels. Cells are copied only when some of them
    have spaces to strip (a large column usually has none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if is_arrow_text(s):
        cells = s.array._pa_array
    else:
        values = s.astype(object).where(s.notna(), None)
        cells = pa.chunked_array([pa.array([None if v is None else str(v) for v in values],
                                           type=pa.large_string())])
    if pc.any(pc.match_substring_regex(cells, r"^\s|\s$")).as_py():
        cells = pc.utf8_trim_whitespace(cells)
    return cells


def is_arrow_text(s: pd.Series | object) -> bool:
    """Whether *s* (a series, or its dtype) holds Arrow text (:data:`TEXT` or
    :data:`RAW_TEXT`)."""
    import pyarrow as pa

    dtype = s.dtype if isinstance(s, pd.Series) else s
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    return isinstance(dtype, pd.ArrowDtype) and dtype.pyarrow_dtype in (pa.string(),
                                                                        pa.large_string())


def to_number(text: pd.Series, delimiter: str | None) -> Converted:
    """Numbers from text cells (module docstring). Whole numbers and numbers with a decimal
    point and nothing else (``12``, ``-3``, ``12.5``) are converted by Arrow in one pass; the
    other cells (digit groups, decimal commas, words) are read once per distinct value."""
    import pyarrow.compute as pc

    cells = arrow_text(text)
    valid = pc.is_valid(cells)
    integer = pc.fill_null(pc.match_substring_regex(cells, _PLAIN_INTEGER), False)
    point = pc.fill_null(pc.match_substring_regex(cells, _PLAIN_POINT), False)
    ambiguous_cell = pc.fill_null(pc.match_substring_regex(cells, _AMBIGUOUS_RE2), False)
    plain = pc.or_(integer, point)
    odd = pc.and_(valid, pc.invert(plain))
    counts, cleaned, evidence = _odd_values(cells, odd)
    weight = {mark: sum(counts[u] for u in found) for mark, found in evidence.items()}
    weight["."] += pc.sum(pc.and_(point, pc.invert(ambiguous_cell))).as_py() or 0
    decimal = "," if weight[","] > weight["."] or (not weight["."] and delimiter == ";") else "."
    fast = plain
    if decimal == "," and pc.any(point).as_py():
        # a point means something else here: read those cells one distinct value at a time
        odd = pc.and_(valid, pc.invert(integer))
        counts, cleaned, evidence = _odd_values(cells, odd)
        fast = integer
    mark, other = ("comma", evidence["."]) if decimal == "," else ("point", evidence[","])
    parsed = {u: math.nan if u in other else _number(t, decimal) for u, t in cleaned.items()}
    values = pd.Series(_numbers(cells, valid, fast, odd, parsed), index=text.index)
    present = pd.Series(np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool),
                        index=text.index)
    out = Converted(values, present & values.isna(), "values that are not numbers")
    if other:
        k = sum(counts[u] for u in other)
        out.hint = (f"{k:,} of them {'uses' if k == 1 else 'use'} a decimal "
                    f"{'point' if decimal == ',' else 'comma'} where the rest of the column "
                    f"uses a decimal {mark}: write every value the same way.")
    first_at = pc.index(ambiguous_cell, True).as_py()
    if first_at >= 0:
        first = cells[first_at].as_py()
        why = ("as in the rest of the column" if weight[","] or weight["."] else
               "as usual in semicolon-separated files" if decimal == "," else
               "as usual outside semicolon-separated files")
        out.note = (f"values such as {first!r} were read as {values.iloc[first_at]:g} "
                    f"(decimal {mark}, {why})")
    return out


def _odd_values(cells, odd) -> tuple[dict[str, int], dict[str, str], dict[str, set[str]]]:
    """The distinct texts of the *odd* cells (not plain numbers) with their counts, each
    with its digit-group spaces removed, and by decimal mark the texts that can only be
    read with that mark (ambiguous ones, such as ``1.234``, left out)."""
    import pyarrow.compute as pc

    counts = _distinct_counts(pc.filter(cells, odd))
    cleaned = {u: _GROUP_SPACE.sub("", u) for u in counts}
    ambiguous = {u for u, t in cleaned.items() if _AMBIGUOUS.match(t)}
    evidence = {mark: {u for u, t in cleaned.items()
                       if u not in ambiguous and any(p.match(t) for p in patterns)}
                for mark, patterns in _DECIMAL.items()}
    return counts, cleaned, evidence


def _numbers(cells, valid, fast, odd, parsed: dict[str, float]) -> np.ndarray:
    """Each cell as a float: the *fast* cells cast by Arrow, the *odd* ones looked up in
    *parsed* (read once per distinct text); anything else, and infinities, missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    everywhere = pc.all(pc.or_(fast, pc.invert(valid))).as_py()
    num = pc.cast(cells if everywhere else pc.if_else(fast, cells, None), pa.float64())
    num = np.asarray(num.to_numpy(zero_copy_only=False), dtype="float64")
    if not num.flags.writeable:
        num = num.copy()
    if parsed:
        keys = pa.array(list(parsed), type=pa.large_string())
        where = pc.index_in(cells, value_set=keys).to_numpy(zero_copy_only=False)
        looked = ~np.isnan(np.asarray(where, dtype="float64")) & np.asarray(
            odd.to_numpy(zero_copy_only=False), dtype=bool)
        table = np.array(list(parsed.values()), dtype="float64")
        num[looked] = table[np.asarray(where[looked], dtype="int64")]
    num[~np.isfinite(num)] = np.nan
    return num


def _distinct_counts(cells) -> dict[str, int]:
    """Each distinct text of an Arrow array and how often it occurs."""
    import pyarrow.compute as pc

    if len(cells) == 0:
        return {}
    found = pc.value_counts(cells)
    return dict(zip(found.field("values").to_pylist(), found.field("counts").to_pylist(),
                    strict=True))


RAW_TEXT = pd.ArrowDtype(__import__("pyarrow").string())
"""Text as read from a CSV file: Arrow text with 32-bit offsets (a third less memory than
:data:`TEXT` for short values). Validation turns every column it keeps into a typed column
or :data:`TEXT`."""

TEXT = "string[pyarrow]"
"""Text for cleaning: Arrow's C++ string kernels strip, compare and encode ten million cells
in well under a second, where Python strings take seconds per operation."""


def on_distinct(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn(s)`` computed once per distinct value of *s* and spread back to its rows (a
    missing cell stays missing). A log of ten million rows holds a few thousand dates:
    parsing them per distinct value is that much less work."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    done = fn(pd.Series(uniques))
    return pd.Series(done.array.take(codes, allow_fill=True), index=s.index, name=s.name)


def stripped(s: pd.Series) -> pd.Series:
    """The cells of *s* as Arrow text without surrounding spaces (missing stays missing).
    Validated frames keep text this way: a tenth of the memory of Python strings, and
    DuckDB reads it without conversion. Arrow text is cast by Arrow, never through Python
    strings."""
    import pyarrow as pa

    cells = arrow_text(s)
    if cells.type != pa.large_string():
        cells = cells.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(cells), index=s.index, name=s.name)


def convert(s: pd.Series, spec: Field, delimiter: str | None,
            timezone: str | None = None) -> Converted:
    """Convert one column to the type of its field (see the module docstring); *timezone*
    is the zone that times with a zone or UTC offset are converted to (see :func:`to_dates`)."""
    none = pd.Series(False, index=s.index)
    if spec.type in NUMERIC and pd.api.types.is_numeric_dtype(s) and spec.type != "binary":
        num = s.astype("float64")
        frac = num.notna() & (num != np.floor(num)) if spec.type == "integer" else none
        return Converted(num, frac, "values that are not whole numbers")
    if spec.type == "covariate":
        if pd.api.types.is_numeric_dtype(s):
            return Converted(s.astype("float64"), none)
        num = to_number(s, None)
        if not num.bad.any() and num.values.notna().any():
            return Converted(num.values, none, note=num.note)
        return Converted(stripped(s), none)
    if spec.type in NUMERIC:
        return _numeric(s, spec, delimiter)
    if spec.type in ("date", "datetime"):
        return to_dates(s, timezone)
    text = stripped(s)
    return Converted(text.str.lower() if spec.categories else text, none)


_ZONED = re.compile(r"^(.*\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*"
                    r"(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's serial dates (Windows; 1 = 1900-01-01, counting the fictitious
1900-02-29)."""


def to_dates(s: pd.Series, timezone: str | None = None) -> Converted:
    """Dates and times from typed values or ISO text (``2024-03-31``, ``2024-03-31 08:15``).

    Times that carry a zone (a zone-aware Parquet or Excel column) or a UTC offset
    (``2024-03-31T23:30:00+02:00``) are read as the local time written, in the zone or at
    the offset they carry: the date is the one the source showed (converting to UTC would
    move evening times to the next day, and midnight in zones east of UTC to the day
    before). With *timezone* (``timezone:`` in the mapping) each is converted to that zone
    instead, and a time without an offset is taken to be in it already. Either way a note
    says what was done. Numbers such as 44929 in a date column are named as Excel serial
    dates, with the fix."""
    none = pd.Series(False, index=s.index)
    if pd.api.types.is_datetime64_any_dtype(s):
        if s.dt.tz is None:
            return Converted(s, none)
        zone = str(s.dt.tz)
        if timezone:
            return Converted(s.dt.tz_convert(timezone).dt.tz_localize(None), none,
                             note=f"times in the zone {zone} were converted to {timezone} "
                             "(`timezone:` in the mapping file)")
        return Converted(s.dt.tz_localize(None), none, note=_zone_note(f"the zone {zone}"))
    offsets: set[str] = set()

    def parse(values: pd.Series) -> pd.Series:
        text = values.astype(object)
        match = text.map(lambda v: _ZONED.match(v) if isinstance(v, str) else None)
        zoned = match.notna()
        out = pd.to_datetime(text.where(~zoned), errors="coerce", format="ISO8601")
        if zoned.any():
            wall = match[zoned].map(lambda m: m.group(1))
            offset = match[zoned].map(lambda m: _offset(m.group(2)))
            offsets.update(offset)
            if timezone:
                when = pd.to_datetime(wall + offset, errors="coerce", format="ISO8601",
                                      utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
            else:
                when = pd.to_datetime(wall, errors="coerce", format="ISO8601")
            out = out.astype("datetime64[ns]")
            out[zoned.to_numpy(bool)] = when.astype("datetime64[ns]").to_numpy()
        return out

    parsed = on_distinct(pd.Series(pd.arrays.ArrowExtensionArray(arrow_text(s)), index=s.index),
                         parse)
    bad = s.notna() & parsed.isna()
    out = Converted(parsed, bad, "values that are not dates (write them as YYYY-MM-DD)")
    if bad.any():
        out.hint = _serial_hint(stripped(s[bad]))
    if offsets:
        listed = ", ".join(sorted(offsets)[:4]) + (", …" if len(offsets) > 4 else "")
        out.note = (f"times with UTC offsets ({listed}) were converted to {timezone} "
                    "(`timezone:` in the mapping file)" if timezone else
                    _zone_note(f"their UTC offsets ({listed})"))
    return out


def _offset(text: str) -> str:
    """A UTC offset as ``+HH:MM``."""
    text = text.upper()
    if text in ("Z", "UTC", "GMT"):
        return "+00:00"
    digits = text[1:].replace(":", "")
    return f"{text[0]}{digits[:2]}:{digits[2:4] or '00'}"


def _zone_note(where: str) -> str:
    return (f"times carry {where}; each was read as the local time written there (its date as "
            "the source showed it), not converted. To convert them all to one zone, set "
            "`timezone:` in the mapping file (e.g. timezone: UTC, or Europe/Berlin)")


def _serial_hint(bad: pd.Series) -> str:
    """For a date column holding numbers such as 44929: Excel serial dates, and the fix."""
    values = [str(v) for v in pd.unique(bad.dropna())[:1000]]
    if not values or not all(_SERIAL.match(v) for v in values):
        return ""
    days = [float(v) for v in values]
    if not all(20_000 <= d <= 80_000 for d in days):
        return ""
    first = values[0]
    when = (EXCEL_EPOCH + pd.Timedelta(days=int(float(first)))).strftime("%Y-%m-%d")
    return (f"They look like Excel serial dates (day numbers: {first} is {when}), which Excel "
            "writes when a date column is formatted as a number. In Excel, format the column "
            "as a date (Format Cells → Date, or the custom format yyyy-mm-dd) and save the file "
            "again.")


def _numeric(s: pd.Series, spec: Field, delimiter: str | None) -> Converted:
    text = s
    if spec.type == "binary":
        low = stripped(s).str.lower()
        text = low.mask(low.isin(TRUE), "1").mask(low.isin(FALSE), "0")
    out = to_number(text, delimiter)
    if spec.type == "binary":
        out.what = "values that are not yes/no or 1/0"
    elif not out.hint:
        out.hint = label_hint(s[out.bad].rename(spec.name))
    if spec.type in ("integer", "binary"):
        frac = out.values.notna() & (out.values != np.floor(out.values))
        if frac.any() and not out.bad.any():
            out.what, out.bad = "values that are not whole numbers", frac
        else:
            out.bad = out.bad | frac
    return out


MISSING_WORDS = ("NA", "N/A", "#N/A", "NaN", "NULL", "None", "missing", "-", ".", "?",
                 "k.A.", "DK")
"""Words that exports write for a missing answer (R writes NA, Excel #N/A, SPSS a dot …)."""


def label_hint(values: pd.Series) -> str:
    """For a numeric column holding words: a code for a missing answer (first: declare it
    under ``missing:``), or the labels of a scale (declare them as an ordered scale)."""
    distinct = [str(v).strip() for v in pd.unique(values.dropna())]
    missing_words = {w.casefold() for w in MISSING_WORDS}
    codes = [v for v in distinct if v.casefold() in missing_words]
    words = [v for v in distinct if re.search(r"[^\W\d_]", v) and v not in codes]
    hint = ""
    if codes:
        listed = ", ".join(f'"{c}"' for c in codes[:5])
        hint = (f"{listed} {'is' if len(codes) == 1 else 'are'} what some programs write for a "
                "missing answer (R writes NA, Excel #N/A): declare "
                f"{'it' if len(codes) == 1 else 'them'} in the mapping file with `missing: "
                f"[{listed}]`, and those cells are read as no answer.")
    if words:
        shown = ", ".join(words[:5]) + (", …" if len(words) > 5 else "")
        hint += ((" " if hint else "") + f"If these are the labels of a scale ({shown}), give "
                 f"them numbers in the mapping file: recode: {{{values.name}: {{order: "
                 "[lowest, …, highest]}}.")
    return hint


def recode(s: pd.Series, labels: dict) -> tuple[pd.Series, pd.Series]:
    """Replace labels by their codes (module docstring); returns (recoded, cells that are
    not a declared label)."""
    lookup = {str(k).strip().casefold(): v for k, v in labels.items()}

    def key(v) -> str:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip().casefold()

    keys = s.map(lambda v: None if pd.isna(v) else key(v))
    known = keys.isin(lookup)
    out = keys.map(lambda k: lookup.get(k)).astype(object).where(known, None)
    return out, keys.notna() & ~known
