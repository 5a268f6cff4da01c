"""Shared fixtures: small files written the ways users' exports are written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxlib.data.datasets import data_dir

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def survey_sample() -> pd.DataFrame:
    """The first 40 rows of the bundled survey sample, as strings (like a CSV)."""
    return pd.read_csv(data_dir() / "sample" / "survey.csv", dtype=str,
                       keep_default_na=False).head(40)


@pytest.fixture
def write(tmp_path):
    """write(frame, name, **to_csv_kwargs) -> path of a CSV in a temp folder."""
    def _write(frame: pd.DataFrame, name: str = "file.csv", **kwargs) -> Path:
        path = tmp_path / name
        frame.to_csv(path, index=False, **kwargs)
        return path
    return _write


@pytest.fixture
def mapping(tmp_path):
    """mapping(text) -> path of a YAML mapping file."""
    def _mapping(text: str, name: str = "mapping.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return _mapping


def realdata(name: str) -> Path:
    """A file of ../shared/realdata, skipping the test when it is absent."""
    path = REALDATA / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


def results_of(folder: Path) -> list[dict]:
    """The records of a run's results.json (read through the versioned reader), as dicts."""
    from cxlib.registry.records import read_results

    return [r.to_dict() for r in read_results(Path(folder) / "results.json")]
