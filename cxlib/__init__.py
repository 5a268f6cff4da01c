"""cxlib: customer-service claims, tested with data.

The helper package behind the cxlib notebooks. The public API reads like the
lessons: load data by kind, estimate with an interval, record a verdict.

>>> import cxlib as cx
>>> nb = cx.start("00_start_here")
>>> survey = nb.load("survey", quiet=True)
>>> len(survey) > 0
True

Importing ``cxlib`` is cheap: every name below is imported on first use (PEP 562), so
the command line answers at once and a notebook pays only for what it uses. The
package is layered (see ARCHITECTURE.md): ``stats`` → ``data`` and ``registry`` →
``analyses`` → ``notebook`` → ``app``; this facade only names things.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("cxlib")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

_MODULES = {
    # statistics: models and intervals that know no data kinds and no claims
    "customer_base": "cxlib.stats.customer_base", "measurement": "cxlib.stats.measurement",
    "pls": "cxlib.stats.pls", "queues": "cxlib.stats.queues", "robust": "cxlib.stats.robust",
    "sem": "cxlib.stats.sem", "spread": "cxlib.stats.spread",
    "uncertainty": "cxlib.stats.uncertainty", "verdicts": "cxlib.stats.verdicts",
    "evidence": "cxlib.stats.evidence",
    "purchases": "cxlib.stats.purchases", "formatting": "cxlib.stats.formatting",
    # data input
    "constructs": "cxlib.data.constructs", "datasets": "cxlib.data.datasets",
    "designs": "cxlib.data.designs",
    "sample": "cxlib.data.sample", "schemas": "cxlib.data.schemas",
    # the claim registry
    "registry": "cxlib.registry.claims", "records": "cxlib.registry.records",
    # claim analyses
    "clv": "cxlib.analyses.clv", "consistency": "cxlib.analyses.consistency",
    "customer_value": "cxlib.analyses.customer_value", "defection": "cxlib.analyses.defection",
    "drivers": "cxlib.analyses.drivers", "intervals": "cxlib.analyses.intervals",
    "journey": "cxlib.analyses.journey",
    "loyalty": "cxlib.analyses.loyalty", "people": "cxlib.analyses.people",
    "quality": "cxlib.analyses.quality", "relationships": "cxlib.analyses.relationships",
    "repeat": "cxlib.analyses.repeat", "retention": "cxlib.analyses.retention",
    "standards": "cxlib.analyses.standards", "wom": "cxlib.analyses.wom",
    # notebook helpers
    "display": "cxlib.notebook.display", "plots": "cxlib.notebook.plots",
    "widgets": "cxlib.notebook.widgets",
}

_NAMES = {
    "Estimate": "cxlib.stats.estimates", "Rule": "cxlib.stats.verdicts",
    "Verdict": "cxlib.stats.verdicts", "NotEstimable": "cxlib.errors",
    "UserDataError": "cxlib.errors", "Dataset": "cxlib.data.datasets",
    "load_data": "cxlib.data.datasets", "load_cdnow": "cxlib.data.datasets",
    "load_donations": "cxlib.data.datasets",
    "claim_card": "cxlib.registry.claims", "claims": "cxlib.registry.claims",
    "claims_table": "cxlib.registry.claims", "get_claim": "cxlib.registry.claims",
    "show_claims": "cxlib.registry.claims", "show_rules": "cxlib.registry.claims",
    "Session": "cxlib.notebook.session", "start": "cxlib.notebook.session",
    "versions": "cxlib.notebook.versions",
}

__all__ = sorted([*_MODULES, *_NAMES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = import_module(_MODULES[name])
    elif name in _NAMES:
        value = getattr(import_module(_NAMES[name]), name)
    else:
        raise AttributeError(f"module 'cxlib' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__

