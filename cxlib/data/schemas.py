"""The data kinds cxlib understands, declared once.

Each kind (``survey``, ``customers``, ``transactions``, ``contacts``, ``intervals``,
``visits``, ``outlets``, ``experiment``, ``summary``) is a list of :class:`Field`
declarations. Everything else is derived from these declarations: the range, category and
id checks of validation, the tables in ``data/README.md`` (``cxlib schema --markdown``), and
the sample-data generators' column order. Rating fields take their range from the kind's
rating scale, which a
mapping file may change (``rating_scale: [1, 10]``).

Besides one field's type and range, a kind declares what holds between fields:
``one_of`` groups of which a file needs at least one column (a customers ledger
gives acquisition dates or tenures), a field's ``with_any`` (a tenure needs a churn
flag or a churn date beside it, or nobody would ever have left), and a date's
``after`` (nobody leaves before they arrive), and a count's ``at_most`` (calls answered
within the threshold are some of the calls answered). Dates must lie between 1900 and today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FieldType = str  # one of: id, integer, number, rating, binary, category, date, datetime, text
EARLIEST_DATE = dt.date(1900, 1, 1)
"""Dates before this are typing errors (1850 for 1985); dates after today are too."""

DIMENSIONS: dict[str, str] = {
    "rel": "reliability",
    "res": "responsiveness / flexibility",
    "ass": "assurance / trust",
    "emp": "empathy",
    "tan": "tangibles / aesthetics",
}
"""The five SERVQUAL dimensions named in seeds 000 and 002, keyed by item prefix."""


@dataclass(frozen=True)
class Field:
    """One column of a data kind."""

    name: str
    type: FieldType
    description: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    categories: tuple[str, ...] | None = None
    unique: bool = False
    after: str | None = None        # a date that may not be earlier than this date column
    with_any: tuple[str, ...] = ()  # when present, one of these columns must be present too
    at_most: str | None = None      # a count that may not exceed this column's count

    def bounds(self, rating_scale: tuple[float, float]) -> tuple[float | None, float | None]:
        """Allowed (min, max); ratings use the kind's scale."""
        if self.type == "rating":
            return rating_scale
        if self.type == "binary":
            return 0, 1
        return self.min, self.max


@dataclass(frozen=True)
class ItemPattern:
    """A family of multi-item rating columns, e.g. ``rel_1``, ``rel_2`` …"""

    pattern: str
    example: str
    description: str

    def matches(self, column: str) -> bool:
        return re.fullmatch(self.pattern, column) is not None


@dataclass(frozen=True)
class Kind:
    """A data kind: its fields, item patterns and default rating scale."""

    name: str
    description: str
    fields: tuple[Field, ...]
    items: tuple[ItemPattern, ...] = ()
    rating_scale: tuple[float, float] = (1, 7)
    row: str = "row"
    one_of: tuple[tuple[str, ...], ...] = ()  # a file needs at least one column of each group

    @property
    def id_field(self) -> Field | None:
        return next((f for f in self.fields if f.unique), None)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    @property
    def requirements(self) -> list[str]:
        """What a file must have, in words: required columns, then 'a or b' groups."""
        return [*self.required, *(" or ".join(group) for group in self.one_of)]

    def group_of(self, name: str) -> tuple[str, ...] | None:
        """The one-of group a field belongs to, if any."""
        return next((g for g in self.one_of if name in g), None)

    def field(self, name: str) -> Field | None:
        """The declared field called *name*, item columns included (as ratings)."""
        for f in self.fields:
            if f.name == name:
                return f
        for pattern in self.items:
            if pattern.matches(name):
                return Field(name, "rating", pattern.description)
        return None

    def known(self, column: str) -> bool:
        return self.field(column) is not None


_DIM = "|".join(DIMENSIONS)

