"""Text, numbers and tables as a notebook shows them: escaped, rounded, never a raw repr."""

from __future__ import annotations

import math

import pandas as pd

from cxlib.registry.claims import claim_card, rules_text
from cxlib.registry.records import make_record
from cxlib.stats.estimates import Estimate
from cxlib.stats.formatting import md_escape, p_value, tidy
from cxlib.stats.verdicts import Verdict


def test_md_escape_turns_markup_and_maths_into_text():
    assert md_escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    # JupyterLab shows \\$ in Markdown as "$" (a single backslash still became maths)
    assert md_escape("winning back $1 costs $10") == r"winning back \\$1 costs \\$10"
    assert md_escape("a*b_c `d` \\(x\\) & e") == "a\\*b\\_c \\`d\\` &#92;(x&#92;) &amp; e"


def test_markdown_that_cxlib_emits_has_no_bare_dollar_or_tag():
    card = claim_card("RET-2")
    assert "\\$1" in card and "\\$10" in card
    assert ".txt" not in card and "Chinese article" in card  # seeds named, not file names
    assert "$" not in card.replace("\\$", "")
    assert "$" not in rules_text("RET-2").replace("\\$", "")
    est = Estimate("share <b>bold</b>", 0.5, 0.4, 0.6, 100, "Wilson")
    rec = make_record("08", "CHN-1", "channel_preference", est,
                      Verdict("inconclusive", "<script>alert(1)</script> costs $5"),
                      data="<x>.csv", synthetic=False)
    md = rec._repr_markdown_()
    assert "<" not in md and "&lt;script&gt;" in md and "\\$5" in md
    assert "<" not in est._repr_markdown_() and "0.50 [0.40, 0.60]" in est._repr_markdown_()


def test_p_values_are_never_printed_as_zero():
    assert p_value(0.0) == "p < 0.001"
    assert p_value(3e-12) == "p < 0.001"
    assert p_value(0.0321) == "p = 0.032"
    assert p_value(math.nan) == "p = –" and p_value(None) == "p = –"


def test_tidy_rounds_and_drops_empty_rows():
    frame = pd.DataFrame({"x": [3.999161, math.nan, 1.0], "label": ["a", None, "c"]})
    table = tidy(frame)
    assert list(table.index) == [0, 2] and table.loc[0, "x"] == 3.999
    assert tidy(pd.Series([1.23456], name="v")).loc[0, "v"] == 1.235


def test_output_scan_finds_what_a_reader_should_not_see():
    import nbformat

    from cxlib.app.output_check import output_problems

    def cell(cid, *outputs):
        return nbformat.v4.new_code_cell("x", id=cid, outputs=list(outputs))

    def shown(mime, text):
        return nbformat.v4.new_output("execute_result", {mime: text}, execution_count=1)

    nb = nbformat.v4.new_notebook(cells=[
        cell("a", nbformat.v4.new_output("stream", name="stderr",
                                         text="x.py:1: FutureWarning: observed=False\n")),
        cell("b", shown("text/plain", "ResultRecord(notebook='03', claim='RET-1')")),
        cell("c", shown("text/plain", "<Axes: xlabel='share'>")),
        cell("d", shown("text/plain", "a    1\nb    2\nName: count, dtype: int64")),
        cell("e", shown("text/html", "<table><tr><td>NaN</td></tr></table>")),
        cell("f", nbformat.v4.new_output("stream", name="stdout", text="log-rank p = 0\n")),
        cell("g", shown("text/plain", "{'agents': 4, 'wait': 12.5}")),
        cell("h", nbformat.v4.new_output("stream", name="stdout",  # print(estimate, parts)
                                         text="0.12 [0.05, 0.19] (n=800) {'outlets': 30}\n")),
        cell("i", shown("text/html", "<td>3.999161</td>")),  # unrounded (issue 13)
        cell("j", shown("text/plain", "first_purchase  2024-02-12 13:12:12.558139")),
        cell("k", shown("text/html", "<table><thead><tr><th></th><th>coef</th><th>p</th></tr>"
                                     "</thead><tbody><tr><th>x</th><td>0.0</td><td>0.0</td>"
                                     "</tr></tbody></table>")),
        cell("ok", shown("text/html", "<style>td{}</style><table><tr><td>0.5</td></tr></table>"
                                      "<table><tr><th>p</th><th>coef</th></tr>"
                                      "<tr><td>&lt;0.001</td><td>0.0</td></tr></table>"),
             nbformat.v4.new_output("stream", name="stdout",
                                    text="p < 0.001, nanny, p = 0.00464, 358.8, 2024\n"))])
    found = output_problems(nb)
    cells = [line.split(":")[0] for line in found]
    assert cells == [f"cell {c}" for c in "abcdefghijk"], found


