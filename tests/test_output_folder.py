"""The output folder is cxlib's, and only cxlib's; runs stop when told and never mix
(cxlib.app.outdir, cxlib.app.runner, cxlib.app.inputs; issue 20).

The unit tests build folders by hand and run no kernel; the tests marked ``notebooks`` run
``cxlib`` in a subprocess on a tiny notebook (a few seconds each)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cxlib.app import outdir
from cxlib.app.cli import main, printable
from cxlib.app.execution import NotebookResult
from cxlib.app.inputs import InputWatch
from cxlib.app.outdir import BACKUP, MARKER, FolderRefused, output_folder
from cxlib.app.runner import run
from cxlib.data.datasets import data_dir, sample_path
from cxlib.errors import UserDataError

REPO = Path(__file__).resolve().parents[1]


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under *folder* (links not followed) with its contents' hash, or its
    link target; the lock file (the last run's process id) left out."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if rel == outdir.LOCK:
                continue
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[rel] = "folder"
    return found


def leftovers(out: Path) -> list[str]:
    """Staging folders a run left beside *out*."""
    return sorted(p.name for p in out.parent.glob(f".{out.name}.cxlib-tmp-*"))


@pytest.fixture
def users_folder(tmp_path) -> Path:
    """A project folder of the user's, with names a report also uses."""
    folder = tmp_path / "project"
    (folder / "results").mkdir(parents=True)
    (folder / "validated").mkdir()
    (folder / "survey.csv").write_text("respondent_id,overall_sat\nr1,5\n")
    (folder / "index.html").write_text("<p>my own page</p>")
    (folder / "results" / "q3.json").write_text('{"mine": true}')
    (folder / "validated" / "clean.csv").write_text("a\n1\n")
    (folder / "notebooks").mkdir()
    (folder / "notebooks" / "00_start_here.ipynb").write_text("{}")
    return folder


# --- refusals: nothing is written, nothing deleted -------------------------------------------

def test_a_run_into_a_folder_holding_the_users_files_refuses_and_deletes_nothing(
        users_folder, capsys):
    before = snapshot(users_folder)
    assert main(["run", "00", "--no-evidence", "--out", str(users_folder)]) == 2
    err = capsys.readouterr().err
    assert str(users_folder) in err and "did not write" in err
    assert "--out" in err and "--replace" in err  # the fix: another folder, or --replace
    assert snapshot(users_folder) == before and not leftovers(users_folder)


@pytest.mark.parametrize("where", [".", "notebooks", "cxlib", "data", "data/sample", "tests",
                                   ".."])
