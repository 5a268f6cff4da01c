"""Reading files: encodings, delimiters and formats users' exports come in."""

from __future__ import annotations

import pandas as pd
import pytest

from cxlib.data.reading import detect_delimiter, detect_encoding, read_table
from cxlib.errors import UserDataError

HEBREW = pd.DataFrame({"מזהה": ["a", "b", "c"], "שביעות רצון": ["5", "6", "7"]})
CHINESE = pd.DataFrame({"编号": ["a", "b", "c"], "总体满意度": ["5", "6", "7"]})
GERMAN = pd.DataFrame({"Kunden-Nr.": ["a", "b"], "Zufriedenheit (Gesamt)": ["5", "6"],
                       "Größe": ["1,5", "2,5"]})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_encodings_are_detected(write, encoding):
    path = write(HEBREW, encoding=encoding)
    table = read_table(path)
    assert list(table.frame.columns) == list(HEBREW.columns)
    assert table.encoding in ("utf-8", "utf-8-sig", "utf-16")


@pytest.mark.parametrize(("frame", "encoding"), [(HEBREW, "cp1255"), (CHINESE, "gbk"),
                                                 (GERMAN, "cp1252")])
def test_legacy_encodings_with_expected_headers(write, frame, encoding):
    path = write(frame, encoding=encoding)
    table = read_table(path, expect=frame.columns)
    assert list(table.frame.columns) == list(frame.columns)


def test_detect_encoding_prefers_the_encoding_that_reads_the_mapping():
    header = "מזהה,שביעות רצון\n1,5\n".encode("cp1255")
    assert detect_encoding(header, ["מזהה"]) == "cp1255"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(write, sep):
    table = read_table(write(CHINESE, sep=sep))
    assert table.delimiter == sep
    assert table.frame.shape == (3, 2)


def test_detect_delimiter_falls_back_to_comma():
    assert detect_delimiter("") == ","


def test_row_numbers_are_spreadsheet_rows(write):
    table = read_table(write(HEBREW))
    assert list(table.frame.index) == [2, 3, 4]  # header is row 1


def test_excel_and_parquet(tmp_path):
    xlsx, parquet = tmp_path / "f.xlsx", tmp_path / "f.parquet"
    CHINESE.to_excel(xlsx, index=False)
    CHINESE.to_parquet(parquet)
    assert read_table(xlsx).frame.shape == (3, 2)
    assert read_table(parquet).frame.shape == (3, 2)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserDataError, match="File not found"):
        read_table(tmp_path / "nope.csv")


def test_empty_file_is_a_user_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(UserDataError, match="empty"):
        read_table(path)


def test_unknown_excel_sheet(tmp_path):
    xlsx = tmp_path / "f.xlsx"
    CHINESE.to_excel(xlsx, index=False)
    with pytest.raises(UserDataError, match="sheet"):
        read_table(xlsx, sheet="Antworten")


@pytest.mark.parametrize(("content", "name"), [
    (b"PAR1" + bytes(40) + b"PAR1", "parquet"), (b"PAR1" + bytes(40), "parquet-truncated"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(40), "xls"), (b"%PDF-1.4\n", "pdf"),
    (b'[{"a": 1}]', "json"), (b'{"a": 1}\n{"a": 2}\n', "json"), (b"<?xml version='1.0'?>", "xml"),
    (b"<!DOCTYPE html><html>", "html"), (bytes(range(256)) * 4, "binary"),
    ("a,b\n1,2\n".encode("utf-16-le"), "csv"), (b"[id],[name]\n1,x\n", "csv"),
])
def test_sniff_names_what_a_file_holds(tmp_path, content, name):
    from cxlib.data.filetypes import sniff

    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert sniff(path).name == name


def test_utf16_without_byte_order_mark(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("מזהה,score\na,5\nb,6\n".encode("utf-16-le"))
    table = read_table(path)
    assert table.encoding == "utf-16-le" and list(table.frame.columns) == ["מזהה", "score"]


def test_repeated_header_names_are_kept_apart(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("id,note,x,note\n1,a,2,b\n")
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "note", "x", "note (2)"]
    assert table.duplicates == {"note": [2, 4]}


def test_trailing_delimiters_and_blank_lines(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("id,score,\r\n1,5,\r\n\r\n2,6,\r\n\r\n")
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "score"]
    # the blank line inside is row 3, as a spreadsheet shows it; the one at the end is no row
    assert table.frame["id"].tolist() == ["1", "", "2"] and list(table.frame.index) == [2, 3, 4]


@pytest.mark.parametrize(("text", "problem"), [
    ('id,score\n1,"5\n2,6\n3,7\n', "never closed"),
    ("id,score,x\n1,5,2\n2;6;3\n3,7,4\n4;8;5\n", "use semicolon"),
    ("id,score\n1,5,5\n", "more values than the header"),
    ("id,sc\x00ore\n1,5\n", "NUL bytes"),
    ("id,score,x\n1,5,2\n2,6", "cut off"),
])
def test_structural_problems_name_the_rows(tmp_path, text, problem):
    path = tmp_path / "f.csv"
    path.write_text(text)
    with pytest.raises(UserDataError, match=problem):
        read_table(path)


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(UserDataError, match="is a folder"):
        read_table(tmp_path)
