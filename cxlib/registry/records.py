"""Result records: one headline figure, judged, as written to results.json.

A record holds the estimate, the verdict its registry rule gave and the rule in
words. On synthetic data the verdict is "not testable with these data" (a planted
effect is not evidence); the record says instead whether the interval recovered
the planted value, and what the rule would have said on real data.

``results.json`` is versioned: ``{"schema": "cxlib-results/2", "cxlib": version,
"records": [...]}``, its form stated by ``results.schema.json`` beside this module.
:func:`write_results` writes it and :func:`read_results` reads it back into
:class:`ResultRecord` objects, refusing a file of another schema version. The file each
notebook's session writes on the way (:func:`notebook_results`, read back by
:func:`read_notebook_results`) carries the same version, so one record format travels from
the kernel to ``results.json`` and a file of another version is refused, not misread.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from cxlib.errors import UserDataError
from cxlib.registry.conclusions import Conclusion
from cxlib.stats.estimates import Estimate
from cxlib.stats.formatting import Shown, fmt, md_escape
from cxlib.stats.verdicts import NOT_TESTABLE, Verdict


@dataclass
class ResultRecord:
    """One headline figure (``scope="figure"``) or a claim-level verdict
    (``scope="claim"``) as written to results.json.

    ``verdict`` is one of the four verdicts; on synthetic data it is always "not testable
    with these data" and ``would_be`` holds what the rule would say on real data.
    ``grade`` is the evidence grade the figure (or the claim's deciding figures) earns on
    these data and ``design`` how the data were made (:mod:`cxlib.stats.evidence`);
    ``headline`` is the verdict in words, qualified by its grade where the claim needs more
    ("supported as an association"), ``cannot_show`` what the data cannot show, and
    ``untested`` the clauses of the claim no figure measured. ``left_out`` names the figures
    a claim-level verdict left out as not testable. ``n_to_decide`` counts
    ``decide_unit`` ("" for rows, "clusters"). ``cautions`` are computed sentences a reader
    must see with a claim-level verdict (constructs that are not distinct, an improper
    model)."""

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
    would_be: str | None = None
    grade: str | None = None
    design: str | None = None
    headline: str = ""
    cannot_show: str = ""
    untested: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    decide_unit: str = ""
    clusters: int | None = None
    cautions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.headline or self.verdict}: {self.reason}" + (
            f" What these data cannot show: {self.cannot_show}." if self.cannot_show else "")

    def short_reason(self) -> str:
        """The reason for a summary table: on synthetic data "synthetic sample; planted value
        0.50; on real data: supported" (the interval is in the row already)."""
        if not self.synthetic or self.would_be is None:
            return self.reason
        planted = f"planted value {fmt(self.truth)}; " if self.truth is not None else ""
        return f"synthetic sample; {planted}on real data: {self.would_be}"

    def _repr_markdown_(self) -> str:
        on = f" (on {md_escape(self.data)})" if self.scope == "claim" else ""
        lines = [f"**{md_escape(self.claim)} · {md_escape(self.figure)}{on}: "
                 f"{md_escape(self.headline or self.verdict)}.** {md_escape(self.reason)}"]
        if self.grade and not self.synthetic:
            lines.append(f"*Evidence*: {md_escape(self.grade)}"
                         + (f" ({md_escape(self.design)})" if self.design else ""))
        if self.cannot_show:
            lines.append(f"*What these data cannot show*: {md_escape(self.cannot_show)}.")
        if self.untested:
            lines.append("*Not measured by any figure here*: "
                         + "; ".join(md_escape(c) for c in self.untested) + ".")
        lines += [f"*Caution*: {md_escape(c)}." for c in self.cautions]
        return "\n\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        """A verdict block: its Markdown, its sentence as plain text, and the role
        ``verdict`` in the output's metadata (what the decks lay out by)."""
        return Shown(self._repr_markdown_(), "verdict", str(self))._repr_mimebundle_()


class RecordList(list):
    """Records as a notebook shows them when left as a cell's value: one verdict block each
    (not ``[ResultRecord(…), …]``)."""

    def _repr_markdown_(self) -> str:
        return "\n\n".join(r._repr_markdown_() for r in self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        return Shown(self._repr_markdown_(), "verdict",
                     "\n".join(str(r) for r in self))._repr_mimebundle_()


def _number(x: float | None) -> float | None:
    """A JSON-safe number: ``None`` for missing or non-finite values."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


SHOWN = "shown without a verdict"
"""The ``verdict`` of a supplementary figure the registry describes without judging it
(``described:``): its estimate and interval are shown beside the claim, and why."""


def make_record(notebook: str, claim: str, key: str, est: Estimate,
                verdict: Verdict | None, *,
                data: str, synthetic: bool, rule: str = "", supplementary: bool = False,
                published: str | None = None, truth: float | None = None,
                scope: str = "figure", grade: str | None = None, design: str | None = None,
                conclusion: Conclusion | None = None, described: str = "",
                cautions: list[str] | None = None) -> ResultRecord:
    """Build a record; on synthetic data the verdict is replaced (see module docstring). A
    *verdict* of ``None`` is a figure shown without a verdict, for the reason *described*."""
    if verdict is None:
        verdict = Verdict(NOT_TESTABLE, "")  # replaced below: only its fields are read
        label, reason, n_to_decide = SHOWN, f"shown beside the claim without a verdict: " \
            f"{described}", None
    else:
        label, reason, n_to_decide = verdict.label, verdict.reason, verdict.n_to_decide
    words = conclusion.headline if conclusion is not None else label
    would_be = recovered = None
    if label == SHOWN:
        words = SHOWN
    if synthetic and label != NOT_TESTABLE:
        real = (f"the rule would read: {words}: {reason}" if label != SHOWN
                else f"it would be {reason}")
        would_be, label, n_to_decide, words = words, NOT_TESTABLE, None, NOT_TESTABLE
        reason = ("synthetic sample: shows the method only"
                  + (f"; planted value {fmt(truth)}" if truth is not None else "")
                  + f". On real data {real}")
    if synthetic and truth is not None and est.ci_low is not None:
        recovered = est.covers(truth)
    cannot = conclusion.cannot_show if conclusion is not None and not synthetic else ""
    untested = list(conclusion.untested) if conclusion is not None else []
    left_out = [figure for figure, _ in getattr(verdict, "left_out", ())]
    return ResultRecord(notebook=notebook, claim=claim, key=key, figure=est.figure,
                        value=_number(est.value), ci_low=_number(est.ci_low),
                        ci_high=_number(est.ci_high), n=int(est.n), verdict=label,
                        reason=reason, method=est.method, data=data, synthetic=synthetic,
                        rule=rule, n_to_decide=n_to_decide, level=est.level, scope=scope,
                        supplementary=supplementary, published=published,
                        truth=_number(truth), recovered=recovered, would_be=would_be,
                        grade=grade, design=design, headline=words, cannot_show=cannot,
                        untested=untested, left_out=left_out,
                        decide_unit=verdict.decide_unit if n_to_decide else "",
                        clusters=est.clusters, cautions=list(cautions or []))


RESULTS_SCHEMA = "cxlib-results/2"
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


def notebook_results(notebook: str, records: list[ResultRecord], datasets: list[dict], *,
                     version: str) -> dict:
    """The per-notebook result file a session writes: its records and the reports of the
    data sets it read, under the schema version of results.json."""
    return {"schema": RESULTS_SCHEMA, "cxlib": version, "notebook": notebook,
            "records": [r.to_dict() for r in records], "datasets": datasets}


def read_notebook_results(path: str | Path) -> dict:
    """A per-notebook result file (:func:`notebook_results`), its ``records`` read into
    :class:`ResultRecord` objects; a file of another schema version is refused with a
    message that names it and says what to do."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise UserDataError(f"{path} is not a readable result file of a notebook ({err}).") \
            from None
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema != RESULTS_SCHEMA:
        raise UserDataError(
            f"{path} holds results of schema {schema!r} (written by another version of "
            f"cxlib); this cxlib reads {RESULTS_SCHEMA!r}. Rerun the notebook with this "
            f"cxlib, or remove the file from the results folder.")
    return {**doc, "records": records_from_dicts(doc["records"])}


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
    """Records from the per-notebook result files the session writes; a key this version
    does not know is an error (the files come from the same version), never dropped."""
    names = {f.name for f in fields(ResultRecord)}
    out = []
    for r in rows:
        unknown = sorted(set(r) - names)
        if unknown:
            raise UserDataError(f"a result record has keys this cxlib does not know "
                                f"({', '.join(unknown)}); rerun `cxlib run` to write it anew.")
        out.append(ResultRecord(**r))
    return out
