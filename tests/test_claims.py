"""The claim registry matches the catalogue in ../shared/CLAIMS.md."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from cxlib.registry.claims import claim_card, claims, claims_table


def test_registry_ids_match_the_catalogue():
    catalogue = REPO.parent / "shared" / "CLAIMS.md"
    if not catalogue.exists():
        pytest.skip("CLAIMS.md not available")
    ids = set(re.findall(r"^\| ([A-Z]+-\d) \|", catalogue.read_text(encoding="utf-8"), re.M))
    assert ids == set(claims())


def test_untraceable_figures_are_marked():
    assert not claims()["RET-2"].traceable and not claims()["DEF-1"].traceable
    assert "source not traceable" in claim_card("RET-2")


def test_table_has_a_row_per_claim():
    assert len(claims_table()) == len(claims()) == 18


def test_obvious_service_standards_get_the_obvious_verdict():
    """STD-1 is one-sided: every call answered in 5 s meets "never over 30 s"; 40% does not."""
    import numpy as np
    import pandas as pd

    from cxlib.analyses.standards import within_standard

    rule = claims()["STD-1"].spec("within_standard").rule
    fast = pd.DataFrame({"channel": "phone", "wait_seconds": np.full(1000, 5.0),
                         "abandoned": 0})
    assert rule.judge(within_standard(fast, 30, ("phone",))).label == "supported"
    slow = fast.assign(wait_seconds=np.where(np.arange(1000) < 400, 5.0, 90.0))
    assert rule.judge(within_standard(slow, 30, ("phone",))).label == "not supported"
    few = fast.head(40)  # 40 of 40 in time: the interval still reaches below 99%
    assert rule.judge(within_standard(few, 30, ("phone",))).label == "inconclusive"


def test_every_figure_declares_its_minimum_n_and_below_it_is_not_testable():
    """Each analysis states the smallest sample it runs on (``min_n`` in claims.yaml); an
    estimate from fewer rows is recorded as not testable, naming the minimum."""
    import yaml

    from cxlib.registry.claims import get_claim
    from cxlib.stats.estimates import Estimate
    from cxlib.stats.verdicts import NOT_TESTABLE

    rows = yaml.safe_load((REPO / "cxlib" / "registry" / "claims.yaml").read_text("utf-8"))
    undeclared = [(r["id"], key) for r in rows for key, spec in (r.get("figures") or {}).items()
                  if not isinstance(spec.get("min_n"), int) or spec["min_n"] < 10]
    assert not undeclared, undeclared
    for r in rows:
        for key in r.get("figures") or {}:
            rule = get_claim(r["id"]).spec(key.replace("*", "x")).rule
            small = Estimate("x", rule.target + 1, rule.target + 0.5, rule.target + 1.5,
                             rule.min_n - 1, "m")
            verdict = rule.judge(small)
            assert verdict.label == NOT_TESTABLE, (r["id"], key)
            assert f"below the minimum of {rule.min_n:,}" in verdict.reason, (r["id"], key)
            enough = Estimate("x", rule.target + 1, rule.target + 0.5, rule.target + 1.5,
                              rule.min_n, "m")
            assert rule.judge(enough).label != NOT_TESTABLE, (r["id"], key)
