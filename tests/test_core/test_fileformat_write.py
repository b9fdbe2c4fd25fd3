"""The .cgraph writer against graph-format.md: text, numbers, round trips, atomic save."""
from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule.core import fileformat as ff
from chainrule.core.graph import Edge, Graph
from fileformat_helpers import GOLDEN, assert_same_graph, base_doc


# ----------------------------------------------------------------- text shape

def test_written_text_shape():
    text = ff.dumps(ff.load(GOLDEN / "v1-unknown-keys.cgraph"))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert "ünïcode" in text and "\\u" not in text         # not ASCII-escaped
    lines = text.splitlines()
    node_lines = [ln for ln in lines if ln.startswith('    {"id"')]
    assert len(node_lines) == 6                              # one line per node
    start = lines.index('  "edges": [') + 1
    edge_lines = lines[start:lines.index("  ],", start)]
    assert len(edge_lines) == 5 and all(ln.startswith('    {"from"') for ln in edge_lines)
    top = [json.loads("{" + ln.rstrip(",") + "}") for ln in lines
           if ln.startswith('  "') and not ln.endswith("[")]
    assert [next(iter(d)) for d in top] == ["format", "version", "title", "output",
                                            "generator", "x-comment"]


def test_node_keys_in_spec_order_and_optional_keys_omitted():
    g = Graph()
    g.add_node("w", "input", value=1.5, label="weight", trainable=True, pos=(3, 4),
               extra={"zz": 1})
    g.add_node("s", "sum", attrs={"axis": None})
    g.add_node("k", "const", value=2)
    g.set_attrs("s", {"axis": 0})
    doc = ff.to_dict(g)
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert list(nodes["w"]) == ["id", "op", "label", "value", "trainable", "pos", "zz"]
    assert list(nodes["k"]) == ["id", "op", "value"]          # no label, trainable, attrs, pos
    assert list(nodes["s"]) == ["id", "op", "attrs"]
    assert list(doc) == ["format", "version", "nodes", "edges"]  # no title, output...
    g.set_attrs("s", {})
    assert "attrs" not in {n["id"]: n for n in ff.to_dict(g)["nodes"]}["s"]


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize("value, text", [
    (-2.0, "-2"), (3.0, "3"), (0.0, "0"), (-0.0, "-0.0"), (0.1, "0.1"), (2.5e-10, "2.5e-10"),
    (2.0 ** 53, "9007199254740992"), (2.0 ** 53 + 2, "9007199254740994.0"),
    (-(2.0 ** 53), "-9007199254740992"), (1e300, "1e+300"), (5e-324, "5e-324"),
])
def test_number_format(value, text):
    g = Graph()
    g.add_node("c", "const", value=value)
    line = [ln for ln in ff.dumps(g).splitlines() if '"id": "c"' in ln][0]
    assert f'"value": {text}}}' in line
    back = ff.loads(ff.dumps(g)).node("c").value
    assert back == value and math.copysign(1, back) == math.copysign(1, value)


def test_array_numbers_round_trip_exactly():
    rng = np.random.default_rng(7)
    arr = rng.normal(size=(6, 5)) * 10.0 ** rng.integers(-300, 300, size=(6, 5))
    arr[0, :3] = [1.0, -0.0, 2.0 ** 60]
    arr[1, :] = np.arange(5.0)
    g = Graph()
    g.add_node("m", "const", value=arr)
    g.add_node("w", "const", value=np.array([[1.0, 2.0], [3.0, -4.0]]))
    text = ff.dumps(g)
    assert '"value": [[1, 2], [3, -4]]' in text
    back = ff.loads(text).node("m").value
    assert back.dtype == np.float64 and back.shape == (6, 5)
    assert np.array_equal(back, arr) and np.array_equal(np.signbit(back), np.signbit(arr))


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8))
def test_any_finite_floats_round_trip_bit_for_bit(values):
    g = Graph()
    g.add_node("v", "const", value=values)
    g.add_node("s", "input", value=values[0])
    back = ff.loads(ff.dumps(g))
    assert np.array_equal(back.node("v").value.view(np.int64),
                          np.array(values, dtype=np.float64).view(np.int64))
    assert math.copysign(1, back.node("s").value) == math.copysign(1, values[0])
    assert back.node("s").value == values[0]


# --------------------------------------------------------------- round trip

def build(order_nodes, order_edges) -> Graph:
    specs = {"w0": ("input", 2), "x0": ("input", -1), "w1": ("input", -3), "x1": ("input", -2),
             "w2": ("input", -3), "m0": ("mul", None), "m1": ("mul", None),
             "s0": ("add", None), "s1": ("add", None), "f": ("sigmoid", None)}
    wires = [("w0", "m0", 0), ("x0", "m0", 1), ("w1", "m1", 0), ("x1", "m1", 1),
             ("m0", "s0", 0), ("m1", "s0", 1), ("s0", "s1", 0), ("w2", "s1", 1), ("s1", "f", 0)]
    g = Graph()
    for node_id in order_nodes:
        op, value = specs[node_id]
        g.add_node(node_id, op, value=value, pos=(len(node_id), 1))
    for i in order_edges:
        g.connect(*wires[i])
    g.set_output("f")
    return g


