"""The command line: clear messages and exit codes, never a traceback for a user mistake."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cxlib.app.cli import main
from cxlib.data.datasets import data_dir


def test_list_names_every_claim(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for cid in ("RET-1", "WOM-1", "LOY-1", "DEF-3", "REP-1", "CHN-1"):
        assert cid in out


def test_validate_ok(capsys):
    assert main(["validate", "survey", str(data_dir() / "sample" / "survey.csv")]) == 0
    assert "rows read: 800" in capsys.readouterr().out


def test_validate_error_exit_code_and_message(capsys, write, survey_sample):
    path = write(survey_sample.drop(columns=["overall_sat"]))
    assert main(["validate", "survey", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Problems in") and "overall_sat" in err
    assert "Traceback" not in err


def test_validate_hebrew_example_with_mapping(capsys):
    code = main(["validate", "survey", str(data_dir() / "examples" / "survey_hebrew.csv"),
                 "--columns", str(data_dir() / "mappings" / "example_survey_hebrew.yaml")])
    assert code == 0
    assert "rows read: 200; kept: 200" in capsys.readouterr().out


def test_run_rejects_unknown_notebook(capsys, tmp_path):
    assert main(["run", "99_nothing", "--out", str(tmp_path)]) == 2
    assert "No single notebook matches '99_nothing'" in capsys.readouterr().err


def test_run_rejects_unknown_kind(capsys, tmp_path):
    assert main(["run", "00", "--data", f"sruvey={tmp_path}/x.csv", "--out", str(tmp_path)]) == 2
    assert "Unknown data kind" in capsys.readouterr().err


def test_run_validates_user_files_before_starting(capsys, tmp_path, write, survey_sample):
    bad = survey_sample.copy()
    bad.loc[0, "rel_1"] = "12"
    path = write(bad)
    assert main(["run", "00", "--data", f"survey={path}", "--out", str(tmp_path / "r")]) == 2
    assert "rel_1" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["schema"], ["schema", "survey", "--markdown"]])
def test_schema(capsys, argv):
    assert main(argv) == 0
    assert "respondent_id" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    out = subprocess.run([sys.executable, "-m", "cxlib", "list"], capture_output=True,
                         text=True, check=True).stdout
    assert "LOY-1" in out


@pytest.mark.notebooks
def test_a_run_prints_progress_and_the_report_location_and_nothing_else(tmp_path):
    """A quiet terminal: no kernel start-up or shutdown chatter on standard error (it goes
    to kernels.log in the output folder), only progress lines and where the report is."""
    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-m", "cxlib", "run", "00", "10", "--no-evidence",
                           "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Running 2 notebook(s)")
    assert all(" ok (" in line for line in lines[1:-1]) and len(lines) == 4
    assert lines[-1] == f"Report: {out / 'index.html'}"
