"""What a file really holds, from its bytes, whatever its name says.

Exports get renamed, mis-saved and cut short. Before reading, the first and last
bytes of a file are compared with the signatures of the formats people send:

=====================  ===========================================================
content                how it is recognised
=====================  ===========================================================
Parquet                ``PAR1`` at the start; a file that does not also end in
                       ``PAR1`` was cut short (the footer holding the schema is lost)
Excel workbook         a zip archive holding ``xl/workbook.xml``
other zip archives     ``PK\\x03\\x04`` (OpenDocument, Word, a zip of CSV files …)
Excel 97–2003 (.xls)   the OLE2 signature ``D0 CF 11 E0 A1 B1 1A E1``
encrypted Office file  an OLE2 file with an ``EncryptedPackage`` stream (an .xlsx
                       saved with a password to open it)
gzip                   ``1F 8B`` (read as a compressed CSV)
PDF, images            ``%PDF``, PNG and JPEG signatures
HTML / XML             text starting with ``<html``, ``<!DOCTYPE`` or ``<?xml``
JSON                   text starting with ``{`` or ``[`` that parses as JSON
                       (or whose first line does: JSON lines)
binary                 NUL bytes or control characters in more than 1% of the first
                       bytes, when they are not UTF-16/32 text
text                   anything else: read as CSV
=====================  ===========================================================
"""

from __future__ import annotations

import gzip
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 64 * 1024

_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".gz": "csv", ".xlsx": "xlsx",
             ".xlsm": "xlsx", ".xls": "xls", ".parquet": "parquet", ".pq": "parquet",
             ".json": "json", ".zip": "zip"}


@dataclass(frozen=True)
class FileType:
    """What a file holds: ``format`` is csv, xlsx or parquet when cxlib can read it."""

    name: str
    description: str
    format: str | None = None
    fix: str = ""
    detail: str = ""

    @property
    def readable(self) -> bool:
        return self.format is not None


CSV = FileType("csv", "text (CSV)", "csv")
GZIP_CSV = FileType("gzip", "gzip-compressed text (CSV)", "csv")
XLSX = FileType("xlsx", "an Excel workbook (.xlsx)", "xlsx")
PARQUET = FileType("parquet", "a Parquet file", "parquet")
_SAVE = "Open it in the program that made it and save it as CSV UTF-8, .xlsx or Parquet."


def named_format(path: Path) -> str | None:
    """The format a file's name promises (csv, xlsx, xls, parquet, json, zip), if any."""
    return _SUFFIXES.get(path.suffix.lower())


