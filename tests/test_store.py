"""The run's store of validated data sets (cxlib.data.store): each file validated once."""

from __future__ import annotations

import pandas as pd
import pytest

from cxlib.data import store
from cxlib.data.datasets import data_dir, load_data, sample_path
from cxlib.data.schemas import KINDS


@pytest.fixture
def run_store(tmp_path):
    with store.run_store(tmp_path / "validated") as folder:
        yield folder


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
    with store.run_store(tmp_path / "v"):
        store.stored("outlets", path, None, False, make)
        store.stored("outlets", path, None, False, make)
    assert len(calls) == 3


def test_loading_the_same_data_set_inside_its_own_validation_does_not_wait_for_itself(run_store):
    done = store.stored("outlets", sample_path("outlets"), None, False,
                        lambda: load_data("outlets"))  # the same key, one level down
    assert len(done) > 0 and len(store.validations(run_store)) == 1


def test_the_store_holds_data_formats_only_and_is_the_runs_alone(run_store):
    """Parquet and JSON, no pickle; the folder is readable by its user alone; its names are
    keyed with the run's random token."""
    load_data("survey")
    names = sorted(p.name for p in run_store.iterdir())
    assert {n.rsplit(".", 1)[-1] for n in names} == {"parquet", "json", "lock", "jsonl"}
    assert not [n for n in names if "pickle" in n]
    assert run_store.stat().st_mode & 0o777 == 0o700
    key = store.validations(run_store)[0]["key"]
    path = sample_path("survey")
    assert key == store.store_key("survey", path, None, False,
                                  store.os.environ[store.TOKEN_VARIABLE])
    assert key != store.store_key("survey", path, None, False)  # guessable without the token


def test_a_planted_pickle_or_meta_file_is_never_read(tmp_path, monkeypatch):
    """Files named as an older cxlib named them, or as this one would without the run's token,
    are not taken for stored data sets: the data set is validated from its file."""
    import pickle

    ran = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(ran), "w"))

    path = sample_path("outlets")
    with store.run_store(tmp_path / "validated") as folder:
        for key in (store.store_key("outlets", path, None, False),  # no token
                    hashlib_key(path)):  # an older cxlib's key
            (folder / f"{key}.meta.pickle").write_bytes(pickle.dumps(Payload()))
            (folder / f"{key}.meta.json").write_text('{"format": "cxlib-validated/1"}')
        ds = load_data("outlets")
    assert not ran.exists() and len(ds) > 0 and ds.report.file == str(path)


def hashlib_key(path) -> str:
    """The key an older cxlib gave the bundled outlets sample (sha256, no secret)."""
    import hashlib
    import json

    st = path.resolve().stat()
    parts = ["outlets", str(path.resolve()), st.st_size, st.st_mtime_ns, None, False]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:24]


def test_a_store_folder_open_to_others_is_not_used(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    monkeypatch.setenv(store.STORE_VARIABLE, str(folder))
    monkeypatch.setenv(store.TOKEN_VARIABLE, "x" * 64)
    assert store.store_folder() is None
    load_data("outlets")
    assert list(folder.iterdir()) == []


def test_json_round_trip_of_the_values_a_mapping_holds():
    import datetime as dt
    from pathlib import Path

    from cxlib.data.mapping import Mapping

    m = Mapping(columns={"overall_sat": "Zufriedenheit"}, missing=(-99, "n/a", 9.5),
                rating_scale=(1.0, 5.0), sheet=2, recode={"q1": {1: 7, "x": None, 2.5: True}},
                observation_end=dt.date(2024, 3, 31), source=Path("/tmp/m.yaml"),
                constructs={"SAT": ["a", "b"]})
    again = store.decode(store.json.loads(store.json.dumps(store.encode(m))))
    assert again == m and isinstance(again.missing, tuple) and 1 in again.recode["q1"]
    with pytest.raises(ValueError):
        store.decode({"$": "dataclass", "class": "Popen", "v": {"args": ["id"]}})
    with pytest.raises(TypeError):
        store.encode(object())