SURVEY = Kind(
    name="survey",
    row="respondent",
    description=(
        "A customer survey export, one row per respondent: multi-item ratings per service "
        "dimension (perceptions and expectations), overall satisfaction, loyalty measures, "
        "word of mouth, problems and complaints, and optionally later behaviour."
    ),
    fields=(
        Field("respondent_id", "id", "Unique respondent identifier; when the file has none, "
              "rows are numbered (row2, row3, …).", unique=True),
        Field("segment", "category", "Customer segment (free labels)."),
        Field("outlet_id", "text",
              "Outlet/branch the respondent was served at (links to `outlets`). With two or "
              "more outlets, the intervals of the key drivers (LOY-2), of every LOY-1 figure "
              "and of the price premium (REL-2) treat the outlet as the unit (clustered, "
              "t(G − 1) for G outlets); with fewer than 10 outlets they are not testable."),
        Field("overall_sat", "rating", "Overall satisfaction with the service.", required=True),
        Field("repurchase_intent", "rating", "Intention to buy again."),
        Field("recommend", "integer", "Likelihood to recommend, 0 (not at all) to 10 (extremely).",
              min=0, max=10),
        Field("churned", "binary", "Left within the follow-up period after the survey (1 = left)."),
        Field("told_count", "integer", "Number of people the respondent told about the experience.",
              min=0, max=1000),
        Field("told_valence", "category", "What they told: positive, negative, mixed or none.",
              categories=("positive", "negative", "mixed", "none")),
        Field("had_problem", "binary", "Had a problem with the service in the period (1 = yes)."),
        Field("problem_severity", "category", "Severity of the most serious problem.",
              categories=("minor", "moderate", "serious")),
        Field("complained", "binary", "Told the company about the problem (1 = yes)."),
        Field("price_paid", "number", "Price paid for the same product/plan (currency units).",
              min=0),
    ),
    items=(
        ItemPattern(rf"({_DIM})_\d+", "rel_1",
                    "Perception item k of a service dimension: rel (reliability), res "
                    "(responsiveness), ass (assurance), emp (empathy), tan (tangibles)."),
        ItemPattern(rf"exp_({_DIM})_\d+", "exp_rel_1",
                    "Expectation item k of the same dimension (what the customer expected)."),
    ),
)

CUSTOMERS = Kind(
    name="customers",
    row="customer",
    description=(
        "A CRM ledger, one row per customer: how and at what cost they were acquired, what was "
        "spent on keeping them, what they brought in, whether and why they left, win-back "
        "attempts, and a randomised follow-up experiment."
    ),
    fields=(
        Field("customer_id", "id", "Unique customer identifier.", required=True, unique=True),
        Field("acquired_on", "date", "Date the customer was acquired."),
        Field("tenure_months", "number", "Months the customer has been a customer: until they "
              "left, or until the end of observation if still active (instead of dates, as in "
              "most churn exports). Tenures in days, weeks or years: say so in the mapping "
              "(`tenure_unit: days`); they are converted to months.", min=0, max=1200,
              with_any=("churned", "churned_on")),
        Field("churned", "binary", "Has left (1 = left, 0 = still a customer); with "
              "`tenure_months`, or beside `churned_on`.", with_any=("churned_on", "tenure_months")),
        Field("observed_until", "date", "End of observation for a customer still active (the "
              "date of the export); default: the latest date in the ledger. The mapping key "
              "`observation_end` sets it for every customer.", after="acquired_on"),
        Field("acquisition_channel", "category", "Channel of acquisition (free labels)."),
        Field("acquisition_cost", "number", "Cost of acquiring this customer (currency).", min=0),
        Field("retention_spend", "number", "Total spent on retaining this customer (currency).",
              min=0),
        Field("revenue", "number", "Total revenue from the customer to date (currency).", min=0),
        Field("margin", "number", "Total gross margin from the customer to date (currency)."),
        Field("satisfaction", "rating", "Latest satisfaction rating of the customer."),
        Field("n_products", "integer", "Number of products/services held (cross-holding).", min=0),
        Field("churned_on", "date", "Date the customer left; empty if still a customer.",
              after="acquired_on"),
        Field("churn_reason", "category", "Stated reason for leaving (exit-survey code)."),
        Field("service_failures", "integer", "Service failures recorded in the 90 days before "
              "leaving (or before the end of observation).", min=0),
        Field("winback_spend", "number", "Spent on trying to win the customer back (currency).",
              min=0),
        Field("won_back", "binary", "Came back after a win-back attempt (1 = yes)."),
        Field("winback_margin", "number", "Margin earned from the customer after coming back."),
        Field("followup_note", "binary", "Randomly assigned a thank-you follow-up (1 = yes)."),
        Field("repurchased", "binary", "Bought again within 90 days of the follow-up window."),
    ),
    one_of=(("acquired_on", "tenure_months"),),
)

