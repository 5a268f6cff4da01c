"""The corpus of malformed and harmless files (tests/corpus.py): every bad file is refused
with one message naming the file, the problem and the fix; every harmless file is accepted
with every row counted; no command ends in a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from corpus import Case, build

from cxlib import load_data
from cxlib.app.cli import main
from cxlib.data.schemas import KINDS
from cxlib.errors import UserDataError

CASES = build()


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(CASES) >= 80
    kinds = Counter(c.kind for c in CASES)
    assert set(kinds) == set(KINDS)
    bad = sum(c.bad for c in CASES)
    assert bad >= 40 and len(CASES) - bad >= 40
    assert sum(c.mapping is not None for c in CASES) >= 40  # mapping errors and mappings
    assert len({c.file.rsplit(".", 1)[-1] for c in CASES}) >= 6  # csv, xlsx, parquet, gz, …


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_file(case: Case, tmp_path):
    path, mapping = case.materialise(tmp_path)
    if case.bad:
        with pytest.raises(UserDataError) as info:
            load_data(case.kind, path, mapping)
        message = info.value.message
        assert path.name in message, message  # the data file is named, even for mapping errors
        missing = [s for s in case.refuse if s not in message]
        assert not missing, f"{missing} not in:\n{message}"
        return
    ds = load_data(case.kind, path, mapping)
    report = ds.report
    assert (report.rows_read, report.rows_kept) == case.rows
    assert len(ds.frame) == report.rows_kept
    assert report.rows_read == report.rows_kept + sum(d.count for d in report.dropped)
    assert all(d.reason and d.count == len(d.rows) for d in report.dropped)
    notes = "\n".join(report.warnings)
    missing = [w for w in case.warns if w not in notes]
    assert not missing, f"{missing} not in notes:\n{notes}"
    assert "Traceback" not in report.summary()


def test_cli_validate_over_the_corpus(tmp_path, capsys):
    """Exit code 2 and one 'error:' message for every bad file, 0 for every harmless one."""
    wrong = []
    for case in CASES:
        path, mapping = case.materialise(tmp_path / case.name)
        argv = ["validate", case.kind, str(path)] + (["--columns", str(mapping)] if mapping
                                                     else [])
        code = main(argv)
        out, err = capsys.readouterr()
        expected = 2 if case.bad else 0
        ok = code == expected and "Traceback" not in out + err
        ok = ok and (err.startswith("error: ") if case.bad else out.endswith(
            "OK: the file can be used.\n"))
        if not ok:
            wrong.append((case.name, code, (out + err)[-300:]))
    assert not wrong, wrong


@pytest.mark.parametrize("argv", [
    ["validate", "surveys", "x.csv"],
    ["validate", "survey"],
    ["validate", "survey", "."],
    ["validate", "survey", "missing.csv", "--columns", "missing.yaml"],
    ["run", "--data", "survey"],
    ["run", "--data", "survey=missing.csv"],
    ["run", "--data", "=x.csv"],
    ["run", "--jobs", "0"],
    ["run", "--jobs", "two"],
    ["run", "--columns", "m.yaml"],
    ["run", "99"],
    ["run", "00", "--data", "survey=a.csv", "--data", "survey=b.csv"],
    ["schema", "survey_data"],
    ["sample"],
    ["sample", "--out", "x", "--size", "-5"],
    ["sample", "--out", "x", "--seed", "abc"],
    ["student"],
    ["frobnicate"],
    [],
], ids=lambda a: " ".join(a) or "nothing")
def test_cli_bad_arguments_exit_2_without_traceback(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert err.strip(), "the user is told what went wrong"


def test_cli_output_folder_that_is_a_file(capsys, tmp_path):
    blocker = tmp_path / "report"
    blocker.write_text("a file, not a folder")
    assert main(["student", "--out", str(blocker)]) == 2
    assert main(["sample", "--out", str(blocker / "sub")]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and err.count("error:") == 2


def test_cli_unreadable_file(capsys, tmp_path, monkeypatch):
    path = tmp_path / "locked.csv"
    path.write_text("respondent_id,overall_sat\nr1,5\nr2,6\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("cxlib.data.filetypes.open", denied, raising=False)
    assert main(["validate", "survey", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and "locked.csv" in err and "Traceback" not in err


def test_cli_unexpected_errors_are_one_line(capsys, monkeypatch):
    monkeypatch.delenv("CXLIB_DEBUG", raising=False)
    monkeypatch.setattr("cxlib.app.cli.cmd_list", lambda: 1 / 0)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "bug" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["parquet_truncated", "rating_scale_with_a_word"])
def test_cli_subprocess_on_corpus_files(name, tmp_path):
    case = next(c for c in CASES if c.name == name)
    path, mapping = case.materialise(tmp_path)
    argv = [sys.executable, "-m", "cxlib", "validate", case.kind, str(path)]
    argv += ["--columns", str(mapping)] if mapping else []
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and path.name in done.stderr
