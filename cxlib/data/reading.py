"""Reading user files: CSV (encoding and delimiter detected), Excel and Parquet.

What a file holds is sniffed from its bytes first (:mod:`cxlib.data.filetypes`): a zip
archive, a JSON file, a PDF, a password-protected workbook or a Parquet file cut short is
refused with a message naming what it is; a workbook named ``.csv`` (or a CSV named
``.xlsx``) is read by its content, and the load report says so.

CSV files are read as text (every cell a string) so that validation can tell a
missing answer from text in a numeric field and report the exact rows. The
encoding is found in this order: byte-order mark (UTF-8, UTF-16, UTF-32), UTF-16
without a mark (every other byte NUL), strict UTF-8, then the legacy encodings our
users' exports come in (cp1255 Hebrew, GBK/GB18030 Chinese, cp1252 Western
European, …) ranked by charset-normalizer. When the mapping file names the columns
to expect, the encoding whose decoded header contains most of those names wins: a
short header is too little text for a statistical guess, but a mapping file says
exactly what it must read. The delimiter is sniffed among ``, ; TAB |``. The header is
the first row that is not blank, or the row ``header_row:`` names (title rows above it are
skipped; row numbers stay the file's).

A CSV file is streamed, never held whole as text or as Python strings: Arrow's CSV
reader turns the rows into Arrow text (a little more memory than the file itself), in
linear time. Anything irregular sends the file to Python's csv module instead, row by
row, which checks the structure so that nothing is lost silently: NUL bytes, a quote that
is never closed (it swallows the rows after it), rows written with another delimiter (the
whole line lands in the first column), rows with more values than the header (or a file
where nearly every row has: not a table), and a last row cut short are refused with the
rows named; a trailing delimiter on every line and blank lines are harmless (blank lines
are counted as empty rows); rows with fewer values than the header are padded and the
report says which; a Ctrl-Z end-of-file mark (old Windows and DOS programs) is dropped
with a note. Both readers give the same table for a regular file.

Limits, each refused with a message naming the row or line: a value longer than
:data:`CELL_LIMIT` characters (Excel's own limit: usually a quote never closed), a line
longer than :data:`LINE_LIMIT` characters, more than :data:`MAX_COLUMNS` columns.

Header names are stripped; a repeated name is kept apart as ``name (2)`` and validation
refuses it when it matters. A Parquet file's records (structs) are read as one column per
field; its lists and maps are set aside (``RawTable.nested``) and refused where used.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.data.filetypes import FileType, named_format, sniff, utf16_without_bom
from cxlib.data.progress import status
from cxlib.errors import Rows, UserDataError, example_rows, shorten

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
    sheet: str | None = None  # the sheet read, for a workbook
    other_sheets: dict[str, list[list[str]]] = field(default_factory=dict)  # their first rows
    nested: dict[str, str] = field(default_factory=dict)  # Parquet columns of lists, structs

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
    header_row: int | None = None,
) -> RawTable:
    """Read a CSV/TSV, Excel or Parquet file; the index is the file's row number.

    *expect* lists column names the header should contain (from the mapping file);
    it guides the encoding of a CSV file that is not UTF-8. *header_row* is the row holding
    the column names (1 = the first; the rows above it, titles, are skipped).
    """
    path = Path(path)
    try:
        found = _check_file(path)
        status("reading")
        if found.format == "xlsx":
            table = _read_excel(path, sheet, header_row or 1)
        elif found.format == "parquet":
            table = _read_parquet(path)
            if header_row and header_row > 1:
                table.notes.append("`header_row:` applies to CSV and Excel files; a Parquet "
                                   "file's column names are in its schema, so it was ignored")
        else:
            table = _read_csv(path, encoding, delimiter, tuple(expect), header_row or 1)
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
    names = [clean_name(c) for c in frame.columns]
    keep = []
    for i, name in enumerate(names):
        if not name:
            column = frame.iloc[:, i]
            if (column.isna() | (column.astype("string").str.strip() == "")).all():
                continue  # a trailing delimiter: no name, no values
            names[i] = f"column {i + 1} (no name)"
        keep.append(i)
    if len(keep) < len(names):
        frame = frame.iloc[:, keep]
        names = [names[i] for i in keep]
    seen: Counter[str] = Counter()
    first: dict[str, int] = {}
    out = []
    for pos, name in zip(keep, names, strict=True):
        seen[name] += 1
        first.setdefault(name, pos)
        if seen[name] > 1:
            table.duplicates.setdefault(name, [first[name] + 1]).append(pos + 1)
            name = f"{name} ({seen[name]})"
        out.append(name)
    frame.columns = out
    table.frame = frame


def clean_name(name) -> str:
    """A header name as cxlib uses it: text, without a byte-order mark, no-break spaces or
    surrounding spaces ('' for an empty cell; 3.0 read from a workbook is '3')."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    if isinstance(name, float) and name.is_integer():
        name = int(name)
    return str(name).replace("\ufeff", "").replace("\u00a0", " ").strip()


