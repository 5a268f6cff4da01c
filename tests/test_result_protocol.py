"""One result protocol (issue 22): every public analysis returns an Estimate or a typed
result (cxlib.stats.estimates.Result), every typed result carries its table, n and method
as fields and shows itself through the one rendering, and nothing travels in a frame's
``.attrs``."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import typing
from pathlib import Path

import pandas as pd
import pytest

import cxlib.analyses
from cxlib.stats.estimates import Effect, Estimate, Estimates, Fit, Result

PACKAGE = Path(cxlib.analyses.__file__).parents[1]



def analysis_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(cxlib.analyses.__path__)
                  if not m.name.startswith("_"))


def public_functions(module: str) -> list[tuple[str, object]]:
    mod = importlib.import_module(f"cxlib.analyses.{module}")
    return [(name, obj) for name, obj in vars(mod).items()
            if inspect.isfunction(obj) and not name.startswith("_")
            and obj.__module__ == mod.__name__]


@pytest.mark.parametrize("module", analysis_modules())
def test_every_public_analysis_returns_an_estimate_or_a_typed_result(module):
    """A bare DataFrame, Series, tuple, dict, str, number or None is not a result: a
    helper that only reshapes a data kind lives in cxlib.data.derived, a formula that knows
    no data kind in cxlib.stats, words about a result in cxlib.notebook.readings, and a
    step used by one module only is private."""
    found = public_functions(module)
    assert found, f"cxlib.analyses.{module} has no public analysis"
    wrong = []
    for name, fn in found:
        returned = typing.get_type_hints(fn).get("return")
        if not (inspect.isclass(returned) and issubclass(returned, (Estimate, Result))):
            wrong.append(f"{name} -> {returned}")
    assert not wrong, f"cxlib.analyses.{module}: {wrong}"


def result_classes() -> list[type]:
    for info in pkgutil.walk_packages([str(PACKAGE)], "cxlib."):
        if not info.name.startswith(("cxlib.app", "cxlib.__main__")):
            importlib.import_module(info.name)

    def below(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *below(sub))]

    return sorted(set(below(Result)), key=lambda c: f"{c.__module__}.{c.__name__}")


@pytest.mark.parametrize("cls", result_classes(), ids=lambda c: c.__name__)
def test_every_typed_result_holds_table_n_and_method(cls):
    """The protocol's parts are fields or properties of every result class, never extras
    looked up by a string key."""
    names = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    for part in ("table", "n", "method", "title", "level", "warnings", "notes"):
        assert part in names or hasattr(cls, part), f"{cls.__name__} has no {part}"
    if issubclass(cls, Fit):
        assert "__getitem__" not in vars(cls), (
            f"{cls.__name__} hands out parts by key; give them typed fields")


def test_no_frame_attrs_anywhere_in_the_package():
    hits = [f"{p.relative_to(PACKAGE)}:{i}" for p in PACKAGE.rglob("*.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"\.attrs\b", line)]
    assert not hits, hits


def test_one_rendering_writes_text_html_and_markdown_from_the_same_parts():
    table = pd.DataFrame({"estimate": [0.123456, 2.0], "ci_low": [0.1, 1.5],
                          "ci_high": [0.2, 2.5], "p": [0.0, 0.04]},
                         index=pd.Index(["a_b", "<x>"], name="term"))
    fit = Fit(table=table, n=1234, method="OLS, HC3 SE", title="Drivers $", level=0.9,
              warnings=("improper solution",), notes=("3 rows left out",),
              figure="effect of {row}", clusters=12, draws=200, failed=3)
    text, html, md = str(fit), fit._repr_html_(), fit._repr_markdown_()
    for shown in (text, html, md):
        assert "n = 1,234" in shown and "improper solution" in shown and "3 rows left out" in shown
        assert "3 of 200 resamples failed" in shown
    assert "0.123" in text and "0.123456" not in text  # rounded for display
    assert "&lt;x&gt;" in html and "<th><x></th>" not in html  # a label is text, not markup
    assert "<0.001" in html or "&lt;0.001" in html  # p-values never shown as 0
    assert "\\$" in html and "a\\_b" in md  # dollars and markup escaped
    assert repr(fit) == text and "–" not in text.split("(n =")[0]  # nothing missing here
    assert "<0.001" in text  # a p-value is never printed as 0
    est = fit.estimate("a_b")
    assert (est.figure, est.value, est.ci_low, est.ci_high, est.n) == (
        "effect of a_b", 0.123456, 0.1, 0.2, 1234)
    assert (est.level, est.clusters, est.draws, est.failed) == (0.9, 12, 200, 3)
    assert list(fit.estimates()) == ["a_b", "<x>"] and len(fit) == 2
    with pytest.raises(KeyError, match="'zz' is not a row of Drivers"):
        fit.estimate("zz")


def test_an_effect_names_its_headline_under_the_table_and_estimates_keep_their_own():
    headline = Estimate("odds ratio", 1.8, 1.2, 2.7, 300, "logit")
    effect = Effect(table=pd.DataFrame({"coef": [0.59]}, index=["x"]), n=300, method="logit",
                    effect=headline, value="coef")
    assert "odds ratio: 1.80 [1.20, 2.70] (n=300)" in str(effect)
    both = Estimates({"first": headline, "second": Estimate.untestable("b", "no data")})
    assert both["first"] is headline and "second" in both and "third" not in both
    assert both.table.loc["second", "method"] == "no data" and both.n == 300
    assert both.estimate("first", figure="renamed").figure == "renamed"


def test_a_rendered_result_shows_a_reader_nothing_the_output_check_refuses():
    """A result with a missing cell, a p-value of 0, a caution and a note, shown as a
    notebook shows it (HTML, Markdown and text/plain), passes the executed-notebook check:
    no NaN, no "p = 0", no raw repr, nothing that reads as a Python warning."""
    import nbformat

    from cxlib.app.output_check import output_problems

    fit = Fit(table=pd.DataFrame({"estimate": [1.5, float("nan")], "p": [0.0, 0.2]},
                                 index=["a", "b"]),
              n=50, method="OLS", warnings=("not identified: no intervals",),
              notes=("2 rows left out",))
    data = {"text/html": fit._repr_html_(), "text/markdown": fit._repr_markdown_(),
            "text/plain": repr(fit)}
    shown = [nbformat.v4.new_output("execute_result", {mime: text}, execution_count=1)
             for mime, text in data.items()]
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("fit", id="c",
                                                                     outputs=shown)])
    assert output_problems(book) == []
    assert "Caution: not identified" in repr(fit) and "Note: 2 rows left out" in repr(fit)
