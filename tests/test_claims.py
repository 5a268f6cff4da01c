"""The claim registry matches the catalogue in ../shared/CLAIMS.md."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from cxlib.claims import claim_card, claims, claims_table


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