def test_insertion_order_does_not_change_the_bytes():
    ids = ["w0", "x0", "w1", "x1", "w2", "m0", "m1", "s0", "s1", "f"]
    a = build(ids, range(9))
    b = build(list(reversed(ids)), reversed(range(9)))
    assert a.node_ids() != b.node_ids()
    assert ff.dumps(a) == ff.dumps(b)


@given(st.permutations(["w0", "x0", "w1", "x1", "w2", "m0", "m1", "s0", "s1", "f"]),
       st.permutations(range(9)))
def test_any_insertion_order_writes_the_same_bytes(ids, wires):
    reference = ff.dumps(build(["w0", "x0", "w1", "x1", "w2", "m0", "m1", "s0", "s1", "f"],
                               range(9)))
    assert ff.dumps(build(ids, wires)) == reference


def test_edit_history_does_not_change_the_bytes():
    g = build(["w0", "x0", "w1", "x1", "w2", "m0", "m1", "s0", "s1", "f"], range(9))
    before = ff.dumps(g)
    g.disconnect(Edge("w0", "m0", 0))
    g.connect("w0", "m0", 0)                  # same wire, now made last
    g.rename("x0", "tmp")
    g.rename("tmp", "x0")
    assert ff.dumps(g) == before


@pytest.mark.parametrize("name", ["v1-add-mul", "v1-neuron", "v1-unknown-keys"])
def test_round_trip_through_a_file(name, tmp_path):
    g = ff.load(GOLDEN / f"{name}.cgraph")
    ff.save(g, tmp_path / "a.cgraph")
    back = ff.load(tmp_path / "a.cgraph")
    assert_same_graph(g, back)
    ff.save(back, tmp_path / "b.cgraph")
    assert (tmp_path / "a.cgraph").read_bytes() == (tmp_path / "b.cgraph").read_bytes()


def test_round_trip_keeps_odd_but_legal_content():
    doc = base_doc()
    doc["nodes"][0]["label"] = "ξ\n\"quoted\""
    doc["nodes"][0]["big"] = [1, {"deep": [[[]]]}]
    doc["edges"][0]["tag"] = "\ud800 lone surrogate"
    doc["nodes"][1]["huge"] = json.loads("1e999")           # read as inf, kept
    doc["nodes"][2]["x" * 200] = None
    doc["odd"] = {"": [], "k": -0.0}
    g = ff.from_dict(doc)
    text = ff.dumps(g)
    text.encode("utf-8")                                     # writable as UTF-8
    back = ff.loads(text.encode("utf-8"))
    assert back.edge_extra[Edge("x", "q", 0)] == {"tag": "\ud800 lone surrogate"}
    assert back.node("y").extra == {"huge": math.inf}
    assert back.node("x").label == "ξ\n\"quoted\""
    assert back.extra == {"odd": {"": [], "k": -0.0}}
    assert ff.dumps(back) == text


def test_copy_and_disconnect_follow_edge_extra():
    g = ff.load(GOLDEN / "v1-unknown-keys.cgraph")
    c = g.copy()
    assert c.edge_extra == g.edge_extra
    c.edge_extra[Edge("a", "m", 0)]["style"] = "changed"
    assert g.edge_extra[Edge("a", "m", 0)] == {"style": "dashed"}   # a deep copy
    g.disconnect(Edge("a", "m", 0))
    assert Edge("a", "m", 0) not in g.edge_extra
    g.connect("a", "m", 0)
    assert '"style"' not in ff.dumps(g)          # a new wire does not inherit old keys


# -------------------------------------------------------------- atomic save

def test_save_is_atomic_when_replace_fails(tmp_path, monkeypatch):
    target = tmp_path / "g.cgraph"
    ff.save(ff.load(GOLDEN / "v1-add-mul.cgraph"), target)
    old = target.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ff.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        ff.save(ff.load(GOLDEN / "v1-neuron.cgraph"), target)
    assert target.read_bytes() == old
    assert os.listdir(tmp_path) == ["g.cgraph"]


