"""Which items measure which construct in a survey, for every survey analysis.

On a SERVQUAL-style survey (item columns ``rel_1``, ``res_2``, …) the service
dimensions are the five item groups, satisfaction is ``overall_sat`` and loyalty is
``repurchase_intent`` (``recommend``, on its 0–10 scale, is analysed on its own); the
default structural model is every dimension → SAT → LOY. A mapping file may list its own
``attributes`` (attribute ratings): each is then a one-item driver of SAT (``overall_sat``),
and SAT drives LOY (``repurchase_intent``) when the file has it. Or it may declare its own
``constructs``, ``paths`` and ``roles`` (as for the ECSI and reputation surveys);
then the drivers of satisfaction are the constructs with a path into it. Such a model
is checked whole (:func:`cxlib.data.mapping.check_mapping`): the satisfaction role must be
declared, never guessed, and every path must join declared constructs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cxlib.data.dataset import Dataset
from cxlib.data.mapping import check_mapping
from cxlib.data.schemas import DIMENSIONS, get_kind
from cxlib.errors import NotEstimable, UserDataError
from cxlib.stats.reliability import unreliable_blocks


@dataclass
class SurveyConstructs:
    """The constructs of a survey and the model between them."""

    drivers: dict[str, list[str]]
    satisfaction: str
    loyalty: str | None
    blocks: dict[str, list[str]]
    paths: list[str]
    expectations: dict[str, list[str]] = field(default_factory=dict)
    quality: str | None = None
    servqual: bool = False
    unreliable: dict[str, str] = field(default_factory=dict)
    """Blocks whose items do not measure one thing (Cronbach's alpha below the floor:
    :func:`cxlib.stats.reliability.unreliable_blocks`), each with the reason: a score made
    of them carries no verdict (mediation, PLS paths, the disconfirmation test)."""

    @property
    def perceptions(self) -> dict[str, list[str]]:
        """The perceptions compared with expectations: every dimension of an item-named survey,
        or the quality construct of a declared model with an ``expectation`` role."""
        if self.quality in self.expectations:
            return {self.quality: self.blocks[self.quality]}
        return self.drivers

    @property
    def has_expectations(self) -> bool:
        return bool(self.expectations) and set(self.expectations) == set(self.perceptions)

    @property
    def loyalty_rating(self) -> str | None:
        """The loyalty construct's first item (``repurchase_intent`` on a SERVQUAL-style
        survey), or None when the survey has no loyalty construct."""
        return self.blocks.get(self.loyalty, [None])[0] if self.loyalty else None

    @property
    def quality_name(self) -> str:
        """The service-quality construct: the declared one, else "service quality" (the
        mean of the drivers, :meth:`with_quality`)."""
        return self.quality or "service quality"

    def with_quality(self, scores: pd.DataFrame) -> pd.DataFrame:
        """*scores* with a :attr:`quality_name` column: the mean of the driver scores when
        the model declares no quality construct."""
        if self.quality is not None:
            return scores
        return scores.assign(**{self.quality_name: scores[list(self.drivers)].mean(axis=1)})

    def service(self, scores: pd.DataFrame) -> pd.Series | None:
        """The service score: the mean of the driver scores in *scores* (from
        :func:`construct_scores`), or None when the model has no drivers."""
        return scores[list(self.drivers)].mean(axis=1) if self.drivers else None

    @property
    def driver_keys(self) -> list[str]:
        """The registry keys of the driver figures (LOY-2): one per SERVQUAL dimension, or
        ``driver_servqual`` (not testable) when the survey does not measure them."""
        return [f"driver_{d}" for d in self.drivers] if self.servqual else ["driver_servqual"]

    def multi_item(self, at_least: int = 1) -> dict[str, list[str]]:
        """The drivers measured by two or more items; :class:`NotEstimable` when fewer than
        *at_least* are (alpha needs two items per dimension; comparing factor structures,
        two such dimensions)."""
        multi = {k: v for k, v in self.drivers.items() if len(v) >= 2}
        if len(multi) < max(at_least, 1):
            raise NotEstimable(
                "every driver is a single rating: alpha needs two or more items per dimension"
                if at_least <= 1 else f"fewer than {_WORDS.get(at_least, at_least)} multi-item "
                "dimensions: the factor structure cannot be tested")
        return multi

    def require(self, part: str):
        """The model's *part* (``"loyalty"``: the loyalty construct, ``"loyalty_rating"``: its
        first item, ``"expectations"``, ``"servqual"``), or :class:`NotEstimable` saying
        the survey does not have it."""
        value = {"loyalty": self.loyalty, "loyalty_rating": self.loyalty_rating,
                 "expectations": self.expectations if self.has_expectations else None,
                 "servqual": self.servqual or None}[part]
        if value is None:
            raise NotEstimable(MISSING_PART[part])
        return value


_WORDS = {2: "two", 3: "three"}

MISSING_PART = {
    "loyalty": "no loyalty construct in these data",
    "loyalty_rating": "no loyalty rating in these data",
    "expectations": "the survey has no expectation items",
    "servqual": "the survey does not measure the five SERVQUAL dimensions; its drivers are the "
                "constructs it does measure, shown beside the claim",
}
"""What :meth:`SurveyConstructs.require` says when the survey lacks a part of the model."""


def _present(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    return [c for c in cols if c in frame and frame[c].notna().any()]


def survey_constructs(ds: Dataset) -> SurveyConstructs:
    """The constructs of a survey data set (see the module docstring)."""
    frame, mapping = ds.frame, ds.mapping
    if mapping.attributes or mapping.constructs:
        problems = check_mapping(mapping, get_kind("survey"))
        if problems:  # a mapping built in code; files are checked when they are loaded
            raise UserDataError(problems, file=str(mapping.source or "mapping"))
    if mapping.attributes:
        model = _from_attributes(frame, mapping.attributes)
    elif mapping.constructs:
        model = _from_constructs(mapping)
    else:
        model = _servqual(frame)
    model.unreliable = unreliable_blocks(frame, model.blocks)
    return model


def _from_attributes(frame: pd.DataFrame, attributes: list[str]) -> SurveyConstructs:
    """Attribute ratings (``attributes:``), each a driver of overall satisfaction."""
    drivers = {a: [a] for a in attributes}
    loyalty = _present(frame, ["repurchase_intent"])
    blocks = {**drivers, "SAT": ["overall_sat"], **({"LOY": loyalty} if loyalty else {})}
    paths = [f"{a} -> SAT" for a in drivers] + (["SAT -> LOY"] if loyalty else [])
    return SurveyConstructs(drivers, "SAT", "LOY" if loyalty else None, blocks, paths)


def _from_constructs(mapping) -> SurveyConstructs:
    """A path model declared in the mapping (``constructs:``, ``paths:``, ``roles:``)."""
    roles = mapping.roles
    sat, loy = roles["satisfaction"], roles.get("loyalty")
    drivers = {a: mapping.constructs[a] for a, b in mapping.edges if b == sat}
    quality, expected = roles.get("quality"), roles.get("expectation")
    expectations = {quality: mapping.constructs[expected]} if expected else {}
    return SurveyConstructs(drivers, sat, loy, dict(mapping.constructs), list(mapping.paths),
                            expectations, quality=quality)


def _servqual(frame: pd.DataFrame) -> SurveyConstructs:
    """The SERVQUAL dimensions found by their item prefixes, with expectation items
    ``exp_<item>`` where the survey has them."""
    drivers, expectations = {}, {}
    for prefix, name in DIMENSIONS.items():
        label = name.split(" /")[0]
        items = sorted(_present(frame, [c for c in frame if c.startswith(f"{prefix}_")]))
        if items:
            drivers[label] = items
            exp = sorted(_present(frame, [f"exp_{c}" for c in items]))
            if exp:
                expectations[label] = exp
    loyalty = _present(frame, ["repurchase_intent"])
    blocks = {**drivers, "SAT": ["overall_sat"]}
    paths = [f"{d} -> SAT" for d in drivers]
    if loyalty:
        blocks["LOY"] = loyalty
        paths.append("SAT -> LOY")
    return SurveyConstructs(drivers, "SAT", "LOY" if loyalty else None, blocks, paths,
                            expectations, servqual=len(drivers) == len(DIMENSIONS))


def construct_scores(frame: pd.DataFrame, blocks: dict[str, list[str]], *,
                     cluster: str | None = None) -> pd.DataFrame:
    """Scale scores: the mean of each block's items per respondent (items on one scale),
    and *frame*'s *cluster* column (the outlet, :func:`survey_cluster`) beside them when one
    is named.

    A respondent with no answer in a block gets a missing score. Pass *blocks* as ``items=``
    to an analysis of the scores, so that a message about a score names its items.
    """
    scores = pd.DataFrame({name: frame[items].astype(float).mean(axis=1)
                           for name, items in blocks.items()}, index=frame.index)
    if cluster:
        scores[cluster] = frame[cluster]
    return scores


def survey_cluster(frame: pd.DataFrame) -> str | None:
    """``"outlet_id"`` when respondents come from at least two outlets (customers of one
    outlet share its staff and premises, so the outlet is the independent unit), else None.
    With fewer than :data:`cxlib.stats.robust.MIN_CLUSTERS` outlets the clustered figures
    are then not testable (:func:`cxlib.stats.robust.require_clusters`) rather than given an
    interval that treats customers of one outlet as independent."""
    return "outlet_id" if "outlet_id" in frame and frame["outlet_id"].nunique() >= 2 else None
