"""cxlib: customer-service claims, tested with data.

The helper package behind the cxlib notebooks. The public API reads like the
lessons: load data by kind, estimate with an interval, record a verdict.

>>> import cxlib as cx
>>> nb = cx.start("00_start_here")
>>> survey = nb.load("survey", quiet=True)
>>> len(survey) > 0
True
"""

from importlib.metadata import PackageNotFoundError, version

from . import (
    clv,
    consistency,
    constructs,
    customer_base,
    datasets,
    defection,
    drivers,
    journey,
    loyalty,
    measurement,
    people,
    plots,
    pls,
    quality,
    queues,
    relationships,
    repeat,
    retention,
    sample,
    schemas,
    sem,
    spread,
    standards,
    teaching,
    wom,
)
from .claims import claim_card, claims, claims_table, get_claim, show_claims, show_rules
from .datasets import Dataset, load_cdnow, load_data
from .errors import NotEstimable, UserDataError
from .results import Estimate
from .session import Session, start
from .verdicts import Rule, Verdict
from .versions import versions

try:
    __version__ = version("cxlib")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Dataset",
    "Estimate",
    "NotEstimable",
    "Rule",
    "Session",
    "UserDataError",
    "Verdict",
    "__version__",
    "claim_card",
    "claims",
    "claims_table",
    "clv",
    "consistency",
    "constructs",
    "customer_base",
    "datasets",
    "defection",
    "drivers",
    "get_claim",
    "journey",
    "load_cdnow",
    "load_data",
    "loyalty",
    "measurement",
    "people",
    "plots",
    "pls",
    "quality",
    "queues",
    "relationships",
    "repeat",
    "retention",
    "sample",
    "schemas",
    "sem",
    "show_claims",
    "show_rules",
    "spread",
    "standards",
    "start",
    "teaching",
    "versions",
    "wom",
]
