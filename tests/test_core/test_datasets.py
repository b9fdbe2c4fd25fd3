"""core/datasets.py: CSV import, toy generators, minibatches, the split, the file's data key."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from chainrule.core import fileformat
from chainrule.core.datasets import (GENERATORS, MAX_BYTES, MAX_ROWS, DataError, Dataset,
                                     from_json, generate, read_csv)
from chainrule.core.errors import FileFormatError
from data_graphs import linear_classifier


# ------------------------------------------------------------------ CSV

def test_a_good_csv_gives_header_and_rows():
    cols, rows = read_csv("\ufeffa, b ,label\n1,2.5,0\n\n-3e2, 4 ,1\n")
    assert cols == ["a", "b", "label"]
    np.testing.assert_array_equal(rows, [[1, 2.5, 0], [-300, 4, 1]])


@pytest.mark.parametrize("text, words", [
    ("a,b\n1,2\n3,x\n", 'row 3, column 2 ("b"): "x" is not a number'),
    ("a,b\n1,2\n3,\n", 'row 3, column 2 ("b"): the cell is empty'),
    ("a,b\n1,nan\n", 'row 2, column 2 ("b"): "nan" is not a finite number'),
    ("a,b\n1,2,3\n", "row 2: 3 cells, but the header has 2 columns"),
    ("a,,c\n1,2,3\n", "row 1, column 2: the header cell is empty"),
    ("a,a\n1,2\n", 'row 1, column 2: the name "a" is used twice'),
    ("", "is empty"),
    ("a,b\n", "has a header but no rows"),
])
def test_a_bad_csv_is_refused_naming_row_and_column(text, words):
    with pytest.raises(DataError) as info:
        read_csv(text, "f.csv")
    assert words in str(info.value) and str(info.value).startswith("f.csv")
    assert "\n" not in str(info.value)


def test_the_first_bad_cell_is_the_one_named():
    with pytest.raises(DataError, match=r'row 4, column 1 \("a"\): "y"'):
        read_csv("a,b\n1,2\n3,4\ny,z\n5,w\n")


def test_csv_limits_rows_and_bytes():
    read_csv("a\n" + "1\n" * MAX_ROWS)
    with pytest.raises(DataError, match="more than 100,000 rows"):
        read_csv("a\n" + "1\n" * (MAX_ROWS + 1))
    with pytest.raises(DataError, match="10 MB"):
        read_csv("a\n" + "1" * (MAX_BYTES + 1))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_rows_or_one_sentence(text):
    try:
        cols, rows = read_csv(text)
    except DataError as exc:
        assert "\n" not in str(exc)
    else:
        assert rows.shape[1] == len(cols) and np.all(np.isfinite(rows))


# ------------------------------------------------------------ generators

@pytest.mark.parametrize("name", GENERATORS)
def test_generators_are_reproducible_by_seed(name):
    a, b, c = generate(name, 100, 0.1, 3), generate(name, 100, 0.1, 3), generate(name, 100, 0.1, 4)
    assert a.shape == (100, 3) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert set(np.unique(a[:, 2])) == {0.0, 1.0}


def test_noise_zero_moons_lie_on_their_arcs():
    rows = generate("moons", 50, 0.0, 0)
    top = rows[rows[:, 2] == 0]
    np.testing.assert_allclose(np.hypot(top[:, 0], top[:, 1]), 1.0)


@pytest.mark.parametrize("args, words", [(("rings",), "unknown generator"),
                                         (("moons", 1), "number of points"),
                                         (("moons", 10, -1.0), "noise"),
                                         (("moons", 10, 0.1, -2), "seed")])
def test_bad_generator_settings(args, words):
    with pytest.raises(DataError, match=words):
        generate(*args)


# ------------------------------------------------- split and minibatches

def _set(**kw):
    return Dataset.generated("blobs", 100, 0.1, 0, bind={"X": ["x1", "x2"], "y": ["label"]}, **kw)


def test_the_split_is_seeded_disjoint_and_complete():
    train, held = _set(holdout=0.2, seed=5).split()
    assert len(held) == 20 and len(train) == 80 and not set(train) & set(held)
    assert np.array_equal(held, _set(holdout=0.2, seed=5).split()[1])
    assert not np.array_equal(held, _set(holdout=0.2, seed=6).split()[1])


def test_minibatch_order_is_reproducible_by_seed_and_changes_per_epoch():
    d = _set(batch_size=32, holdout=0.2, seed=1)
    e0, e1 = d.batches(0), d.batches(1)
    assert [len(b) for b in e0] == [32, 32, 16]
    assert all(np.array_equal(x, y) for x, y in zip(e0, _set(batch_size=32, holdout=0.2,
                                                              seed=1).batches(0)))
    assert not np.array_equal(e0[0], e1[0])
    assert sorted(np.concatenate(e0)) == sorted(d.split()[0])
    assert not np.array_equal(e0[0], _set(batch_size=32, holdout=0.2, seed=2).batches(0)[0])


def test_feed_gives_a_matrix_for_several_columns_and_a_vector_for_one():
    d = _set()
    fed = d.feed(np.array([3, 1]))
    np.testing.assert_array_equal(fed["X"], d.rows[[3, 1], :2])
    np.testing.assert_array_equal(fed["y"], d.rows[[3, 1], 2])


def test_a_clicked_point_is_a_row_and_ends_the_generator():
    d = _set()
    d.add_point(0.5, -0.25, 1)
    assert len(d) == 101 and d.generator is None
    np.testing.assert_array_equal(d.rows[-1], [0.5, -0.25, 1])


# ------------------------------------------------------------ the file

def test_a_generated_set_is_saved_as_its_generator_and_read_back(tmp_path):
    g = linear_classifier(batch_size=8, holdout=0.25)
    path = tmp_path / "g.cgraph"
    fileformat.save(g, path)
    doc = json.loads(path.read_text())
    assert doc["data"]["generator"] == {"name": "blobs", "n": 40, "noise": 0.1, "seed": 0}
    assert "rows" not in doc["data"]
    back = fileformat.load(path)
    assert np.array_equal(back.data.rows, g.data.rows)
    assert (back.data.bind, back.data.batch_size, back.data.holdout) == \
        (g.data.bind, 8, 0.25)
    assert "data" not in back.extra


def test_hand_made_rows_are_saved_as_columns_and_rows(tmp_path):
    g = linear_classifier()
    g.data.add_point(0.5, 0.5, 1)
    path = tmp_path / "g.cgraph"
    fileformat.save(g, path)
    back = fileformat.load(path)
    assert back.data.generator is None and np.array_equal(back.data.rows, g.data.rows)
    assert json.loads(path.read_text())["data"]["columns"] == ["x1", "x2", "label"]


def test_a_reader_that_does_not_know_data_keeps_it_as_an_unknown_key(tmp_path, monkeypatch):
    from chainrule.core import fileformat_read as reader
    g = linear_classifier()
    path = tmp_path / "g.cgraph"
    fileformat.save(g, path)
    saved = json.loads(path.read_text())["data"]
    old = tuple(k for k in reader.TOP_KEYS if k != "data")
    monkeypatch.setattr(reader, "TOP_KEYS", old)
    monkeypatch.setattr(reader, "from_json", None, raising=False)
    text = path.read_text()
    obj = json.loads(text)
    kept = reader.unknown(obj, old)
    assert kept == {"data": saved}


@pytest.mark.parametrize("data, where", [
    ({"rows": [[1, 2]], "columns": ["a"]}, "data.rows[0]"),
    ({"rows": [[1, "x"]], "columns": ["a", "b"]}, "data.rows[0][1]"),
    ({"generator": {"name": "rings"}}, "data.generator"),
    ({"generator": {"name": "moons"}, "bind": {"X": ["q"]}}, "data.bind.X"),
    ({"generator": {"name": "moons"}, "bind": {"nope": ["x1"]}}, "data.bind.nope"),
    ({"generator": {"name": "moons"}, "bind": {"n": ["x1"]}}, "data.bind.n"),
    ({"generator": {"name": "moons"}, "holdout": 2}, "data.holdout"),
    ({"generator": {"name": "moons"}, "batch_size": -1}, "data.batch_size"),
    ({"generator": {"name": "moons"}, "colour": 1}, "data.colour"),
    ([], "data"),
])
def test_a_bad_data_key_is_refused_naming_the_place(tmp_path, data, where):
    doc = {"format": "chainrule", "version": 1,
           "nodes": [{"id": "X", "op": "input", "value": 0}, {"id": "n", "op": "neg"}],
           "edges": [], "data": data}
    with pytest.raises(FileFormatError) as info:
        fileformat.loads(json.dumps(doc))
    assert str(info.value).startswith(where + ":") and "\n" not in str(info.value)


def test_from_json_accepts_one_column_name_as_a_string():
    d = from_json({"generator": {"name": "xor", "n": 10}, "bind": {"y": "label"}})
    assert d.bind == {"y": ["label"]} and len(d) == 10


def test_renaming_a_bound_input_keeps_it_fed():
    g = linear_classifier()
    g.rename("X", "points")
    assert g.data.bind == {"points": ["x1", "x2"], "y": ["label"]}
    g.rename("points", "X")
    assert list(g.data.bind) == ["X", "y"]
