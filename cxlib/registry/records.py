"""Result records: one headline figure, judged, as written to results.json.

A record holds the estimate, the verdict its registry rule gave and the rule in
words. On synthetic data the verdict is "not testable with these data" (a planted
effect is not evidence); the record says instead whether the interval recovered
the planted value, and what the rule would have said on real data.

``results.json`` is versioned: ``{"schema": "cxlib-results/1", "cxlib": version,
"records": [...]}``, its form stated by ``results.schema.json`` beside this module.
:func:`write_results` writes it and :func:`read_results` reads it back into
:class:`ResultRecord` objects, refusing a file of another schema version.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from cxlib.errors import UserDataError
from cxlib.stats.estimates import Estimate
from cxlib.stats.formatting import fmt, md_escape
from cxlib.stats.verdicts import NOT_TESTABLE, Verdict


@dataclass
class ResultRecord:
    """One headline figure (``scope="figure"``) or a claim-level verdict
    (``scope="claim"``) as written to results.json."""

    notebook: str
    claim: str
    key: str
    figure: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    verdict: str
    reason: str
    method: str
    data: str
    synthetic: bool
    rule: str = ""
    n_to_decide: int | None = None
    level: float = 0.95
    scope: str = "figure"
    supplementary: bool = False
    published: str | None = None
    truth: float | None = None
    recovered: bool | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.verdict}: {self.reason}"

    def _repr_markdown_(self) -> str:
        return (f"**{md_escape(self.claim)} · {md_escape(self.figure)}: "
                f"{md_escape(self.verdict)}.** {md_escape(self.reason)}")


class RecordList(list):
    """Records as a notebook shows them when left as a cell's value: one verdict line each
    (not ``[ResultRecord(…), …]``)."""

    def _repr_markdown_(self) -> str:
        return "\n\n".join(r._repr_markdown_() for r in self)


def _number(x: float | None) -> float | None:
    """A JSON-safe number: ``None`` for missing or non-finite values."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


WOULD_READ = ". On real data the rule would read: "
"""Joins a synthetic record's reason to the verdict the rule would give on real data."""


def short_reason(reason: str) -> str:
    """A record's reason for a summary table: a synthetic record's long reason ("synthetic
    sample: shows the method only… On real data the rule would read: supported: the 95%
    interval …") becomes "synthetic sample; on real data: supported", as the interval is in
    the row already."""
    head, joined, verdict = reason.partition(WOULD_READ)
    if not joined:
        return reason
    planted = head.partition("; ")[2]
    return ("synthetic sample; " + (f"{planted}; " if planted else "")
            + f"on real data: {verdict.partition(':')[0]}")


def make_record(notebook: str, claim: str, key: str, est: Estimate, verdict: Verdict, *,
                data: str, synthetic: bool, rule: str = "", supplementary: bool = False,
                published: str | None = None, truth: float | None = None) -> ResultRecord:
    """Build a record; on synthetic data the verdict is replaced (see module docstring)."""
    label, reason, n_to_decide = verdict.label, verdict.reason, verdict.n_to_decide
    recovered = None
    if synthetic and label != NOT_TESTABLE:
        label, n_to_decide = NOT_TESTABLE, None
        reason = ("synthetic sample: shows the method only"
                  + (f"; planted value {fmt(truth)}" if truth is not None else "")
                  + f"{WOULD_READ}{verdict}")
    if synthetic and truth is not None and est.ci_low is not None:
        recovered = est.covers(truth)
    value = _number(est.value)
    return ResultRecord(notebook=notebook, claim=claim, key=key, figure=est.figure,
                        value=value, ci_low=_number(est.ci_low), ci_high=_number(est.ci_high),
                        n=int(est.n), verdict=label, reason=reason, method=est.method,
                        data=data, synthetic=synthetic, rule=rule, n_to_decide=n_to_decide,
                        level=est.level, supplementary=supplementary, published=published,
                        truth=_number(truth), recovered=recovered)


RESULTS_SCHEMA = "cxlib-results/1"
"""The version of results.json's form; a reader refuses any other."""

SCHEMA_FILE = Path(__file__).with_name("results.schema.json")


def write_results(path: str | Path, records: list[ResultRecord], *, version: str) -> Path:
    """Write *records* as a versioned results.json (see the module docstring)."""
    doc = {"schema": RESULTS_SCHEMA, "cxlib": version,
           "records": [r.to_dict() for r in records]}
    path = Path(path)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False),
                    encoding="utf-8")
    return path


def read_results(path: str | Path) -> list[ResultRecord]:
    """The records of a results.json written by :func:`write_results`."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise UserDataError(f"{path} is not a readable results.json ({err}).") from None
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema != RESULTS_SCHEMA:
        raise UserDataError(f"{path} has results of schema {schema!r}; this cxlib reads "
                            f"{RESULTS_SCHEMA!r}. Rerun `cxlib run` to write it anew.")
    return records_from_dicts(doc["records"])


def records_from_dicts(rows: list[dict]) -> list[ResultRecord]:
    """Records from the per-notebook result files the session writes."""
    names = {f.name for f in fields(ResultRecord)}
    return [ResultRecord(**{k: v for k, v in r.items() if k in names}) for r in rows]
