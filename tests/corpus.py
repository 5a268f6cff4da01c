"""A corpus of malformed and harmless user files, written from small frames.

Each :class:`Case` writes one data file (and, where it needs one, a mapping file) and
says what cxlib must do with it:

* ``refuse``: raise one :class:`~cxlib.errors.UserDataError` whose message names the
  file and contains every string in ``says`` (the column or problem, example rows
  where there are rows to name, and the fix);
* ``accept``: load it with ``rows == (read, kept)``, every dropped row counted with its
  reason, and every string of ``warns`` among the load report's notes.

The cases cover every kind and every mapping key; ``tests/test_corpus.py`` runs them
through :func:`cxlib.load_data` and through the command line. ``python tests/corpus.py
DIR`` writes the files to DIR (to look at them, or to run them against an older
version of cxlib).
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.data.datasets import data_dir

Writer = Callable[[Path], None]


def sample(kind: str, n: int = 40) -> pd.DataFrame:
    """The first *n* rows of a bundled sample file, as text (like a CSV export)."""
    return pd.read_csv(data_dir() / "sample" / f"{kind}.csv", dtype=str,
                       keep_default_na=False).head(n)


SURVEY = sample("survey")
CUSTOMERS = sample("customers")
TRANSACTIONS = sample("transactions")
CONTACTS = sample("contacts")
VISITS = sample("visits")
OUTLETS = sample("outlets", 30)


def telco(n: int = 40) -> pd.DataFrame:
    """A churn export in the IBM Telco style: tenure in months and a Yes/No churn flag."""
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "customerID": [f"{i:04d}-ABCD" for i in range(n)],
        "tenure": rng.integers(1, 73, n).astype(str),
        "Contract": rng.choice(["Month-to-month", "One year", "Two year"], n),
        "MonthlyCharges": np.round(rng.uniform(18, 119, n), 2).astype(str),
        "Churn": rng.choice(["Yes", "No"], n, p=[0.3, 0.7])})


TELCO_MAP = ("customers:\n  columns:\n    customer_id: customerID\n    tenure_months: tenure\n"
             "    churned: Churn\n")


def edit(frame: pd.DataFrame, **cells) -> pd.DataFrame:
    """A copy of *frame* with cells replaced: col=(position, value) or col=[values]."""
    out = frame.copy()
    for col, value in cells.items():
        if isinstance(value, tuple):
            out.loc[out.index[value[0]], col] = value[1]
        else:
            out[col] = value
    return out


def csv(frame: pd.DataFrame, **kwargs) -> Writer:
    return lambda path: frame.to_csv(path, index=False, **kwargs)


def text(content: str, encoding: str = "utf-8") -> Writer:
    return lambda path: path.write_bytes(content.encode(encoding))


def raw(content: bytes) -> Writer:
    return lambda path: path.write_bytes(content)


def csv_text(frame: pd.DataFrame, **kwargs) -> str:
    return frame.to_csv(index=False, lineterminator="\n", **kwargs)


def excel(sheets: dict[str, pd.DataFrame]) -> Writer:
    def write(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for name, frame in sheets.items():
                frame.to_excel(xw, sheet_name=name, index=False)
    return write


def excel_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        frame.to_excel(xw, index=False)
    return buf.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf)
    return buf.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return buf.getvalue()


def lines_edit(frame: pd.DataFrame, fn: Callable[[list[str]], list[str]], **kwargs) -> Writer:
    """Write *frame* as CSV text and let *fn* change its lines (header first)."""
    content = csv_text(frame, **kwargs)
    return text("\n".join(fn(content.split("\n")[:-1])) + "\n")


def customers_typed() -> pd.DataFrame:
    frame = CUSTOMERS.copy()
    for col in ("acquired_on", "churned_on"):
        frame[col] = pd.to_datetime(frame[col].replace("", None))
    for col in ("acquisition_cost", "retention_spend", "revenue", "margin"):
        frame[col] = frame[col].astype(float)
    return frame


@dataclass
class Case:
    """One file of the corpus and what cxlib must do with it (module docstring)."""

    name: str
    kind: str
    write: Writer
    mapping: str | None = None
    refuse: tuple[str, ...] | None = None
    rows: tuple[int, int] | None = None
    warns: tuple[str, ...] = ()
    file: str = ""
    about: str = ""

    def __post_init__(self) -> None:
        assert (self.refuse is None) != (self.rows is None), self.name
        self.file = self.file or f"{self.name}.csv"

    @property
    def bad(self) -> bool:
        return self.refuse is not None

    def materialise(self, folder: Path) -> tuple[Path, Path | None]:
        """Write the data file (and the mapping file) into *folder*."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.file
        self.write(path)
        mapping = None
        if self.mapping is not None:
            mapping = folder / f"{self.name}.mapping.yaml"
            mapping.write_text(self.mapping, encoding="utf-8")
        return path, mapping


@dataclass
class Corpus:
    cases: list[Case] = field(default_factory=list)

    def add(self, name: str, kind: str, write: Writer, **kwargs) -> None:
        assert name not in {c.name for c in self.cases}, name
        self.cases.append(Case(name, kind, write, **kwargs))


def build() -> list[Case]:
    c = Corpus()
    _file_types(c)
    _encodings(c)
    _structure(c)
    _values(c)
    _customers(c)
    _mappings(c)
    _structural_models(c)
    _attributes(c)
    _minimal(c)
    _other_kinds(c)
    _beyond(c)
    _experiments_and_summaries(c)
    return c.cases


S = SURVEY
N = len(SURVEY)


