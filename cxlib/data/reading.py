"""Reading user files: CSV (encoding and delimiter detected), Excel and Parquet.

What a file holds is sniffed from its bytes first (:mod:`cxlib.data.filetypes`): a zip
archive, a JSON file, a PDF or a Parquet file cut short is refused with a message
naming what it is; a workbook named ``.csv`` (or a CSV named ``.xlsx``) is read by
its content, and the load report says so.

CSV files are read as text (every cell a string) so that validation can tell a
missing answer from text in a numeric field and report the exact rows. The
encoding is found in this order: byte-order mark (UTF-8, UTF-16, UTF-32), UTF-16
without a mark (every other byte NUL), strict UTF-8, then the legacy encodings our
users' exports come in (cp1255 Hebrew, GBK/GB18030 Chinese, cp1252 Western
European, …) ranked by charset-normalizer. When the mapping file names the columns
to expect, the encoding whose decoded header contains most of those names wins: a
short header is too little text for a statistical guess, but a mapping file says
exactly what it must read. The delimiter is sniffed among ``, ; TAB |``.

The structure is checked row by row, so that nothing is lost silently: NUL bytes,
a quote that is never closed (it swallows the rows after it), rows written with
another delimiter (the whole line lands in the first column), rows with more values
than the header, and a last row cut short are refused with the rows named; a
trailing delimiter on every line and blank lines are harmless (blank lines are
counted as empty rows); rows with fewer values than the header are padded and the
report says which. Header names are stripped; a repeated name is kept apart as
``name (2)`` and validation refuses it when it matters.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxlib.data.filetypes import FileType, named_format, sniff, utf16_without_bom
from cxlib.errors import UserDataError, example_rows

SAMPLE_BYTES = 256 * 1024
DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
LEGACY_ENCODINGS = ("cp1255", "gb18030", "big5", "cp1252", "cp1251", "cp1253", "cp1254",
                    "shift_jis", "iso-8859-8", "latin-1")
_BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class RawTable:
    """A file as read, before mapping and validation.

    ``duplicates`` maps a header name that occurs more than once to its column
    numbers (1 = first); the repeats are renamed ``name (2)`` … in ``frame``.
    ``notes`` are harmless irregularities the load report should mention.
    """

    frame: pd.DataFrame
    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int = 1  # spreadsheet row number of the header
    duplicates: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def delimiter_name(self) -> str | None:
        return delimiter_name(self.delimiter) if self.delimiter else None


def delimiter_name(delimiter: str) -> str:
    """'comma', 'semicolon', 'tab', 'pipe' or the character quoted."""
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


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
    try:
        found = _check_file(path)
        if found.format == "xlsx":
            table = _read_excel(path, sheet)
        elif found.format == "parquet":
            table = _read_parquet(path)
        else:
            table = _read_csv(path, encoding, delimiter, tuple(expect))
    except OSError as err:
        raise UserDataError(f"{path} cannot be read ({err.strerror or err}). Check that the "
                            "file exists and that you may read it.") from None
    named = named_format(path)
    if named and named != found.format:
        table.notes.append(f"the file is named {path.suffix} but holds {found.description}; "
                           f"it was read as {found.format}")
    _name_columns(table)
    # Row numbers as the user sees them: the header is row 1 in a spreadsheet.
    table.frame.index = pd.RangeIndex(table.header_row + 1,
                                      table.header_row + 1 + len(table.frame))
    return table


def _check_file(path: Path) -> FileType:
    """The file's real type; a user error when it is missing, a folder, empty or unreadable."""
    if not path.exists():
        raise UserDataError(f"File not found: {path}. Check the path (it is relative to the "
                            "folder you run the command from).")
    if path.is_dir():
        raise UserDataError(f"{path} is a folder, not a file. Give the path of the CSV, Excel "
                            "or Parquet file inside it.")
    if path.stat().st_size == 0:
        raise UserDataError(f"{path} is empty (0 bytes). Export the table again.")
    found = sniff(path)
    if not found.readable:
        detail = f" ({found.detail})" if found.detail else ""
        raise UserDataError(f"{path} is {found.description}{detail}, not a table cxlib can "
                            f"read. {found.fix}")
    return found


