"""Kernels of a run: forked from one warm template, on IPC sockets, isolated from each other.

The speed-up must change nothing a reader sees: a run's results.json (and its data sets and
the executed notebooks' text) is byte for byte the one kernels started from scratch give,
on the sample and on a bundled real data set; what one notebook does to its kernel never
reaches the next; kernels started at once never share a socket.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import nbformat
import pytest

from cxlib.app.kernels import (
    FRESH,
    KernelTemplate,
    TemplateKernelManager,
    blas_threads,
    kernel_room,
)
from cxlib.app.runner import run

pytestmark = pytest.mark.notebooks


def notebook(folder: Path, name: str, *sources: str) -> Path:
    """A notebook with a parameters cell and *sources* as code cells."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# {name}"),
        nbformat.v4.new_code_cell("results_dir = None", metadata={"tags": ["parameters"]}),
        *(nbformat.v4.new_code_cell(s) for s in sources)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def printed(out: Path, name: str) -> str:
    nb = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)


def outputs(out: Path) -> dict[str, list]:
    """Every executed notebook's outputs (text, tables, images), without timings and counts."""
    found = {}
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        found[path.stem] = [[{k: v for k, v in o.items() if k != "execution_count"}
                             for o in c.outputs] for c in nb.cells if c.cell_type == "code"]
    return found


def test_results_are_identical_with_and_without_the_template(tmp_path, monkeypatch):
    """Notebook 03 on the sample and on the bundled IBM telco table (its evidence run), with
    kernels forked from the template and with kernels started from scratch: results.json and
    datasets.json byte for byte, and every output of the executed notebooks (text, tables and
    figures), are the same."""
    warm, fresh = tmp_path / "warm", tmp_path / "fresh"
    done = run(["03"], out=warm, jobs=2, log=lambda _: None)
    monkeypatch.setenv(FRESH, "1")
    again = run(["03"], out=fresh, jobs=2, log=lambda _: None)
    assert [r.name for r in done] == [r.name for r in again] == [
        "03_economics_of_retention", "03_economics_of_retention--telco"]
    assert all(r.ok for r in done + again), [r.error for r in done + again]
    for name in ("results.json", "datasets.json"):
        assert (warm / name).read_bytes() == (fresh / name).read_bytes(), name
    assert json.loads((warm / "results.json").read_text())["records"]
    assert outputs(warm) == outputs(fresh)


def test_kernels_come_from_the_template_unless_told_otherwise(tmp_path, monkeypatch):
    """In a run the scientific stack is already imported when a notebook starts (its kernel
    was forked from the template); with CXLIB_FRESH_KERNELS=1 it is not. Either way the
    kernel is its own process, in the notebook's folder, on IPC sockets."""
    book = notebook(tmp_path / "nb", "95_where",
                    "import os, sys\nprint('pandas' in sys.modules, os.getcwd())\n"
                    "cf = sys.argv[sys.argv.index('-f') + 1]\n"
                    "import json\nprint(json.load(open(cf))['transport'])")
    run([str(book)], out=tmp_path / "a", log=lambda _: None)
    assert printed(tmp_path / "a", "95_where") == f"True {book.parent}\nipc\n"
    monkeypatch.setenv(FRESH, "1")
    run([str(book)], out=tmp_path / "b", log=lambda _: None)
    assert printed(tmp_path / "b", "95_where") == f"False {book.parent}\nipc\n"


