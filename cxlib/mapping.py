"""Mapping files: the user's column names onto cxlib's, and how their file is written.

A mapping file is YAML. It may hold one section per data kind (top-level keys
``survey:``, ``customers:`` …) or, for a single file, just the section. A section::

    columns:              # cxlib name: your column name (any language or script)
      respondent_id: מספר משיב
      overall_sat: 总体满意度
      rel_1: Zuverlässigkeit 1
    missing: [-99, "n/a", "k.A."]   # codes that mean "no answer"
    rating_scale: [1, 10]           # when ratings are not 1-7
    encoding: cp1255                # only if detection guesses wrong
    delimiter: ";"
    sheet: Antworten                # Excel sheet name or number
    constructs:                     # optional: latent constructs -> item columns (PLS/SEM)
      COMP: [comp_1, comp_2, comp_3]
      CUSA: [overall_sat]
    paths: ["COMP -> CUSA"]         # optional: the structural model between constructs
    roles: {satisfaction: CUSA, loyalty: CUSL}   # which constructs play those parts

Columns already named as cxlib names need no entry. Construct items are named as
they are after mapping (cxlib names where mapped, your own names otherwise); they
are kept and checked as ratings on the rating scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import UserDataError
from .schemas import KINDS

_KEYS = {"columns", "missing", "rating_scale", "encoding", "delimiter", "sheet", "constructs",
         "paths", "roles", "kind"}


@dataclass
class Mapping:
    """How one user file maps onto a data kind."""

    columns: dict[str, str] = field(default_factory=dict)
    missing: tuple[Any, ...] = ()
    rating_scale: tuple[float, float] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    constructs: dict[str, list[str]] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    source: Path | None = None

    @property
    def construct_items(self) -> list[str]:
        return [c for items in self.constructs.values() for c in items]

    @property
    def user_to_schema(self) -> dict[str, str]:
        return {user: ours for ours, user in self.columns.items()}


def load_mapping(path: str | Path | None, kind: str) -> Mapping:
    """Read the section for *kind* from a mapping file (an empty mapping for ``None``)."""
    if path is None:
        return Mapping()
    path = Path(path)
    if not path.exists():
        raise UserDataError(f"Mapping file not found: {path}.")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as err:
        raise UserDataError(f"{path} is not valid YAML: {err}. Check indentation and quote "
                            "names that contain ':' or '#'.") from None
    except UnicodeDecodeError:
        raise UserDataError(f"{path}: save the mapping file as UTF-8.") from None
    if not isinstance(doc, dict):
        raise UserDataError(f"{path}: expected keys such as 'columns:' or a section per kind.")
    if any(k in KINDS for k in doc):
        section = doc.get(kind) or {}
    else:
        section = doc
        if section.get("kind", kind) != kind:
            section = {}
    return parse_section(section, path)


def parse_section(section: dict, path: Path | None = None) -> Mapping:
    """Turn one YAML section into a :class:`Mapping`, rejecting unknown keys."""
    where = f"{path}" if path else "mapping"
    unknown = set(section) - _KEYS
    if unknown:
        raise UserDataError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}. "
                            f"Allowed: {', '.join(sorted(_KEYS))}.")
    columns = section.get("columns") or {}
    if not isinstance(columns, dict):
        raise UserDataError(f"{where}: 'columns:' must map cxlib names to your column names.")
    scale = section.get("rating_scale")
    if scale is not None:
        if not (isinstance(scale, list | tuple) and len(scale) == 2 and scale[0] < scale[1]):
            raise UserDataError(f"{where}: rating_scale must be [lowest, highest], e.g. [1, 10].")
        scale = (float(scale[0]), float(scale[1]))
    missing = section.get("missing") or ()
    if not isinstance(missing, list | tuple):
        missing = (missing,)
    return Mapping(
        columns={str(k): str(v).strip() for k, v in columns.items()},
        missing=tuple(missing),
        rating_scale=scale,
        encoding=section.get("encoding"),
        delimiter=section.get("delimiter"),
        sheet=section.get("sheet"),
        constructs={str(k): [str(c) for c in v]
                    for k, v in (section.get("constructs") or {}).items()},
        paths=[str(p) for p in section.get("paths") or []],
        roles={str(k): str(v) for k, v in (section.get("roles") or {}).items()},
        source=path,
    )
