"""The claim registry: every claim of the seed documents, its source and its notebook.

The registry is the data file ``claims.yaml`` beside this module; ids follow
../shared/CLAIMS.md. Notebooks show :func:`claim_card` at the top, ``cxlib list``
prints :func:`claims_table`, and the report puts the project's estimate beside the
``published`` figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from cxlib.stats.evidence import DESCRIPTION, Grade, get_grade
from cxlib.stats.formatting import Shown, md_escape
from cxlib.stats.verdicts import Rule

SEED_FILES = {
    "000": "000_44ef1b45fc946a6d.txt (Hebrew, customer-service theory)",
    "001": "001_0fbeccb2e10c7cae.txt (Hebrew, quality in customer service)",
    "002": "002_e14ec6d42960107a.txt (German, customer-service theory)",
    "003": "003_03f3f0025ce8043d.txt (Chinese, satisfaction and the service triangle)",
    "004": "004_4f71472824a4dc42.txt (Finnish, customer relationships)",
}


@dataclass(frozen=True)
class FigureSpec:
    """A headline figure a notebook records for a claim, and the rule that judges it."""

    key: str
    figure: str
    rule: Rule
    supplementary: bool = False
    planted: str | None = None
    forest: bool = True
    """False for a figure that describes the data rather than measures the claim (the
    relative importance of each of a survey's own drivers): it is recorded and listed, but
    not drawn in the claim's forest plot beside the published figure."""
    evidence: Grade = DESCRIPTION
    """The strongest grade the figure's estimate can reach (:mod:`cxlib.stats.evidence`)."""
    described: str = ""
    """Why a supplementary figure is shown without a verdict (empty: it is judged)."""


@dataclass(frozen=True)
class Clause:
    """One thing a claim says: its words (``says``), the figures that measure it (keys; a
    ``prefix_*`` pattern as declared) and the grade that would establish it as worded."""

    says: str
    figures: tuple[str, ...]
    needs: Grade

    def measured_by(self, key: str) -> bool:
        """Whether figure *key* measures this clause."""
        return any(key == f or (f.endswith("*") and key.startswith(f[:-1]))
                   for f in self.figures)


@dataclass(frozen=True)
class Claim:
    """One claim of the seed documents."""

    id: str
    title: str
    statement: str
    seeds: tuple[str, ...]
    published: str
    traceable: bool
    notebook: str
    kinds: tuple[str, ...]
    figures: dict[str, FigureSpec] = field(default_factory=dict)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    clauses: tuple[Clause, ...] = ()
    wanted: str = ""
    """The data that would test the claim (shown where no real data exist yet)."""

    def spec(self, key: str) -> FigureSpec:
        """The figure declared under *key* (a declared ``prefix_*`` matches ``prefix_x``)."""
        if key in self.figures:
            return self.figures[key]
        for pattern, spec in self.figures.items():
            if pattern.endswith("*") and key.startswith(pattern[:-1]):
                return spec
        raise KeyError(f"{self.id} declares no figure {key!r}; declared: "
                       f"{', '.join(self.figures) or 'none'} (cxlib/registry/claims.yaml)")

    @property
    def primary(self) -> list[FigureSpec]:
        """The figures that make up the claim-level verdict."""
        return [f for f in self.figures.values() if not f.supplementary]


def _figure(key: str, row: dict) -> FigureSpec:
    kind = row["rule"]
    if kind == "within":
        target, band = row["claimed"], tuple(row["band"])
    else:
        target = row["no_effect"]
        band = tuple(row.get("negligible", (target, target)))
    rule = Rule(kind, float(target), (float(band[0]), float(band[1])), why=row.get("why", ""),
                scale=row.get("scale", "linear"), min_n=int(row.get("min_n", 1)),
                unit=row.get("unit", ""), per_point=bool(row.get("per_point", False)))
    described = str(row.get("described", ""))
    if described and not row.get("supplementary"):
        raise ValueError(f"figure {key!r} is described without a verdict, so it must be "
                         f"supplementary (cxlib/registry/claims.yaml)")
    return FigureSpec(key, row["figure"], rule, bool(row.get("supplementary", False)),
                      row.get("planted"), bool(row.get("forest", True)),
                      get_grade(row["evidence"]), described)


def _clauses(cid: str, rows: list[dict], figures: dict[str, FigureSpec]) -> tuple[Clause, ...]:
    out = []
    for row in rows:
        unknown = [k for k in row["figures"] if k not in figures]
        if unknown:
            raise ValueError(f"{cid}: clause {row['says']!r} names undeclared figure(s) "
                             f"{', '.join(unknown)} (cxlib/registry/claims.yaml)")
        out.append(Clause(row["says"], tuple(row["figures"]), get_grade(row["needs"])))
    return tuple(out)


@cache
def claims() -> dict[str, Claim]:
    """All claims by id, in registry order."""
    rows = yaml.safe_load((Path(__file__).parent / "claims.yaml").read_text(encoding="utf-8"))
    out = {}
    for r in rows:
        figures = {k: _figure(k, v) for k, v in (r.get("figures") or {}).items()}
        out[r["id"]] = Claim(r["id"], r["title"], r["statement"], tuple(r["seeds"]),
                             r["published"], bool(r["traceable"]), r["notebook"],
                             tuple(r["kinds"]), figures,
                             {kind: tuple(cols) for kind, cols in
                              (r.get("columns") or {}).items()},
                             _clauses(r["id"], r.get("clauses") or [], figures),
                             r.get("wanted", ""))
    return out


def column_claims() -> dict[tuple[str, str], list[str]]:
    """The claims that read each (data kind, column), from the registry's ``columns``."""
    out: dict[tuple[str, str], list[str]] = {}
    for claim in claims().values():
        for kind, cols in claim.columns.items():
            for col in cols:
                out.setdefault((kind, col), []).append(claim.id)
    return out


def get_claim(claim_id: str) -> Claim:
    """The claim with this id (KeyError names the known ids)."""
    try:
        return claims()[claim_id]
    except KeyError:
        raise KeyError(f"unknown claim {claim_id!r}; known: {', '.join(claims())}") from None


def claims_table() -> pd.DataFrame:
    """The registry as a table: id, title, seeds, notebook, kinds."""
    return pd.DataFrame([{"claim": c.id, "title": c.title, "seeds": ", ".join(c.seeds),
                          "notebook": c.notebook, "data kinds": ", ".join(c.kinds),
                          "source traceable": "yes" if c.traceable else "no"}
                         for c in claims().values()])


def claim_card(*claim_ids: str) -> str:
    """Markdown block for the top of a notebook: the claims, seeds and published figures."""
    parts = []
    for cid in claim_ids:
        c = get_claim(cid)
        seeds = md_escape("; ".join(seed_article(s) for s in c.seeds))
        trace = "" if c.traceable else " *(attributed; source not traceable)*"
        parts.append(f"**{c.id} — {md_escape(c.title)}.** {md_escape(c.statement)}\n\n"
                     f"- Where the claim comes from: {seeds}\n"
                     f"- Published evidence: {md_escape(c.published)}{trace}")
    return "\n\n".join(parts)


def seed_article(seed: str) -> str:
    """A seed document as a reader knows it: "a Hebrew article on quality in customer service
    (seed 001)" rather than its file name."""
    language, topic = SEED_FILES[seed].split("(", 1)[1].rstrip(")").split(", ", 1)
    return f"a {language} article on {topic} (seed {seed})"


CLAIM_RULE = ("supported if every figure these data can give is supported (figures the data "
              "cannot give are left out and named in the verdict)")
"""How a claim made of several figures is judged (:func:`cxlib.stats.verdicts.claim_verdict`),
in the words every notebook prints before applying it."""

GRADE_RULE = ("a verdict says no more than the data's design allows: each figure earns the "
              "weaker of its own evidence grade and what the data's design can show, the "
              "claim the weakest grade among the figures that decide it; where that falls "
              "short of what the claim's words need (\"creates\" needs a randomised "
              "comparison), the verdict is qualified (\"supported as an association\") and "
              "says what the data cannot show; parts of the claim no figure measures are named")
"""The grade rule (:mod:`cxlib.registry.conclusions`), in the words every notebook prints."""


def rules_text(claim_id: str, level: float = 0.95,
               scale: tuple[float, float] | None = None) -> str:
    """The decision rules of a claim in plain words (Markdown), to show before applying them;
    a band per rating point is restated for the data's rating *scale* when it is given."""
    c = get_claim(claim_id)
    if not c.figures:
        return f"**{c.id}** has no figure a data set can judge."
    lines = [f"**How {c.id} is judged.**"]
    for spec in c.figures.values():
        if spec.described:
            lines.append(f"- *{md_escape(spec.figure)}* (at best {spec.evidence.noun}): shown "
                         f"beside the claim with its interval and without a verdict: "
                         f"{md_escape(spec.described)}.")
            continue
        extra = " *(shown beside the claim, not part of its verdict)*" if spec.supplementary \
            else ""
        lines.append(f"- *{md_escape(spec.figure)}* (at best {spec.evidence.noun}): "
                     f"{md_escape(spec.rule.for_scale(scale).describe(level))}{extra}")
    k = len(c.primary)
    if k > 1:
        lines.append(f"- *The claim as a whole* ({k} figures above make it up): {CLAIM_RULE}; "
                     f"with k of the {k} figures given, not supported if any one is ruled out "
                     f"even at the stricter level 1 − {1 - level:g}/k (Bonferroni); otherwise "
                     f"inconclusive; not testable if the data can give none of them.")
    if c.clauses:
        said = "; ".join(f"*{md_escape(cl.says)}* (needs {cl.needs.noun}"
                         + ("" if cl.figures else "; no figure measures it") + ")"
                         for cl in c.clauses)
        lines.append(f"- *What the verdict may say*: {GRADE_RULE}. The claim says: {said}.")
    return "\n".join(lines)


def show_rules(claim_id: str, scale: tuple[float, float] | None = None):
    """The decision rules of a claim as rendered Markdown in a notebook."""
    return Shown(rules_text(claim_id, scale=scale), "rules")


def show_claims(*claim_ids: str):
    """The claim card as rendered Markdown in a notebook."""
    return Shown(claim_card(*claim_ids), "claim")
