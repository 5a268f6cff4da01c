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
package is layered (see ARCHITECTURE.md); this facade only names things, and says which
layer each name comes from (:data:`LAYERS`, :func:`layer_of`):

=========  =====================================================================
layer      names (``cx.<name>``)
=========  =====================================================================
stats      models and intervals that know no data kind and no claim:
           ``clv``, ``customer_base``, ``diffusion``, ``evidence``, ``formatting``,
           ``importance``, ``measurement``, ``multilevel``, ``pls``, ``power``,
           ``purchases``, ``queues``, ``robust``, ``sem``, ``spread``, ``survival``,
           ``uncertainty``, ``verdicts``; ``Estimate``, ``Result``, ``Rule``,
           ``Verdict``
data       data kinds, files, mappings and the sample: ``constructs``, ``datasets``,
           ``derived``, ``designs``, ``sample``, ``schemas``; ``Dataset``,
           ``load_data``, ``load_cdnow``, ``load_donations``
registry   claims, rules and result records: ``records``; ``claim_card``,
           ``claims``, ``claims_table``, ``get_claim``, ``show_claims``, ``show_rules``
analyses   one module per claim family: ``consistency``, ``customer_value``,
           ``defection``, ``drivers``, ``intervals``, ``journey``, ``loyalty``,
           ``people``, ``quality``, ``relationships``, ``repeat``, ``retention``,
           ``standards``, ``wom``
notebook   what a notebook calls: ``start``, ``Session``, ``display``, ``plots``,
           ``readings``, ``steps``, ``trials``, ``widgets``, ``versions``, ``say``
errors     ``NotEstimable``, ``UserDataError``; ``require``, ``require_answers``,
           ``require_columns``, ``require_estimate`` (raise ``NotEstimable`` when a step's
           input is missing)
=========  =====================================================================

``cx.layer_of("customer_base")`` says ``"stats"``; ``cx.LAYERS`` holds the table, with the
module each name comes from. A notebook calls the analyses (and the notebook layer); the
stats names are there for models a notebook shows as such.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("cxlib")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"


def _modules(*names: str) -> dict[str, str]:
    return {name: name for name in names}


def _defined_in(module: str, *names: str) -> dict[str, str]:
    return {name: f"{module}.{name}" for name in names}


LAYERS: dict[str, dict[str, str]] = {
    # statistics: models and intervals that know no data kinds and no claims
    "stats": _modules("clv", "customer_base", "diffusion", "evidence", "formatting",
                      "importance", "measurement", "multilevel", "pls", "power", "purchases",
                      "queues", "robust", "sem", "spread", "survival", "uncertainty",
                      "verdicts")
    | _defined_in("estimates", "Estimate", "Result") | _defined_in("verdicts", "Rule", "Verdict"),
    # data input
    "data": _modules("constructs", "datasets", "derived", "designs", "sample", "schemas")
    | _defined_in("datasets", "Dataset", "load_data", "load_cdnow", "load_donations"),
    # the claim registry
    "registry": _modules("records")
    | _defined_in("claims", "claim_card", "claims", "claims_table", "get_claim",
                  "show_claims", "show_rules"),
    # claim analyses
    "analyses": _modules("consistency", "customer_value", "defection", "drivers", "intervals",
                         "journey", "loyalty", "people", "quality", "relationships", "repeat",
                         "retention", "standards", "wom"),
    # what a notebook calls
    "notebook": _modules("display", "plots", "readings", "steps", "trials", "widgets")
    | _defined_in("session", "Session", "start") | _defined_in("versions", "versions")
    | _defined_in("display", "say"),
    # the exceptions a user meets
    "errors": {"NotEstimable": ".NotEstimable", "UserDataError": ".UserDataError",
               "require": ".require", "require_answers": ".require_answers",
               "require_columns": ".require_columns", "require_estimate": ".require_estimate"},
}
"""Each facade name by layer, and where in that layer it comes from: a module of the layer
(``"pls"``: ``cx.pls`` is ``cxlib.stats.pls``) or a name a module defines
(``"estimates.Estimate"``: ``cx.Estimate`` is ``cxlib.stats.estimates.Estimate``)."""

_WHERE = {name: layer for layer, names in LAYERS.items() for name in names}

__all__ = sorted([*_WHERE, "LAYERS", "layer_of", "__version__"])


def layer_of(name: str) -> str:
    """The layer a facade name belongs to (``"stats"`` for ``customer_base``, ``"analyses"``
    for ``customer_value``)."""
    try:
        return _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'cxlib' has no attribute {name!r}") from None


def _resolve(name: str) -> Any:
    layer = _WHERE[name]
    module, _, attr = LAYERS[layer][name].partition(".")
    package = "cxlib.errors" if layer == "errors" else f"cxlib.{layer}.{module}"
    target = import_module(package)
    return getattr(target, attr) if attr else target


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = _resolve(name)
    else:
        raise AttributeError(f"module 'cxlib' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