TRANSACTIONS = Kind(
    name="transactions",
    row="purchase",
    description="A transaction log, one row per purchase.",
    fields=(
        Field("customer_id", "text", "Customer identifier.", required=True),
        Field("date", "date", "Purchase date.", required=True),
        Field("amount", "number", "Purchase amount (currency); negative for refunds.",
              required=True),
        Field("quantity", "integer", "Number of units.", min=0),
        Field("order_id", "id", "Unique order identifier.", unique=True),
    ),
)

CONTACTS = Kind(
    name="contacts",
    row="contact",
    description="A contact-centre or front-desk log, one row per call, chat, ticket or visit.",
    fields=(
        Field("contact_id", "id", "Unique contact identifier.", required=True, unique=True),
        Field("arrived_at", "datetime", "When the customer arrived / the call came in.",
              required=True),
        Field("wait_seconds", "number", "Seconds until answered/greeted (or until abandoning).",
              required=True, min=0),
        Field("handle_seconds", "number", "Seconds of service once answered.", min=0),
        Field("abandoned", "binary", "Customer hung up / left before being served (1 = yes)."),
        Field("channel", "category", "Channel: phone, email, chat, face_to_face, fax, … ."),
        Field("satisfaction", "rating", "Post-contact satisfaction rating."),
        Field("customer_id", "text", "Customer identifier (links to `customers`)."),
        Field("outlet_id", "text", "Outlet or queue identifier."),
    ),
)

INTERVALS = Kind(
    name="intervals",
    row="interval",
    description=(
        "An automatic call distributor's interval report: one row per time interval (e.g. 5 or "
        "15 minutes) of a queue, with the calls offered, answered, abandoned and answered "
        "within the service-level threshold, the average handle time and speed of answer. The "
        "mapping file says how long an interval is (`interval_minutes:`), the threshold the "
        "within-threshold count uses (`threshold_seconds:`) and, for staffing from a file "
        "without handle times, the handle time to assume (`default_handle_seconds:`)."
    ),
    fields=(
        Field("interval_start", "datetime", "When the interval starts (date and time).",
              required=True),
        Field("offered", "integer", "Calls offered to the queue in the interval (arrivals).",
              required=True, min=0),
        Field("answered", "integer", "Calls answered (handled by an agent).", min=0),
        Field("abandoned", "integer", "Calls that hung up while waiting.", min=0),
        Field("answered_within", "integer", "Calls answered within the threshold "
              "(`threshold_seconds:` in the mapping); some of the calls answered.", min=0,
              at_most="answered"),
        Field("handle_seconds", "number", "Average handle time of the calls answered, in "
              "seconds (talk, hold and wrap-up).", min=0),
        Field("asa_seconds", "number", "Average speed of answer: mean wait of the calls "
              "answered, in seconds.", min=0),
        Field("abandon_seconds", "number", "Average time to abandon: mean wait of the calls "
              "that hung up, in seconds (lets the patience of callers be estimated without "
              "an assumption).", min=0),
        Field("queue", "category", "Queue, skill or split the row belongs to (free labels); "
              "every queue is staffed on its own."),
    ),
)

