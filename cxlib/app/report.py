"""The report's front page (index.html): an evidence table, the data used, the notebooks.

For each claim of the registry the page shows three things, kept apart:

* **published evidence**: the figure and its reference, from the registry;
* **our reanalysis of real data**: per real data set, the claim-level verdict and the figures
  behind it (estimate, 95% interval, n, verdict), linked to the page of the run that made them;
* **the synthetic demonstration**: whether the intervals recovered the values planted in the
  sample.

The claim's verdict comes from real data only; without real data it says so. A forest plot
per claim (:mod:`cxlib.app.forest`, ``figures/<claim>.svg``) shows the published figure beside
every estimate. Then the files read (rows kept and dropped, and why) and every notebook run.
Everything the page shows is escaped: file names, column names and labels come from users.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader

from cxlib.app.evidence import caveat_of, label_of, page_of
from cxlib.app.forest import Panel, Row, forest_svg
from cxlib.registry.claims import claims, get_claim
from cxlib.registry.records import SHOWN, ResultRecord
from cxlib.stats.formatting import fmt
from cxlib.stats.verdicts import INCONCLUSIVE, NOT_SUPPORTED, NOT_TESTABLE, SUPPORTED

NO_REAL_DATA = "no real data yet"
SAMPLE_LABEL = "sample (synthetic)"


_CLASSES = {SUPPORTED: "v-supported", NOT_SUPPORTED: "v-not-supported",
            INCONCLUSIVE: "v-inconclusive", NOT_TESTABLE: "v-not-testable",
            NO_REAL_DATA: "v-no-real-data", SHOWN: "v-shown"}


def _verdict_class(verdict: str) -> str:
    """The CSS class of one of the four verdicts (or "no real data"): by the label itself."""
    return _CLASSES.get(verdict, "")


def _source(d: dict) -> str:
    """Where a file comes from: the synthetic sample, the real data bundled with cxlib, or
    the user."""
    from cxlib.data.datasets import data_dir

    path = Path(d["file"]).resolve()
    if path.is_relative_to(data_dir() / "examples"):
        return "bundled example (from the synthetic sample)"
    if path.is_relative_to(data_dir() / "sample"):
        return "synthetic sample"
    if d.get("synthetic"):
        return "your file, declared synthetic (no evidence)"
    return "bundled real data" if path.is_relative_to(data_dir() / "real") else "your file"


def data_label(d: dict) -> str:
    """The data of one file a notebook read, as a reader names them: "synthetic sample
    (survey)", "your file: survey.csv", "bundled real data: ECSI mobile phones"."""
    source, name = _source(d), Path(d["file"]).name
    if source == "synthetic sample":
        return f"synthetic sample ({d['kind']})"
    if source == "bundled real data":
        return f"{source}: {label_of(name)}"
    return f"{source}: {name}"


def used_data(datasets: Sequence[dict]) -> dict[str, list[str]]:
    """Per notebook run (by name), the data it read (:func:`data_label`), in order."""
    used: dict[str, list[str]] = {}
    for d in datasets:
        labels = used.setdefault(d["notebook"], [])
        if data_label(d) not in labels:
            labels.append(data_label(d))
    return used


_LINK = re.compile(r"""\b(href|src)=("[^"]*"|'[^']*')""", re.I)
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")  # what a browser drops from a URL before its scheme


def safe_links(page: str) -> str:
    """*page* with every ``href`` and ``src`` either an http(s) URL, an anchor or a relative
    path: any other scheme (``javascript:``, ``data:``, ``file:``), which a notebook or file
    name chosen by a user may carry, becomes a relative link to the file of that name
    (``./javascript%3Aalert%281%29.html``)."""
    def fix(m: re.Match) -> str:
        value = html.unescape(m[2][1:-1])
        bare = _URL_NOISE.sub("", value)
        first = re.split(r"[/?#]", bare, maxsplit=1)[0]
        if ":" not in first or re.match(r"(?i)https?://", bare):
            return m[0]
        return f'{m[1]}="{html.escape("./" + quote(value, safe="/"), quote=True)}"'

    return _LINK.sub(fix, page)


def _data_rows(datasets: Sequence[dict]) -> list[dict]:
    """One row per distinct file, listing the notebooks that used it."""
    rows: dict[tuple, dict] = {}
    for d in datasets:
        key = (d["file"], d["kind"])
        row = rows.setdefault(key, {**d, "file_name": Path(d["file"]).name,
                                    "source": _source(d), "notebooks": []})
        if d["notebook"] not in row["notebooks"]:
            row["notebooks"].append(d["notebook"])
    return list(rows.values())


def _row(r: ResultRecord) -> dict:
    """A record as the page shows it."""
    return {**r.to_dict(), "words": r.headline or r.verdict, "value_fmt": fmt(r.value),
            "ci_fmt": f"[{fmt(r.ci_low)}, {fmt(r.ci_high)}]" if r.ci_low is not None else "–",
            "verdict_class": _verdict_class(r.verdict), "label": label_of(r.data),
            "page": page_of(r.notebook, r.data)}