def test_the_checkout_and_cxlibs_own_folders_are_refused(where, capsys):
    out = (REPO / where).resolve()
    source = REPO / "notebooks" / "00_start_here.ipynb"
    stamp = source.stat().st_mtime_ns, source.read_bytes()
    assert main(["run", "00", "--no-evidence", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cxlib's" in err and "--out report" in err
    assert (source.stat().st_mtime_ns, source.read_bytes()) == stamp


def test_a_folder_holding_the_data_file_is_refused(tmp_path, capsys):
    data = tmp_path / "exports"
    data.mkdir()
    survey = data / "survey.csv"
    survey.write_bytes(sample_path("survey").read_bytes())
    for out in (data, tmp_path):  # the data's own folder, or one above it
        assert main(["run", "00", "--data", f"survey={survey}", "--out", str(out)]) == 2
        assert "holds your input file" in capsys.readouterr().err
    assert sorted(p.name for p in data.iterdir()) == ["survey.csv"]
    book = tiny_notebook(data)  # a notebook of the user's is an input too
    assert main(["run", str(book), "--out", str(data)]) == 2
    assert "holds your input file" in capsys.readouterr().err


def test_a_file_given_as_the_output_folder_is_refused(tmp_path, capsys):
    blocker = tmp_path / "report"
    blocker.write_text("not a folder")
    assert main(["run", "00", "--out", str(blocker)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert blocker.read_text() == "not a folder"


def test_a_marker_that_is_not_cxlibs_is_refused(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    for text in ('{"files": {"../keep.txt": "' + "0" * 64 + '"}}', "not json", '{"x": 1}'):
        (out / MARKER).write_text(text)
        with pytest.raises(FolderRefused, match="cannot use as its marker"), \
                output_folder(out, areas=["index.html"]):
            pass
    assert (out / "keep.txt").read_text() == "mine"


# --- the staged report: moved into place at the end, or not at all ---------------------------

def _stage(out: Path, files: dict[str, str], *, replace: bool = False,
           areas=("index.html", "results", "notebooks", "page.html")) -> outdir.Staging:
    """A run into *out* that writes *files* (relative path → text) and commits."""
    with output_folder(out, areas=areas, replace=replace, log=lambda _: None) as stage:
        for rel, text in files.items():
            (stage.path / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage.path / rel).write_text(text)
        stage.commit()
    return stage


def test_a_run_writes_a_marker_replaces_its_own_files_and_keeps_the_users(tmp_path):
    out = tmp_path / "report"
    _stage(out, {"index.html": "one", "results/a.json": "{}", "page.html": "p"})
    marker = json.loads((out / MARKER).read_text())
    assert set(marker["files"]) == {"index.html", "results/a.json", "page.html"}
    (out / "notes.txt").write_text("the user's notes, beside the report")
    _stage(out, {"index.html": "two", "results/b.json": "{}"})
    assert (out / "index.html").read_text() == "two"
    assert not (out / "results" / "a.json").exists()  # the earlier run's, unchanged: removed
    assert not (out / "page.html").exists()
    assert (out / "notes.txt").read_text() == "the user's notes, beside the report"
    assert not leftovers(out)


def test_a_file_the_user_changed_in_a_report_is_refused_then_kept_with_replace(tmp_path):
    out = tmp_path / "report"
    _stage(out, {"index.html": "one", "results/a.json": "{}"})
    (out / "index.html").write_text("edited by hand")
    (out / "results" / "a.json").write_text('{"mine": 1}')
    with pytest.raises(FolderRefused, match="changed or added since"):
        _stage(out, {"index.html": "two"})
    assert (out / "index.html").read_text() == "edited by hand"
    stage = _stage(out, {"index.html": "two"}, replace=True)
    assert (out / "index.html").read_text() == "two"
    assert (out / f"index.html{BACKUP}").read_text() == "edited by hand"
    assert (out / "results" / "a.json").read_text() == '{"mine": 1}'  # changed: not removed
    assert [(a.name, b.name) for a, b in stage.kept] == [("index.html", f"index.html{BACKUP}")]


def test_replace_writes_beside_the_users_files_and_deletes_none(users_folder):
    before = snapshot(users_folder)
    stage = _stage(users_folder, {"index.html": "report", "results/00.json": "{}",
                                  "notebooks/00_start_here.ipynb": "{}"}, replace=True)
    after = snapshot(users_folder)
    for rel, digest in before.items():  # every file of the user's is still there
        moved = next((b for a, b in stage.kept if a == users_folder / rel), None)
        assert after.get(rel) == digest or after[moved.relative_to(users_folder).as_posix()] \
            == digest, rel
    assert (users_folder / "index.html").read_text() == "report"
    assert (users_folder / f"index.html{BACKUP}").read_text() == "<p>my own page</p>"
    # identical contents are not the user's to lose: no backup of the notebook ("{}")
    assert not (users_folder / "notebooks" / f"00_start_here.ipynb{BACKUP}").exists()


def test_symlinks_inside_the_output_folder_are_not_followed(tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "data").mkdir(parents=True)
    (outside / "precious.html").write_text("not cxlib's")
    (outside / "data" / "keep.json").write_text('{"keep": true}')
    out = tmp_path / "report"
    _stage(out, {"index.html": "one", "results/a.json": "{}"})
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(outside / "precious.html")
    for path in (out / "results" / "a.json", out / "results"):
        path.unlink() if path.is_file() else path.rmdir()
    (out / "results").symlink_to(outside / "data", target_is_directory=True)
    before = snapshot(outside)
    with pytest.raises(FolderRefused, match="changed or added since"):
        _stage(out, {"index.html": "two", "results/b.json": "{}"})
    stage = _stage(out, {"index.html": "two", "results/b.json": "{}"}, replace=True)
    assert snapshot(outside) == before  # the targets were neither written nor deleted
    assert not (out / "index.html").is_symlink() and (out / "index.html").read_text() == "two"
    assert not (out / "results").is_symlink() and (out / "results" / "b.json").exists()
    assert (out / f"index.html{BACKUP}").is_symlink()  # the links are kept, renamed
    assert (out / f"results{BACKUP}").is_symlink() and len(stage.kept) == 2


def test_a_failed_run_leaves_the_previous_report_and_no_staging(tmp_path):
    out = tmp_path / "report"
    _stage(out, {"index.html": "one", "results/a.json": "{}"})
    before = snapshot(out)
    with pytest.raises(RuntimeError), output_folder(out, areas=["index.html"]) as stage:
        (stage.path / "index.html").write_text("half-written")
        raise RuntimeError("a notebook's worker died")
    assert snapshot(out) == before and not leftovers(out)


def test_a_failed_run_into_a_new_folder_leaves_nothing_behind(tmp_path):
    """Issue 24: a run that failed on a missing file left the new output folder behind (with
    empty notebooks/ and results/, later its lock file). The folder made for it goes."""
    out = tmp_path / "new" / "report"
    with pytest.raises(UserDataError):
        run(["01"], data={"survey": str(tmp_path / "missing.csv")}, out=out,
            log=lambda _: None)
    assert not out.exists() and not leftovers(out)


def test_a_staging_folder_left_by_a_killed_run_is_removed_by_the_next(tmp_path):
    out = tmp_path / "report"
    _stage(out, {"index.html": "one"})
    orphan = tmp_path / ".report.cxlib-tmp-dead"
    orphan.mkdir()
    (orphan / outdir.STAGING_TAG).write_text("123\n")
    (orphan / "index.html").write_text("from a run killed with -9")
    lookalike = tmp_path / ".report.cxlib-tmp-users"  # not marked as a staging folder: kept
    lookalike.mkdir()
    _stage(out, {"index.html": "two"})
    assert not orphan.exists() and lookalike.exists()


def test_a_second_run_into_the_same_folder_is_refused_while_one_holds_it(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    with outdir.locked(out), \
            pytest.raises(FolderRefused, match=r"another cxlib run .* is writing into"), \
            outdir.locked(out):
        pass
    with outdir.locked(out):  # released when the run ends
        pass


def test_student_notebooks_written_first_are_the_runs_own(tmp_path):
    """`cxlib student --out report/student` then `cxlib run --out report` (the old `make
    report`): the student notebooks are byte for byte those the run writes, so the folder
    holds nothing of the user's."""
    from cxlib.app.catalogue import available
    from cxlib.app.runner import REPORT_AREAS, _prepare

    out = tmp_path / "report"
    assert main(["student", "--out", str(out / "student")]) == 0
    with output_folder(out, areas=REPORT_AREAS, log=lambda _: None,
                       prepare=lambda work: _prepare(work, available())) as stage:
        stage.commit()
    assert not stage.kept and "student/00_start_here.ipynb" in json.loads(
        (out / MARKER).read_text())["files"]


# --- student notebooks and sample files ------------------------------------------------------

def test_sample_never_replaces_a_users_file_without_replace(tmp_path, capsys):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "survey.csv").write_text("my survey\n")
    assert main(["sample", "--out", str(exports), "--size", "60"]) == 2
    assert "survey.csv" in capsys.readouterr().err
    assert sorted(p.name for p in exports.iterdir()) == ["survey.csv"]
    assert (exports / "survey.csv").read_text() == "my survey\n"
    assert main(["sample", "--out", str(exports), "--size", "60", "--replace"]) == 0
    assert "replaced (--replace): survey.csv" in capsys.readouterr().out
    assert (exports / "survey.csv").read_text() != "my survey\n"
    assert main(["sample", "--out", str(exports), "--size", "60"]) == 0  # the same files again


def test_student_keeps_a_students_answers_unless_told(tmp_path, capsys):
    mywork = tmp_path / "mywork"
    assert main(["student", "--out", str(mywork)]) == 0
    assert main(["student", "--out", str(mywork)]) == 0  # unchanged files: written again
    book = sorted(mywork.glob("03_*.ipynb"))[0]
    nb = nbformat.read(book, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("answer = 42"))
    nbformat.write(nb, book)
    answered = book.read_bytes()
    capsys.readouterr()
    assert main(["student", "--out", str(mywork)]) == 2
    assert book.name in capsys.readouterr().err and book.read_bytes() == answered
    assert main(["student", "--out", str(mywork), "--replace"]) == 0
    assert book.read_bytes() != answered


# --- the report tells the truth about its data -----------------------------------------------

def test_only_http_or_relative_links_are_written(tmp_path):
    from cxlib.app.report import safe_links, write_report

    evil = "javascript:alert(document.domain)"
    runs = [NotebookResult(evil, "a title", True, 1.0),
            NotebookResult("00_start_here", "Start", True, 1.0)]
    page = write_report(tmp_path, runs, [], []).read_text(encoding="utf-8")
    links = [v for v in _links(page)]
    assert links and not [v for v in links if v.lower().lstrip().startswith("javascript:")]
    assert "./javascript%3Aalert%28document.domain%29.html" in links  # the page, relative
    assert "00_start_here.html" in links and "#RET-1" in links
    kept = ['https://example.org/x', 'figures/RET-1.svg', '#top', 'a/b:c.html']
    hostile = [" java\tscript:alert(1)", "data:text/html,x", "FILE:///etc/passwd"]
    fixed = safe_links("".join(f'<a href="{u}">' for u in [*kept, *hostile]))
    assert _links(fixed)[:4] == kept
    assert all(v.startswith("./") for v in _links(fixed)[4:])


def _links(page: str) -> list[str]:
    import html
    import re

    return [html.unescape(m) for m in re.findall(r'(?:href|src)="([^"]*)"', page)]


def test_the_report_names_the_data_each_notebook_used(tmp_path):
    from cxlib.app.report import write_report

    mine = "/home/someone/exports/survey.csv"
    datasets = [
        {"notebook": "05_word_of_mouth", "file": mine, "kind": "survey", "synthetic": False,
         "rows_read": 10, "rows_kept": 10, "dropped": []},
        {"notebook": "03_economics_of_retention", "kind": "customers", "synthetic": True,
         "file": str(sample_path("customers")), "rows_read": 5, "rows_kept": 5, "dropped": []},
        {"notebook": "02_satisfaction_to_loyalty--ecsi", "kind": "survey", "synthetic": False,
         "file": str(data_dir() / "real" / "mobi.csv"), "rows_read": 5, "rows_kept": 5,
         "dropped": []}]
    runs = [NotebookResult(n, n, True, 1.0) for n in
            ("05_word_of_mouth", "03_economics_of_retention", "02_satisfaction_to_loyalty--ecsi")]
    page = write_report(tmp_path, runs, [], datasets, given=[mine]).read_text(encoding="utf-8")
    rows = {r.split("</a>")[0].rsplit(">", 1)[-1]: r
            for r in page.split('<tr><td data-label="notebook"><a ')[1:]}
    assert "your file: survey.csv" in rows["05_word_of_mouth"]
    assert "synthetic sample (customers)" in rows["03_economics_of_retention"]
    assert "bundled real data: ECSI mobile phones" in rows["02_satisfaction_to_loyalty--ecsi"]
    assert "ran on <b>your files</b> (survey.csv)" in page
    assert "Every notebook runs on the bundled" not in page


# --- the terminal: shown, not obeyed ----------------------------------------------------------

def test_control_characters_reach_the_terminal_as_escapes(tmp_path, capsys, survey_sample):
    hostile = "\x1b]0;TITLE\x07\x1b[2J"
    assert printable(f"a{hostile}b\tc\nd\u202ee\r") == \
        "a\\x1b]0;TITLE\\x07\\x1b[2Jb\tc\nd\\u202ee\\r"
    frame = survey_sample.drop(columns=["overall_sat"]).rename(
        columns={"rel_1": f"rel{hostile}"})
    frame.loc[0, "rel_2"] = f"9{hostile}"
    path = tmp_path / f"survey{hostile[:4]}.csv"
    frame.to_csv(path, index=False)
    assert main(["validate", "survey", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "\\x1b" in err and not any(c in out + err for c in "\x1b\x07\r")


# --- input files that change during a run ----------------------------------------------------

def test_an_input_file_changed_during_a_run_is_named(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("a,b\n1,2\n")
    watch = InputWatch([path, tmp_path / "missing.csv"])  # an unreadable file says so later
    watch.check()
    os.utime(path, ns=(1, 1))  # touched, contents the same: not a change
    watch.check()
    path.write_text("a,b\n1,3\n")
    with pytest.raises(UserDataError, match=r"survey\.csv changed while the run was using it"):
        watch.check()
    path.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(UserDataError, match="size went from 8 to 12 bytes"):
        watch.check()
    path.unlink()
    with pytest.raises(UserDataError, match="moved or deleted"):
        watch.check()


# --- end to end: a real `cxlib run` in a subprocess ------------------------------------------

def tiny_notebook(folder: Path, name: str = "97_tiny") -> Path:
    """A notebook that loads the survey through a session (the run's store), then, as the
    environment says, marks that it started, sleeps, or appends to a file."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# {name}"),
        nbformat.v4.new_code_cell("data = {}\ncolumns = None\ndrop_invalid = False\n"
                                  "results_dir = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import os, pathlib, time\nimport cxlib as cx\n"
            f"nb = cx.start({name!r}, data=data, columns=columns, drop_invalid=drop_invalid, "
            "results_dir=results_dir)\nsurvey = nb.load('survey', quiet=True)\n"
            "grow = os.environ.get('CXLIB_TEST_APPEND')\n"
            "if grow:\n"
            "    line = open(grow).read().splitlines()[1]\n"
            "    open(grow, 'a').write(line + '\\n')\n"
            "if os.environ.get('CXLIB_TEST_FLAG'):\n"
            "    pathlib.Path(os.environ['CXLIB_TEST_FLAG']).touch()\n"
            "time.sleep(float(os.environ.get('CXLIB_TEST_SLEEP', '0')))\n"
            "print(len(survey))")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def cxlib(*args, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cxlib", *map(str, args)],
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


@pytest.mark.notebooks
def test_an_interrupted_run_stops_at_once_and_leaves_the_previous_report(tmp_path):
    import psutil

    out = tmp_path / "report"
    book = tiny_notebook(tmp_path / "nb")
    code, stdout, err = finish(cxlib("run", book, "--out", out))
    assert code == 0, stdout + err
    before = snapshot(out)
    flag = tmp_path / "started"
    run = cxlib("run", book, tiny_notebook(tmp_path / "nb", "96_tiny"), "--jobs", "2",
                "--out", out, env={"CXLIB_TEST_FLAG": str(flag), "CXLIB_TEST_SLEEP": "300"})
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.2)
    # a second run into the same folder is refused at once, and changes nothing
    code, _, err = finish(cxlib("run", book, "--out", out), timeout=60)
    assert code == 2 and f"another cxlib run (process {run.pid}) is writing into {out}" in err
    below = psutil.Process(run.pid).children(recursive=True)
    # a kernel forked from the run's template (cxlib.app.kernels) is named "ipykernel"; one
    # started from scratch has it in its command line
    kernels = [p for p in below if "ipykernel" in " ".join([p.name(), *p.cmdline()])]
    assert len(kernels) == 2
    start = time.monotonic()
    run.send_signal(signal.SIGINT)
    code, stdout, err = finish(run, timeout=60)
    stopped = time.monotonic() - start
    assert code == 130 and err.startswith("interrupted:") and str(out) in err, err
    assert stopped < 5, f"the run took {stopped:.1f} s to stop"
    _, alive = psutil.wait_procs(below, timeout=2)
    assert not alive, alive  # its workers and kernels were killed with it
    assert snapshot(out) == before and not leftovers(out)
    print(f"stopped {stopped:.2f} s after SIGINT")


@pytest.mark.notebooks
def test_a_planted_pickle_in_the_output_folder_runs_nothing(tmp_path):
    """Pickles planted where an older cxlib read them (``<out>/validated/<key>.meta.pickle``,
    with the keys it gave the bundled sample) are never unpickled; the run is the normal one,
    its report replaces the earlier one, and the planted files are left alone."""
    from cxlib.data.store import store_key

    out = tmp_path / "report"
    book = tiny_notebook(tmp_path / "nb")
    code, stdout, err = finish(cxlib("run", book, "--out", out))
    assert code == 0, stdout + err
    ran = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {ran}",))

    planted = out / "validated"
    planted.mkdir()
    for kind in ("survey", "customers"):
        path = sample_path(kind)
        st = path.stat()
        old = hashlib.sha256(json.dumps([kind, str(path), st.st_size, st.st_mtime_ns, None,
                                         False]).encode()).hexdigest()[:24]
        for key in (old, store_key(kind, path, None, False)):
            (planted / f"{key}.meta.pickle").write_bytes(pickle.dumps(Payload()))
            (planted / f"{key}.meta.json").write_text("{}")
    code, stdout, err = finish(cxlib("run", book, "--out", out))
    assert code == 0, stdout + err
    assert not ran.exists()
    assert len(list(planted.iterdir())) == 8  # not the run's: left as they were
    validations = json.loads((out / "validations.json").read_text())
    assert [v["kind"] for v in validations] == ["survey"]  # validated from the file itself


@pytest.mark.notebooks
def test_a_data_file_modified_during_a_run_fails_the_run(tmp_path, survey_sample):
    data = tmp_path / "exports"
    data.mkdir()
    survey = data / "my_survey.csv"
    survey_sample.to_csv(survey, index=False)
    out = tmp_path / "report"
    code, stdout, err = finish(cxlib("run", tiny_notebook(tmp_path / "nb"), "--data",
                                     f"survey={survey}", "--out", out,
                                     env={"CXLIB_TEST_APPEND": str(survey)}))
    assert code == 2, stdout + err
    assert err.startswith("error: my_survey.csv changed while the run was using it"), err
    assert str(survey) in err and "wrote no report" in err
    assert not (out / "index.html").exists() and not leftovers(out)


def test_a_full_disk_is_said_plainly_naming_the_output_folder(tmp_path, monkeypatch):
    """What a full disk leaves (issue 20): an executed notebook cut short, which read back gave
    "NotJSONError"; now the run stops with one sentence naming the output folder, and the
    previous report is unchanged."""
    import papermill

    from cxlib.app import execution
    from cxlib.app.disk import DiskFull

    def cut_short(source, executed, **_):
        Path(executed).write_text('{"cells": [{"cell_type": "co', encoding="utf-8")

    monkeypatch.setattr(papermill, "execute_notebook", cut_short)
    monkeypatch.setattr(execution, "short_of_space", lambda folder: True)  # as on a full disk
    out = tmp_path / "report"
    with pytest.raises(DiskFull) as info:
        run(["06"], out=out, evidence=False, log=lambda _: None)
    message = str(info.value)
    assert message.startswith(f"the disk is full: cxlib could not write the report into {out}")
    assert "NotJSON" not in message and "another disk" in message
    assert not (out / "index.html").exists() and not list(tmp_path.glob(".report.cxlib-tmp-*"))


def test_no_space_left_while_executing_is_said_plainly_by_the_cli(tmp_path, monkeypatch,
                                                                   capsys):
    import errno

    import papermill

    def no_space(source, executed, **_):
        raise OSError(errno.ENOSPC, "No space left on device", str(executed))

    monkeypatch.setattr(papermill, "execute_notebook", no_space)
    out = tmp_path / "report"
    assert main(["run", "06", "--no-evidence", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: the disk is full: cxlib could not write the report into {out}" in err
    assert "Errno" not in err and "unexpected" not in err