VISITS = Kind(
    name="visits",
    row="visit",
    description=(
        "Visit-level service records, one row per visit: the quality experienced, ratings of "
        "the moments of the visit from the most general to the most specific, the Kamin "
        "service steps done, and what the customer did next."
    ),
    fields=(
        Field("visit_id", "id", "Unique visit identifier.", required=True, unique=True),
        Field("customer_id", "text", "Customer identifier.", required=True),
        Field("visit_date", "date", "Date of the visit.", required=True),
        Field("outlet_id", "text", "Outlet visited."),
        Field("quality", "rating", "Service quality experienced on the visit."),
        Field("overall_sat", "rating", "Overall satisfaction with the visit."),
        Field("r_environment", "rating", "Rating of the environment (most general)."),
        Field("r_help", "rating", "Rating of the availability of help."),
        Field("r_reliability", "rating", "Rating of staff reliability."),
        Field("r_price", "rating", "Rating of price."),
        Field("r_friendliness", "rating", "Rating of staff friendliness."),
        Field("r_aftercare", "rating", "Rating of after-sales care (most specific)."),
        Field("step_greet", "binary", "Kamin step 1 done: customer greeted."),
        Field("step_needs", "binary", "Step 2 done: needs found out."),
        Field("step_meet", "binary", "Step 3 done: needs met efficiently."),
        Field("step_check", "binary", "Step 4 done: checked back."),
        Field("step_door", "binary", "Step 5 done: door left open."),
        Field("returned", "binary", "Customer came back within 90 days (1 = yes)."),
        Field("churned_after", "binary", "This was the customer's last visit before leaving."),
    ),
)

OUTLETS = Kind(
    name="outlets",
    row="outlet",
    description="Outlet-level staff survey results, one row per outlet or branch.",
    fields=(
        Field("outlet_id", "id", "Unique outlet identifier.", required=True, unique=True),
        Field("employee_sat", "rating", "Mean employee satisfaction at the outlet.",
              required=True),
        Field("internal_service", "rating", "Mean rating of internal service (support staff get "
              "from other departments)."),
        Field("n_employees", "integer", "Number of employees surveyed.", min=0),
    ),
)

EXPERIMENT = Kind(
    name="experiment",
    row="unit",
    description=(
        "A randomised experiment, one row per unit (customer, visit, account): the arm it was "
        "assigned to at random, its outcome (1/0 or a number), and optionally the block or "
        "stratum it was randomised within and covariates measured before assignment "
        "(`covariates:` in the mapping). The mapping names the control arm (`control:`) and, "
        "with more than two arms, the treatment the claim is about (`treatment:`); the other "
        "arms are reported beside it. Mapping a file as an experiment asserts that the arms "
        "were assigned at random: its comparisons are then read as causal effects."
    ),
    fields=(
        Field("unit_id", "id", "Unique unit identifier; when the file has none, rows are "
              "numbered (row2, row3, …).", unique=True),
        Field("arm", "text", "The arm the unit was assigned to (any labels: note, no note; "
              "1, 0). Compared as assigned, whether or not the treatment was received "
              "(intention to treat).", required=True),
        Field("outcome", "number", "The outcome: 1/0 (bought again, tipped) or a number "
              "(spend); a binary outcome gives a difference in rates.", required=True),
        Field("block", "text", "The block or stratum the unit was randomised within "
              "(branch, week); the lift is then adjusted for it."),
    ),
)