def test_a_figure_is_described_by_its_titles_and_axis_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import cxlib as cx
    from cxlib.notebook.display import describe_figure

    ax = cx.plots.cohort_heatmap(pd.DataFrame([[1.0, 0.5], [1.0, 0.7]]))
    assert describe_figure(ax.figure) == ("Figure: Cohort retention — x: months since "
                                          "acquisition; y: acquisition cohort")
    fig, (_, right) = plt.subplots(1, 2)
    right.set_xlabel("weeks")
    fig.suptitle("Two panels")
    assert describe_figure(fig) == "Figure: Two panels | x: weeks"
    assert describe_figure(plt.figure()) == "Figure: a chart without title or labels"
    plt.close("all")


def test_tables_records_and_dicts_display_without_nan_or_reprs():
    from cxlib.registry.records import RecordList
    from cxlib.stats.formatting import dict_table, frame_html

    html = frame_html(pd.DataFrame({"sd_so_far": [math.nan, 0.5], "title": ["$1", "x"]}))
    assert "NaN" not in html and "<td>–</td>" in html and "\\$1" in html
    assert "<td>4</td>" in frame_html(dict_table({"agents": 4, "wait": 12.3456}))
    est = Estimate("repeat share", 0.66, 0.65, 0.67, 100, "ratio of sums")
    records = RecordList([make_record("04", "REP-1", "claim", est, Verdict("inconclusive", "wide"),
                                      data="cdnow.csv", synthetic=False)] * 2)
    md = records._repr_markdown_()
    assert "ResultRecord(" not in md and md.count("REP-1 · repeat share: inconclusive") == 2


def test_interval_plot_draws_a_table_as_it_draws_estimates():
    """A table's rows (value, ci_low, ci_high) give the same lines as Estimates built by hand."""
    import matplotlib

    matplotlib.use("Agg")
    from cxlib.notebook.plots import interval_plot
    from cxlib.stats.estimates import Estimate

    table = pd.DataFrame({"share": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6]},
                         index=["price", "service"])
    by_hand = [Estimate(k, r["share"], r["ci_low"], r["ci_high"], 10, "Goodman")
               for k, r in table.iterrows()]
    drawn = [interval_plot(x, value="share") for x in (table, by_hand)]
    lines = [[tuple(map(tuple, line.get_xydata())) for line in ax.get_lines()] for ax in drawn]
    assert lines[0] == lines[1] and len(lines[0]) == 4
    assert [t.get_text() for t in drawn[0].get_yticklabels()] == ["price", "service"]


def test_a_figure_shown_by_the_inline_backend_keeps_its_description():
    """In a kernel, the inline backend is loaded at the first figure and clears every
    formatter's entry for Figure; cx.start loads it first, so the figure's plain-text form
    (the alt text of its image in pages and decks) is still its description."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import cxlib as cx\nnb = cx.start('00_start_here')"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n"
                                  "_, ax = plt.subplots()\nax.set_title('Retention')\n"
                                  "ax.set_xlabel('months')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    shown = [o for o in nb.cells[1].outputs if "image/png" in o.get("data", {})]
    assert len(shown) == 1
    assert shown[0]["data"]["text/plain"] == "Figure: Retention — x: months"


def test_p_value_columns_show_below_a_thousandth_and_series_have_a_header():
    from cxlib.stats.formatting import frame_html, is_p_column, p_cell

    table = pd.DataFrame({"hazard ratio": [0.5, 0.9], "p": [1e-9, 0.0312],
                          "p (step)": [math.nan, 0.0]})
    html = frame_html(table)
    assert html.count("&lt;0.001") == 2 and "<td>0.031</td>" in html
    assert "<td>0.0</td>" not in html and "<td>–</td>" in html
    assert is_p_column("P>|z|") and not is_p_column("price")
    assert p_cell(0.5) == "0.500" and p_cell(0.0) == "<0.001" and math.isnan(p_cell(math.nan))
    assert list(tidy(pd.Series([0.1234, 0.5]))) == ["value"]  # not "0"


def test_a_figure_knows_its_smallest_text_and_a_sentence_shows_as_text(capsys):
    """The decks keep figure text at 18 px on a 1280 × 720 projector from the size of a
    figure's smallest text (text_px: points × dpi / 72); the project's style sets figures
    so that it is at least 18 px at their own size. cx.say shows a computed sentence as
    Markdown, taken literally."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cxlib.notebook import display, plots
    from cxlib.stats.formatting import Shown

    plots.use_style()
    fig, ax = plt.subplots(dpi=100)
    ax.plot([1, 2], [3, 4], label="a line")
    ax.legend()
    ax.set_title("Title")
    fig.canvas.draw()
    assert display.text_px(fig) >= 18
    ax.text(1, 3, "small", fontsize=9)
    assert display.text_px(fig) == 12.5
    plt.close(fig)
    shown = []
    import IPython.display

    original = IPython.display.display
    IPython.display.display = shown.append
    try:
        display.say("log-rank", "p = 0.001 for *both*")
    finally:
        IPython.display.display = original
    assert isinstance(shown[0], Shown) and shown[0].markdown == "log-rank p = 0.001 for \\*both\\*"
    assert str(shown[0]) == "log-rank p = 0.001 for *both*"  # its plain text: the sentence