def _read_excel(path: Path, sheet: str | int | None, header_row: int = 1) -> RawTable:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as err:  # openpyxl raises many kinds for damaged or encrypted files
        raise UserDataError(f"{path}: the Excel workbook cannot be opened ({type(err).__name__}: "
                            f"{shorten(err, 200)}). It may be damaged or password-protected: "
                            "open it in Excel and save it again, or save it as CSV "
                            "UTF-8.") from None
    chosen = _sheet(path, book.sheet_names, sheet)
    grid = book.parse(chosen, header=None, dtype=object)
    name = book.sheet_names[chosen]
    if grid.empty:
        raise UserDataError(f"{path}: sheet '{name}' is empty. Set `sheet:` "
                            "in the mapping file to the sheet holding the table "
                            f"(sheets: {', '.join(book.sheet_names)}).")
    if header_row > len(grid):
        raise UserDataError(f"{path}: `header_row: {header_row}` but sheet '{name}' has only "
                            f"{len(grid)} row(s). Set `header_row:` to the row holding the "
                            "column names (1 = the first).")
    frame = grid.iloc[header_row:].reset_index(drop=True)
    frame.columns = list(grid.iloc[header_row - 1])
    others = {}
    if sheet is None:  # the first sheet by default: what the others hold, for the messages
        for other in book.sheet_names[1:11]:
            with contextlib.suppress(Exception):
                top = book.parse(other, header=None, dtype=object, nrows=10)
                others[other] = [[clean_name(v) for v in row] for row in top.itertuples(
                    index=False)]
    table = RawTable(frame, path, "excel", header_row=header_row, sheet=name,
                     other_sheets=others)
    if header_row > 1:
        table.notes.append(f"the header is row {header_row} (`header_row: {header_row}`); the "
                           f"{header_row - 1} row(s) above it were skipped")
    return table


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
    """A Parquet file. Nested columns: a record (struct) becomes one column per field,
    named ``record.field`` (with a note); lists and maps are kept aside in ``nested``, and
    validation refuses them where they are used (a cell must hold one value)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow's ArrowInvalid, OSError, …
        raise UserDataError(f"{path}: the Parquet file cannot be read ({type(err).__name__}: "
                            f"{shorten(err, 200)}). It may be damaged: export it again, or save "
                            "it as CSV.") from None
    notes = []
    records = [f.name for f in table.schema if pa.types.is_struct(f.type)]
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    if records:
        notes.append(f"column(s) {', '.join(records[:5])} hold records (nested Parquet); each "
                     "field was read as a column of its own, named record.field")
    nested = {f.name: "lists" if pa.types.is_list(f.type) or pa.types.is_large_list(f.type)
              or pa.types.is_fixed_size_list(f.type) else "key-value maps"
              if pa.types.is_map(f.type) else f"values of type {f.type}"
              for f in table.schema if pa.types.is_nested(f.type)}
    arrow_text = {pa.string(): pd.StringDtype("pyarrow"),
                  pa.large_string(): pd.StringDtype("pyarrow")}
    frame = table.to_pandas(types_mapper=arrow_text.get)
    return RawTable(frame, path, "parquet", header_row=0, notes=notes, nested=nested)


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


CELL_LIMIT = 32_767
"""Characters in one CSV value at most: Excel's own limit for a cell. A longer value is
almost always a quote that was never closed, or a file that is not a table."""
LINE_LIMIT = 10_000_000
"""Characters in one line of a CSV file at most (a survey of 100,000 questions has lines of
a few hundred thousand)."""
MAX_COLUMNS = 200_000
"""Columns in a table at most."""
STOP_AFTER = 1_000
"""Rows with a structural problem after which reading stops (the message says 'at least')."""
_CHUNK_ROWS = 65_536
_BLOCK_BYTES = 16 * 2**20  # Arrow's block: longer than any line within LINE_LIMIT's bytes
_ODD_CELL = r'[\x00-\x08\x0a-\x1f]|^[ \t]+"'
"""Cells the fast reader leaves to the careful one: a control character (a line break inside
a value, a NUL, Ctrl-Z) or a quote after leading spaces (which Python's reader skips)."""


def _read_csv(path: Path, encoding: str | None, delimiter: str | None,
              expect: tuple[str, ...], header_row: int = 1) -> RawTable:
    """Read a CSV file as text, streaming it: memory grows with the file, not with the
    number of Python strings in it.

    The header is read by Python's csv module; the rows by Arrow's CSV reader, every value
    as text. When Arrow meets anything irregular (a row of another width, a control
    character or a line break inside a value, a quote after a space, invalid bytes), the
    file is read again row by row by :func:`_read_csv_rows`, which names the problem and
    its rows (module docstring). Both give the same table for a regular file.
    """
    size = _data_size(path)
    sample = _head(path)
    if not sample.strip(b" \t\r\n\x00") and size <= len(sample):
        raise UserDataError(f"{path} is empty (it holds only blank space). Export the table "
                            "again.")
    encoding = encoding or detect_encoding(sample, expect)
    _check_encoding(path, encoding)
    head_text = sample.decode(encoding, errors="ignore").lstrip("\ufeff")
    if not delimiter:
        after_titles = "\n".join(head_text.splitlines()[header_row - 1:header_row + 49])
        delimiter = detect_delimiter(after_titles[:SAMPLE_BYTES])
    header, lines_used, titles = _header(path, encoding, delimiter, header_row)
    declared, header_row = header_row, len(titles) + 1
    if len(header) > MAX_COLUMNS:
        raise UserDataError(f"{path}: the header has {len(header):,} columns; cxlib reads at "
                            f"most {MAX_COLUMNS:,}. A table this wide is probably not one row "
                            "per respondent or purchase: check the delimiter (set `delimiter:` "
                            "in the mapping file) or transpose the table.")
    table = None
    if len(header) <= WIDE:  # a wide table has few rows: Python's reader is quicker there
        table = _read_csv_arrow(path, encoding, delimiter, header, lines_used, header_row, size)
    if table is not None:
        frame, notes = table, []
    else:
        frame, notes = _read_csv_rows(path, encoding, delimiter, header, header_row, size)
    if declared > 1:
        notes.append(f"the header is row {header_row} (`header_row: {declared}`); the "
                     f"{len(titles)} row(s) above it were skipped")
    elif titles:
        notes.append(f"the file starts with {len(titles)} blank line(s); the header is row "
                     f"{header_row}")
    return RawTable(frame, path, "csv", encoding=encoding, delimiter=delimiter,
                    header_row=header_row, notes=notes)


def _data_size(path: Path) -> int:
    return path.stat().st_size


class _Source(io.RawIOBase):
    """The bytes of a (possibly gzip-compressed) file as UTF-8, counting progress.

    ``tail`` keeps the last bytes read, ``read`` how many of the file's own bytes have been
    read so far (compressed bytes for a gzip file) for the progress line."""

    def __init__(self, path: Path, encoding: str | None = None) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        first = self._file.read(2)
        self._file.seek(0)
        self._inner = gzip.GzipFile(fileobj=self._file) if first == b"\x1f\x8b" else self._file
        utf8 = encoding is None or codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
        self._decoder = None if utf8 else codecs.getincrementaldecoder(encoding)()
        self._pending = b""
        self.tail = b""
        self.size = path.stat().st_size

    def readable(self) -> bool:
        return True

    @property
    def done(self) -> int:
        return self._file.tell()

    def readinto(self, buffer) -> int:
        want = len(buffer)
        if self._decoder is None:
            n = self._inner.readinto(buffer)
            chunk = bytes(buffer[max(0, n - 64):n])
        else:
            while len(self._pending) < want:
                raw = self._inner.read(max(want, 1 << 16))
                self._pending += self._decoder.decode(raw, final=not raw).encode("utf-8")
                if not raw:
                    break
            chunk, self._pending = self._pending[:want], self._pending[want:]
            n = len(chunk)
            buffer[:n] = chunk
        self.tail = (self.tail + chunk[-64:])[-64:]
        status("reading", self.done, self.size, "MB")
        return n

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
            self._file.close()
        super().close()


def _head(path: Path) -> bytes:
    """The first :data:`SAMPLE_BYTES` of the file's text (decompressed)."""
    with _Source(path) as src:
        return src.read(SAMPLE_BYTES)


def _check_encoding(path: Path, encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UserDataError(f"{path}: unknown encoding '{encoding}' in the mapping file. Use a "
                            "name such as utf-8, cp1252, cp1255 or gbk.") from None


def _text(path: Path, encoding: str) -> io.TextIOWrapper:
    """The file as text, line endings kept (for Python's csv module)."""
    return io.TextIOWrapper(io.BufferedReader(_Source(path), 1 << 20), encoding=encoding,
                            newline="")


class _Lines:
    """The physical lines of a text stream for Python's csv reader, each checked: no longer
    than :data:`LINE_LIMIT` (refused at once), NUL characters (their lines collected), and the
    end of the file (whether it ends with a line break; a Ctrl-Z end-of-file mark, written
    by old Windows and DOS programs, is dropped with a note)."""

    def __init__(self, path: Path, stream: io.TextIOWrapper) -> None:
        self.path, self.stream = path, stream
        self.number = 0
        self.nul = Rows(limit=None)
        self.ends_cleanly = True
        self.ctrl_z = False

    def _read(self) -> str:
        line = self.stream.readline(LINE_LIMIT + 1)
        if len(line) > LINE_LIMIT:
            raise UserDataError(
                f"{self.path}: line {self.number + 1:,} is longer than {LINE_LIMIT:,} "
                "characters, more than any table row should be. The file is probably not a "
                "table (or not text): export the table again as CSV UTF-8.")
        if line:
            self.number += 1
            if "\x00" in line:
                self.nul.add(self.number)
        return line

    def __iter__(self):
        line = self._read()
        while line:
            following = self._read()
            if not following:
                line = self._last(line)
                if line:
                    yield line
                return
            yield line
            line = following

    def _last(self, line: str) -> str:
        body = line.rstrip(" \t\r\n")
        if body.endswith("\x1a"):
            self.ctrl_z = True
            body = body.rstrip("\x1a")
            return body + "\n" if body.strip() else ""
        self.ends_cleanly = line.endswith(("\n", "\r"))
        return line


def _header(path: Path, encoding: str, delimiter: str, header_row: int
            ) -> tuple[list[str], int, list[list[str]]]:
    """The header (the record *header_row*, 1 = first, or the first record after it that is
    not a blank line), the physical lines it and the rows above it take, and those rows."""
    with _text(path, encoding) as fh:
        lines = _Lines(path, fh)
        reader = csv.reader(iter(lines), delimiter=delimiter, skipinitialspace=True)
        records = []
        try:
            with _cell_limit():
                for record in reader:
                    records.append(record)
                    if len(records) >= header_row and record:  # blank lines before it skipped
                        break
        except csv.Error as err:
            raise _csv_error(path, err, delimiter, len(records) + 1, reader.line_num) from None
        except UnicodeDecodeError:
            raise _decode_error(path, encoding) from None
        if len(records) < header_row or not records[-1]:
            raise UserDataError(f"{path}: `header_row: {header_row}` but the file has only "
                                f"{len(records)} row(s). Set `header_row:` to the row holding "
                                "the column names (1 = the first).")
        if lines.nul:
            raise _nul_error(path, lines.nul)
        header = records[-1]
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0].lstrip("\ufeff")
        return header, reader.line_num, records[:-1]


def _nul_error(path: Path, lines: Rows) -> UserDataError:
    """NUL characters cut values short in most programs: name the lines that hold them."""
    where = example_rows(lines).replace("row", "line")
    return UserDataError(f"{path}: {len(lines):,} line(s) contain NUL bytes (binary zeros), "
                         f"which cut values short: {where}. The file is damaged or was written "
                         "by a program that pads fields: export it again, or remove the NUL "
                         "bytes.")


@contextlib.contextmanager
def _cell_limit():
    """Python's csv module refuses values longer than :data:`CELL_LIMIT` while it runs."""
    before = csv.field_size_limit()
    csv.field_size_limit(CELL_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _csv_error(path: Path, err: csv.Error, delimiter: str, row: int, line: int
               ) -> UserDataError:
    if "field larger than field limit" in str(err):
        return _too_long(path, [row], line)
    return UserDataError(f"{path} cannot be read as CSV with delimiter "
                         f"{delimiter_name(delimiter)} (line {line:,}: {err}). Save it as CSV "
                         "UTF-8.")


def _too_long(path: Path, rows, line: int | None = None) -> UserDataError:
    where = f" (line {line:,})" if line else ""
    return UserDataError(
        f"{path}: {example_rows(rows)}{where} {_verb(list(rows), 'has', 'have')} a value longer "
        f"than {CELL_LIMIT:,} characters (the most a spreadsheet cell holds). Usually a quote "
        "(\") opens a value and is never closed, so the lines after it became one value: "
        "remove the stray quote, or write a quote inside a quoted value as two quotes (\"\"). "
        "If the file is not a table, export the table again as CSV UTF-8.")


def _decode_error(path: Path, encoding: str) -> UserDataError:
    """The line of the first byte that *encoding* cannot decode (read again, streaming)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, at = 1, b""
    with _Source(path) as src:
        while chunk := src.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                line += chunk.count(b"\n", 0, max(err.start, 0))
                at = chunk[err.start:err.start + 1]
                break
            line += chunk.count(b"\n")
    return UserDataError(
        f"{path}: the file is not valid {encoding}: line {line:,} has a byte that cannot be "
        f"read ({at!r}). Save it as 'CSV UTF-8' or set `encoding:` in the mapping file (e.g. "
        "cp1252, cp1255, gbk).")


def _read_csv_arrow(path: Path, encoding: str, delimiter: str, header: list[str],
                    lines_used: int, header_row: int, size: int) -> pd.DataFrame | None:
    """The rows below the header read by Arrow, every value as text; ``None`` when the file
    has anything irregular (see :func:`_read_csv`)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    width = len(header)
    if width == 0:
        return None
    names = [f"c{i}" for i in range(width)]
    options = dict(
        read_options=pcsv.ReadOptions(skip_rows=lines_used, column_names=names,
                                      block_size=_BLOCK_BYTES),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                        escape_char=False, newlines_in_values=True,
                                        ignore_empty_lines=False),
        convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                            strings_can_be_null=False,
                                            quoted_strings_can_be_null=False, null_values=[]))
    batches = []
    rows = 0
    with _Source(path, encoding) as src:
        try:
            reader = pcsv.open_csv(src, **options)
            for batch in reader:
                cells = pa.chunked_array(batch.columns, pa.string())  # every cell at once
                if pc.any(pc.match_substring_regex(cells, _ODD_CELL)).as_py():
                    return None
                lengths = pc.utf8_length(cells)
                if (pc.max(lengths).as_py() or 0) > CELL_LIMIT:
                    at = pc.indices_nonzero(pc.greater(lengths, CELL_LIMIT)).to_numpy()
                    raise _too_long(path, sorted({header_row + 1 + rows + int(i) % batch.num_rows
                                                  for i in at[:5]}))
                batches.append(batch)
                rows += batch.num_rows
                status("reading", src.done, size, "MB")
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return None
        blank_at_end = _blank_lines_at_end(src.tail)
    table = pa.Table.from_batches(batches, schema=reader.schema)
    del batches
    release_memory()
    if blank_at_end:
        table = table.slice(0, max(0, table.num_rows - blank_at_end))
    return _frame([table.column(i) for i in range(width)], header, table.num_rows)


