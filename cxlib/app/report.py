"""The report's front page (index.html): data used, claims table, notebooks.

The page is a short document: which files were read (rows kept and dropped, and
why), each claim's published figure beside the project's estimate, interval and
verdict, and links to every executed notebook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from cxlib.registry.claims import claims
from cxlib.registry.records import ResultRecord
from cxlib.stats.formatting import fmt


def _verdict_class(verdict: str) -> str:
    for key in ("not supported", "not testable", "supported", "inconclusive"):
        if verdict.startswith(key):
            return "v-" + key.replace(" ", "-")
    return ""


def _source(d: dict) -> str:
    """Where a file comes from: the synthetic sample, the real data bundled with cxlib, or
    the user."""
    from cxlib.data.datasets import data_dir

    if d.get("synthetic"):
        return "synthetic sample"
    return ("bundled real data" if Path(d["file"]).resolve().is_relative_to(data_dir() / "real")
            else "your file")


def _data_rows(datasets: Sequence[dict]) -> list[dict]:
    """One row per distinct file, listing the notebooks that used it."""
    rows: dict[tuple, dict] = {}
    for d in datasets:
        key = (d["file"], d["kind"])
        row = rows.setdefault(key, {**d, "file_name": Path(d["file"]).name,
                                    "source": _source(d), "notebooks": []})
        row["notebooks"].append(d["notebook"])
    return list(rows.values())


def write_report(out: Path, runs: Sequence, records: Sequence[ResultRecord],
                 datasets: Sequence[dict]) -> Path:
    """Render index.html into *out*; returns its path."""
    from cxlib import __version__

    # every value is escaped: file names, column names and labels come from the user's files
    # (select_autoescape() would leave a template named *.html.j2 unescaped)
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=True)
    registry = claims()
    grouped: dict[str, dict] = {}
    for cid, claim in registry.items():
        grouped[cid] = {"id": cid, "title": claim.title, "published": claim.published,
                        "records": []}
    for r in records:
        group = grouped.setdefault(r.claim, {"id": r.claim, "title": "",
                                             "published": r.published or "", "records": []})
        group["records"].append({
            **r.to_dict(), "value_fmt": fmt(r.value),
            "ci_fmt": f"[{fmt(r.ci_low)}, {fmt(r.ci_high)}]" if r.ci_low is not None else "–",
            "verdict_class": _verdict_class(r.verdict)})
    page = env.get_template("index.html.j2").render(
        version=__version__, when=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        runs=runs, failed=[r for r in runs if not r.ok],
        claims=[g for g in grouped.values() if g["records"]],
        data=_data_rows(datasets), synthetic=any(d.get("synthetic") for d in datasets),
        student=(out / "student").is_dir())
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
