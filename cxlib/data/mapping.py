"""Mapping files: the user's column names onto cxlib's, and how their file is written.

A mapping file is YAML. It may hold one section per data kind (top-level keys
``survey:``, ``customers:`` …) or, for a single file, just the section. A section::

    columns:              # cxlib name: your column name (any language or script)
      respondent_id: מספר משיב
      overall_sat: 总体满意度
      rel_1: Zuverlässigkeit 1
    missing: [-99, "n/a", "k.A."]   # codes that mean "no answer", in every column
    rating_scale: [1, 10]           # when ratings are not 1-7
    encoding: cp1255                # only if detection guesses wrong
    delimiter: ";"                  # or tab, comma, semicolon, pipe
    sheet: Antworten                # Excel sheet name or number (0 = first)
    header_row: 3                   # the row holding the column names (titles above it)
    recode:                         # labels to numbers
      overall_sat: {order: [Very poor, Poor, Fair, Good, Very good]}   # -> 1..5
      churned: {levels: {Yes: 1, No: 0}}
    covariates: [Contract, MonthlyCharges]   # more of your columns, kept for models
    reference: {Contract: Month-to-month}    # reference level of a categorical covariate
    observation_end: 2024-06-30     # customers: the date the export was taken
    timezone: Europe/Berlin         # convert times that carry a zone or UTC offset to this
    refunds: net                    # transactions: net (the default) or drop refunds
    design: snapshot                # how the data were made (see DESIGNS_BY_KIND)
    follow_up_months: 1             # customers: a snapshot's follow-up window, in months
    tenure_unit: days               # customers: the unit of tenure_months (days, weeks,
                                    # months, years; default months), converted to months
    synthetic: true                 # the file is synthetic or made from synthetic data
    control: no card                # experiment: the control arm's label
    treatment: joke card            # experiment: the arm the claim is about (several arms)
    proxy: a card with the bill -> tipping   # experiment: what it measures, when that is
                                    # not the claim's own treatment and outcome
    time_unit: week                 # summary: the unit of recency and T
    periods: 6                      # summary: discrete periods, how many were observed
    attributes: [q2, q3, q4]        # survey: attribute ratings, the drivers of overall_sat
    constructs:                     # survey: latent constructs -> item columns (PLS/SEM)
      COMP: [comp_1, comp_2, comp_3]
      CUSA: [overall_sat]
    paths: ["COMP -> CUSA"]         # the structural model between constructs
    roles: {satisfaction: CUSA, loyalty: CUSL}   # which constructs play those parts
    interval_minutes: 15            # intervals: the length of one interval
    threshold_seconds: 20           # intervals: the threshold of `answered_within`
    default_handle_seconds: 240     # intervals: the handle time to assume (none in the file)

Columns already named as cxlib names need no entry. Construct items, recoded
columns, covariates and reference levels are named as they are after mapping (cxlib
names where mapped, your own names otherwise).

``design:`` says how the data were made, which caps what their figures can show
(:mod:`cxlib.stats.evidence`): a survey is ``cross-sectional`` unless it was followed by
later behaviour; a customer table is ``followed`` from acquisition unless it is a
``snapshot`` (customers present at the start of a window, leaving seen only within it:
``follow_up_months`` gives the window, and implies ``design: snapshot``); an experiment is
``randomised`` (an ``experiment`` file is randomised by its kind: mapping a file as an
experiment is the user's assertion that the arms were assigned at random). Left out, the
design is detected from the data (:func:`cxlib.data.designs.detect_design`).

``control:`` and ``treatment:`` name arms of an ``experiment`` file by their labels (as
written in the file); without ``control:`` the control is the arm labelled 0 (arms 0 and 1)
or "control". ``proxy:`` says, in words, what an experiment measures when it is only the
nearest available to a claim (another gesture, another outcome): its figures are then shown
beside the claim and do not decide it. ``tenure_unit:`` says in which unit a customers
file gives its tenures (the column mapped as ``tenure_months``): ``days``, ``weeks``,
``months`` (the default) or ``years``; they are converted to months on load
(:func:`cxlib.stats.units.to_months`), with a note. ``time_unit:`` names the unit of a
``summary``'s recency and T (day, week, month, quarter, year); ``periods:`` makes a summary one of
discrete periods and gives their number. ``synthetic: true`` marks a file that is
synthetic or was made from synthetic data: its figures show the method and are never
evidence.

``interval_minutes:``, ``threshold_seconds:`` and ``default_handle_seconds:`` are for
``intervals`` files (an interval report of a queue): the interval length (detected from the
starts when left out, and said), the threshold in seconds that the count of calls
``answered_within`` uses (without it that count cannot be read), and a handle time for
staffing when the file has no ``handle_seconds`` column. The default handle time is an
assumption, not a measurement: every output that uses it says so.

``attributes:`` is the short way to name the drivers of satisfaction: each listed
rating is a one-item driver of ``overall_sat`` (and ``overall_sat`` of
``repurchase_intent`` when the file has it), with no path model to write. It is an
alternative to ``constructs:``/``paths:``/``roles:``, not a complement.

Everything is checked before any data are read (:func:`check_mapping`): the type of
every key, unknown keys and names (with a suggestion), one of your columns mapped to
two cxlib columns (refused: a column plays one part; copy it in the file if you
really mean that), and a structural model whose paths name undeclared constructs,
whose roles are missing or unknown, or whose paths loop. YAML is read as written:
``yes``/``no``/``on``/``off`` stay words (they are answer labels here), and a key
written twice is an error rather than the last one silently winning. A mapping file is
small and flat, and one that is not is refused before it is used: larger than
:data:`MAX_BYTES`, nested deeper than :data:`MAX_DEPTH`, with more than
:data:`MAX_ALIASES` aliases or aliases that stand for more than :data:`MAX_NODES` values
(a "billion laughs"), a list or mapping as a key, a number of thousands of digits.
Messages quote what the file holds cut to a line.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxlib.data.designs import design_problems
from cxlib.data.schemas import KINDS, Kind
from cxlib.errors import UserDataError, shorten

ROLES: dict[str, str] = {
    "satisfaction": "the construct whose drivers are analysed (required with constructs)",
    "loyalty": "the outcome of satisfaction in the chain (optional)",
    "quality": "perceived service quality, where the model has it (optional)",
    "expectation": "what customers expected of that quality (optional; needs quality): "
                   "quality against expectation is then tested as a gap (QUAL-1)",
}
DELIMITER_ALIASES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}
_KEYS = ("columns", "missing", "rating_scale", "encoding", "delimiter", "sheet", "header_row",
         "recode", "covariates", "reference", "observation_end", "timezone", "refunds",
         "attributes", "constructs", "paths", "roles", "design", "follow_up_months",
         "synthetic", "kind", "control", "treatment", "proxy", "time_unit", "periods",
         "tenure_unit")
REFUND_RULES = {"net": "each refund is netted against the purchase it refunds (the default)",
                "drop": "refunds are dropped; purchases are kept whole"}
_SURVEY_ONLY = ("attributes", "constructs", "paths", "roles")
_KIND_ONLY = {"control": "experiment", "treatment": "experiment", "proxy": "experiment",
              "time_unit": "summary", "periods": "summary", "tenure_unit": "customers"}
TIME_UNITS = ("day", "week", "month", "quarter", "year")
"""The time units a summary's mapping may name (``time_unit:``), singular; plurals are
accepted."""
TENURE_UNITS = ("day", "week", "month", "year")
"""The units a customers mapping may give its tenures in (``tenure_unit:``), singular;
plurals are accepted."""


@dataclass
class Mapping:
    """How one user file maps onto a data kind."""

    columns: dict[str, str] = field(default_factory=dict)
    missing: tuple[Any, ...] = ()
    rating_scale: tuple[float, float] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None
    timezone: str | None = None
    refunds: str | None = None
    attributes: list[str] = field(default_factory=list)
    constructs: dict[str, list[str]] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    recode: dict[str, dict[str, Any]] = field(default_factory=dict)
    covariates: list[str] = field(default_factory=list)
    reference: dict[str, str] = field(default_factory=dict)
    observation_end: dt.date | None = None
    design: str | None = None
    follow_up_months: float | None = None
    synthetic: bool = False
    control: str | None = None
    treatment: str | None = None
    proxy: str | None = None
    time_unit: str | None = None
    periods: int | None = None
    tenure_unit: str | None = None
    interval_minutes: float | None = None
    threshold_seconds: float | None = None
    default_handle_seconds: float | None = None
    source: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def construct_items(self) -> list[str]:
        """The rating columns of the survey model: construct items, or the attributes."""
        return [*(c for items in self.constructs.values() for c in items), *self.attributes]

    @property
    def user_to_schema(self) -> dict[str, str]:
        return {user: ours for ours, user in self.columns.items()}

    @property
    def edges(self) -> list[tuple[str, str]]:
        """The structural paths as (from, to) pairs."""
        return [_edge(p) for p in self.paths]


def _edge(path: str) -> tuple[str, str]:
    a, b = path.split("->", 1)
    return a.strip(), b.strip()


MAX_BYTES = 5_000_000
"""A mapping file larger than this is refused (one naming 100,000 columns is about 2 MB)."""
MAX_DEPTH = 20
"""Nesting of a mapping file at most (a section, a key, a column, its labels: five)."""
MAX_ALIASES = 100
"""YAML aliases (``*name``, a repeat of an anchored value) in a mapping file at most."""
MAX_NODES = 1_000_000
"""Values in a mapping file at most, each alias counted as the values it repeats: a few
hundred bytes of aliases of aliases ("billion laughs") would otherwise stand for billions."""


class _Refused(yaml.YAMLError):
    """A mapping file beyond the limits above, or with a key cxlib refuses; the message
    completes 'the mapping file …' and says where."""


class _Loader(yaml.SafeLoader):
    """YAML as written (see the module docstring), within the limits above: nested at most
    :data:`MAX_DEPTH` deep, at most :data:`MAX_ALIASES` aliases and :data:`MAX_NODES`
    values counted with what aliases repeat, and keys that are names or numbers (a list
    or a mapping as a key is refused)."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(f"has more than {MAX_ALIASES} aliases (*name), the last at "
                               f"{_where(self.peek_event().start_mark)}; write the values out")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"is nested more than {MAX_DEPTH} levels deep at "
                               f"{_where(self.peek_event().start_mark)}; a mapping file needs "
                               "five at most (a section, a key, a column, its labels)")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None and _expanded_size(node) > MAX_NODES:
            raise _Refused(f"has aliases (*name) that repeat values more than {MAX_NODES:,} "
                           "times in all; write the values out")
        return node

    def construct_yaml_int(self, node):
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than Python converts (4,300)
            raise _Refused(f"has a number of {len(node.value):,} digits at "
                           f"{_where(node.start_mark)}; write numbers as numbers") from None

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        seen = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(f"has a key that is a list or a mapping at "
                               f"{_where(key_node.start_mark)}: a key must be a name or a "
                               "number (write names as they are, not inside [ ] or { } or "
                               "after '? ')")
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _Refused(f"has '{shorten(key, 60)}' written twice in the same section "
                               f"(the second at {_where(key_node.start_mark)}); keep one")
            seen.add(key)
        return super().construct_mapping(node, deep)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _where(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _expanded_size(node) -> int:
    """Values under *node*, an aliased value counted each time it is repeated (each node's
    count is computed once: the work is linear in the file)."""
    sizes: dict[int, int] = {}

    def size(n) -> int:
        if id(n) not in sizes:
            children = (n.value if isinstance(n, yaml.SequenceNode) else
                        [v for pair in n.value for v in pair]
                        if isinstance(n, yaml.MappingNode) else [])
            sizes[id(n)] = 1 + sum(size(c) for c in children)
        return sizes[id(n)]

    return size(node)


def read_yaml(path: Path) -> Any:
    """A mapping file's YAML document; user errors for a missing, unreadable, too large or
    invalid file (messages cut to a few lines)."""
    if not path.exists():
        raise UserDataError("the mapping file was not found. Check the path (it is relative to "
                            "the folder you run the command from).", file=str(path))
    if path.is_dir():
        raise UserDataError("this is a folder; give the path of the mapping (.yaml) file.",
                            file=str(path))
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UserDataError(f"the mapping file is {size / 1e6:,.1f} MB; a mapping file is a "
                                f"few kilobytes of YAML (at most {MAX_BYTES / 1e6:g} MB). Is it "
                                "the data file? Give the data file as the data and the mapping "
                                "file with --columns.", file=str(path))
        return yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_Loader)
    except _Refused as err:
        raise UserDataError(f"the mapping file {err}.", file=str(path)) from None
    except yaml.YAMLError as err:
        raise UserDataError(f"not valid YAML: {shorten(err, 400)}. Check indentation and quote "
                            "names that contain ':' or '#'.", file=str(path)) from None
    except UnicodeDecodeError:
        raise UserDataError("save the mapping file as UTF-8.", file=str(path)) from None
    except OSError as err:
        raise UserDataError(f"the file cannot be read ({err.strerror or err}).",
                            file=str(path)) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise UserDataError(f"the mapping file is nested too deeply (more than {MAX_DEPTH} "
                            "levels).", file=str(path)) from None


