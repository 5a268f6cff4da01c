"""The versions a notebook ran with (the last cell of every notebook)."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

PACKAGES = ("cxlib", "numpy", "pandas", "scipy", "statsmodels", "seaborn", "matplotlib",
            "semopy", "lifelines", "networkx", "duckdb", "papermill")


def versions(packages: tuple[str, ...] = PACKAGES) -> pd.DataFrame:
    """A table of Python and package versions."""
    rows = [("python", platform.python_version())]
    for name in packages:
        try:
            rows.append((name, version(name)))
        except PackageNotFoundError:
            rows.append((name, "not installed"))
    return pd.DataFrame(rows, columns=["package", "version"]).set_index("package")