def _name_columns(table: RawTable) -> None:
    """Strip header names, name empty ones, drop nameless empty columns (trailing
    delimiters), and keep repeated names apart as ``name (2)``."""
    frame = table.frame
    names = [_clean_name(c) for c in frame.columns]
    keep = []
    for i, name in enumerate(names):
        if not name:
            column = frame.iloc[:, i]
            if (column.isna() | (column.astype("string").str.strip() == "")).all():
                continue  # a trailing delimiter: no name, no values
            names[i] = f"column {i + 1} (no name)"
        keep.append(i)
    frame = frame.iloc[:, keep]
    names = [names[i] for i in keep]
    seen: Counter[str] = Counter()
    out = []
    for pos, name in zip(keep, names, strict=True):
        seen[name] += 1
        if seen[name] > 1:
            table.duplicates.setdefault(name, [keep[names.index(name)] + 1]).append(pos + 1)
            name = f"{name} ({seen[name]})"
        out.append(name)
    frame.columns = out
    table.frame = frame


def _clean_name(name) -> str:
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    if isinstance(name, float) and name.is_integer():
        name = int(name)
    return str(name).replace("\ufeff", "").replace("\u00a0", " ").strip()


def _read_excel(path: Path, sheet: str | int | None) -> RawTable:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as err:  # openpyxl raises many kinds for damaged or encrypted files
        raise UserDataError(f"{path}: the Excel workbook cannot be opened ({type(err).__name__}: "
                            f"{err}). It may be damaged or password-protected: open it in Excel "
                            "and save it again, or save it as CSV UTF-8.") from None
    chosen = _sheet(path, book.sheet_names, sheet)
    grid = book.parse(chosen, header=None, dtype=object)
    if grid.empty:
        raise UserDataError(f"{path}: sheet '{book.sheet_names[chosen]}' is empty. Set `sheet:` "
                            "in the mapping file to the sheet holding the table "
                            f"(sheets: {', '.join(book.sheet_names)}).")
    frame = grid.iloc[1:].reset_index(drop=True)
    frame.columns = list(grid.iloc[0])
    return RawTable(frame, path, "excel")


def _sheet(path: Path, names: list[str], sheet: str | int | None) -> int:
    """The position of the requested sheet; a clear error naming the sheets there are."""
    listed = ", ".join(f"'{n}'" for n in names)
    if sheet is None:
        return 0
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return sheet
        raise UserDataError(f"{path}: there is no sheet number {sheet} (0 = first); the "
                            f"workbook has {len(names)} sheet(s): {listed}. Set `sheet:` in "
                            "the mapping file.")
    folded = [n.strip().casefold() for n in names]
    if str(sheet).strip().casefold() in folded:
        return folded.index(str(sheet).strip().casefold())
    import difflib

    close = difflib.get_close_matches(str(sheet), names, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise UserDataError(f"{path}: there is no sheet '{sheet}'; the workbook's sheets are "
                        f"{listed}.{hint} Set `sheet:` in the mapping file to one of them "
                        "(a name, or a number: 0 = first).")


def parquet_frame(path: Path) -> pd.DataFrame:
    """A Parquet file as a frame whose text stays Arrow text (cxlib.data.parsing.TEXT)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_text = {pa.string(): pd.StringDtype("pyarrow"),
                  pa.large_string(): pd.StringDtype("pyarrow")}
    return pq.read_table(path).to_pandas(types_mapper=arrow_text.get)


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = parquet_frame(path)
    except Exception as err:  # pyarrow's ArrowInvalid, OSError, …
        raise UserDataError(f"{path}: the Parquet file cannot be read ({type(err).__name__}: "
                            f"{str(err)[:200]}). It may be damaged: export it again, or save "
                            "it as CSV.") from None
    return RawTable(frame, path, "parquet", header_row=0)


def detect_encoding(sample: bytes, expect: Iterable[str] = ()) -> str:
    """The encoding of a file from its first bytes (see module docstring)."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    utf16 = utf16_without_bom(sample)
    if utf16:
        return utf16
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
    data = _read_bytes(path)
    if not data.strip(b" \t\r\n\x00"):
        raise UserDataError(f"{path} is empty (it holds only blank space). Export the table "
                            "again.")
    encoding = encoding or detect_encoding(data[:SAMPLE_BYTES], expect)
    text = _decode(path, data, encoding).lstrip("\ufeff")
    _refuse_nul(path, text)
    delimiter = delimiter or detect_delimiter(text[:SAMPLE_BYTES])
    csv.field_size_limit(2**31 - 1)  # a never-closed quote makes one huge value: say so
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                               skipinitialspace=True))
    except csv.Error as err:
        raise UserDataError(f"{path} cannot be read as CSV with delimiter "
                            f"{delimiter_name(delimiter)} ({err}). Save it as CSV UTF-8.") from None
    while rows and not rows[-1]:
        rows.pop()  # blank lines at the very end are not rows
    header, body = rows[0], rows[1:]
    notes = _check_rows(path, header, body, delimiter, ends_cleanly=text.endswith(("\n", "\r")))
    width = len(header)
    frame = pd.DataFrame([(row + [""] * width)[:width] for row in body], columns=range(width),
                         dtype=object)
    if not body:
        frame = pd.DataFrame(columns=range(width), dtype=object)
    frame.columns = header
    return RawTable(frame, path, "csv", encoding=encoding, delimiter=delimiter, notes=notes)


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise UserDataError(f"{path}: the gzip archive is damaged ({err}). Compress or "
                                "download it again.") from None
    return data


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise UserDataError(f"{path}: unknown encoding '{encoding}' in the mapping file. Use a "
                            "name such as utf-8, cp1252, cp1255 or gbk.") from None
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise UserDataError(
            f"{path}: the file is not valid {encoding}: line {line} has a byte that cannot be "
            f"read ({data[err.start:err.start + 1]!r}). Save it as 'CSV UTF-8' or set "
            "`encoding:` in the mapping file (e.g. cp1252, cp1255, gbk)."
        ) from None


