"""What a reader should not see in an executed notebook: stderr boxes, raw reprs,
pandas footers, raw dicts, warnings, NaN, "p = 0" (also a 0 under a p column of a table)
and unrounded numbers (five or more significant decimals, such as 3.999161)
(:func:`output_problems`)."""

from __future__ import annotations

import re

_PROBLEMS = {
    "a raw repr": re.compile(r"\b(?:ResultRecord|Estimate|Verdict|Judged|Rule|Dataset)\(|"
                             r"<(?:Axes|Figure|matplotlib|lifelines)[^>]*>|object at 0x"),
    "a pandas footer (dtype:/Name:)": re.compile(r"^(?:dtype: \w+|Name: \w+.*dtype: \w+)$",
                                                 re.M),
    "a dict printed raw": re.compile(r"(?:^|\s)\{'[^']+': ", re.M),
    "a warning": re.compile(r"\b\w*Warning\b|warnings\.warn"),
    "NaN": re.compile(r"(?<![\w.])(?:NaN|nan)(?![\w])"),
    "p printed as 0": re.compile(r"\bp\s*=\s*0(?:\.0+)?(?![.\d])"),
    "an unrounded number": re.compile(r"(?<![\w.])-?\d+\.0*[1-9]\d{4,}(?!\d)"),
}


def _shown(output) -> str:
    """The text a reader sees of one output (its richest text form; images are skipped)."""
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    if "image/png" in data or "image/svg+xml" in data:
        return ""
    for mime in ("text/html", "text/markdown", "text/plain"):
        if mime in data:
            text = "".join(data[mime])
            return re.sub(r"<style.*?</style>", "", text, flags=re.S) if mime == "text/html" \
                else text
    return ""


_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def p_zero_in_table(html: str) -> str | None:
    """The first "0.0"/"0.000" under a p-value column (:func:`cxlib.stats.formatting.
    is_p_column`) of an HTML table, as "p 0.0", or None; a p-value shown so should read
    "<0.001"."""
    from cxlib.stats.formatting import is_p_column

    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        rows = [[c.strip() for c in _CELL.findall(r)] for r in _ROW.findall(table)]
        if not rows:
            continue
        columns = [i for i, name in enumerate(rows[0]) if is_p_column(name)]
        for row in rows[1:]:
            for i in columns:
                if i < len(row) and re.fullmatch(r"0(?:\.0+)?", row[i]):
                    return f"{rows[0][i]} {row[i]}"
    return None


def output_problems(nb) -> list[str]:
    """What a reader should not see in an executed notebook's outputs: stderr boxes, raw
    reprs, pandas footers, raw dicts, warnings, NaN, "p = 0" and unrounded numbers. One line
    per problem, naming the cell (its id) and quoting the offending text."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            where = f"cell {cell.get('id', '?')}"
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", "")).strip().splitlines() or [""]
                found.append(f"{where}: stderr: {text[-1][:80]}")
                continue
            if output.get("output_type") == "error":
                found.append(f"{where}: error: {output.get('ename')}")
                continue
            shown = _shown(output)
            for what, pattern in _PROBLEMS.items():
                hit = pattern.search(shown)
                if hit:
                    start = max(0, hit.start() - 30)
                    quote = " ".join(shown[start:hit.end() + 30].split())
                    found.append(f"{where}: {what}: …{quote}…")
            zero = p_zero_in_table(shown) if "<table" in shown else None
            if zero:
                found.append(f"{where}: p printed as 0 in a table: {zero}")
    return found
