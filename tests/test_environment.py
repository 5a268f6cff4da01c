"""environment.yml (conda) installs what pyproject.toml (pip) does, with the same ranges."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"duckdb": "python-duckdb", "matplotlib": "matplotlib-base",
               "jupyterlab-rise": "jupyterlab_rise", "ibis-framework": "ibis-pyspark"}
"""conda-forge's name where it differs from PyPI's (ibis with its Spark backend is
ibis-pyspark there)."""


def split(requirement: str) -> tuple[str, str]:
    name, spec = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(.*)", requirement).groups()
    return name.lower(), spec.replace(" ", "")


def test_environment_yml_has_every_pip_requirement_with_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"],
              *project["optional-dependencies"]["spark"]]
    conda = {}
    for entry in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]:
        for req in entry["pip"] if isinstance(entry, dict) else [entry]:
            if not req.startswith("-"):
                name, spec = split(req)
                conda[name] = spec
    for req in wanted:
        name, spec = split(req)
        name = CONDA_NAMES.get(name, name)
        assert name in conda, f"environment.yml lacks {name} ({req} in pyproject.toml)"
        assert conda[name] == spec, f"environment.yml has {name}{conda[name]}, pyproject {req}"
    assert "openjdk>=17" in (ROOT / "environment.yml").read_text()  # Spark's Java runtime