def _refuse_nul(path: Path, text: str) -> None:
    """NUL characters cut values short in most programs: name the lines that hold them."""
    if "\x00" not in text:
        return
    lines = [i + 1 for i, line in enumerate(text.split("\n")) if "\x00" in line]
    raise UserDataError(f"{path}: {len(lines):,} line(s) contain NUL bytes (binary zeros), "
                        f"which cut values short: {example_rows(lines).replace('row', 'line')}. "
                        "The file is damaged or was written by a program that pads fields: "
                        "export it again, or remove the NUL bytes.")


def _check_rows(path: Path, header: list[str], body: list[list[str]], delimiter: str, *,
                ends_cleanly: bool) -> list[str]:
    """Refuse rows whose structure would lose or shift values; return notes on harmless ones.

    Row numbers are spreadsheet rows: the header is row 1.
    """
    width = len(header)
    sep = delimiter_name(delimiter)
    swallowed = [r for r, row in enumerate(body, 2)
                 if any(_swallows_rows(cell, delimiter, width) for cell in row)]
    if swallowed:
        raise UserDataError(
            f"{path}: {example_rows(swallowed)} {_verb(swallowed, 'opens', 'open')} a quote "
            "(\") that is never closed, so the lines after it were read as part of one value. "
            "Remove the stray quote, or "
            "write a quote inside a quoted value as two quotes (\"\").")
    other = [d for d in DELIMITERS if d != delimiter]
    mixed = {r: next(d for d in other if row[0].count(d) >= max(1, width - 1))
             for r, row in enumerate(body, 2)
             if width > 1 and len(row) == 1 and any(row[0].count(d) >= max(1, width - 1)
                                                    for d in other)}
    if mixed:
        used = Counter(mixed.values()).most_common(1)[0][0]
        raise UserDataError(
            f"{path}: the header is separated by {sep} but {example_rows(list(mixed))} use "
            f"{delimiter_name(used)}, so each of those rows would be read as one value in the "
            f"first column. Export the file again with one delimiter throughout.")
    long = [r for r, row in enumerate(body, 2)
            if len(row) > width and any(c.strip() for c in row[width:])]
    if long:
        first = body[long[0] - 2]
        raise UserDataError(
            f"{path}: {example_rows(long)} {_verb(long, 'has', 'have')} more values than the "
            f"header ({len(first)} instead of {width}, e.g. row {long[0]}: "
            f"{delimiter.join(first)[:80]!r}). A value probably contains an unquoted {sep} "
            f"(a decimal comma, or a {sep} in a text): put such values in quotes, or set "
            "`delimiter:` in the mapping file.")
    notes = []
    short = [r for r, row in enumerate(body, 2) if 0 < len(row) < width]
    if short and body[-1] and len(body[-1]) < width and not ends_cleanly:
        raise UserDataError(
            f"{path}: the last row (row {len(body) + 1}) has {len(body[-1])} of {width} values "
            "and the file does not end with a line break: the file seems to have been cut off. "
            "Export it again.")
    if short:
        notes.append(f"{example_rows(short)} {_verb(short, 'has', 'have')} fewer values than "
                     "the header; the missing values at the end were read as empty")
    return notes


def _verb(rows: list, one: str, many: str) -> str:
    return one if len(rows) == 1 else many


def _swallows_rows(cell: str, delimiter: str, width: int) -> bool:
    """A value spanning lines that look like whole rows: a quote that was never closed."""
    if "\n" not in cell and "\r" not in cell:
        return False
    lines = cell.splitlines()[1:]
    return width > 1 and any(line.count(delimiter) >= width - 1 for line in lines)