def sniff(path: Path) -> FileType:
    """What *path* holds (see the module docstring)."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
        size = fh.seek(0, 2)
        fh.seek(max(0, size - 4))
        tail = fh.read(4)
    if head.startswith(b"PAR1"):
        if tail != b"PAR1":
            return FileType("parquet-truncated", "a Parquet file that was cut short (it does "
                            "not end with the Parquet footer)", fix="The copy is incomplete: "
                            "export or download it again, or save it as CSV.")
        return PARQUET
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(path)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _encrypted(path):
            return FileType("encrypted", "a password-protected (encrypted) Office file, such "
                            "as an .xlsx workbook saved with a password to open it",
                            fix="Open it in Excel with its password, remove the password (File "
                            "→ Info → Protect Workbook → Encrypt with Password: clear it), and "
                            "save it as .xlsx or as CSV UTF-8.")
        return FileType("xls", "an old-style Excel 97–2003 workbook (.xls)",
                        fix="Open it in Excel and save it as .xlsx or as CSV UTF-8.")
    if head.startswith(b"\x1f\x8b"):
        return _sniff_gzip(path)
    if head.startswith(b"%PDF"):
        return FileType("pdf", "a PDF document", fix="Export the table itself as CSV or .xlsx.")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return FileType("image", "an image", fix="Export the table itself as CSV or .xlsx.")
    return _sniff_text(head)


_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _encrypted(path: Path, limit: int = 100 * 2**20) -> bool:
    """Whether an OLE2 compound file holds an encrypted Office document: Office saves a
    workbook with a password to open it as an OLE2 file with an ``EncryptedPackage``
    stream (its name is written in UTF-16 in the file's directory), where an old .xls holds
    a ``Workbook`` stream. The first *limit* bytes are searched."""
    overlap = len(_ENCRYPTED)
    with open(path, "rb") as fh:
        tail = b""
        while fh.tell() < limit:
            chunk = fh.read(2**20)
            if not chunk:
                return False
            if _ENCRYPTED in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False


def _sniff_zip(path: Path) -> FileType:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return FileType("zip-damaged", "a damaged zip archive (an .xlsx workbook is also a zip)",
                        fix="The copy is incomplete or damaged: export or download it again.")
    if "xl/workbook.xml" in names:
        return XLSX
    if "mimetype" in names and any(n.startswith("content.xml") for n in names):
        return FileType("ods", "an OpenDocument spreadsheet (.ods)",
                        fix="Save it as .xlsx or as CSV UTF-8.")
    if any(n.startswith("word/") for n in names):
        return FileType("docx", "a Word document", fix="Export the table itself as CSV or .xlsx.")
    inside = ", ".join(names[:5]) + (f" (and {len(names) - 5} more)" if len(names) > 5 else "")
    return FileType("zip", "a zip archive", detail=f"it contains {inside or 'nothing'}",
                    fix="Unzip it and give cxlib the table inside.")


def _sniff_gzip(path: Path) -> FileType:
    try:
        with gzip.open(path, "rb") as fh:
            inner = fh.read(HEAD_BYTES)
    except (OSError, EOFError):
        return FileType("gzip-damaged", "a damaged gzip archive",
                        fix="The copy is incomplete: compress or download it again.")
    found = _sniff_text(inner)
    if found.readable:
        return GZIP_CSV
    return FileType(f"gzip-{found.name}", f"a gzip archive holding {found.description}",
                    fix=found.fix)


def _sniff_text(head: bytes) -> FileType:
    if _binary(head):
        return FileType("binary", "a binary file, not text", fix=_SAVE)
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    low = text[:200].lower()
    if low.startswith(("<!doctype html", "<html", "<table")):
        return FileType("html", "an HTML page (some systems export 'Excel' files as HTML)",
                        fix="Open it in Excel and save it as .xlsx or as CSV UTF-8.")
    if low.startswith("<?xml"):
        return FileType("xml", "an XML document (perhaps an Excel 2003 XML spreadsheet)",
                        fix="Open it in Excel and save it as .xlsx or as CSV UTF-8.")
    if text[:1] in ("{", "[") and _looks_like_json(text):
        return FileType("json", "JSON, not CSV", fix="Export the table as CSV, or convert it "
                        "with pandas: pd.read_json(path).to_csv('table.csv', index=False).")
    return CSV


def _binary(head: bytes) -> bool:
    """Control characters other than NUL in over 1% of the bytes, or NULs in over 30%,
    when the bytes are not UTF-16/32 text. (A text with a few NULs is text: reading it
    names the lines that hold them.)"""
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head):
        return False
    control = sum(head.count(bytes([c])) for c in (*range(1, 9), 11, 12, *range(14, 32)))
    return control > 0.01 * len(head) or head.count(0) > 0.3 * len(head)


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when *head* reads as UTF-16 text without a byte-order
    mark: NULs in many of the bytes, and one byte order gives lines of text with no NUL."""
    head = head[: len(head) // 2 * 2][:4000]
    if len(head) < 4 or head.count(0) < 0.2 * len(head):
        return None
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = head.decode(name)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and ("\n" in text or len(head) < 200):
            return name
    return None


def _looks_like_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        pass
    first = text.split("\n", 1)[0].strip()
    try:
        json.loads(first)  # JSON lines, or a long document cut at HEAD_BYTES
        return True
    except ValueError:
        return text[:1] == "{" or text.lstrip("[ \t\r\n")[:1] in ("{", "[")