def test_save_is_atomic_when_the_write_fails_midway(tmp_path, monkeypatch):
    target = tmp_path / "g.cgraph"
    target.write_bytes(b"the old file\n")
    real_fsync = os.fsync

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(ff.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output"):
        ff.save(ff.load(GOLDEN / "v1-neuron.cgraph"), target)
    monkeypatch.setattr(ff.os, "fsync", real_fsync)
    assert target.read_bytes() == b"the old file\n"
    assert os.listdir(tmp_path) == ["g.cgraph"]


def test_save_when_dumping_fails_leaves_no_file(tmp_path, monkeypatch):
    g = ff.load(GOLDEN / "v1-add-mul.cgraph")
    g.node("x").extra = {"bad": object()}      # unknown keys are replaced, never written into
    with pytest.raises(TypeError):
        ff.save(g, tmp_path / "g.cgraph")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_is_a_clear_oserror(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        ff.save(Graph(), tmp_path / "no" / "such" / "g.cgraph")
    assert "does not exist" in str(info.value)
    assert str(tmp_path / "no" / "such") in str(info.value)
    assert not (tmp_path / "no").exists()


def test_save_keeps_the_permissions_of_the_old_file(tmp_path):
    target = tmp_path / "g.cgraph"
    target.write_text("old")
    os.chmod(target, 0o640)
    ff.save(Graph(), target)
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert len(ff.load(target)) == 0


def test_save_writes_through_a_symbolic_link(tmp_path):
    real = tmp_path / "real.cgraph"
    real.write_text("old")
    link = tmp_path / "link.cgraph"
    link.symlink_to(real)
    ff.save(ff.load(GOLDEN / "v1-add-mul.cgraph"), link)
    assert link.is_symlink()
    assert ff.load(real).output == "f"


def _record_temp_modes(monkeypatch) -> list[tuple[str, int]]:
    """Record the mode of every temporary file the moment ``os.open`` creates it,
    and again just before it replaces the target."""
    seen: list[tuple[str, int]] = []
    real_open, real_replace = os.open, os.replace

    def recording_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if str(path).endswith(".tmp"):
            seen.append(("created", os.fstat(fd).st_mode & 0o7777))
        return fd

    def recording_replace(src, dst, *args, **kwargs):
        seen.append(("renamed", os.stat(src).st_mode & 0o7777))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    monkeypatch.setattr(os, "replace", recording_replace)
    return seen


@pytest.mark.parametrize("private", [0o600, 0o400, 0o640])
def test_the_temporary_file_of_a_private_file_is_never_readable_by_others(tmp_path, monkeypatch,
                                                                          private):
    target = tmp_path / "private.cgraph"
    ff.save(ff.from_dict(base_doc()), target)
    os.chmod(target, private)
    old = os.umask(0o022)
    try:
        seen = _record_temp_modes(monkeypatch)
        # 0400 is read-only: saving over it is refused unless asked to replace it.
        ff.save(ff.from_dict(base_doc()), target, replace_read_only=True)
    finally:
        os.umask(old)
    assert seen[0][0] == "created" and seen[0][1] & ~private == 0, oct(seen[0][1])
    assert seen[-1] == ("renamed", private)
    assert os.stat(target).st_mode & 0o7777 == private
    assert [p.name for p in tmp_path.iterdir()] == ["private.cgraph"]


def test_a_new_file_gets_what_the_umask_allows_from_the_start(tmp_path, monkeypatch):
    old = os.umask(0o077)
    try:
        seen = _record_temp_modes(monkeypatch)
        ff.save(ff.from_dict(base_doc()), tmp_path / "new.cgraph")
    finally:
        os.umask(old)
    assert seen[0] == ("created", 0o600)
    assert os.stat(tmp_path / "new.cgraph").st_mode & 0o777 == 0o600


def test_the_answer_round_trips_in_its_place(tmp_path):
    doc = base_doc()
    doc["zzz"] = 1
    doc["answer"] = "grad_x = z  # ✓\ngrad_y = z\n"
    g = ff.from_dict(doc)
    assert g.answer == "grad_x = z  # ✓\ngrad_y = z\n" and "answer" not in g.extra
    ff.save(g, tmp_path / "a.cgraph")
    back = ff.load(tmp_path / "a.cgraph")
    assert back.answer == g.answer and back.copy().answer == g.answer
    keys = list(json.loads((tmp_path / "a.cgraph").read_text(encoding="utf-8")))
    assert keys[-2:] == ["answer", "zzz"] and keys.index("edges") == keys.index("answer") - 1
    ff.save(back, tmp_path / "b.cgraph")
    assert (tmp_path / "a.cgraph").read_bytes() == (tmp_path / "b.cgraph").read_bytes()
    del doc["answer"]
    assert "answer" not in ff.dumps(ff.from_dict(doc))


@pytest.mark.parametrize("bad", [3, ["grad_x = 1"], {"a": 1}])
def test_an_answer_that_is_not_text_is_refused_naming_the_key(bad):
    doc = base_doc()
    doc["answer"] = bad
    with pytest.raises(ff.FileFormatError) as err:
        ff.from_dict(doc)
    assert "answer" in str(err.value) and "must be a string" in str(err.value)
