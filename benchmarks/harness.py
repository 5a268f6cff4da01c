"""Timing whole commands, paired and interleaved (used by ``scoreboard.py``).

:func:`measure` runs one command as a process of its own and reports what the operating
system accounts for it: wall seconds (a monotonic clock around start and reaping), CPU
seconds (user + system of the command and every process it waited for, from ``wait4``),
and memory summed over the whole process tree — every process under the command, kernels
forked from a template included — sampled every 0.1 s: the largest sum of resident sets
(RSS, which counts pages shared between processes once per process) and of proportional
sets (PSS, which shares them out), beside the largest single process.

:func:`paired` runs a command A and its peer or floor B in turn, A B A B …, and quotes the
median of each figure and the median of the pair-by-pair ratios A/B, which hold when the
machine's speed drifts between pairs. Every result carries the load average before and after.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass


@dataclass
class Run:
    """One run of a command: wall and CPU seconds, peak memory (GB) summed over the process
    tree (RSS and PSS) and of its largest process, and the exit code."""

    wall: float
    cpu: float
    rss_sum_gb: float
    pss_sum_gb: float
    rss_max_gb: float
    code: int


def _tree_memory(root: int) -> tuple[float, float, float]:
    """(Σ RSS, Σ PSS, max RSS) in bytes over *root* and every process under it."""
    import psutil

    try:
        procs = [psutil.Process(root)]
        procs += procs[0].children(recursive=True)
    except psutil.Error:
        return 0.0, 0.0, 0.0
    rss = pss = top = 0.0
    for proc in procs:
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        top = max(top, info.rss)
    return rss, pss, top


def measure(argv: Sequence[str], env: Mapping[str, str] | None = None,
            timeout: float = 3600.0) -> Run:
    """Run *argv* (its output thrown away) with *env* added to the environment."""
    start = time.monotonic()
    proc = subprocess.Popen(list(argv), env={**os.environ, **(env or {})},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak = [0.0, 0.0, 0.0]
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            proc.kill()
        peak = [max(a, b) for a, b in zip(peak, _tree_memory(proc.pid), strict=True)]
        time.sleep(0.1)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    gb = 1024**3
    # not ru_maxrss: a forked child's count includes this process's pages before its exec
    return Run(wall, usage.ru_utime + usage.ru_stime, peak[0] / gb, peak[1] / gb,
               peak[2] / gb, proc.returncode)


def load() -> list[float]:
    """The 1-, 5- and 15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def summary(runs: Sequence[Run]) -> dict:
    """Median, min and max of each figure of *runs*."""
    out = {}
    for name in ("wall", "cpu", "rss_sum_gb", "pss_sum_gb", "rss_max_gb"):
        values = [getattr(r, name) for r in runs]
        out[name] = {"median": round(statistics.median(values), 3),
                     "min": round(min(values), 3), "max": round(max(values), 3)}
    out["exit_codes"] = sorted({r.code for r in runs})
    return out


def paired(a: Sequence[str], b: Sequence[str], *, runs: int = 3, warmup: int = 0,
           env_a: Mapping[str, str] | None = None, env_b: Mapping[str, str] | None = None,
           timeout: float = 3600.0) -> dict:
    """A and B in turn, *runs* pairs after *warmup* unpaired pairs: each one's summary, the
    pair-by-pair ratios A/B of wall and CPU seconds and of summed PSS (medians, min, max),
    the load average before and after."""
    before = load()
    for _ in range(warmup):
        measure(a, env_a, timeout)
        measure(b, env_b, timeout)
    ra, rb = [], []
    for _ in range(runs):
        ra.append(measure(a, env_a, timeout))
        rb.append(measure(b, env_b, timeout))
    ratios = {}
    for name in ("wall", "cpu", "pss_sum_gb"):
        values = [getattr(x, name) / getattr(y, name) for x, y in zip(ra, rb, strict=True)
                  if getattr(y, name) > 0]
        if values:
            ratios[name] = {"median": round(statistics.median(values), 3),
                            "min": round(min(values), 3), "max": round(max(values), 3)}
    return {"a": {"argv": list(a), "env": dict(env_a or {}), **summary(ra),
                  "runs": [asdict(r) for r in ra]},
            "b": {"argv": list(b), "env": dict(env_b or {}), **summary(rb),
                  "runs": [asdict(r) for r in rb]},
            "ratio_a_over_b": ratios, "pairs": runs, "load_before": before, "load_after": load()}


def single(a: Sequence[str], *, runs: int = 3, env: Mapping[str, str] | None = None,
           timeout: float = 3600.0) -> dict:
    """*runs* runs of one command (no peer): its summary and the load before and after."""
    before = load()
    ra = [measure(a, env, timeout) for _ in range(runs)]
    return {"a": {"argv": list(a), "env": dict(env or {}), **summary(ra),
                  "runs": [asdict(r) for r in ra]}, "load_before": before, "load_after": load()}