WIDE = 1_000
"""Columns above which a table with few cells is kept as one block of Python strings:
pandas pays a fixed cost per column of Arrow text, which a table of 100,000 questions
would pay 100,000 times. Such a table is read by Python's csv module."""
_GRID_CELLS = 5_000_000
"""Cells of a wide table up to which it is kept as one block of Python strings."""


def _frame(columns: list, header: list[str], rows: int) -> pd.DataFrame:
    """A frame of text columns (Arrow arrays) named by *header*: Arrow text per column
    (:data:`RAW_TEXT`), or, for a wide table of at most a few million cells, one block of
    Python strings."""
    import pyarrow as pa

    width = len(columns)
    if width > WIDE and width * rows <= _GRID_CELLS:
        cells = pa.chunked_array([c for col in columns for c in col.chunks], pa.string())
        grid = np.asarray(cells.to_numpy(zero_copy_only=False), dtype=object)
        frame = pd.DataFrame(grid.reshape(width, rows).T if rows else
                             np.empty((0, width), object), columns=range(width), dtype=object)
    else:
        frame = pd.DataFrame({i: pd.arrays.ArrowExtensionArray(col)
                              for i, col in enumerate(columns)}, index=range(rows))
    frame.columns = header
    return frame


def _blank_lines_at_end(tail: bytes) -> int:
    """Blank lines at the very end of a text (not rows, as in the row-by-row reader)."""
    text = tail.decode("utf-8", errors="ignore")
    for ending in ("\r\n", "\n", "\r"):
        if text.endswith(ending):
            text = text[: -len(ending)]
            break
    else:
        return 0
    count = 0
    while text:
        for ending in ("\r\n", "\n", "\r"):
            if text.endswith(ending):
                text = text[: -len(ending)]
                count += 1
                break
        else:
            break
    return count