def _file_types(c: Corpus) -> None:
    whole = parquet_bytes(S)
    c.add("parquet_truncated", "survey", raw(whole[: len(whole) // 2]), file="cut.parquet",
          refuse=("cut short", "export or download it again"))
    c.add("parquet_ok", "survey", raw(whole), file="ok.parquet", rows=(N, N))
    c.add("zip_saved_as_csv", "survey", raw(zipped({"survey.csv": csv_text(S).encode(),
                                                     "readme.txt": b"x"})),
          refuse=("a zip archive", "survey.csv", "Unzip"))
    c.add("xlsx_saved_as_csv", "survey", raw(excel_bytes(S)), rows=(N, N),
          warns=("named .csv but holds an Excel workbook",))
    c.add("csv_saved_as_xlsx", "survey", text(csv_text(S)), file="really_csv.xlsx",
          rows=(N, N), warns=("named .xlsx but holds text (CSV)",))
    c.add("parquet_saved_as_csv", "survey", raw(whole), rows=(N, N),
          warns=("holds a Parquet file",))
    c.add("json_saved_as_csv", "survey", text(S.to_json(orient="records")),
          refuse=("JSON", "Export the table as CSV"))
    c.add("json_lines_saved_as_csv", "survey", text(S.to_json(orient="records", lines=True)),
          refuse=("JSON", "read_json"))
    c.add("pdf_saved_as_csv", "survey", raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
          refuse=("a PDF document", "Export the table"))
    c.add("xls_97", "survey", raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
          file="old.xls", refuse=("Excel 97", "save it as .xlsx"))
    c.add("html_saved_as_xls", "survey", text("<html><body><table><tr><td>id</td></tr>"
                                              "</table></body></html>"),
          file="export.xls", refuse=("an HTML page", "save it as .xlsx"))
    c.add("binary_garbage", "survey", raw(bytes(np.random.default_rng(1).integers(
        0, 256, 4000, dtype=np.uint8))), refuse=("a binary file", "save it as CSV"))
    c.add("png_saved_as_csv", "survey", raw(b"\x89PNG\r\n\x1a\n" + bytes(100)),
          refuse=("an image",))
    c.add("word_document", "survey", raw(zipped({"word/document.xml": b"<w/>",
                                                 "[Content_Types].xml": b"<x/>"})),
          file="table.docx", refuse=("a Word document", "Export the table"))
    c.add("ods_spreadsheet", "survey", raw(zipped({"mimetype": b"application/vnd.oasis."
                                                   b"opendocument.spreadsheet",
                                                   "content.xml": b"<x/>"})),
          file="table.ods", refuse=("OpenDocument", "Save it as .xlsx"))
    c.add("xlsx_damaged", "survey", raw(zipped({"xl/workbook.xml": b"not xml",
                                                "[Content_Types].xml": b"<"})),
          file="damaged.xlsx", refuse=("cannot be opened", "save it again"))
    c.add("zip_damaged", "survey", raw(b"PK\x03\x04" + bytes(200)), file="cut.xlsx",
          refuse=("damaged zip", "again"))
    c.add("empty_file", "survey", raw(b""), refuse=("empty (0 bytes)", "Export"))
    c.add("whitespace_only", "survey", text("\n \n\t\n"), refuse=("empty", "Export"))
    c.add("header_only", "survey", text(",".join(S.columns) + "\n"),
          refuse=("no data rows", "Export the table again"))
    c.add("gzip_csv", "survey", raw(gzip.compress(csv_text(S).encode())), file="s.csv.gz",
          rows=(N, N))
    c.add("gzip_damaged", "survey", raw(gzip.compress(csv_text(S).encode())[:300]),
          file="cut.csv.gz", refuse=("damaged gzip", "again"))
    two = excel({"Info": pd.DataFrame({"note": ["exported 2024"]}), "Umfrage": S})
    c.add("xlsx_ok", "survey", excel({"Sheet1": S}), file="ok.xlsx", rows=(N, N))
    c.add("xlsx_sheet_by_name", "survey", two, file="two_sheets.xlsx",
          mapping="sheet: umfrage\n", rows=(N, N))
    c.add("xlsx_wrong_sheet", "survey", two, file="wrong_sheet.xlsx", mapping="sheet: Antworten\n",
          refuse=("no sheet 'Antworten'", "'Info', 'Umfrage'", "Set `sheet:`"))
    c.add("xlsx_sheet_number_too_high", "survey", two, file="sheet_5.xlsx", mapping="sheet: 5\n",
          refuse=("no sheet number 5", "2 sheet(s)"))
    c.add("xlsx_empty_sheet", "survey", excel({"Leer": pd.DataFrame(), "Daten": S}),
          file="empty_sheet.xlsx", refuse=("sheet 'Leer' is empty", "Set `sheet:`"))
    c.add("xlsx_typed_dates", "customers", excel({"Kunden": customers_typed()}),
          file="typed.xlsx", rows=(N, N))
    c.add("parquet_typed", "customers", raw(parquet_bytes(customers_typed())),
          file="typed.parquet", rows=(N, N))


def _encodings(c: Corpus) -> None:
    body = csv_text(S)
    hebrew = S.rename(columns={"overall_sat": "שביעות רצון כללית", "respondent_id": "מזהה"})
    hebrew_map = "columns:\n  overall_sat: שביעות רצון כללית\n  respondent_id: מזהה\n"
    chinese = S.rename(columns={"overall_sat": "总体满意度"})
    c.add("utf8_bom", "survey", text(body, "utf-8-sig"), rows=(N, N))
    c.add("utf8_bom_twice", "survey", raw(codecs.BOM_UTF8 + body.encode("utf-8-sig")),
          rows=(N, N))
    c.add("utf16_le_bom", "survey", text(body, "utf-16"), rows=(N, N))
    c.add("utf16_be_bom", "survey", raw(codecs.BOM_UTF16_BE + body.encode("utf-16-be")),
          rows=(N, N))
    c.add("utf16_without_bom", "survey", text(body, "utf-16-le"), rows=(N, N))
    c.add("utf32_bom", "survey", text(body, "utf-32"), rows=(N, N))
    c.add("hebrew_cp1255", "survey", text(csv_text(hebrew), "cp1255"), mapping=hebrew_map,
          rows=(N, N))
    c.add("hebrew_utf8", "survey", text(csv_text(hebrew)), mapping=hebrew_map, rows=(N, N))
    c.add("chinese_gbk", "survey", text(csv_text(chinese), "gbk"),
          mapping="columns:\n  overall_sat: 总体满意度\n", rows=(N, N))
    c.add("declared_utf8_but_cp1252", "survey",
          text(csv_text(edit(S, segment=(5, "Café"))), "cp1252"), mapping="encoding: utf-8\n",
          refuse=("not valid utf-8", "line 7", "`encoding:`"))
    c.add("unknown_encoding", "survey", text(body), mapping="encoding: utf-9\n",
          refuse=("unknown encoding 'utf-9'", "cp1252"))


def _structure(c: Corpus) -> None:
    def semicolon_half(lines):
        return [line.replace(",", ";") if i % 2 == 0 and i else line
                for i, line in enumerate(lines)]

    def cut_id(lines):
        lines[3] = lines[3][:2] + "\x00\x00" + lines[3][2:]
        return lines

    def open_quote(lines):
        lines[4] = lines[4].replace("R00003,", 'R00003,"', 1)
        return lines

    c.add("nul_bytes_in_id", "survey", lines_edit(S, cut_id), refuse=("NUL", "line 4",
                                                                       "export it again"))
    c.add("unbalanced_quote", "survey", lines_edit(S, open_quote),
          refuse=('quote (") that is never closed', "row 5", "two quotes"))
    c.add("mixed_delimiters", "survey", lines_edit(S, semicolon_half),
          refuse=("use semicolon", "rows 3, 5, 7", "one delimiter"))
    c.add("unquoted_decimal_comma", "transactions",
          lines_edit(TRANSACTIONS, lambda ls: [ls[0], ls[1].replace("43.44", "43,44"),
                                                *ls[2:]]),
          refuse=("more values than the header", "row 2", "quotes"))
    c.add("trailing_delimiters", "survey", lines_edit(S, lambda ls: [x + "," for x in ls]),
          rows=(N, N))
    c.add("trailing_delimiter_rows_only", "survey",
          lines_edit(S, lambda ls: ls[:1] + [x + "," for x in ls[1:]]), rows=(N, N))
    c.add("windows_line_endings", "survey", text(csv_text(S).replace("\n", "\r\n")),
          rows=(N, N))
    c.add("old_mac_line_endings", "survey", text(csv_text(S).replace("\n", "\r")),
          rows=(N, N))
    c.add("blank_lines_inside", "survey",
          lines_edit(S, lambda ls: [*ls[:5], "", "", *ls[5:], "", ""]), rows=(N + 2, N))
    c.add("rows_of_empty_values", "survey",
          lines_edit(S, lambda ls: ls + ["," * (S.shape[1] - 1)] * 3), rows=(N + 3, N))
    c.add("short_rows", "survey",
          lines_edit(S, lambda ls: [*ls[:3], ls[3].rsplit(",", 2)[0], *ls[4:]]),
          rows=(N, N), warns=("fewer values than the header",))
    whole = csv_text(S)
    c.add("cut_off_mid_row", "survey", text(whole[:whole.rstrip("\n").rfind("\n") + 30]),
          refuse=("cut off", f"row {N + 1}", "Export it again"))
    c.add("colon_delimiter", "survey", csv(S, sep=":"), refuse=("single column",
                                                                 'delimiter: ":"'))
    for name, sep in (("semicolon", ";"), ("tab", "\t"), ("pipe", "|")):
        c.add(f"{name}_delimited", "survey", csv(S, sep=sep), rows=(N, N))
    c.add("tab_declared_by_name", "survey", csv(S, sep="\t"), mapping="delimiter: tab\n",
          rows=(N, N))
    c.add("multiline_comment", "survey", csv(edit(S, comment=["line one\nline two"] * N)),
          rows=(N, N))
    c.add("duplicate_header_used", "survey",
          text(csv_text(S).replace("repurchase_intent", "overall_sat", 1)),
          refuse=("'overall_sat' 2 times", "Rename"))
    c.add("duplicate_header_unused", "survey",
          text(csv_text(S.assign(Kommentar="a", Kommentar2="b")).replace("Kommentar2",
                                                                         "Kommentar")),
          rows=(N, N), warns=("'Kommentar' 2 times",))
    c.add("spaces_around_header_names", "survey",
          text(csv_text(S).replace("overall_sat", "  overall_sat ", 1)), rows=(N, N))
    c.add("nameless_column_with_values", "survey",
          text(csv_text(S.assign(x="7")).replace(",x\n", ",\n", 1)), rows=(N, N))


def _values(c: Corpus) -> None:
    labels = ["very poor", "poor", "fair", "good", "very good", "excellent", "outstanding"]
    words = S["overall_sat"].astype(int).map(lambda v: labels[v - 1])
    order = "recode:\n  overall_sat: {order: [Very poor, Poor, Fair, Good, Very good, " \
            "Excellent, Outstanding]}\n"
    c.add("rating_as_words", "survey", csv(edit(S, overall_sat=words)),
          refuse=("'overall_sat'", "not numbers", "recode:"))
    c.add("rating_as_words_recoded", "survey", csv(edit(S, overall_sat=words)), mapping=order,
          rows=(N, N))
    c.add("recode_label_not_listed", "survey",
          csv(edit(edit(S, overall_sat=words), overall_sat=(3, "superb"))), mapping=order,
          refuse=("not among the labels", "'superb' (row 5)", "Add them to the labels"))
    c.add("text_in_rating", "survey", csv(edit(S, rel_1=(2, "n/a"))),
          refuse=("'rel_1'", "'n/a' (row 4)", "--drop-invalid"))
    c.add("rating_off_scale", "survey", csv(edit(S, rel_2=(0, "9"))),
          refuse=("outside the allowed range 1–7", "row 2", "rating_scale"))
    c.add("ten_point_scale_declared", "survey", csv(edit(S, rel_2=(0, "9"))),
          mapping="rating_scale: [1, 10]\n", rows=(N, N))
    c.add("duplicate_ids", "survey", csv(edit(S, respondent_id=(6, S.respondent_id[1]))),
          refuse=("repeats an id", "row 8", "own id"))
    c.add("unknown_category", "survey", csv(edit(S, told_valence=(0, "so-so"))),
          refuse=("told_valence", "'so-so' (row 2)", "Recode them"))
    c.add("yes_no_words", "survey",
          csv(edit(S, churned=["ja", "nein", "כן", "לא", "是", "否", "Yes", "no"] * 5)),
          rows=(N, N))
    c.add("missing_codes", "survey", csv(edit(S, overall_sat=(0, "-99"), rel_1=(1, "k.A."))),
          mapping="missing: [-99, k.A.]\n", rows=(N, N))
    c.add("required_column_blank", "survey", csv(edit(S, overall_sat="")),
          refuse=("'overall_sat' is empty in every row", "mapping points at the right column"))
    c.add("required_column_all_missing_codes", "survey", csv(edit(S, overall_sat="-99")),
          mapping="missing: [-99]\n", refuse=("empty in every row", "`missing:`"))
    c.add("optional_column_blank", "survey", csv(edit(S, recommend="")), rows=(N, N),
          warns=("'recommend' is empty in every row; it was set aside",))
    c.add("constant_rating", "survey", csv(edit(S, overall_sat="5")), rows=(N, N),
          warns=("'overall_sat' has the same value (5.0) in every row", "not testable"))
    c.add("one_row_survey", "survey", csv(S.head(1)),
          refuse=("only 1 usable respondent row", "fewer than 2", "Check the file"))
    c.add("rows_without_id", "survey", csv(edit(edit(S, respondent_id=(4, "")),
                                                respondent_id=(9, ""))),
          rows=(N, N - 2))
    c.add("no_id_column", "survey", csv(S.drop(columns="respondent_id")), rows=(N, N))
    c.add("thousands_and_decimal_points", "customers",
          csv(edit(CUSTOMERS, acquisition_cost=(0, "1,234.50"), revenue=(1, "12,345,678.9"))),
          rows=(N, N))
    c.add("decimal_commas_semicolon", "customers",
          csv(CUSTOMERS.replace(r"^(\d+)\.(\d+)$", r"\1,\2", regex=True), sep=";"),
          rows=(N, N))
    c.add("german_thousands", "customers",
          csv(edit(CUSTOMERS.replace(r"^(\d+)\.(\d+)$", r"\1,\2", regex=True),
                   acquisition_cost=(0, "1.234,50")), sep=";"), rows=(N, N))
    c.add("space_thousands", "customers",
          csv(edit(CUSTOMERS.replace(r"^(\d+)\.(\d+)$", r"\1,\2", regex=True),
                   revenue=(0, "12 345,60")), sep=";"), rows=(N, N))
    c.add("ambiguous_thousands", "transactions",
          csv(edit(TRANSACTIONS, amount=["1.234", "2.500"] * 20), sep=";"), rows=(N, N),
          warns=("'1.234' were read as 1234",))
    c.add("mixed_decimal_marks", "customers",
          csv(edit(CUSTOMERS.replace(r"^(\d+)\.(\d+)$", r"\1,\2", regex=True),
                   revenue=(2, "505.91")), sep=";"),
          refuse=("'revenue'", "row 4", "decimal point where the rest of the column"))


def _customers(c: Corpus) -> None:
    C = CUSTOMERS
    t = telco()
    c.add("tenure_and_churn_flag", "customers", csv(t), mapping=TELCO_MAP, rows=(N, N))
    c.add("tenure_flag_with_covariates", "customers", csv(t),
          mapping=TELCO_MAP + "  covariates: [Contract, MonthlyCharges]\n"
                              "  reference: {Contract: Month-to-month}\n", rows=(N, N))
    c.add("tenure_without_churn_flag", "customers", csv(t.drop(columns="Churn")),
          mapping=TELCO_MAP.replace("    churned: Churn\n", ""),
          refuse=("'tenure_months' needs 'churned' or 'churned_on'", "churned: <your column"))
    c.add("tenure_churn_blank_rows", "customers", csv(edit(t, Churn=(3, ""))),
          mapping=TELCO_MAP, rows=(N, N - 1))
    c.add("neither_dates_nor_tenure", "customers", csv(C.drop(columns="acquired_on")),
          refuse=("'acquired_on' or 'tenure_months'", "acquired_on: <your column name>"))
    c.add("negative_tenure", "customers", csv(edit(t, tenure=(1, "-3"))), mapping=TELCO_MAP,
          refuse=("'tenure_months' (your column 'tenure')", "row 3"))
    c.add("reference_level_absent", "customers", csv(t),
          mapping=TELCO_MAP + "  covariates: [Contract]\n  reference: {Contract: Monthly}\n",
          refuse=("'Monthly'", "Month-to-month, One year, Two year"))
    c.add("dates_in_2099", "customers", csv(edit(C, acquired_on=(2, "2099-01-16"))),
          refuse=("after today", "row 4", "Check the year"))
    c.add("dates_in_1850", "customers", csv(edit(C, acquired_on=(0, "1850-01-16"))),
          refuse=("before 1900", "'1850-01-16' (row 2)", "Check the year"))
    leaver = int(np.flatnonzero(C["churned_on"] != "")[0])
    c.add("churned_before_acquired", "customers",
          csv(edit(C, churned_on=(leaver, "2020-01-01"))),
          refuse=("earlier than 'acquired_on'", f"row {leaver + 2}", "check both dates"))
    c.add("dates_not_iso", "customers", csv(edit(C, acquired_on=(1, "06.09.2024"))),
          refuse=("not a date", "YYYY-MM-DD"))
    c.add("flag_contradicts_date", "customers",
          csv(C.assign(churned=(C["churned_on"] != "").astype(int).astype(str))
              .pipe(edit, churned=(leaver, "0"))),
          refuse=("still a customer", f"row {leaver + 2}", "must agree"))
    c.add("flag_with_dates_without_churn_date", "customers",
          csv(C.assign(churned=(C["churned_on"] != "").astype(int)).drop(columns="churned_on")),
          refuse=("'churned' needs 'churned_on' or 'tenure_months'",))
    c.add("nobody_has_left_yet", "customers", csv(edit(C, churned_on="")), rows=(N, N),
          warns=("'churned_on' is empty in every row (for a churn date: nobody has left)",))
    c.add("observation_end_in_mapping", "customers", csv(C),
          mapping="observation_end: 2025-06-30\n", rows=(N, N))
    c.add("observation_end_not_a_date", "customers", csv(C),
          mapping="observation_end: end of June\n", refuse=("observation_end", "YYYY-MM-DD"))
    c.add("observed_until_before_acquired", "customers",
          csv(C.assign(observed_until=max(C["acquired_on"].max(), C["churned_on"].max()))
              .pipe(edit, observed_until=(1, "2023-01-01"))),
          refuse=("'observed_until': 1 date earlier than 'acquired_on'", "(row 3)"))
    c.add("customer_ids_all_blank", "customers", csv(edit(C, customer_id="")),
          refuse=("'customer_id' is empty in every row",))


def _mappings(c: Corpus) -> None:
    hebrew = S.rename(columns={"overall_sat": "Q1"})
    c.add("rating_scale_with_a_word", "survey", csv(S), mapping='rating_scale: [1, "ten"]\n',
          refuse=("rating_scale", "two numbers such as [1, 10]", "'ten'"))
    c.add("rating_scale_reversed", "survey", csv(S), mapping="rating_scale: [10, 1]\n",
          refuse=("rating_scale", "lowest first"))
    c.add("rating_scale_one_number", "survey", csv(S), mapping="rating_scale: 10\n",
          refuse=("rating_scale", "[lowest, highest]"))
    c.add("missing_as_dict", "survey", csv(S), mapping="missing: {overall_sat: -99}\n",
          refuse=("'missing:'", "must be a list of codes", "you wrote a mapping"))
    c.add("columns_as_list", "survey", csv(S), mapping="columns: [overall_sat, Q1]\n",
          refuse=("'columns:'", "must map names to values"))
    c.add("column_without_name", "survey", csv(S), mapping="columns:\n  overall_sat:\n",
          refuse=("'overall_sat' must name one of your columns", "got nothing"))
    c.add("one_column_two_targets", "survey", csv(hebrew),
          mapping="columns:\n  overall_sat: Q1\n  repurchase_intent: Q1\n",
          refuse=("your column 'Q1' is mapped to overall_sat and repurchase_intent",
                  "A column can play one part"))
    c.add("unknown_mapping_key", "survey", csv(S), mapping="colums:\n  overall_sat: x\n",
          refuse=("unknown key 'colums'", "Did you mean 'columns'?"))
    c.add("unknown_cxlib_name", "survey", csv(hebrew), mapping="columns:\n  overal_sat: Q1\n",
          refuse=("'overal_sat'", "Did you mean 'overall_sat'?"))
    c.add("mapped_column_not_in_file", "survey", csv(hebrew),
          mapping="columns:\n  overall_sat: Q 1\n",
          refuse=("'Q 1', which is not in the file", "Did you mean 'Q1'?"))
    c.add("no_section_for_kind_harmless", "transactions", csv(TRANSACTIONS),
          mapping="survey:\n  columns:\n    overall_sat: Q1\n", rows=(N, N),
          warns=("no 'transactions:' section",))
    c.add("no_section_for_kind", "transactions",
          csv(TRANSACTIONS.rename(columns={"amount": "Betrag"})),
          mapping="survey:\n  columns:\n    overall_sat: Q1\n",
          refuse=("missing required column(s) 'amount'", "no 'transactions:' section"))
    c.add("flat_mapping_for_another_kind", "transactions", csv(TRANSACTIONS),
          mapping="kind: survey\ncolumns:\n  overall_sat: Q1\n", rows=(N, N),
          warns=("for 'survey' files",))
    c.add("invalid_yaml", "survey", csv(S), mapping="columns: [a\n",
          refuse=("not valid YAML", "indentation"))
    c.add("yaml_key_twice", "survey", csv(hebrew),
          mapping="columns:\n  overall_sat: Q1\n  overall_sat: Q2\n",
          refuse=("'overall_sat' written twice", "line 3"))
    c.add("mapping_is_a_list", "survey", csv(S), mapping="- overall_sat\n- Q1\n",
          refuse=("holds a list", "'columns:'"))
    c.add("sections_and_flat_keys", "survey", csv(S),
          mapping="survey:\n  missing: [-99]\ncolumns:\n  overall_sat: Q1\n",
          refuse=("top-level key(s) 'columns'", "inside the section"))
    c.add("section_name_typo", "survey", csv(S), mapping="surveys:\n  missing: [-99]\n",
          refuse=("unknown key 'surveys'", "Did you mean 'survey'?"))
    c.add("delimiter_two_characters", "survey", csv(S), mapping="delimiter: ';;'\n",
          refuse=("'delimiter:'", "one character"))
    c.add("sheet_negative", "survey", csv(S), mapping="sheet: -1\n",
          refuse=("'sheet:'", "counts from 0"))
    c.add("sheet_as_list", "survey", csv(S), mapping="sheet: [a]\n",
          refuse=("'sheet:'", "must be a name"))
    c.add("encoding_as_number", "survey", csv(S), mapping="encoding: 1255\n", rows=(N, N))
    c.add("encoding_as_list", "survey", csv(S), mapping="encoding: [utf-8]\n",
          refuse=("'encoding:'", "must be a name"))
    c.add("recode_unknown_column", "survey", csv(S),
          mapping="recode:\n  overall_satisfaction: {order: [Low, High]}\n",
          refuse=("'overall_satisfaction'", "Did you mean 'overall_sat'?"))
    c.add("recode_as_list", "survey", csv(S), mapping="recode:\n  overall_sat: [Low, High]\n",
          refuse=("'overall_sat' needs either `order:", "levels:"))
    c.add("recode_off_the_scale", "survey", csv(S),
          mapping="recode:\n  overall_sat: {order: [Low, Medium, High]}\n",
          refuse=("codes 1–3", "rating scale is 1–7", "rating_scale: [1, 3]"))
    c.add("recode_label_twice", "survey", csv(S),
          mapping="recode:\n  overall_sat: {order: [Low, low, High]}\n",
          refuse=("listed twice",))
    c.add("covariate_not_in_file", "customers", csv(telco()),
          mapping=TELCO_MAP + "  covariates: [Contrakt]\n",
          refuse=("'Contrakt'", "Did you mean 'Contract'?"))
    c.add("reference_for_numeric_column", "customers", csv(telco()),
          mapping=TELCO_MAP + "  reference: {tenure_months: '12'}\n",
          refuse=("'reference:' names 'tenure_months'", "covariates:"))
    c.add("kind_key_unknown", "survey", csv(S), mapping="kind: surveys\n",
          refuse=("'kind: surveys' is not a data kind", "Did you mean 'survey'?"))
    c.add("mapping_for_customers_on_survey_key", "survey", csv(S),
          mapping="observation_end: 2024-01-01\n", refuse=("customers files only",))


def _structural_models(c: Corpus) -> None:
    one_item = "\n".join(f"    A{i}: [rel_{i}]" for i in (1, 2, 3))
    good = ("constructs:\n" + one_item + "\n    SAT: [overall_sat]\n"
            "paths: ['A1 -> SAT', 'A2 -> SAT', 'A3 -> SAT']\n")
    c.add("attributes_as_constructs", "survey", csv(S),
          mapping=good + "roles: {satisfaction: SAT}\n", rows=(N, N))
    c.add("constructs_without_roles", "survey", csv(S), mapping=good,
          refuse=("does not say which one is satisfaction", "roles: {satisfaction: SAT}"))
    c.add("path_to_undeclared_construct", "survey", csv(S),
          mapping=good.replace("'A3 -> SAT'", "'A3 -> SATT'") + "roles: {satisfaction: SAT}\n",
          refuse=("'SATT', which is not a declared construct", "Did you mean 'SAT'?"))
    c.add("unknown_role", "survey", csv(S), mapping=good + "roles: {satisfation: SAT}\n",
          refuse=("unknown role 'satisfation'", "Did you mean 'satisfaction'?"))
    c.add("role_for_undeclared_construct", "survey", csv(S),
          mapping=good + "roles: {satisfaction: CUSA}\n",
          refuse=("'CUSA', which is not a declared construct",))
    c.add("path_without_arrow", "survey", csv(S),
          mapping=good.replace("'A1 -> SAT'", "'A1 => SAT'") + "roles: {satisfaction: SAT}\n",
          refuse=("must read 'FROM -> TO'", "'A1 => SAT'"))
    c.add("paths_loop", "survey", csv(S),
          mapping=good.replace("'A3 -> SAT'", "'A3 -> SAT', 'SAT -> A1'")
          + "roles: {satisfaction: SAT}\n", refuse=("the paths loop", "A1 -> SAT -> A1"))
    c.add("item_in_two_constructs", "survey", csv(S),
          mapping=good.replace("SAT: [overall_sat]", "SAT: [overall_sat, rel_1]")
          + "roles: {satisfaction: SAT}\n", refuse=("'rel_1' is listed under both",))
    c.add("construct_item_not_in_file", "survey", csv(S),
          mapping=good.replace("[rel_1]", "[q2]") + "roles: {satisfaction: SAT}\n",
          refuse=("construct 'A1' lists item(s) q2", "The file's columns are"))
    c.add("construct_item_is_text", "survey", csv(S),
          mapping=good.replace("[rel_1]", "[segment]") + "roles: {satisfaction: SAT}\n",
          refuse=("lists 'segment', a category column", "numeric ratings"))
    c.add("construct_with_no_items", "survey", csv(S),
          mapping="constructs:\n  SAT: []\nroles: {satisfaction: SAT}\n",
          refuse=("construct 'SAT' lists no items",))
    c.add("construct_in_no_path", "survey", csv(S),
          mapping=good.replace("SAT: [overall_sat]", "SAT: [overall_sat]\n    LOY: "
                               "[repurchase_intent]") + "roles: {satisfaction: SAT}\n",
          refuse=("construct 'LOY' is in no path",))
    c.add("no_path_into_satisfaction", "survey", csv(S),
          mapping=good + "roles: {satisfaction: A1}\n",
          refuse=("no path leads into the satisfaction construct 'A1'",))
    c.add("loyalty_without_chain", "survey", csv(S),
          mapping=good.replace("'A3 -> SAT'", "'A3 -> SAT', 'A3 -> LOY'").replace(
              "SAT: [overall_sat]", "SAT: [overall_sat]\n    LOY: [repurchase_intent]")
          + "roles: {satisfaction: SAT, loyalty: LOY}\n", refuse=("no path 'SAT -> LOY'",))
    c.add("constructs_without_paths", "survey", csv(S),
          mapping="constructs:\n  SAT: [overall_sat]\nroles: {satisfaction: SAT}\n",
          refuse=("need `paths:`",))
    c.add("paths_without_constructs", "survey", csv(S), mapping="paths: ['A -> B']\n",
          refuse=("'paths:' needs `constructs:`",))
    c.add("constructs_in_customers_mapping", "customers", csv(CUSTOMERS),
          mapping="constructs:\n  SAT: [satisfaction]\nroles: {satisfaction: SAT}\n",
          refuse=("describe a survey model", "'customers' files"))


def _minimal(c: Corpus) -> None:
    """Files with only the required columns: a one-column survey is a table, not a file
    whose delimiter went unrecognised (before: refused as 'the whole header was read as a
    single column')."""
    c.add("only_overall_satisfaction", "survey", csv(S[["overall_sat"]]), rows=(N, N))
    c.add("only_a_mapped_overall_rating", "survey",
          csv(S[["overall_sat"]].rename(columns={"overall_sat": "Gesamtzufriedenheit"})),
          mapping="columns: {overall_sat: Gesamtzufriedenheit}\n", rows=(N, N))
    c.add("one_unknown_column", "survey", csv(S[["overall_sat"]].rename(
        columns={"overall_sat": "Q1"})), refuse=("missing required column(s) 'overall_sat'",))


def _attributes(c: Corpus) -> None:
    """``attributes:``, the short way to declare the drivers of satisfaction."""
    own = csv(S.rename(columns={"rel_1": "Q2", "res_1": "Q3", "ass_1": "Q4"}))
    c.add("attributes_listed", "survey", own, mapping="attributes: [Q2, Q3, Q4]\n",
          rows=(N, N))
    c.add("attributes_and_constructs", "survey", own,
          mapping="attributes: [Q2, Q3]\nconstructs:\n  A: [Q4]\n  SAT: [overall_sat]\n"
                  "paths: ['A -> SAT']\nroles: {satisfaction: SAT}\n",
          refuse=("two ways to declare the drivers", "use one"))
    c.add("attribute_not_in_file", "survey", own, mapping="attributes: [Q2, Q3, Q44]\n",
          refuse=("`attributes:` names 'Q44'", "Did you mean 'Q4'?"))
    c.add("attribute_is_the_outcome", "survey", own,
          mapping="attributes: [Q2, Q3, overall_sat]\n",
          refuse=("lists 'overall_sat', an outcome", "list only the attribute ratings"))
    c.add("attribute_is_text", "survey", own, mapping="attributes: [Q2, segment]\n",
          refuse=("lists 'segment', a category column", "numeric ratings"))
    c.add("attributes_empty", "survey", own, mapping="attributes: []\n",
          refuse=("'attributes:' lists no columns", "attributes: [Q2, Q3, Q4]"))
    c.add("attribute_listed_twice", "survey", own, mapping="attributes: [Q2, Q3, Q2]\n",
          refuse=("lists 'Q2' twice",))
    c.add("attribute_in_words", "survey",
          csv(edit(S.rename(columns={"rel_1": "Q2"}), Q2=(4, "good"))),
          mapping="attributes: [Q2]\n", refuse=("'Q2'", "row 6"))
    c.add("attributes_in_customers_mapping", "customers", csv(CUSTOMERS),
          mapping="attributes: [satisfaction]\n",
          refuse=("describe a survey model", "'customers' files"))


def _other_kinds(c: Corpus) -> None:
    c.add("transactions_ok", "transactions", csv(TRANSACTIONS), rows=(N, N))
    c.add("transactions_negative_quantity", "transactions",
          csv(edit(TRANSACTIONS, quantity=(3, "-2"))),
          refuse=("'quantity'", "row 5", "--drop-invalid"))
    c.add("transactions_without_amount", "transactions", csv(TRANSACTIONS.drop(columns="amount")),
          refuse=("missing required column(s) 'amount'", "amount: <your column name>"))
    c.add("contacts_ok", "contacts", csv(CONTACTS), rows=(N, N))
    c.add("contacts_negative_wait", "contacts", csv(edit(CONTACTS, wait_seconds=(0, "-5"))),
          refuse=("'wait_seconds'", "'-5' (row 2)"))
    c.add("contacts_future_time", "contacts",
          csv(edit(CONTACTS, arrived_at=(1, "2099-03-04 08:09:19"))), refuse=("after today",))
    c.add("visits_ok", "visits", csv(VISITS), rows=(N, N))
    c.add("visits_step_not_yes_no", "visits", csv(edit(VISITS, step_greet=(2, "maybe"))),
          refuse=("'step_greet'", "not yes/no or 1/0", "'maybe' (row 4)"))
    c.add("outlets_ok", "outlets", csv(OUTLETS), rows=(30, 30))
    c.add("outlets_fraction_employees", "outlets", csv(edit(OUTLETS, n_employees=(0, "3.5"))),
          refuse=("'n_employees'", "not a whole number"))


RATINGS = [col for col in SURVEY.columns
           if col.split("_")[0] in ("rel", "res", "ass", "emp", "tan", "exp")
           or col in ("overall_sat", "repurchase_intent")]


def billion_laughs() -> str:
    """A 'billion laughs' mapping: nine levels of nine aliases, a few hundred bytes standing
    for 9**9 (387 million) values."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\ncolumns: *i\n"


def encrypted_xlsx() -> bytes:
    """The shape of an .xlsx saved with a password to open it: an OLE2 compound file whose
    directory names the streams EncryptionInfo and EncryptedPackage (UTF-16)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    names = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + bytes(64)
                     for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    return header + names.ljust(512, b"\x00") + bytes(2048)


def title_rows_xlsx(blank_rows: int = 1) -> Writer:
    """A workbook whose first row is a title (as a merged cell shows it: one value in the
    first column), then *blank_rows* empty rows, then the table."""
    def write(path: Path) -> None:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(["Customer survey 2024: all respondents"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
        for _ in range(blank_rows):
            sheet.append([])
        sheet.append(list(S.columns))
        for row in S.itertuples(index=False):
            sheet.append(list(row))
        book.save(path)
    return write


def header_every(frame: pd.DataFrame, n: int) -> Writer:
    """*frame* as CSV with its header written again every *n* rows (exports joined)."""
    lines = csv_text(frame).split("\n")[:-1]
    header, body = lines[0], lines[1:]
    out = [header]
    for i, line in enumerate(body):
        if i and i % n == 0:
            out.append(header)
        out.append(line)
    return text("\n".join(out) + "\n")


def parquet_with(frame: pd.DataFrame, **columns) -> Writer:
    """*frame* as Parquet with extra columns given as Arrow arrays (nested, zoned …)."""
    def write(path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        for name, values in columns.items():
            if name in table.column_names:
                table = table.set_column(table.column_names.index(name), name, values)
            else:
                table = table.append_column(name, values)
        pq.write_table(table, path)
    return write


def _beyond(c: Corpus) -> None:
    """Bad input beyond the corpus above (issue 20): hostile and oversized mapping files,
    files past the size limits, input that used to be accepted while it changed the results,
    and input whose message was unclear ('an unexpected problem', 'cut off', 'not dates')."""
    import pyarrow as pa

    n = N
    # -- mapping files
    c.add("yaml_list_as_key", "survey", csv(S), mapping="columns:\n  [a, b]: Q1\n",
          refuse=("a key must be a name or a number", "line 2"))
    c.add("yaml_mapping_as_key", "survey", csv(S), mapping="columns:\n  ? {a: 1}\n  : Q1\n",
          refuse=("a key must be a name or a number",))
    c.add("kind_for_two_kinds", "survey", csv(S),
          mapping="kind: [survey, customers]\ncolumns:\n  overall_sat: overall_sat\n",
          refuse=("'kind:' names one data kind", "one section per kind"))
    c.add("yaml_20000_nested_brackets", "survey", csv(S),
          mapping="columns: " + "[" * 20_000 + "]" * 20_000 + "\n",
          refuse=("nested more than 20 levels", "line 1"))
    chain = [f"C{i}" for i in range(1_200)]
    c.add("construct_chain_of_1200", "survey", csv(S),
          mapping="constructs:\n" + "".join(f"  {k}: [rel_1]\n" if i == 0 else
                                            f"  {k}: [x{i}]\n" for i, k in enumerate(chain))
          + "paths:\n" + "".join(f"  - {a} -> {b}\n" for a, b in itertools.pairwise(chain))
          + f"  - {chain[-1]} -> {chain[0]}\nroles: {{satisfaction: {chain[-1]}}}\n",
          refuse=("the paths loop", "C0 -> C1 -> C2"))
    c.add("yaml_billion_laughs", "survey", csv(S), mapping=billion_laughs(),
          refuse=("repeat values more than 1,000,000 times", "write the values out"))
    c.add("yaml_too_many_aliases", "survey", csv(S),
          mapping="a: &a x\nmissing: [" + ", ".join(["*a"] * 150) + "]\n",
          refuse=("more than 100 aliases",))
    c.add("mapping_file_too_large", "survey", csv(S),
          mapping="# " + "x" * 100 + "\n" * 1 + ("# padding\n" * 600_000),
          refuse=("the mapping file is 6.", "Is it the data file?"))
    c.add("mapping_number_of_5000_digits", "survey", csv(S),
          mapping="rating_scale: [1, " + "9" * 5_000 + "]\n",
          refuse=("a number of 5,000 digits", "line 1"))
    c.add("mapping_value_very_long", "survey", csv(S),
          mapping="rating_scale: [1, " + "9" * 50_000 + "x]\n",
          refuse=("rating_scale", "two numbers"))
    # -- files beyond the limits
    c.add("cell_longer_than_excel_allows", "survey",
          csv(edit(S, segment=(1, "x" * 40_000))),
          refuse=("longer than 32,767 characters", "row 3", "never closed"))
    c.add("line_of_11_million_characters", "survey",
          text(",".join(S.columns) + "\n" + "y" * 11_000_000 + "\n"),
          refuse=("line 2", "longer than 10,000,000 characters", "not a table"))
    c.add("header_of_200001_columns", "survey",
          text(",".join(f"c{i}" for i in range(200_001)) + "\n" + "1," * 200_000 + "1\n"),
          refuse=("200,001 columns", "at most 200,000", "transpose"))
    garbage = np.random.default_rng(3).integers(32, 127, 2_000_000, dtype=np.uint8)
    garbage[::97] = 10  # lines of printable garbage
    c.add("two_megabytes_of_text_garbage", "survey", raw(garbage.tobytes()),
          refuse=("two_megabytes_of_text_garbage.csv",))
    wide = pd.concat([S[["respondent_id", "overall_sat"]],
                      pd.DataFrame({f"q{i}": S["rel_1"] for i in range(5_000)})], axis=1)
    c.add("survey_of_5000_unused_ratings", "survey", csv(wide), rows=(n, n),
          warns=("hold whole numbers on the rating scale", "q0, q1, q2"))
    # -- accepted silently, changing results: now a note or a rule
    berlin = pd.to_datetime(customers_typed()["acquired_on"]).dt.tz_localize("Europe/Berlin")
    c.add("parquet_dates_with_a_time_zone", "customers",
          parquet_with(customers_typed(), acquired_on=pa.array(berlin)),
          file="zoned.parquet", rows=(n, n),
          warns=("the zone Europe/Berlin", "local time written there", "`timezone:`"))
    c.add("parquet_dates_converted_to_a_declared_zone", "customers",
          parquet_with(customers_typed(), acquired_on=pa.array(berlin)),
          file="zoned_utc.parquet", mapping="timezone: UTC\n", rows=(n, n),
          warns=("Europe/Berlin were converted to UTC",))
    offsets = [f"{t}+0{1 + i % 2}:00" for i, t in enumerate(
        CONTACTS["arrived_at"].str.replace(" ", "T"))]
    c.add("times_with_mixed_utc_offsets", "contacts", csv(edit(CONTACTS, arrived_at=offsets)),
          rows=(n, n), warns=("UTC offsets (+01:00, +02:00)", "local time written"))
    c.add("timezone_unknown", "contacts", csv(CONTACTS), mapping="timezone: Europe/Berlinn\n",
          refuse=("unknown time zone 'Europe/Berlinn'", "Did you mean 'Europe/Berlin'?"))
    refund = TRANSACTIONS.iloc[[3]].assign(date="2023-05-14", amount="-36.29",
                                           quantity="-1", order_id="REF000003")
    with_refund = pd.concat([TRANSACTIONS, refund], ignore_index=True)
    c.add("refund_a_month_later", "transactions", csv(with_refund), rows=(n + 1, n - 1),
          warns=("1 refund(s)", "netted against the purchase", "1 purchase(s) refunded in full"))
    same_order = pd.concat([TRANSACTIONS, refund.assign(order_id="ORD000003",
                                                        amount="-10.00")], ignore_index=True)
    c.add("partial_refund_with_its_order_id", "transactions", csv(same_order),
          rows=(n + 1, n), warns=("0 purchase(s) refunded in full were dropped, 1 reduced",))
    c.add("refunds_dropped_by_rule", "transactions", csv(with_refund),
          mapping="refunds: drop\n", rows=(n + 1, n), warns=("`refunds: drop`",))
    c.add("refund_rule_unknown", "transactions", csv(with_refund), mapping="refunds: keep\n",
          refuse=("unknown rule 'keep'", "`net`", "`drop`"))
    copies = TRANSACTIONS.drop(columns="order_id")
    copies = pd.concat([copies] + [copies.iloc[:10]] * 5, ignore_index=True)
    c.add("fifty_exact_duplicate_transactions", "transactions", csv(copies),
          rows=(n + 50, n + 50), warns=("exact copies of an earlier row", "(50 in all"))
    five = S.copy()
    for col in RATINGS:
        five[col] = five[col].astype(int).clip(upper=5).astype(str)
    c.add("survey_on_a_1_to_5_scale", "survey", csv(five), rows=(n, n),
          warns=("no rating is above 5", "rating_scale: [1, 5]"))
    # -- unclear messages, now clear
    c.add("excel_serial_dates", "customers",
          csv(edit(CUSTOMERS, acquired_on=(1, "44929"))),
          refuse=("'acquired_on'", "Excel serial dates", "44929 is 2023-01-03",
                  "format the column as a date"))
    summary = pd.DataFrame({"Kennzahl": ["Antworten", "Mittel"], "Wert": [40, 5.2]})
    c.add("workbook_with_a_summary_first", "survey",
          excel({"Summary": summary, "Daten": S}), file="summary_first.xlsx",
          refuse=("sheet 'Daten' has them", "`sheet: Daten`"))
    c.add("workbook_with_merged_title_rows", "survey", title_rows_xlsx(1),
          file="title.xlsx", refuse=("on row 3", "`header_row: 3`"))
    c.add("workbook_title_rows_declared", "survey", title_rows_xlsx(1),
          file="title_ok.xlsx", mapping="header_row: 3\n", rows=(n, n),
          warns=("the header is row 3",))
    c.add("csv_with_a_title_line", "survey",
          text("Customer survey 2024\n" + csv_text(S)),
          refuse=("more values than the header", "`header_row: 2`"))
    c.add("csv_with_a_title_line_declared", "survey",
          text("Customer survey 2024\n" + csv_text(S)), mapping="header_row: 2\n",
          rows=(n, n), warns=("the header is row 2",))
    groups = ",".join(["Who", "", ""] + ["Service"] + [""] * (S.shape[1] - 4))
    c.add("csv_with_a_two_row_header", "survey", text(groups + "\n" + csv_text(S)),
          refuse=("on row 2", "`header_row: 2`"))
    c.add("header_row_not_a_number", "survey", csv(S), mapping="header_row: second\n",
          refuse=("'header_row:'", "1 = the first"))
    c.add("password_protected_xlsx", "survey", raw(encrypted_xlsx()), file="secret.xlsx",
          refuse=("password-protected", "remove the password"))
    c.add("windows_ctrl_z_at_the_end", "survey", raw(csv_text(S).encode() + b"\x1a"),
          rows=(n, n), warns=("Ctrl-Z",))
    c.add("windows_ctrl_z_after_the_last_value", "survey",
          raw(csv_text(S).rstrip("\n").encode() + b"\x1a"), rows=(n, n), warns=("Ctrl-Z",))
    c.add("header_repeats_every_10_rows", "survey", header_every(S, 10), rows=(n + 3, n),
          warns=("the header row repeats", "rows 12, 23, 34"))
    c.add("parquet_list_column_used", "survey",
          parquet_with(S.drop(columns="segment"),
                       segment=pa.array([["a", "b"]] * n, pa.list_(pa.string()))),
          file="lists.parquet", refuse=("'segment' holds lists", "nested Parquet", "explode"))
    c.add("parquet_nested_columns_unused", "survey",
          parquet_with(S, tags=pa.array([["a"]] * n, pa.list_(pa.string())),
                       address=pa.array([{"city": "Haifa", "zip": "3200003"}] * n)),
          file="nested.parquet", rows=(n, n), warns=("address hold records",
                                                      "named record.field"))
    c.add("r_export_writes_NA", "survey", csv(edit(S, rel_1=(2, "NA"), rel_2=(5, "NA"))),
          refuse=("'rel_1'", "'NA' (row 4)", 'missing: ["NA"]', "R writes NA"))


def write_all(folder: Path) -> list[tuple[Case, Path, Path | None]]:
    """Write every case into *folder*; returns (case, data file, mapping file)."""
    out = []
    for case in build():
        path, mapping = case.materialise(folder / case.name)
        out.append((case, path, mapping))
    return out


if __name__ == "__main__":  # pragma: no cover
    import sys

    written = write_all(Path(sys.argv[1]))
    print(f"{len(written)} cases written to {sys.argv[1]}")


def _experiments_and_summaries(c: Corpus) -> None:
    """The experiment, customer-summary and queue-interval kinds (issue 21): a good file of
    each, and the mistakes an analyst makes with them."""
    from cxlib.data.datasets import data_dir

    e = pd.read_csv(data_dir() / "sample" / "experiment.csv").head(200)
    s = pd.read_csv(data_dir() / "sample" / "summary.csv").head(200)
    c.add("experiment_two_arms", "experiment", csv(e), rows=(200, 200))
    c.add("experiment_single_arm", "experiment", csv(e.assign(arm="control")),
          refuse=("holds a single arm", "at least two arms"))
    c.add("experiment_control_not_an_arm", "experiment", csv(e), mapping="control: nobody\n",
          refuse=("'control: nobody'", "not an arm of the file", "'note' (95)"))
    c.add("summary_in_weeks", "summary", csv(s), mapping="time_unit: week\n", rows=(200, 200))
    late = s.copy()
    late.loc[3, "recency"] = 99
    c.add("summary_recency_after_T", "summary", csv(late), mapping="time_unit: week\n",
          refuse=("greater than T", "same unit"))
    q = pd.read_csv(data_dir() / "sample" / "intervals.csv").head(120)
    queue = "interval_minutes: 15\nthreshold_seconds: 30\n"
    c.add("intervals_of_a_quarter_hour", "intervals", csv(q), mapping=queue, rows=(120, 120))
    swapped = q.copy()
    swapped.loc[5, "answered_within"] = swapped.loc[5, "answered"] + 7
    c.add("intervals_more_in_time_than_answered", "intervals", csv(swapped), mapping=queue,
          refuse=("larger than 'answered' on the same row", "does not swap the two columns"))
    c.add("intervals_repeated_row", "intervals", csv(pd.concat([q, q.iloc[[3]]])),
          mapping=queue, refuse=("repeats the start of an earlier interval", "queue"))
