"""The claim registry is the single source of claim ↔ notebook ↔ data kinds ↔ figures:
every notebook is checked against it."""

from __future__ import annotations

import re

import nbformat
import pytest

from cxlib.app.catalogue import available
from cxlib.registry.claims import claims

BOOKS = {p.stem: p for p in available()}
CALL = re.compile(r'nb\.(test|not_testable|attempt|rules|conclude)\(\s*"([A-Z]+-\d+)"'
                  r'(?:\s*,\s*(?:f?"([^"]+)"))?')
MANY = re.compile(r'nb\.test_all\(\s*"([A-Z]+-\d+)",[^\n]*?prefix="([^"]+)"')
"""``nb.test_all(claim, estimates, prefix="driver_")`` records figures ``driver_<name>``."""


def code_of(stem: str) -> str:
    nb = nbformat.read(BOOKS[stem], as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def calls(stem: str) -> list[tuple[str, str, str | None, int]]:
    """(method, claim, key, position) of every session call naming a claim (a figure that
    ``nb.test_all`` records by prefix as ``prefix{name}``)."""
    code = code_of(stem)
    return sorted([(m.group(1), m.group(2), m.group(3), m.start()) for m in CALL.finditer(code)]
                  + [("test", m.group(1), m.group(2) + "{name}", m.start())
                     for m in MANY.finditer(code)], key=lambda call: call[3])


def test_every_claim_names_an_existing_notebook():
    for claim in claims().values():
        assert claim.notebook in BOOKS, f"{claim.id}: no notebook {claim.notebook}"


@pytest.mark.parametrize("stem", [s for s in BOOKS if s != "00_start_here"])
def test_notebook_agrees_with_the_registry(stem):
    code = code_of(stem)
    mine = {c.id: c for c in claims().values() if c.notebook == stem}
    found = calls(stem)
    for method, cid, key, _ in found:
        assert cid in mine, f"{stem} records {cid}, which the registry gives to another notebook"
        if method in ("test", "not_testable") and key and "{" not in key:
            mine[cid].spec(key)  # raises when the registry declares no such figure
    shown = re.findall(r'cx\.show_claims\(([^)]*)\)', code)
    assert shown and set(re.findall(r'"([A-Z]+-\d+)"', shown[0])) == set(mine), \
        f"{stem} must show exactly its claims {sorted(mine)} at the top"
    for cid, claim in mine.items():
        tested = [(key, pos) for method, c, key, pos in found
                  if c == cid and method in ("test", "not_testable")]
        assert tested, f"{stem} never records {cid}"
        rules = [pos for method, c, _, pos in found if c == cid and method == "rules"]
        assert rules and min(rules) < min(p for _, p in tested), \
            f"{stem} must state the rules of {cid} (nb.rules) before applying them"
        keys = {k for k, _ in tested}
        for key in claim.figures:
            if key.endswith("*"):
                assert any(k.startswith(key[:-1]) for k in keys if k), (cid, key)
            else:
                assert key in keys, f"{stem} never records the figure {cid}/{key}"
        named = any(m == "conclude" and c == cid for m, c, _, _ in found)
        assert named or re.search(r"^nb\.conclude\(\)$", code, re.M), \
            f"{stem} must conclude {cid} (nb.conclude() concludes every claim it recorded)"
        for kind in claim.kinds:
            assert re.search(rf'nb\.load\(\s*"{kind}"', code), f"{stem} never loads {kind}"
