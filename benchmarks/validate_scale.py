"""Benchmark (not a test): ``cxlib validate`` on a large transaction log and on wide surveys.

    python benchmarks/validate_scale.py make [--rows 5000000] [--dir /tmp/cxlib_validate]
    python benchmarks/validate_scale.py run --checkout PATH [--label NAME] [--dir …]

``make`` writes the inputs (once; they are reused):

* ``transactions.csv``: *rows* purchases (customer_id, date, amount, quantity, order_id),
  about 37 bytes a row: 5,000,000 rows are about 185 MB;
* ``survey_5000.csv`` and ``survey_100000.csv``: 5 respondents answering 5,000 and 100,000
  rating questions besides ``respondent_id`` and ``overall_sat`` (about 0.1 and 1.3 MB);
  with no mapping file every question is an ignored column that validation looks at.

``run`` times ``cxlib validate`` of each input with the cxlib of the checkout *PATH*
(``PYTHONPATH=PATH``), as a whole process under ``/usr/bin/time -v``: wall time and peak
resident memory (the operating system's accounting of the finished process), one run each
(the machine is shared). Compare a checkout of ``main`` with a branch by running it twice;
the results are appended to ``DIR/results.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_DIR = Path("/tmp/cxlib_validate")


def make(folder: Path, rows: int, seed: int = 0) -> None:
    """Write the inputs into *folder* (module docstring)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    log = folder / "transactions.csv"
    if not log.exists():
        chunk = 1_000_000
        with pcsv.CSVWriter(log, pa.schema([(c, pa.string()) for c in (
                "customer_id", "date", "amount", "quantity", "order_id")]),
                write_options=pcsv.WriteOptions(quoting_style="none")) as out:
            for start in range(0, rows, chunk):
                n = min(chunk, rows - start)
                customer = rng.integers(0, max(1, rows // 8), n)
                day = np.datetime64("2019-01-01") + rng.integers(0, 5 * 365, n)
                out.write_table(pa.table({
                    "customer_id": pc.utf8_lpad(pa.array(customer).cast(pa.string()), 7, "0"),
                    "date": pa.array(day.astype(str)),
                    "amount": pa.array(np.round(rng.gamma(2.0, 20.0, n), 2)).cast(pa.string()),
                    "quantity": pa.array(rng.integers(1, 4, n)).cast(pa.string()),
                    "order_id": pc.utf8_lpad(pa.array(np.arange(start, start + n)).cast(
                        pa.string()), 8, "0")}))
    for width in (5_000, 100_000):
        path = folder / f"survey_{width}.csv"
        if path.exists():
            continue
        header = ["respondent_id", "overall_sat", *(f"q{i}" for i in range(1, width + 1))]
        lines = [",".join(header)]
        for r in range(5):
            answers = rng.integers(1, 8, width + 1).astype(str)
            lines.append(",".join([f"R{r}", *answers]))
        path.write_text("\n".join(lines) + "\n")
    for path in sorted(folder.glob("*.csv")):
        print(f"{path}  {path.stat().st_size / 1e6:,.1f} MB")


def measure(argv: list[str], env: dict[str, str]) -> dict:
    """Wall seconds, peak resident memory (MB) and exit code of *argv* under time -v."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True,
                          env=env)
    wall = time.perf_counter() - start
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    lines = [line for line in done.stderr.splitlines() if not line.startswith("\t")]
    return {"seconds": round(wall, 2), "peak_mb": round(int(peak.group(1)) / 1024, 1),
            "exit": done.returncode, "said": (done.stdout + "\n".join(lines))[-400:]}


def run(folder: Path, checkout: Path, label: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    inputs = [("transactions", folder / "transactions.csv"),
              ("survey", folder / "survey_5000.csv"), ("survey", folder / "survey_100000.csv")]
    with open(folder / "results.jsonl", "a") as log:
        for kind, path in inputs:
            got = measure([sys.executable, "-m", "cxlib", "validate", kind, str(path)], env)
            size = path.stat().st_size / 1e6
            row = {"label": label, "checkout": str(checkout), "file": path.name,
                   "file_mb": round(size, 1), **got, "load": os.getloadavg()[0]}
            log.write(json.dumps(row) + "\n")
            print(f"{label:<10} {path.name:<20} {size:8.1f} MB  {got['seconds']:8.1f} s  "
                  f"peak {got['peak_mb']:8.0f} MB ({got['peak_mb'] / size:5.1f}x)  "
                  f"exit {got['exit']}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["make", "run"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if args.step == "make":
        make(args.dir, args.rows)
    else:
        run(args.dir, args.checkout.resolve(), args.label or args.checkout.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