SUMMARY = Kind(
    name="summary",
    row="customer",
    description=(
        "A customer summary, per customer or per recency/frequency pattern with its number "
        "of customers (as published panels give them), read directly by the customer-base "
        "models: repeat transactions after the first (`frequency`), when the last one was "
        "(`recency`) and how long the customer was observed (`T`), in the time unit the "
        "mapping names (`time_unit:`, e.g. week). For data in discrete periods (a yearly "
        "gift, a renewal) the mapping gives the number of periods (`periods:`): frequency "
        "counts the periods with a transaction after the first, recency is the last such "
        "period, and `T` (if given) each customer's number of periods, at most `periods`."
    ),
    fields=(
        Field("customer_id", "id", "Unique customer (or pattern) identifier; when the file has "
              "none, rows are numbered.", unique=True),
        Field("frequency", "number", "Repeat transactions after the first: purchase occasions "
              "(continuous time) or periods with a transaction (discrete periods).",
              required=True, min=0),
        Field("recency", "number", "Time from the first transaction to the last repeat one (0 "
              "when there is none); in discrete periods, the last period with a transaction.",
              required=True, min=0),
        Field("T", "number", "Time from the first transaction to the end of observation, at "
              "least `recency`; in discrete periods, the number of periods (default: "
              "`periods:` of the mapping). Required unless the mapping gives `periods:`.",
              min=0),
        Field("monetary_value", "number", "Mean value of the repeat transactions (currency).",
              min=0),
        Field("customers", "integer", "Number of customers with this row's summary (a table of "
              "patterns); 1 when absent.", min=0),
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in (SURVEY, CUSTOMERS, TRANSACTIONS, CONTACTS,
                                              INTERVALS, VISITS, OUTLETS, EXPERIMENT, SUMMARY)}


def get_kind(name: str) -> Kind:
    """The kind called *name*; a clear error for an unknown one."""
    from cxlib.errors import UserDataError

    try:
        return KINDS[name]
    except KeyError:
        raise UserDataError(
            f"Unknown data kind '{name}'. Known kinds: {', '.join(KINDS)}."
        ) from None


def markdown(kind: Kind, uses: Mapping[tuple[str, str], Sequence[str]] | None = None) -> str:
    """The documentation table of a kind, as written into data/README.md; *uses* names the
    claims that read each (kind, column) (the claim registry's ``columns``)."""
    uses = uses or {}
    lo, hi = kind.rating_scale
    lines = [
        f"### `{kind.name}`",
        "",
        f"{kind.description} One row per {kind.row}. Ratings are on a {lo:g}–{hi:g} scale "
        "unless the mapping file sets `rating_scale`.",
        "",
        "| column | type | required | allowed values | meaning | claims |",
        "|---|---|---|---|---|---|",
    ]
    for f in kind.fields:
        lines.append(
            f"| `{f.name}` | {f.type} | {_required(f, kind)} | {_allowed(f, kind)} "
            f"| {f.description} | {', '.join(uses.get((kind.name, f.name), ()))} |"
        )
    for p in kind.items:
        lines.append(
            f"| `{p.example}` … | rating | | {lo:g}–{hi:g} | {p.description} "
            f"| {', '.join(uses.get((kind.name, p.example), ()))} |"
        )
    return "\n".join(lines) + "\n"


def _required(f: Field, kind: Kind) -> str:
    if f.required:
        return "yes"
    group = kind.group_of(f.name)
    if group:
        return "this or " + " or ".join(f"`{g}`" for g in group if g != f.name)
    return ""


def _allowed(f: Field, kind: Kind) -> str:
    also = "".join([f"; not before `{f.after}`" if f.after else "",
                    f"; at most `{f.at_most}`" if f.at_most else "",
                    ("; needs " + " or ".join(f"`{c}`" for c in f.with_any) + " too")
                    if f.with_any else ""])
    return _range_text(f, kind) + also


def _range_text(f: Field, kind: Kind) -> str:
    if f.categories:
        return ", ".join(f.categories)
    if f.type == "id":
        return "unique, not empty"
    if f.type in ("date", "datetime"):
        return (f"ISO date (2024-03-31){' and time' if f.type == 'datetime' else ''}, "
                f"{EARLIEST_DATE.year} to today")
    lo, hi = f.bounds(kind.rating_scale)
    if lo is None and hi is None:
        return "any"
    if hi is None:
        return f"≥ {lo:g}"
    return f"{lo:g}–{hi:g}"


def kinds_table():
    """The data kinds as a table: kind, one row per, required columns, description."""
    import pandas as pd

    return pd.DataFrame([{"kind": k.name, "one row per": k.row,
                          "required columns": ", ".join(k.requirements),
                          "columns": len(k.fields) + len(k.items),
                          "what it is": k.description} for k in KINDS.values()])


def all_markdown(uses: Mapping[tuple[str, str], Sequence[str]] | None = None) -> str:
    """Documentation of every kind (the generated part of data/README.md)."""
    return "\n".join(markdown(k, uses) for k in KINDS.values())