class _RowChecks:
    """The structure of a CSV file, row by row (module docstring); row numbers are
    spreadsheet rows."""

    def __init__(self, path: Path, header: list[str], delimiter: str) -> None:
        self.path, self.width, self.delimiter = path, len(header), delimiter
        self.swallowed = Rows(limit=STOP_AFTER)
        self.mixed = Rows(limit=STOP_AFTER)
        self.mixed_with: Counter[str] = Counter()
        self.long = Rows(limit=STOP_AFTER)
        self.long_example: list[str] = []
        self.short = Rows()
        self.other = [d for d in DELIMITERS if d != delimiter]
        self.rows = 0

    @property
    def stop(self) -> bool:
        return self.swallowed.capped or self.mixed.capped or self.long.capped

    def check(self, r: int, row: list[str], lines: int) -> list[str]:
        """Check row *r* (taking *lines* physical lines); return it padded or cut to the
        header's width."""
        width, n = self.width, len(row)
        self.rows += 1
        if lines > 1 and width > 1 and any(_swallows_rows(c, self.delimiter, width)
                                           for c in row):
            self.swallowed.add(r)
        if n == width:
            return row
        if n == 1 and width > 1:
            used = next((d for d in self.other if row[0].count(d) >= max(1, width - 1)), None)
            if used:
                self.mixed.add(r)
                self.mixed_with[used] += 1
        if n > width and any(c.strip() for c in row[width:]):
            self.long.add(r)
            if not self.long_example:
                self.long_example = row
        elif 0 < n < width:
            self.short.add(r)
        return (row + [""] * (width - n))[:width] if n else [""] * width

    def problems(self, last: list[str] | None, last_row: int, ends_cleanly: bool
                 ) -> list[str]:
        """Raise for rows that lose or shift values; return notes on harmless ones."""
        path, width, sep = self.path, self.width, delimiter_name(self.delimiter)
        if self.swallowed:
            raise UserDataError(
                f"{path}: {example_rows(self.swallowed)} "
                f"{_verb(self.swallowed, 'opens', 'open')} a quote (\") that is never closed, "
                "so the lines after it were read as part of one value. Remove the stray quote, "
                "or write a quote inside a quoted value as two quotes (\"\").")
        if self.mixed:
            used = self.mixed_with.most_common(1)[0][0]
            raise UserDataError(
                f"{path}: the header is separated by {sep} but {example_rows(self.mixed)} use "
                f"{delimiter_name(used)}, so each of those rows would be read as one value in "
                "the first column. Export the file again with one delimiter throughout.")
        if self.long and self.long.capped and self.long.count >= 0.9 * self.rows:
            raise UserDataError(
                f"{path}: nearly every row has more values than the header ({self.long.count:,} "
                f"of the first {self.rows:,} rows, e.g. row {next(iter(self.long))}: "
                f"{self.delimiter.join(self.long_example)[:60]!r}): the file does not look like "
                f"a table separated by {sep}. Check that it is the file you meant; if it is, "
                "export the table again as CSV UTF-8, or set `delimiter:` in the mapping file.")
        if self.long:
            first = self.long_example
            raise UserDataError(
                f"{path}: {example_rows(self.long)} {_verb(self.long, 'has', 'have')} more "
                f"values than the header ({len(first)} instead of {width}, e.g. row "
                f"{next(iter(self.long))}: {self.delimiter.join(first)[:80]!r}). A value "
                f"probably contains an unquoted {sep} (a decimal comma, or a {sep} in a text): "
                "put such values in quotes, or set `delimiter:` in the mapping file."
                + _title_hint(width, len(first), next(iter(self.long))))
        notes = []
        if self.short and last and len(last) < width and not ends_cleanly:
            raise UserDataError(
                f"{path}: the last row (row {last_row}) has {len(last)} of {width} values and "
                "the file does not end with a line break: the file seems to have been cut off. "
                "Export it again.")
        if self.short:
            notes.append(f"{example_rows(self.short)} {_verb(self.short, 'has', 'have')} fewer "
                         "values than the header; the missing values at the end were read as "
                         "empty")
        return notes