def _real_sets(recs: Sequence[ResultRecord]) -> list[dict]:
    """Per real data set: its claim-level record (if the notebook concluded) and figures."""
    out = []
    for data in dict.fromkeys(r.data for r in recs if not r.synthetic):
        mine = [r for r in recs if r.data == data]
        verdict = next((r for r in mine if r.scope == "claim"), None)
        out.append({"data": data, "label": label_of(data), "caveat": caveat_of(data),
                    "page": page_of(mine[0].notebook, data),
                    "claim": _row(verdict) if verdict else None,
                    "figures": [_row(r) for r in mine if r.scope == "figure"]})
    return out


def _headline(real: Sequence[dict]) -> tuple[str, str]:
    """The claim's verdict from real data, in words and as one of the four verdicts: the data
    sets' claim-level verdicts when they agree, "differs by data set" when not, or why there
    is none."""
    if not real:
        return NO_REAL_DATA, NO_REAL_DATA
    verdicts = [v for s in real for v in ([(s["claim"]["words"], s["claim"]["verdict"])]
                                          if s["claim"] else
                                          [(r["verdict"], r["verdict"]) for r in s["figures"]
                                           if not r["supplementary"]])]
    decided = sorted({v for v in verdicts if v[1] != NOT_TESTABLE})
    if not decided:
        return NOT_TESTABLE, NOT_TESTABLE
    return decided[0] if len(decided) == 1 else ("differs by data set", "")


def _demonstration(recs: Sequence[ResultRecord]) -> dict | None:
    """What the synthetic sample showed: the planted values recovered, of those planted."""
    figures = [r for r in recs if r.synthetic and r.scope == "figure"]
    if not figures:
        return None
    planted = [r for r in figures if r.recovered is not None]
    return {"figures": [_row(r) for r in figures], "planted": len(planted),
            "recovered": sum(bool(r.recovered) for r in planted),
            "page": page_of(figures[0].notebook, figures[0].data)}


def _panels(cid: str, recs: Sequence[ResultRecord]) -> list[Panel]:
    """The forest plot's panels: one per figure with a finite estimate, real data first."""
    claim = get_claim(cid)
    panels: dict[str, list[Row]] = {}
    for r in sorted(recs, key=lambda r: r.synthetic):
        if r.scope == "figure" and r.value is not None and claim.spec(r.key).forest:
            label = SAMPLE_LABEL if r.synthetic else label_of(r.data)
            panels.setdefault(r.key, []).append(Row(label, r.value, r.ci_low, r.ci_high,
                                                    not r.synthetic))
    return [Panel(claim.spec(key).figure, claim.spec(key).rule, rows)
            for key, rows in panels.items()]


def _alt(cid: str, panels: Sequence[Panel]) -> str:
    """The forest plot in words, for readers who cannot see it."""
    parts = []
    for p in panels:
        rows = ", ".join(f"{r.label} {fmt(r.value)}"
                         + (f" [{fmt(r.low)}, {fmt(r.high)}]" if r.low is not None else "")
                         for r in p.rows)
        ref = "published" if p.rule.kind == "within" else f"claimed {p.rule.kind} than"
        parts.append(f"{p.figure}: {rows}; {ref} {p.rule.target:g}")
    return f"{cid}, estimates with 95% intervals. " + ". ".join(parts)


def evidence_table(records: Sequence[ResultRecord], out: Path) -> list[dict]:
    """Every claim of the registry with its three kinds of evidence and its picture (the
    SVG written into ``out/figures``)."""
    rows = []
    for cid, claim in claims().items():
        recs = [r for r in records if r.claim == cid]
        real = _real_sets(recs)
        panels = _panels(cid, recs)
        picture = (forest_svg(panels, out / "figures" / f"{cid}.svg").relative_to(out).as_posix()
                   if panels else None)
        words, verdict = _headline(real)
        rows.append({"id": cid, "title": claim.title, "published": claim.published,
                     "traceable": claim.traceable, "notebook": claim.notebook,
                     "wanted": claim.wanted,
                     "verdict": words, "verdict_class": _verdict_class(verdict),
                     "real": real, "demo": _demonstration(recs), "picture": picture,
                     "alt": _alt(cid, panels) if panels else ""})
    return rows


def write_report(out: Path, runs: Sequence, records: Sequence[ResultRecord],
                 datasets: Sequence[dict], given: Sequence[str] = ()) -> Path:
    """Render index.html into *out*; returns its path. *given* are the files the user gave
    (``--data``), which the banner names."""
    from cxlib import __version__

    # every value is escaped: file names, column names and labels come from the user's files
    # (select_autoescape() would leave a template named *.html.j2 unescaped)
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=True)
    table = evidence_table(records, out)
    page = env.get_template("index.html.j2").render(
        version=__version__, when=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        runs=runs, failed=[r for r in runs if not r.ok], claims=table,
        real_verdicts=sum(c["verdict"] not in (NO_REAL_DATA, NOT_TESTABLE) for c in table),
        data=_data_rows(datasets), synthetic=any(d.get("synthetic") for d in datasets),
        used=used_data(datasets), given=[Path(f).name for f in given],
        student=(out / "student").is_dir())
    path = out / "index.html"
    path.write_text(safe_links(page), encoding="utf-8")
    return path