def load_mapping(path: str | Path | None, kind: str, data_file: str | Path | None = None
                 ) -> Mapping:
    """Read and check the section for *kind* from a mapping file (empty for ``None``);
    messages name the mapping file and the *data_file* it is for."""
    if path is None:
        return Mapping()
    try:
        return _load_mapping(Path(path), kind)
    except UserDataError as err:
        if data_file is not None:
            err.file = f"{err.file or path} (the mapping for {data_file})"
            err.args = (err.message,)
        raise


def _load_mapping(path: Path, kind: str) -> Mapping:
    doc = read_yaml(path)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise UserDataError("a mapping file holds keys such as 'columns:' (or one section per "
                            f"data kind, e.g. 'survey:'); this one holds {_what(doc)}. See "
                            "data/README.md.", file=str(path))
    section, notes = _section(doc, kind, path)
    mapping = parse_section(section, path)
    mapping.notes = notes
    problems = check_mapping(mapping, KINDS[kind])
    if problems:
        raise UserDataError(problems, file=str(path))
    return mapping


def _section(doc: dict, kind: str, path: Path) -> tuple[dict, list[str]]:
    """The part of *doc* that applies to *kind*, and a note when there is none."""
    sections = [k for k in doc if k in KINDS]
    if not sections:
        declared = doc.get("kind", kind)
        if not _scalar(declared):
            raise UserDataError(f"'kind:' names one data kind, the kind of file this mapping "
                                f"is for; it holds {_what(declared)}. For files of several "
                                "kinds, write one section per kind (survey: …, customers: …). "
                                f"Kinds: {', '.join(KINDS)}.", file=str(path))
        if declared not in KINDS:
            raise UserDataError(f"'kind: {shorten(declared, 60)}' is not a data kind."
                                f"{_suggest(str(declared), KINDS)} Kinds: {', '.join(KINDS)}.",
                                file=str(path))
        if declared != kind:
            return {}, [f"the mapping file is for '{declared}' files (kind: {declared}), not "
                        f"'{kind}'; columns were matched by their cxlib names"]
        return doc, []
    flat = [str(k) for k in doc if k not in KINDS]
    if flat:
        hints = []
        for k in flat:
            close = difflib.get_close_matches(k, list(KINDS), n=1)
            hints.append(f"'{k}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise UserDataError(
            f"the file has sections per data kind ({', '.join(sections)}) and also "
            f"top-level key(s) {', '.join(hints)}. Put every key inside the section of its "
            f"kind, e.g.\n    {sections[0]}:\n      columns: …", file=str(path))
    if kind not in doc:
        return {}, [f"the mapping file has no '{kind}:' section (it has "
                    f"{', '.join(sections)}); columns were matched by their cxlib names"]
    section = doc[kind]
    if section is None:
        return {}, []
    if not isinstance(section, dict):
        raise UserDataError(f"the '{kind}:' section must hold keys such as 'columns:'; it "
                            f"holds {_what(section)}.", file=str(path))
    return section, []


