"""A notebook's session: which data it runs on and where its results go.

Every notebook starts with::

    nb = cx.start("05_word_of_mouth", data=data, columns=columns,
                  drop_invalid=drop_invalid, results_dir=results_dir)
    survey = nb.load("survey")

where ``data``, ``columns``, ``drop_invalid`` and ``results_dir`` come from the
notebook's papermill ``parameters`` cell. ``nb.load`` reads the user's file for a
kind when one was given and the bundled sample otherwise. ``nb.rules(claim)`` states
the claim's decision rules in plain words; ``nb.test(claim, key, estimate)`` judges a
headline figure by the rule the claim registry declares for it and writes the record
to ``results_dir/<notebook>.json`` at once, so a notebook that fails later keeps what
it had recorded; ``nb.conclude(claim)`` adds the claim-level verdict.
``with nb.attempt(claim, key):`` runs an analysis that may find the data degenerate
(a constant column, no events) and then records the figure as not testable instead
of stopping the notebook. The runner merges the result files into ``results.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxlib.data.datasets import Dataset, load_data, observe_loads
from cxlib.data.sample import planted
from cxlib.errors import NotEstimable, NotInRun, PriorStepFailed
from cxlib.registry.claims import get_claim, show_rules
from cxlib.registry.conclusions import conclude, figure_conclusion
from cxlib.registry.records import (
    SHOWN,
    RecordList,
    ResultRecord,
    make_record,
    notebook_results,
)
from cxlib.stats.estimates import Estimate
from cxlib.stats.evidence import grade_of
from cxlib.stats.formatting import Shown, fmt, md_escape
from cxlib.stats.verdicts import NOT_TESTABLE, Judged, claim_verdict


@dataclass
class Session:
    """The data and results of one notebook run."""

    notebook: str
    data: dict[str, str] = field(default_factory=dict)
    columns: str | None = None
    drop_invalid: bool = False
    results_dir: str | None = None
    datasets: dict[str, Dataset] = field(default_factory=dict)
    records: list[ResultRecord] = field(default_factory=list)
    judged: dict[tuple[str, str, str], Judged] = field(default_factory=dict)
    cautions: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def load(self, kind: str, *, quiet: bool = False) -> Dataset:
        """Load *kind*: the user's file if one was given, else the bundled sample."""
        ds = load_data(kind, self.data.get(kind), self.columns, drop_invalid=self.drop_invalid)
        self.datasets[kind] = ds
        if not quiet:
            print(ds.report.summary())
        self._write()
        return ds

    def uses_sample(self, kind: str) -> bool:
        """True when *kind* comes from the synthetic sample (user gave no file)."""
        return kind not in self.data

    def rules(self, claim: str):
        """The claim's decision rules in plain words, shown before they are applied."""
        scales = {d.report.rating_scale for d in self.datasets.values()
                   if d.kind in get_claim(claim).kinds}
        return show_rules(claim, scales.pop() if len(scales) == 1 else None)

    def test(self, claim: str, key: str, est: Estimate, *, data: Dataset | None = None,
             published: str | None = None) -> ResultRecord:
        """Judge *est* by the rule the registry declares for figure *key* of *claim*, and
        record it; returns the record.

        On the synthetic sample the record says whether the interval recovered the value
        the registry names as planted for the figure (``planted:``, computed from the
        sample's parameters.yaml); ``published`` defaults to the registry's published
        figure.
        """
        spec = get_claim(claim).spec(key)
        data = self._dataset(data)
        truth = planted(spec.planted) if data.is_sample and spec.planted else None
        rule = spec.rule.for_scale(data.report.rating_scale)
        verdict = rule.judge(est)
        grade = grade_of(spec.evidence, data.design)
        self.judged[(claim, key, data.source)] = Judged(est, rule, verdict, grade)
        words = figure_conclusion(get_claim(claim), key, verdict.label, grade, data.design)
        if spec.described and verdict.label != NOT_TESTABLE:
            verdict = None  # shown beside the claim without a verdict
        rec = make_record(self.notebook, claim, key, est, verdict, data=data.source,
                          synthetic=data.synthetic, rule=rule.describe(est.level),
                          supplementary=spec.supplementary,
                          published=published or get_claim(claim).published, truth=truth,
                          grade=grade.key, design=data.design.label,
                          described=spec.described, conclusion=words)
        self._replace(rec)
        return rec

    def not_testable(self, claim: str, key: str, reason: str, *,
                     data: Dataset | None = None) -> ResultRecord:
        """Record that figure *key* of *claim* cannot be estimated from the data, and why."""
        spec = get_claim(claim).spec(key)
        n = data.units if data is not None else 0
        return self.test(claim, key, Estimate.untestable(spec.figure, reason, n), data=data)

    def caution(self, claim: str, text: str, *, data: Dataset | None = None):
        """Attach *text* (a sentence a cxlib function computed, e.g.
        :func:`cxlib.stats.measurement.distinctness_caution`; nothing when empty) to the
        claim-level verdict of *claim* on *data*: it is shown with the verdict in the
        notebook, the deck and the front page."""
        if not text:
            return None
        source = self._dataset(data).source
        notes = self.cautions.setdefault((claim, source), [])
        if text not in notes:
            notes.append(text)
        return Shown(f"*Caution for {md_escape(claim)}*: {md_escape(text)}.", "caution",
                     f"Caution for {claim}: {text}.")

    @contextmanager
    def attempt(self, claim: str, *keys: str, data: Dataset | None = None,
                show: bool = False, says: str | None = None) -> Iterator[None]:
        """Run an analysis; if the data cannot give its estimate (:class:`NotEstimable`),
        record figures *keys* of *claim* as not testable with the reason, say so, and let
        the notebook go on::

            with nb.attempt("LOY-1", "ordinal_or", data=survey):
                odds = cx.loyalty.ordinal_effect(frame, "repurchase_intent", "overall_sat")
                print(nb.test("LOY-1", "ordinal_or", odds, data=survey))

        A step that fails because an earlier one did (:class:`cxlib.errors.PriorStepFailed`,
        raised by ``cx.require(result)``) records nothing: the earlier step recorded why.
        With ``show=True`` the figures recorded as not testable are shown as verdicts (as
        ``display(nb.not_testable(...))`` shows them) instead of the one-line message; *says*
        replaces that message, ``{}`` standing for the reason ("Erlang A is not shown: {}.").
        A step needing a data kind the run does not analyse (:class:`cxlib.errors.NotInRun`)
        is skipped without a word.
        """
        try:
            yield
        except NotInRun:
            return
        except NotEstimable as why:
            from IPython.display import display

            recorded = RecordList(self.not_testable(claim, key, str(why), data=data)
                                  for key in keys if not isinstance(why, PriorStepFailed))
            if show and recorded:
                display(recorded)
            elif says:
                print(says.format(why))
            else:
                display(Shown(f"**{md_escape(claim)}: not testable with these data**: "
                              f"{md_escape(why)}", "verdict",
                              f"{claim}: not testable with these data: {why}"))

    def test_all(self, claim: str, estimates: Mapping[str, Estimate], *, prefix: str = "",
                 data: Dataset | None = None) -> RecordList:
        """:meth:`test` each estimate of *estimates* as figure ``prefix + name`` of *claim*
        (``nb.test_all("LOY-2", importance.estimates(), prefix="importance_")``)."""
        return RecordList(self.test(claim, prefix + name, est, data=data)
                          for name, est in estimates.items())

    def conclude(self, *claims: str) -> RecordList:
        """The claim-level verdicts of *claims* (every claim this notebook recorded a figure
        for, when none is named), one per data set (see
        :func:`cxlib.stats.verdicts.claim_verdict`), in words capped by the design of the data
        (:func:`cxlib.registry.conclusions.conclude`); recorded with ``scope="claim"``."""
        recorded = dict.fromkeys(cid for (cid, _, _) in self.judged)
        out = RecordList()
        for claim in claims or recorded:
            out.extend(self._conclude(claim))
        return out

    def _conclude(self, claim: str) -> list[ResultRecord]:
        c = get_claim(claim)
        out = []
        sources = list(dict.fromkeys(s for (cid, _, s) in self.judged if cid == claim))
        for source in sources:
            keyed = {key: j for (cid, key, s), j in self.judged.items()
                     if cid == claim and s == source and not c.spec(key).supplementary}
            if not keyed:
                continue
            verdict = claim_verdict(list(keyed.values()))
            data = next(d for d in self._sources() if d.source == source)
            tested = [k for k, j in keyed.items() if j.verdict.label != NOT_TESTABLE]
            words = conclude(c, verdict, tested, data.design)
            n = max(j.estimate.n for j in keyed.values())
            figures = "1 figure" if len(keyed) == 1 else f"{len(keyed)} figures"
            on = f" on {source}" if len(sources) > 1 else ""  # one verdict per data set
            rec = make_record(self.notebook, claim, "claim", Estimate(
                f"{claim} as a whole ({figures}){on}", float("nan"), None, None, n,
                "intersection–union test with Bonferroni"), verdict, data=source,
                synthetic=data.synthetic, published=c.published, scope="claim",
                grade=verdict.grade.key if verdict.grade else None,
                design=data.design.label, conclusion=words,
                cautions=self.cautions.get((claim, source), []))
            self._replace(rec)
            out.append(rec)
        return out

    def table(self) -> pd.DataFrame:
        """The records so far, as the notebook's closing summary shows them: numbers written
        as people read them (:func:`cxlib.stats.estimates.fmt`), "–" where a figure has none (a
        claim-level row, a figure not testable); the verdict of a supplementary figure (shown
        beside the claim, not part of its verdict) is marked "(beside the claim)", and a figure
        shown without a verdict says so; when the records come from more than one data set, a
        column names each row's."""
        rows = [{"claim": r.claim, "figure": r.figure, "estimate": fmt(r.value),
                 "95% interval": (f"[{fmt(r.ci_low)}, {fmt(r.ci_high)}]"
                                  if r.ci_low is not None else "–"),
                 "n": f"{r.n:,}",
                 "verdict": (f"{r.headline or r.verdict} (beside the claim)"
                             if r.supplementary and r.verdict != SHOWN
                             else r.headline or r.verdict),
                 "evidence": r.grade if r.grade and r.verdict != NOT_TESTABLE else "–",
                 "reason": r.short_reason()}
                for r in self.records]
        columns = ["claim", "figure", "estimate", "95% interval", "n", "verdict", "evidence",
                   "reason"]
        if len({r.data for r in self.records}) > 1:
            for row, r in zip(rows, self.records, strict=True):
                row["data"] = r.data
            columns.insert(1, "data")
        return pd.DataFrame(rows, columns=columns)

    def _sources(self) -> list[Dataset]:
        return list({id(d): d for d in [*self.datasets.values(), *self._extra]}.values())

    def _reports(self) -> list:
        """Every file read: each data set's report and the other files it was made from."""
        reports = [r for d in self._sources() for r in (d.report, *d.also_read)]
        return list({(r.file, r.kind, r.rows_kept): r for r in reports}.values())

    def _loaded(self, ds: Dataset) -> None:
        """Any data set loaded while the session is open (``cx.load_cdnow()`` too) counts
        among the files the notebook read."""
        if all(d is not ds for d in self._sources()):
            self._extra.append(ds)
            self._write()

    def _dataset(self, data: Dataset | None) -> Dataset:
        if data is None:
            if len(self.datasets) != 1:
                raise ValueError("say which data set the figure comes from: data=...")
            return next(iter(self.datasets.values()))
        if all(d is not data for d in self._sources()):
            self._extra.append(data)
        return data

    def __post_init__(self) -> None:
        self._extra: list[Dataset] = []

    def _replace(self, rec: ResultRecord) -> None:
        self.records = [r for r in self.records
                        if (r.claim, r.key, r.data) != (rec.claim, rec.key, rec.data)] + [rec]
        self._write()

    def _write(self) -> None:
        if not self.results_dir:
            return
        out = Path(self.results_dir)
        out.mkdir(parents=True, exist_ok=True)
        from cxlib import __version__

        doc = notebook_results(self.notebook, self.records,
                               [r.to_dict() for r in self._reports()], version=__version__)
        (out / f"{self.notebook}.json").write_text(json.dumps(doc, indent=1, default=str),
                                                   encoding="utf-8")


def start(notebook: str, data: dict[str, str] | None = None, columns: str | None = None,
          drop_invalid: bool = False, results_dir: str | None = None) -> Session:
    """Begin a notebook session (see the module docstring)."""
    from cxlib.notebook.plots import use_style

    use_style()
    session = Session(notebook, dict(data or {}), columns, drop_invalid, results_dir)
    observe_loads(session._loaded)
    return session
