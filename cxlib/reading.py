"""Reading user files: CSV (encoding and delimiter detected), Excel and Parquet.

CSV files are read as text (every cell a string) so that validation can tell a
missing answer from text in a numeric field and report the exact rows. The
encoding is found in this order: byte-order mark (UTF-8, UTF-16), strict UTF-8,
then the legacy encodings our users' exports come in (cp1255 Hebrew, GBK/GB18030
Chinese, cp1252 Western European, …) ranked by charset-normalizer. When the
mapping file names the columns to expect, the encoding whose decoded header
contains most of those names wins: a short header is too little text for a
statistical guess, but a mapping file says exactly what it must read. The
delimiter is sniffed among ``, ; TAB |``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import UserDataError

SAMPLE_BYTES = 256 * 1024
DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
LEGACY_ENCODINGS = ("cp1255", "gb18030", "big5", "cp1252", "cp1251", "cp1253", "cp1254",
                    "shift_jis", "iso-8859-8", "latin-1")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class RawTable:
    """A file as read, before mapping and validation."""

    frame: pd.DataFrame
    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int = 1  # spreadsheet row number of the header

    @property
    def delimiter_name(self) -> str | None:
        return _DELIMITER_NAMES.get(self.delimiter, self.delimiter) if self.delimiter else None


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    expect: Iterable[str] = (),
) -> RawTable:
    """Read a CSV/TSV, Excel or Parquet file; the index is the file's row number.

    *expect* lists column names the header should contain (from the mapping file);
    it guides the encoding of a CSV file that is not UTF-8.
    """
    path = Path(path)
    if not path.exists():
        raise UserDataError(f"File not found: {path}. Check the path (it is relative to the "
                            "folder you run the command from).")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        table = _read_excel(path, sheet)
    elif suffix in (".parquet", ".pq"):
        table = RawTable(pd.read_parquet(path), path, "parquet", header_row=0)
    else:
        table = _read_csv(path, encoding, delimiter, tuple(expect))
    table.frame.columns = [str(c).strip() for c in table.frame.columns]
    # Row numbers as the user sees them: the header is row 1 in a spreadsheet.
    table.frame.index = pd.RangeIndex(table.header_row + 1,
                                      table.header_row + 1 + len(table.frame))
    return table


def _read_excel(path: Path, sheet: str | int | None) -> RawTable:
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
    except ValueError as err:  # unknown sheet
        raise UserDataError(f"{path}: {err}. Set `sheet:` in the mapping file to the sheet's "
                            "name or number (0 = first).") from None
    return RawTable(frame, path, "excel")


def detect_encoding(sample: bytes, expect: Iterable[str] = ()) -> str:
    """The encoding of a file from its first bytes (see module docstring)."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as err:
        if err.start > len(sample) - 4:  # a character cut at the end of the sample
            return "utf-8"
    from charset_normalizer import from_bytes

    guesses = [m.encoding for m in from_bytes(sample)]
    candidates = list(dict.fromkeys([*guesses, *LEGACY_ENCODINGS]))
    expect = [e for e in expect if e]
    if expect:
        header = sample.split(b"\n", 1)[0]

        def hits(enc: str) -> int:
            try:
                text = header.decode(enc)
            except (UnicodeDecodeError, LookupError):
                return -1
            return sum(name in text for name in expect)

        best = max(candidates, key=hits)  # max keeps the first of equals: the ranked guess
        if hits(best) > 0:
            return best
    if not guesses:
        raise UserDataError("Could not recognise the text encoding; the file may not be a text "
                            "file. Save it as CSV UTF-8 or set `encoding:` in the mapping file.")
    return guesses[0]


def detect_delimiter(text: str) -> str:
    """The delimiter of CSV text, sniffed among comma, semicolon, tab and pipe."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_csv(path: Path, encoding: str | None, delimiter: str | None,
              expect: tuple[str, ...]) -> RawTable:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip():
        raise UserDataError(f"{path} is empty.")
    encoding = encoding or detect_encoding(sample, expect)
    try:
        text = sample.decode(encoding, errors="ignore")
    except LookupError:
        raise UserDataError(f"{path}: unknown encoding '{encoding}' in the mapping file. Use a "
                            "name such as utf-8, cp1252, cp1255 or gbk.") from None
    delimiter = delimiter or detect_delimiter(text)
    try:
        frame = pd.read_csv(path, sep=delimiter, encoding=encoding, dtype=str,
                            keep_default_na=False, na_filter=False, skipinitialspace=True)
    except UnicodeDecodeError as err:
        raise UserDataError(
            f"{path}: the file is not valid {encoding} (byte {err.start} cannot be read). "
            "Save it as 'CSV UTF-8' or set `encoding:` in the mapping file."
        ) from None
    except pd.errors.ParserError as err:
        raise UserDataError(
            f"{path}: rows have different numbers of fields when read with delimiter "
            f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))} ({err}). Check for unquoted "
            "delimiters inside values or set `delimiter:` in the mapping file."
        ) from None
    return RawTable(frame, path, "csv", encoding=encoding, delimiter=delimiter)