def _what(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping (key: value pairs)"
    if isinstance(value, list | tuple):
        return "a list"
    return f"the value {shorten(repr(value), 80)}"


def parse_section(section: dict, path: Path | None = None) -> Mapping:
    """Turn one YAML section into a :class:`Mapping`, checking the type of every key;
    all problems are reported at once."""
    where = str(path) if path else "mapping"
    problems: list[str] = []
    for key in section:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), [*_KEYS, *KINDS], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            if close and close[0] in KINDS:
                hint += " (a section per data kind)"
            problems.append(f"unknown key '{shorten(key, 60)}'.{hint} Allowed keys: "
                            f"{', '.join(_KEYS)}.")
    out = Mapping(source=path)
    for key, parse in _PARSERS.items():
        if section.get(key) is None:
            continue
        try:
            setattr(out, key, parse(section[key]))
        except _Bad as bad:
            problems.append(f"'{key}:' {bad}")
    if problems:
        raise UserDataError(problems, file=where)
    return out


class _Bad(ValueError):
    """A mapping key of the wrong form; the message says what was expected."""


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _name(value: Any, what: str) -> str:
    if not _scalar(value) or not str(value).strip():
        raise _Bad(f"{what} must be a name, got {_what(value)}")
    return str(value).strip()


def _names(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise _Bad(f"must be a list of {what}, e.g. [a, b]; got {_what(value)}")
    return [_name(v, what) for v in value]


def _dict(value: Any, example: str) -> dict:
    if not isinstance(value, dict):
        raise _Bad(f"must map names to values, e.g. {example}; got {_what(value)}")
    return value


def _columns(value: Any) -> dict[str, str]:
    value = _dict(value, "{overall_sat: Q1}")
    out = {}
    for ours, theirs in value.items():
        if not _scalar(theirs):
            raise _Bad(f"'{ours}' must name one of your columns (cxlib name: your column "
                       f"name), got {_what(theirs) if theirs is not None else 'nothing'}")
        out[str(ours).strip()] = str(theirs).strip()
    return out


def _missing(value: Any) -> tuple:
    if isinstance(value, dict):
        raise _Bad("must be a list of codes that mean 'no answer' in any column, e.g. "
                   "missing: [-99, \"n/a\"]; you wrote a mapping (key: value). Codes apply "
                   "to every column; recode a column's own labels under `recode:`")
    values = value if isinstance(value, list | tuple) else [value]
    bad = [v for v in values if not _scalar(v)]
    if bad:
        raise _Bad(f"codes must be numbers or words, got {_what(bad[0])}")
    return tuple(values)


def _rating_scale(value: Any) -> tuple[float, float]:
    example = "must be [lowest, highest], two numbers such as [1, 10]"
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise _Bad(f"{example}; got {_what(value)}")
    try:
        lo, hi = (float(v) for v in value if not isinstance(v, bool))
    except (TypeError, ValueError):
        raise _Bad(f"{example}; got {shorten(repr(list(value)), 80)}") from None
    if not lo < hi:
        raise _Bad(f"{example} with the lowest first; got {shorten(repr(list(value)), 80)}")
    return lo, hi


def _encoding(value: Any) -> str:
    name = _name(value, "the encoding")
    try:
        codecs.lookup(name)
    except LookupError:
        raise _Bad(f"unknown encoding '{name}'. Use a name such as utf-8, cp1252, cp1255 or "
                   "gbk") from None
    return name


def _delimiter(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad(f"must be one character such as \";\" or a name (comma, semicolon, tab, "
                   f"pipe); got {_what(value)}")
    value = DELIMITER_ALIASES.get(value.strip().lower(), value)
    if len(value) != 1:
        raise _Bad(f"must be one character such as \";\" or a name (comma, semicolon, tab, "
                   f"pipe); got {shorten(repr(value), 80)}")
    return value


def _sheet(value: Any) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise _Bad(f"a sheet number counts from 0 (the first sheet); got {value}")
        return value
    return _name(value, "the sheet")


def _header_row(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Bad(f"must be the number of the row holding the column names, as a spreadsheet "
                   f"numbers rows (1 = the first; e.g. 3 when two title rows come first); got "
                   f"{_what(value)}")
    if value > 1000:
        raise _Bad(f"must be the row holding the column names, among the first 1,000; got "
                   f"{value}")
    return value


def _timezone(value: Any) -> str:
    import zoneinfo

    name = _name(value, "the time zone")
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        zones = zoneinfo.available_timezones()
        raise _Bad(f"unknown time zone '{name}'.{_suggest(name, zones)} Use a name such as UTC, "
                   "Europe/Berlin or America/New_York") from None
    return name


def _refunds(value: Any) -> str:
    name = _name(value, "the refund rule")
    if name not in REFUND_RULES:
        rules = "; ".join(f"`{k}`: {v}" for k, v in REFUND_RULES.items())
        raise _Bad(f"unknown rule '{name}'.{_suggest(name, REFUND_RULES)} Rules: {rules}")
    return name


def _recode(value: Any) -> dict[str, dict[str, Any]]:
    example = "{overall_sat: {order: [Low, Medium, High]}} or {churned: {levels: {Yes: 1, No: 0}}}"
    out = {}
    for col, spec in _dict(value, example).items():
        col = _name(col, "a recoded column")
        if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in (
                "order", "levels"):
            raise _Bad(f"'{col}' needs either `order: [lowest, …, highest]` (codes 1, 2, …) or "
                       f"`levels: {{label: value, …}}`, e.g. {example}; got {_what(spec)}")
        how, labels = next(iter(spec.items()))
        if how == "order":
            labels = {label: i for i, label in enumerate(_names(labels, "labels"), 1)}
        else:
            labels = _dict(labels, "{Yes: 1, No: 0}")
            for label, code in labels.items():
                if not _scalar(code):
                    raise _Bad(f"'{col}': label '{label}' must get a number or a word, got "
                               f"{_what(code)}")
            labels = {_name(k, "a label"): v for k, v in labels.items()}
        folded = [str(k).casefold() for k in labels]
        twice = sorted(k for k, n in Counter(folded).items() if n > 1)
        if twice:
            raise _Bad(f"'{col}': label(s) {', '.join(twice)} listed twice (labels are matched "
                       "without regard to case)")
        out[col] = labels
    return out


def _reference(value: Any) -> dict[str, str]:
    value = _dict(value, "{acquisition_channel: search}")
    return {_name(k, "a column"): _name(v, "a level") for k, v in value.items()}


def _observation_end(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _Bad(f"must be a date written YYYY-MM-DD, e.g. 2024-06-30; got "
                   f"{shorten(repr(value), 80)}") from None


def _attributes(value: Any) -> list[str]:
    names = _names(value, "rating columns, e.g. [Q2, Q3, Q4]")
    if not names:
        raise _Bad("lists no columns; write e.g. attributes: [Q2, Q3, Q4], or remove the key")
    return names


def _constructs(value: Any) -> dict[str, list[str]]:
    value = _dict(value, "{SAT: [overall_sat], LOY: [repurchase_intent, recommend]}")
    out = {}
    for name, items in value.items():
        name = _name(name, "a construct")
        if items is None or (isinstance(items, list | tuple) and not items):
            raise _Bad(f"construct '{name}' lists no items; write e.g. {name}: [item_1, item_2]")
        out[name] = _names(items, "item columns")
    return out


def _paths(value: Any) -> list[str]:
    out = []
    for p in _names(value, "paths such as 'SERV -> SAT'"):
        if p.count("->") != 1 or not all(_edge(p)):
            raise _Bad(f"a path must read 'FROM -> TO', e.g. 'SERV -> SAT'; got "
                       f"{shorten(repr(p), 80)}")
        out.append(" -> ".join(_edge(p)))
    return out


def _roles(value: Any) -> dict[str, str]:
    value = _dict(value, "{satisfaction: SAT, loyalty: LOY}")
    return {_name(k, "a role"): _name(v, "a construct") for k, v in value.items()}


def _design(value: Any) -> str:
    from cxlib.stats.evidence import DESIGNS

    name = _name(value, "the design")
    if name not in DESIGNS:
        raise _Bad(f"unknown design '{name}'.{_suggest(name, DESIGNS)} Designs: "
                   f"{', '.join(DESIGNS)}")
    return name


def _follow_up(value: Any) -> float:
    try:
        months = float(value) if _scalar(value) else math.nan
    except ValueError:
        months = math.nan
    if not months > 0 or not math.isfinite(months):
        raise _Bad(f"must be the length of the follow-up window in months, a positive number "
                   f"such as 1; got {_what(value)}")
    return months


def _flag(value: Any) -> bool:
    text = str(value).strip().lower() if _scalar(value) or isinstance(value, bool) else ""
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise _Bad(f"must be true or false; got {_what(value)}")


def _time_unit(value: Any, units: tuple[str, ...] = TIME_UNITS) -> str:
    name = _name(value, "the time unit").lower()
    unit = name[:-1] if name.endswith("s") and name[:-1] in units else name
    if unit not in units:
        raise _Bad(f"unknown time unit '{name}'.{_suggest(unit, units)} Units: "
                   f"{', '.join(units)}")
    return unit


def _periods(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise _Bad(f"must be the number of periods observed, a whole number such as 6; got "
               f"{_what(value)}")


def _proxy(value: Any) -> str:
    return _name(value, "what the experiment measures (a sentence)")


def _kind(value: Any) -> str:
    name = _name(value, "the kind")
    if name not in KINDS:
        raise _Bad(f"unknown data kind '{name}'; known kinds: {', '.join(KINDS)}")
    return name


_PARSERS = {
    "columns": _columns, "missing": _missing, "rating_scale": _rating_scale,
    "encoding": _encoding, "delimiter": _delimiter, "sheet": _sheet,
    "header_row": _header_row, "timezone": _timezone, "refunds": _refunds, "recode": _recode,
    "covariates": lambda v: _names(v, "column names"), "reference": _reference,
    "observation_end": _observation_end, "attributes": _attributes,
    "constructs": _constructs, "paths": _paths,
    "roles": _roles, "design": _design, "follow_up_months": _follow_up,
    "synthetic": _flag, "kind": _kind,
    "control": lambda v: _name(v, "the control arm's label"),
    "treatment": lambda v: _name(v, "the treatment arm's label"),
    "proxy": _proxy, "time_unit": _time_unit, "periods": _periods,
    "tenure_unit": lambda v: _time_unit(v, TENURE_UNITS),
}

QUEUE_KEYS = {
    "interval_minutes": ("the length of one interval in minutes, e.g. 15", 1440, False),
    "threshold_seconds": ("the service-level threshold in seconds, e.g. 20 (calls answered "
                          "within it are counted in answered_within)", 86400, True),
    "default_handle_seconds": ("the average handle time to assume, in seconds, e.g. 240",
                               86400, False),
}
"""The keys of ``intervals`` files: what each is, its largest sensible value, and whether 0 is
allowed (see the module docstring)."""


def _queue_number(key: str):
    what, most, zero = QUEUE_KEYS[key]

    def parse(value: Any) -> float:
        number = float(value) if _scalar(value) and _is_number(value) else math.nan
        if not (number >= 0 if zero else number > 0) or not number <= most:
            raise _Bad(f"must be {what}: a number {'≥ 0' if zero else '> 0'} and at most "
                       f"{most:,}; got {_what(value)}")
        return number
    return parse


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


_KEYS = (*_KEYS, *QUEUE_KEYS)
_PARSERS.update({key: _queue_number(key) for key in QUEUE_KEYS})


def _suggest(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def check_mapping(mapping: Mapping, kind: Kind) -> list[str]:
    """Problems with *mapping* for files of *kind* that need no data to find (see the
    module docstring); an empty list when the mapping is sound."""
    problems = _column_problems(mapping, kind)
    problems += _structure_problems(mapping, kind)
    problems += design_problems(kind.name, mapping.design, mapping.follow_up_months)
    problems += [f"'{key}:' applies to intervals files only." for key in QUEUE_KEYS
                 if getattr(mapping, key) is not None and kind.name != "intervals"]
    problems += _recode_problems(mapping, kind)
    return problems + _option_problems(mapping, kind)


def _column_problems(mapping: Mapping, kind: Kind) -> list[str]:
    """``columns:`` names cxlib columns of the kind, and maps each of the user's columns to
    one of them only."""
    problems = []
    for ours in mapping.columns:
        if not kind.known(ours):
            problems.append(f"'columns:' names '{ours}', which is not a column of the "
                            f"'{kind.name}' kind.{_suggest(ours, [f.name for f in kind.fields])}"
                            " See data/README.md for the columns.")
    by_user: dict[str, list[str]] = {}
    for ours, theirs in mapping.columns.items():
        by_user.setdefault(theirs, []).append(ours)
    for theirs, ours in by_user.items():
        if len(ours) > 1:
            problems.append(f"your column '{theirs}' is mapped to {' and '.join(ours)}. A column "
                            "can play one part: keep one of them, or copy the column in your "
                            "file under a second name if both really are the same answers.")
    return problems


def _recode_problems(mapping: Mapping, kind: Kind) -> list[str]:
    """``recode:`` names columns as they are after mapping, and a recoded rating spans the
    rating scale."""
    problems = []
    recodable = _after_mapping_names(mapping, kind)
    for col, labels in mapping.recode.items():
        if col not in recodable:
            problems.append(f"'recode:' names '{col}', which is neither a cxlib column of the "
                            f"'{kind.name}' kind, a construct item nor a covariate (name columns "
                            f"as they are after mapping).{_suggest(col, recodable)}")
        elif kind.field(col) is not None and kind.field(col).type == "rating":
            problems += _scale_problems(col, labels, mapping.rating_scale or kind.rating_scale)
    return problems


def _option_problems(mapping: Mapping, kind: Kind) -> list[str]:
    """Keys that apply to some kinds only, reference levels of categories, and two arms
    to compare."""
    problems = []
    categorical = {*mapping.covariates, *(f.name for f in kind.fields if f.type == "category")}
    for col in mapping.reference:
        if col not in categorical:
            problems.append(f"'reference:' names '{col}', which is not a covariate or category "
                            "column; list it under `covariates:` first."
                            + _suggest(col, categorical))
    if mapping.observation_end and kind.name != "customers":
        problems.append("'observation_end:' applies to customers files only.")
    for key, only in _KIND_ONLY.items():
        if getattr(mapping, key) is not None and kind.name != only:
            problems.append(f"'{key}:' applies to {only} files only; remove it from the "
                            f"'{kind.name}' mapping.")
    if mapping.control is not None and mapping.control == mapping.treatment:
        problems.append(f"'control:' and 'treatment:' name the same arm ('{mapping.control}'); "
                        "the treatment is compared with the control, so name two arms.")
    if mapping.refunds and kind.name != "transactions":
        problems.append("'refunds:' applies to transactions files only.")
    return problems


def _after_mapping_names(mapping: Mapping, kind: Kind) -> list[str]:
    return [*(f.name for f in kind.fields), *mapping.columns, *mapping.construct_items,
            *mapping.covariates]


def _scale_problems(col: str, labels: dict, scale: tuple[float, float]) -> list[str]:
    """A recoded rating must span the rating scale, or its top box means something else."""
    try:
        codes = [float(v) for v in labels.values()]
    except (TypeError, ValueError):
        return [f"'recode:' gives the rating '{col}' codes that are not numbers."]
    if (min(codes), max(codes)) != tuple(scale):
        return [f"'recode:' gives the rating '{col}' codes {min(codes):g}–{max(codes):g}, but "
                f"the rating scale is {scale[0]:g}–{scale[1]:g}. Set `rating_scale: "
                f"[{min(codes):g}, {max(codes):g}]`, or give the labels codes on the scale "
                "with `levels:`."]
    return []


def _structure_problems(mapping: Mapping, kind: Kind) -> list[str]:
    """Constructs, paths and roles: consistent, complete and free of loops."""
    used = [f"'{k}:'" for k in _SURVEY_ONLY if getattr(mapping, k)]
    if used and kind.name != "survey":
        return [f"{', '.join(used)} describe a survey model and do not apply to "
                f"'{kind.name}' files."]
    if mapping.attributes:
        return _attribute_problems(mapping, kind)
    if not mapping.constructs:
        return [f"{k} needs `constructs:` declaring the constructs it names." for k in used]
    return (_item_problems(mapping, kind) + _path_problems(mapping) + _role_problems(mapping)
            + _path_coverage(mapping))


def _item_problems(mapping: Mapping, kind: Kind) -> list[str]:
    """Construct items are numeric, and each measures one construct."""
    problems = []
    seen: dict[str, str] = {}
    for name, items in mapping.constructs.items():
        for item in items:
            spec = kind.field(item)
            if spec is not None and spec.type not in ("rating", "integer", "number", "binary"):
                problems.append(f"construct '{name}' lists '{item}', a {spec.type} column; "
                                "construct items must be numeric ratings.")
            if item in seen and seen[item] != name:
                problems.append(f"item '{item}' is listed under both {seen[item]} and {name}; "
                                "an item measures one construct.")
            seen.setdefault(item, name)
    return problems


def _path_problems(mapping: Mapping) -> list[str]:
    """Paths join declared constructs, each once, and never loop."""
    constructs = mapping.constructs
    problems = []
    for a, b in mapping.edges:
        for end in (a, b):
            if end not in constructs:
                problems.append(f"path '{a} -> {b}' names '{end}', which is not a declared "
                                f"construct.{_suggest(end, constructs)} Constructs: "
                                f"{', '.join(constructs)}.")
        if a == b:
            problems.append(f"path '{a} -> {b}' leads from a construct to itself.")
    twice = sorted(p for p, n in Counter(mapping.paths).items() if n > 1)
    problems += [f"path '{p}' is listed twice." for p in twice]
    cycle = _cycle([(a, b) for a, b in mapping.edges if a != b])
    if cycle:
        shown = cycle if len(cycle) <= 12 else [*cycle[:6], "…", *cycle[-3:]]
        size = f", {len(cycle) - 1:,} constructs" if len(cycle) > 12 else ""
        problems.append(f"the paths loop ({' -> '.join(shown)}{size}); a path model must not "
                        "return to a construct it started from.")
    return problems


def _role_problems(mapping: Mapping) -> list[str]:
    """Roles are known, name declared constructs, and say which one is satisfaction."""
    constructs = mapping.constructs
    problems = []
    for role, name in mapping.roles.items():
        if role not in ROLES:
            problems.append(f"'roles:' has an unknown role '{role}'.{_suggest(role, ROLES)} "
                            f"Roles: {', '.join(ROLES)}.")
        elif name not in constructs:
            problems.append(f"'roles:' gives {role} to '{name}', which is not a declared "
                            f"construct.{_suggest(name, constructs)}")
    if "expectation" in mapping.roles and "quality" not in mapping.roles:
        problems.append("'roles:' names an expectation but no quality construct to compare it "
                        "with; add e.g. quality: PERQ.")
    if "satisfaction" not in mapping.roles:
        problems.append("`constructs:` are declared but `roles:` does not say which one is "
                        "satisfaction; add e.g. roles: {satisfaction: "
                        f"{_guess_satisfaction(mapping)}}} (the notebooks analyse its drivers).")
    return problems


def _attribute_problems(mapping: Mapping, kind: Kind) -> list[str]:
    """``attributes:``: a list of distinct rating columns other than the outcomes, and no
    path model beside it."""
    problems = []
    other = [f"`{k}:`" for k in ("constructs", "paths", "roles") if getattr(mapping, k)]
    if other:
        problems.append(f"`attributes:` and {', '.join(other)} are two ways to declare the "
                        "drivers of satisfaction; use one: `attributes:` for attribute ratings "
                        "that each drive overall_sat, or constructs, paths and roles for a path "
                        "model.")
    twice = sorted(a for a, n in Counter(mapping.attributes).items() if n > 1)
    problems += [f"`attributes:` lists '{a}' twice." for a in twice]
    for a in dict.fromkeys(mapping.attributes):
        spec = kind.field(a)
        if a in ("SAT", "LOY"):
            problems.append(f"`attributes:` lists '{a}', a name cxlib keeps for satisfaction "
                            "and loyalty in the drivers model; rename the column.")
        elif a in ("overall_sat", "repurchase_intent"):
            problems.append(f"`attributes:` lists '{a}', an outcome of the drivers model "
                            "(attributes drive overall_sat, which drives repurchase_intent); "
                            "list only the attribute ratings.")
        elif spec is not None and spec.type not in ("rating", "integer", "number", "binary"):
            problems.append(f"`attributes:` lists '{a}', a {spec.type} column; attributes "
                            "must be numeric ratings.")
    return problems


def _path_coverage(mapping: Mapping) -> list[str]:
    """Every construct is in the model, satisfaction has drivers, and loyalty follows it."""
    edges = mapping.edges
    if not edges:
        return ["`constructs:` need `paths:` between them, e.g. paths: ['SERV -> SAT'] (the "
                "path model and the drivers of satisfaction come from them)."]
    linked = {end for edge in edges for end in edge}
    problems = [f"construct '{c}' is in no path; add its paths, or remove it."
                for c in mapping.constructs if c not in linked]
    sat, loy = mapping.roles.get("satisfaction"), mapping.roles.get("loyalty")
    if sat in mapping.constructs and not any(b == sat for _, b in edges):
        problems.append(f"no path leads into the satisfaction construct '{sat}'; its drivers "
                        f"are the constructs with a path into it (e.g. 'SERV -> {sat}').")
    if sat and loy in mapping.constructs and (sat, loy) not in edges:
        problems.append(f"loyalty is '{loy}' but there is no path '{sat} -> {loy}'; the chain "
                        "satisfaction → loyalty is what notebook 02 tests. Add the path, or "
                        "drop the loyalty role.")
    return problems


def _guess_satisfaction(mapping: Mapping) -> str:
    for name, items in mapping.constructs.items():
        if "overall_sat" in items:
            return name
    return "<construct>"


def _cycle(edges: list[tuple[str, str]]) -> list[str]:
    """A loop in the directed graph of *edges* as a list of nodes, or [] (depth-first, with
    a stack of its own: a chain of thousands of constructs is no deeper for Python)."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in list(graph):
        if start in state:
            continue
        trail = [start]
        state[start] = 1
        stack = [iter(graph.get(start, []))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[trail.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*trail[trail.index(nxt):], nxt]
            elif nxt not in state:
                state[nxt] = 1
                trail.append(nxt)
                stack.append(iter(graph.get(nxt, [])))
    return []