def _title_hint(width: int, wider: int, row: int) -> str:
    """When the 'header' is much narrower than the rows, it is probably a title above it."""
    if width > 2 or wider < 3:
        return ""
    return (f" The first row has only {width} value(s): if it is a title and the column "
            f"names are further down (e.g. on row {row}), set `header_row: {row}` in the "
            "mapping file.")


def _ctrl_z_note(lines: _Lines) -> list[str]:
    """A note when the file ends with Ctrl-Z (ignored)."""
    return (["the file ends with a Ctrl-Z character (the end-of-file mark of old Windows and "
             "DOS programs); it was ignored"] if lines.ctrl_z else [])


def _read_csv_rows(path: Path, encoding: str, delimiter: str, header: list[str],
                   header_row: int, size: int) -> tuple[pd.DataFrame, list[str]]:
    """The rows below the header read by Python's csv module, checked one by one
    (:class:`_RowChecks`), kept as Arrow text in chunks of rows."""
    import pyarrow as pa

    checks = _RowChecks(path, header, delimiter)
    width = len(header)
    chunks: list[list] = [[] for _ in range(width)]
    buffer: list[list[str]] = []
    blank_run = 0
    r = header_row
    last: list[str] | None = None

    flush_at = _CHUNK_ROWS if width <= WIDE else max(1, _GRID_CELLS // max(width, 1))

    def flush() -> None:
        for i, values in enumerate(zip(*buffer, strict=True) if width else []):
            chunks[i].append(pa.array(values, type=pa.string()))
        buffer.clear()

    with _text(path, encoding) as fh:
        lines = _Lines(path, fh)
        reader = csv.reader(iter(lines), delimiter=delimiter, skipinitialspace=True)
        try:
            with _cell_limit():
                for _ in range(header_row):
                    next(reader)
                seen = reader.line_num
                for row in reader:
                    r += 1
                    used, seen = reader.line_num - seen, reader.line_num
                    blank_run = blank_run + 1 if not row else 0
                    last = row or last
                    buffer.append(checks.check(r, row, used))
                    if len(buffer) >= flush_at and (width <= WIDE or chunks[0] or
                                                    len(buffer) * width > _GRID_CELLS):
                        flush()
                        status("reading", fh.buffer.raw.done, size, "MB")
                    if checks.stop:
                        break
        except csv.Error as err:
            raise _csv_error(path, err, delimiter, r + 1, reader.line_num) from None
        except UnicodeDecodeError:
            raise _decode_error(path, encoding) from None
    if lines.nul:
        raise _nul_error(path, lines.nul)
    notes = checks.problems(last, r - blank_run, lines.ends_cleanly) + _ctrl_z_note(lines)
    n = r - header_row - blank_run  # blank lines at the very end are not rows
    if width > WIDE and not (chunks and chunks[0]):  # a wide table of few cells
        grid = np.array(buffer, dtype=object).reshape(len(buffer), width)
        buffer.clear()
        frame = pd.DataFrame(grid[:n], columns=range(width), dtype=object)
        frame.columns = header
        return frame, notes
    flush()
    columns = [pa.chunked_array(c, pa.string())[:n] for c in chunks]
    return _frame(columns, header, n) if width else pd.DataFrame(index=range(n)), notes


def _verb(rows: list, one: str, many: str) -> str:
    return one if len(rows) == 1 else many


def _swallows_rows(cell: str, delimiter: str, width: int) -> bool:
    """A value spanning lines that look like whole rows: a quote that was never closed."""
    if "\n" not in cell and "\r" not in cell:
        return False
    lines = cell.splitlines()[1:]
    return width > 1 and any(line.count(delimiter) >= width - 1 for line in lines)


def release_memory() -> None:
    """Give the memory freed by a step of reading or validating back to the system.
    Arrow's allocator and the C library's keep freed memory for their own reuse, but the
    steps alternate between them (Arrow's kernels, NumPy's arrays), so without this a
    file's peak would add up the steps' temporary copies."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc():
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        return None
    return libc


_libc = _load_libc() if sys.platform.startswith("linux") else None
