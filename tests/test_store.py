"""The run's store of validated data sets (cxlib.data.store): each file validated once."""

from __future__ import annotations

import pandas as pd
import pytest

from cxlib.data import store
from cxlib.data.datasets import data_dir, load_data, sample_path
from cxlib.data.schemas import KINDS


@pytest.fixture
def run_store(tmp_path, monkeypatch):
    folder = tmp_path / "validated"
    monkeypatch.setenv(store.STORE_VARIABLE, str(folder))
    return folder


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_stored_data_set_is_the_validated_one(run_store, kind):
    first = load_data(kind)  # validates and stores
    again = load_data(kind)  # reads the store
    pd.testing.assert_frame_equal(again.frame, first.frame)  # dtypes, categories, index
    assert again.report == first.report and again.mapping == first.mapping
    assert [v["kind"] for v in store.validations(run_store)] == [kind]


def test_a_user_file_with_a_mapping_round_trips(run_store):
    args = ("survey", data_dir() / "real" / "mobi.csv", data_dir() / "mappings" / "mobi.yaml")
    first, again = load_data(*args), load_data(*args)
    pd.testing.assert_frame_equal(again.frame, first.frame)
    assert again.mapping.constructs == first.mapping.constructs and not again.synthetic
    assert len(store.validations(run_store)) == 1


def test_the_key_follows_the_file_the_mapping_and_drop_invalid(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(sample_path("survey").read_bytes())
    key = store.store_key("survey", path, None, False)
    assert key == store.store_key("survey", path, None, False)
    assert key != store.store_key("survey", path, None, True)
    assert key != store.store_key("customers", path, None, False)
    assert key != store.store_key("survey", path, data_dir() / "mappings" / "mobi.yaml", False)
    with open(path, "a") as f:  # the file changed: its data set is validated again
        f.write(path.read_text().splitlines()[1] + "\n")
    assert key != store.store_key("survey", path, None, False)


def test_outside_a_run_every_load_validates_inside_a_run_only_the_first(tmp_path,
                                                                       monkeypatch):
    calls = []
    monkeypatch.delenv(store.STORE_VARIABLE, raising=False)
    outlets = load_data("outlets")

    def make():
        calls.append(1)
        return outlets

    path = sample_path("outlets")
    assert store.store_folder() is None
    store.stored("outlets", path, None, False, make)
    store.stored("outlets", path, None, False, make)
    assert len(calls) == 2
    monkeypatch.setenv(store.STORE_VARIABLE, str(tmp_path / "v"))
    store.stored("outlets", path, None, False, make)
    store.stored("outlets", path, None, False, make)
    assert len(calls) == 3


def test_loading_the_same_data_set_inside_its_own_validation_does_not_wait_for_itself(run_store):
    done = store.stored("outlets", sample_path("outlets"), None, False,
                        lambda: load_data("outlets"))  # the same key, one level down
    assert len(done) > 0 and len(store.validations(run_store)) == 1