def test_what_one_notebook_does_to_its_kernel_never_reaches_the_next(tmp_path):
    """One worker runs three notebooks in turn: the first changes module state (pandas'
    options, a cxlib function, the global random state, a variable) and fails; the second
    kills its own kernel; the third finds everything as a new kernel has it."""
    folder = tmp_path / "nb"
    spoil = notebook(folder, "91_spoil",
                     "import numpy as np, pandas as pd\nimport cxlib.stats.formatting as f\n"
                     "pd.set_option('display.precision', 9)\nf.fmt = None\nnp.random.seed(1)\n"
                     "leftover = 42\nraise RuntimeError('spoilt on purpose')")
    crash = notebook(folder, "92_crash", "import os\nos._exit(3)")
    check = notebook(folder, "93_check",
                     "import numpy as np, pandas as pd\nimport cxlib.stats.formatting as f\n"
                     "print(pd.get_option('display.precision'), f.fmt is not None,\n"
                     "      'leftover' in globals(),\n"
                     "      np.random.random() == np.random.RandomState(1).random_sample())")
    done = run([str(spoil), str(crash), str(check)], out=tmp_path / "out", jobs=1,
               log=lambda _: None)
    status = {r.name: (r.ok, r.error) for r in done}
    assert "spoilt on purpose" in status["91_spoil"][1]
    assert not status["92_crash"][0] and "died" in status["92_crash"][1].lower()
    assert status["93_check"] == (True, "")
    assert printed(tmp_path / "out", "93_check") == "6 True False False\n"


def test_parallel_kernels_use_one_blas_thread_each(tmp_path, monkeypatch):
    """With two workers each kernel's BLAS uses one thread (the user's own setting is kept)."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    assert blas_threads(1) == {}
    assert set(blas_threads(2).values()) == {str(max(1, (os.cpu_count() or 1) // 2))}
    code = ("from threadpoolctl import threadpool_info\n"
            "print(sorted({i['num_threads'] for i in threadpool_info()}))\n"
            "import numpy as np\nprint(np.random.randint(2**62))")
    books = [notebook(tmp_path / "nb", f"9{i}_threads", code) for i in (4, 5)]
    run([str(b) for b in books], out=tmp_path / "out", jobs=2, log=lambda _: None)
    expected = f"[{max(1, (os.cpu_count() or 1) // 2)}]"
    shown = [printed(tmp_path / "out", b.stem).split() for b in books]
    assert [s[0] for s in shown] == [expected, expected]
    assert shown[0][1] != shown[1][1]  # NumPy's global generator is seeded in each kernel


@pytest.mark.parametrize("fresh", [False, True], ids=["forked", "fresh"])
def test_many_kernels_started_at_once_each_get_sockets_of_their_own(tmp_path, monkeypatch,
                                                                   fresh):
    """Twelve kernels (six started from scratch) asked for at the same moment all start,
    answer, and use IPC sockets no other kernel uses (no TCP port to race for)."""
    count = 6 if fresh else 12
    if fresh:
        monkeypatch.setenv(FRESH, "1")

    async def one(i: int) -> tuple:
        km = TemplateKernelManager(kernel_name="python3")
        try:
            await km.start_kernel(cwd=str(tmp_path))
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=120)
            reply = await kc.execute_interactive(f"x = {i} * 2", timeout=60)
            info = km.get_connection_info()
            kc.stop_channels()
            return (reply["content"]["status"], info["transport"],
                    tuple(f"{info['ip']}-{info[p]}" for p in
                          ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port")))
        finally:
            await km.shutdown_kernel(now=True)

    async def all_at_once() -> list:
        return await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)

    with kernel_room() as room:
        template = None if fresh else KernelTemplate(room, tmp_path / "kernels.log")
        try:
            results = asyncio.run(all_at_once())
        finally:
            if template is not None:
                template.close()
    assert {r[:2] for r in results} == {("ok", "ipc")}, results
    sockets = [s for r in results for s in r[2]]
    assert len(sockets) == len(set(sockets)) == 5 * count
    assert all(s.startswith(str(room)) for s in sockets)


def test_outside_a_run_the_manager_is_jupyters_own():
    """Without a run's kernel folder the manager starts kernels as Jupyter does (TCP)."""
    km = TemplateKernelManager(kernel_name="python3")
    assert km.transport == "tcp" and km.provisioner is None
