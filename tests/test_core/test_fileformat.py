"""The .cgraph reader and writer against graph-format.md."""
from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import fileformat as ff
from core import ops
from core.engine import evaluate
from core.errors import FileFormatError
from core.graph import Edge, Graph

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def base_doc() -> dict:
    """The spec's whole-file example as data."""
    return {
        "format": "chainrule", "version": 1, "title": "f = (x + y) * z", "output": "f",
        "nodes": [
            {"id": "x", "op": "input", "value": -2, "pos": [0, 0]},
            {"id": "y", "op": "input", "value": 5, "pos": [0, 120]},
            {"id": "z", "op": "input", "value": -4, "pos": [0, 240]},
            {"id": "q", "op": "add", "pos": [200, 60]},
            {"id": "f", "op": "mul", "pos": [400, 150]},
        ],
        "edges": [
            {"from": "x", "to": "q", "port": 0},
            {"from": "y", "to": "q", "port": 1},
            {"from": "q", "to": "f", "port": 0},
            {"from": "z", "to": "f", "port": 1},
        ],
    }


def refusal(source) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        if isinstance(source, (str, bytes)):
            ff.loads(source)
        else:
            ff.from_dict(source)
    return info.value


def assert_same_graph(a: Graph, b: Graph) -> None:
    assert a.node_ids() == b.node_ids() or sorted(a.node_ids()) == sorted(b.node_ids())
    for node in a.nodes():
        other = b.node(node.id)
        assert (node.op, node.label, node.trainable, node.attrs, node.pos, node.extra) == \
               (other.op, other.label, other.trainable, other.attrs, other.pos, other.extra)
        if node.value is None:
            assert other.value is None
        else:
            assert type(node.value) is type(other.value)
            assert np.array_equal(node.value, other.value)
            assert np.array_equal(np.signbit(node.value), np.signbit(other.value))
    assert sorted(a.edges()) == sorted(b.edges())
    assert a.edge_extra == b.edge_extra
    assert a.output == b.output
    assert (a.title, a.description, a.extra) == (b.title, b.description, b.extra)


# ------------------------------------------------------------- golden files

def test_golden_add_mul_is_the_spec_example_byte_for_byte():
    spec = Path("/work/shared/spec/graph-format.md")
    if not spec.exists():
        pytest.skip("the shared spec is not on this machine")
    text = spec.read_text(encoding="utf-8")
    example = text.split("## A whole file", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    assert (GOLDEN / "v1-add-mul.cgraph").read_text(encoding="utf-8") == example


def test_golden_add_mul_structure_and_gradients():
    g = ff.load(GOLDEN / "v1-add-mul.cgraph")
    assert g.node_ids() == ["x", "y", "z", "q", "f"]
    assert g.title == "f = (x + y) * z"
    assert g.description.startswith("The first example")
    assert g.output == "f"
    assert sorted(g.edges()) == sorted([Edge("x", "q", 0), Edge("y", "q", 1),
                                        Edge("q", "f", 0), Edge("z", "f", 1)])
    assert g.node("y").value == 5.0 and isinstance(g.node("y").value, float)
    assert g.node("f").pos == (400.0, 150.0)
    ev = evaluate(g)
    assert ev.error is None
    assert ev.value("f") == -12
    assert (ev.grad("x"), ev.grad("y"), ev.grad("z")) == (-4, -4, 3)


def test_golden_neuron_gradients():
    g = ff.load(GOLDEN / "v1-neuron.cgraph")
    assert g.output == "f"
    assert [n for n in g.node_ids() if g.node(n).trainable] == ["w0", "w1", "w2"]
    assert g.node("w2").label == "bias"
    assert all(node.pos is not None for node in g.nodes())
    ev = evaluate(g)
    assert ev.value("f") == pytest.approx(0.7310585786300049)
    expected = {"w0": -0.19661, "x0": 0.39322, "w1": -0.39322, "x1": -0.58984, "w2": 0.19661}
    for node_id, grad in expected.items():
        assert ev.grad(node_id) == pytest.approx(grad, abs=5e-6), node_id


def test_golden_unknown_keys_are_kept_and_the_graph_is_accepted():
    g = ff.load(GOLDEN / "v1-unknown-keys.cgraph")
    assert g.extra == {"generator": {"name": "hand-written", "revision": 3},
                       "x-comment": "written by hand; the reader keeps what it does not know"}
    assert g.node("a").extra == {"color": "#c04020"}
    assert g.node("b").extra == {"note": {"why": "a matrix", "tags": ["x", 1, None, True]}}
    assert g.node("loss").extra == {"σ": "ünïcode key"}
    assert g.node("s").attrs == {"axis": 0, "keepdims_hint": False}
    assert g.edge_extra == {Edge("a", "m", 0): {"style": "dashed"},
                            Edge("s", "m", 1): {"weight": 0.5,
                                                "meta": {"created": "2026-01-01"}}}
    assert g.missing_ports("half") == [1]            # an unconnected port is accepted
    assert g.node("m").pos is not None               # a node without pos was laid out
    np.testing.assert_array_equal(g.node("b").value, [[1, 2.5], [-0.125, 4]])
    ev = evaluate(g)
    assert ev.error is None                          # "half" does not reach the output
    assert ev.value("loss") == pytest.approx(3 * (0.875 + 6.5) / 2)
    assert ev.grad("half") is None
    assert [p.node for p in ev.problems] == ["half"]


@pytest.mark.parametrize("name", ["v1-add-mul", "v1-neuron", "v1-unknown-keys"])
def test_golden_save_matches_the_expected_file_and_is_stable(name, tmp_path):
    expected = (GOLDEN / f"{name}.expected.cgraph").read_bytes()
    g = ff.load(GOLDEN / f"{name}.cgraph")
    assert ff.dumps(g).encode("utf-8") == expected
    ff.save(g, tmp_path / "once.cgraph")
    assert (tmp_path / "once.cgraph").read_bytes() == expected
    again = ff.load(tmp_path / "once.cgraph")
    ff.save(again, tmp_path / "twice.cgraph")
    assert (tmp_path / "twice.cgraph").read_bytes() == expected
    assert_same_graph(g, again)


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


def test_null_optional_keys_count_as_absent():
    doc = base_doc()
    doc.update(title=None, description=None, output=None)
    doc["nodes"][0].update(label=None, trainable=None, attrs=None, pos=None)
    g = ff.from_dict(doc)
    assert g.title == "" and g.output is None
    node = g.node("x")
    assert node.label is None and node.trainable is False and node.attrs == {}
    assert node.pos is not None                  # laid out instead


def test_utf8_bom_is_skipped():
    text = (GOLDEN / "v1-add-mul.cgraph").read_bytes()
    g = ff.loads(b"\xef\xbb\xbf" + text)
    assert g.node_ids() == ["x", "y", "z", "q", "f"]


def test_loads_accepts_str_and_bytes_alike():
    text = (GOLDEN / "v1-neuron.cgraph").read_text(encoding="utf-8")
    assert ff.dumps(ff.loads(text)) == ff.dumps(ff.loads(text.encode("utf-8")))


# ----------------------------------------------------------------- refusals

def mutate(fn):
    doc = base_doc()
    fn(doc)
    return doc


def set_node(i, **kw):
    return mutate(lambda d: d["nodes"][i].update(kw))


def del_node_key(i, key):
    return mutate(lambda d: d["nodes"][i].pop(key))


def set_edge(i, **kw):
    return mutate(lambda d: d["edges"][i].update(kw))


def del_edge_key(i, key):
    return mutate(lambda d: d["edges"][i].pop(key))


def set_top(**kw):
    return mutate(lambda d: d.update(kw))


def del_top(key):
    return mutate(lambda d: d.pop(key))


VALID = json.dumps(base_doc(), indent=2)

REFUSALS = [
    # (case id, source, where, fragment of the message)
    ("not-json", '{\n  "format": "chainrule",\n  "version": 1\n  "nodes": []\n}',
     "line 4, column 3", "not valid JSON (Expecting ',' delimiter)"),
    ("not-json-truncated", VALID[:-20], None, "not valid JSON"),
    ("empty-file", "  \n", "", "empty"),
    ("not-utf8", VALID.encode("utf-8")[:30] + b"\xff" + VALID.encode("utf-8")[30:], "",
     "the file is not UTF-8 text (byte 0xff at offset 30)"),
    ("latin1", VALID.replace('"f = (x', '"f = (é').encode("latin-1"), "",
     "not UTF-8 text (byte 0xe9 at offset"),
    ("nan-token", VALID.replace('"value": -2', '"value": NaN'), "line 10, column 16",
     "NaN is not a number JSON allows"),
    ("infinity-token", VALID.replace('"value": 5', '"value": -Infinity'), None,
     "-Infinity is not a number JSON allows"),
    ("infinity-in-unknown", VALID.replace('"title"', '"x": Infinity, "title"'), None,
     "Infinity"),
    ("too-deep", "[" * 100000 + "]" * 100000, "", "nested too deeply"),
    ("too-many-digits", VALID.replace('"value": 5', '"value": ' + "9" * 5000), "",
     "too many digits"),
    ("top-list", [base_doc()], "", "not a list"),
    ("top-string", '"chainrule"', "", "one JSON object"),
    ("format-missing", del_top("format"), "format", "missing"),
    ("format-wrong", set_top(format="chainrules"), "format", 'not a Chainrule graph'),
    ("format-not-string", set_top(format=1), "format", "not a Chainrule graph"),
    ("version-missing", del_top("version"), "version", "missing"),
    ("version-string", set_top(version="1"), "version", 'must be an integer, not "1"'),
    ("version-float", set_top(version=1.0), "version", "must be an integer"),
    ("version-bool", set_top(version=True), "version", "must be an integer, not true"),
    ("version-higher", set_top(version=3), "version",
     "this file is version 3; Chainrule reads version 1"),
    ("version-zero", set_top(version=0), "version", "Chainrule reads version 1"),
    ("title-not-string", set_top(title=["a"]), "title", "must be a string"),
    ("description-not-string", set_top(description=5), "description", "must be a string"),
    ("nodes-missing", del_top("nodes"), "nodes", "missing"),
    ("nodes-not-list", set_top(nodes={"x": {}}), "nodes", "must be a list"),
    ("edges-missing", del_top("edges"), "edges", "missing"),
    ("edges-not-list", set_top(edges="x->q"), "edges", "must be a list"),
    ("node-not-object", mutate(lambda d: d["nodes"].insert(2, ["w", "input"])), "nodes[2]",
     "a node must be an object"),
    ("id-missing", del_node_key(1, "id"), "nodes[1].id", "missing"),
    ("id-empty", set_node(1, id=""), "nodes[1].id", "empty"),
    ("id-not-string", set_node(1, id=7), "nodes[1].id", "must be a string, not 7"),
    ("id-too-long", set_node(1, id="n" * 65), "nodes[1].id", "longer than 64 characters"),
    ("id-duplicate", set_node(1, id="x"), "nodes[1].id", 'duplicate id "x" (also nodes[0])'),
    ("op-missing", del_node_key(3, "op"), "nodes[3].op", "missing"),
    ("op-not-string", set_node(3, op=["add"]), "nodes[3].op", "must be an op name"),
    ("op-unknown", set_node(3, op="tanhh"), "nodes[3].op",
     'unknown op "tanhh"; did you mean tanh?'),
    ("op-unknown-far", set_node(3, op="frobnicate"), "nodes[3].op", 'unknown op "frobnicate"'),
    ("value-missing", del_node_key(0, "value"), "nodes[0].value", "missing"),
    ("value-null", set_node(0, value=None), "nodes[0].value", "missing"),
    ("value-string", set_node(0, value="2"), "nodes[0].value", "number"),
    ("value-bool", set_node(0, value=True), "nodes[0].value", "number"),
    ("value-object", set_node(0, value={"a": 1}), "nodes[0].value", "number"),
    ("value-list-of-strings", set_node(0, value=[1, "2"]), "nodes[0].value", "only numbers"),
    ("value-ragged", set_node(0, value=[[1, 2], [3]]), "nodes[0].value", "ragged list"),
    ("value-ragged-mixed", set_node(0, value=[[1, 2], 3]), "nodes[0].value", "ragged list"),
    ("value-empty-list", set_node(0, value=[]), "nodes[0].value", "empty"),
    ("value-too-large", VALID.replace('"value": 5', '"value": 1e999'), "nodes[1].value",
     "finite"),
    ("value-huge-int", VALID.replace('"value": 5', '"value": 1' + "0" * 400), "nodes[1].value",
     "finite"),
    ("value-inf-in-list", set_node(0, value=[1.0, math.inf]), "nodes[0].value", "finite"),
    ("value-nan", set_node(0, value=math.nan), "nodes[0].value", "finite"),
    ("value-too-many-dims", set_node(0, value=json.loads("[" * 70 + "1" + "]" * 70)),
     "nodes[0].value", "at most 64 dimensions"),
    ("value-on-add", set_node(3, value=1), "nodes[3].value",
     "only input and const nodes hold a value"),
    ("trainable-not-bool", set_node(0, trainable="yes"), "nodes[0].trainable",
     "must be true or false"),
    ("trainable-on-op", set_node(3, trainable=True), "nodes[3].trainable",
     "only input nodes can be trainable"),
    ("label-not-string", set_node(0, label=3), "nodes[0].label", "must be a string"),
    ("attrs-not-object", set_node(3, attrs=[1]), "nodes[3].attrs", "must be an object"),
    ("axis-not-int", mutate(lambda d: d["nodes"].append({"id": "s", "op": "sum",
                                                        "attrs": {"axis": "0"}})),
     "nodes[5].attrs.axis", "must be an integer"),
    ("axis-bool", mutate(lambda d: d["nodes"].append({"id": "s", "op": "mean",
                                                     "attrs": {"axis": False}})),
     "nodes[5].attrs.axis", "must be an integer"),
    ("pos-one-number", set_node(0, pos=[1]), "nodes[0].pos", "two numbers"),
    ("pos-strings", set_node(0, pos=["1", "2"]), "nodes[0].pos", "two numbers"),
    ("pos-object", set_node(0, pos={"x": 1, "y": 2}), "nodes[0].pos", "two numbers"),
    ("pos-infinite", set_node(0, pos=[0, math.inf]), "nodes[0].pos", "finite"),
    ("pos-huge-int", set_node(0, pos=[0, 10 ** 400]), "nodes[0].pos", "finite"),
    ("edge-not-object", mutate(lambda d: d["edges"].append(["x", "q", 0])), "edges[4]",
     "an edge must be an object"),
    ("edge-from-missing", del_edge_key(2, "from"), "edges[2].from", "missing"),
    ("edge-to-missing", del_edge_key(2, "to"), "edges[2].to", "missing"),
    ("edge-port-missing", del_edge_key(2, "port"), "edges[2].port", "missing"),
    ("edge-from-not-string", set_edge(2, **{"from": 3}), "edges[2].from", "must be a node id"),
    ("edge-to-not-string", set_edge(2, to=None), "edges[2].to", "must be a node id"),
    ("edge-unknown-from", set_edge(1, **{"from": "yy"}), "edges[1].from",
     'there is no node "yy"'),
    ("edge-unknown-to", set_edge(1, to="qq"), "edges[1].to", 'there is no node "qq"'),
    ("port-string", set_edge(3, port="1"), "edges[3].port", 'must be an integer, not "1"'),
    ("port-float", set_edge(3, port=1.0), "edges[3].port", "must be an integer"),
    ("port-bool", set_edge(3, port=True), "edges[3].port", "must be an integer"),
    ("port-out-of-range", set_edge(3, port=2), "edges[3].port",
     'node "f" (mul) has no input port 2; mul takes a, b'),
    ("port-negative", set_edge(3, port=-1), "edges[3].port", "has no input port -1"),
    ("port-on-leaf", set_edge(3, to="x", port=0), "edges[3].port",
     'node "x" (input) has no input ports'),
    ("port-taken", set_edge(3, port=0), "edges[3]",
     'port 0 of "f" is already fed by "q" (edges[2])'),
    ("duplicate-edge", mutate(lambda d: d["edges"].append(dict(d["edges"][1]))), "edges[4]",
     'port 1 of "q" is already fed by "y" (edges[1])'),
    ("cycle", mutate(lambda d: (d["nodes"].extend([{"id": "a", "op": "neg"},
                                                  {"id": "b", "op": "exp"},
                                                  {"id": "c", "op": "sin"}]),
                                d["edges"].extend([{"from": "a", "to": "b", "port": 0},
                                                   {"from": "c", "to": "a", "port": 0},
                                                   {"from": "b", "to": "c", "port": 0}]))),
     "edges", "the wires make a cycle: a → b → c → a"),
    ("self-loop", mutate(lambda d: (d["nodes"].append({"id": "n", "op": "neg"}),
                                    d["edges"].append({"from": "n", "to": "n", "port": 0}))),
     "edges", "cycle: n → n"),
    ("output-missing-node", set_top(output="zz"), "output", 'there is no node "zz"'),
    ("output-not-string", set_top(output=["f"]), "output", "must be a node id"),
]


@pytest.mark.parametrize("source, where, fragment",
                         [pytest.param(*case[1:], id=case[0]) for case in REFUSALS])
def test_refusal_names_the_place(source, where, fragment):
    if not isinstance(source, (str, bytes, dict)):
        source = json.dumps(source)
    err = refusal(source)
    if where is not None:
        assert err.where == where
    assert fragment in err.reason
    assert str(err) == (f"{err.where}: {err.reason}" if err.where else err.reason)


def test_refusal_of_text_matches_refusal_of_data():
    doc = set_node(3, op="tanhh")
    assert str(refusal(json.dumps(doc))) == str(refusal(doc)) == \
        'nodes[3].op: unknown op "tanhh"; did you mean tanh?'


def test_the_first_problem_is_reported():
    doc = base_doc()
    doc["nodes"][1]["op"] = "nope"
    doc["edges"][0]["port"] = 9
    assert refusal(doc).where == "nodes[1].op"


def test_from_dict_prefixes_the_place():
    with pytest.raises(FileFormatError) as info:
        ff.from_dict(set_node(1, id="x"), where="clipboard")
    assert info.value.where == "clipboard: nodes[1].id"
    assert str(info.value).startswith('clipboard: nodes[1].id: duplicate id "x"')


def test_a_refused_document_is_not_changed():
    doc = set_edge(3, port=5)
    before = copy.deepcopy(doc)
    refusal(doc)
    assert doc == before


# ---------------------------------------------------------------- accepted

def test_unconnected_ports_and_dangling_nodes_are_accepted():
    doc = base_doc()
    doc["edges"].pop(3)                                     # f's port b is empty
    doc["nodes"].append({"id": "lonely", "op": "exp"})      # reaches nothing
    g = ff.from_dict(doc)
    assert g.missing_ports("f") == [1]
    assert g.missing_ports("lonely") == [0]
    ev = evaluate(g)
    assert ev.error is not None and "not connected" in ev.error


def test_missing_output_with_several_sinks_opens():
    doc = base_doc()
    del doc["output"]
    doc["nodes"].append({"id": "g", "op": "neg"})
    doc["edges"].append({"from": "q", "to": "g", "port": 0})
    g = ff.from_dict(doc)
    assert g.output is None and sorted(g.sinks()) == ["f", "g"]
    assert "choose the output" in evaluate(g).error


def test_empty_graph_is_accepted():
    g = ff.loads('{"format": "chainrule", "version": 1, "nodes": [], "edges": []}')
    assert len(g) == 0
    assert ff.dumps(g) == ('{\n  "format": "chainrule",\n  "version": 1,\n'
                           '  "nodes": [],\n  "edges": []\n}\n')


def test_x_times_x_keeps_both_wires():
    doc = {"format": "chainrule", "version": 1,
           "nodes": [{"id": "x", "op": "input", "value": 3}, {"id": "sq", "op": "mul"}],
           "edges": [{"from": "x", "to": "sq", "port": 1}, {"from": "x", "to": "sq", "port": 0}]}
    g = ff.from_dict(doc)
    assert sorted(g.edges()) == [Edge("x", "sq", 0), Edge("x", "sq", 1)]
    assert evaluate(g).grad("x") == 6
    assert ff.to_dict(g)["edges"] == [{"from": "x", "to": "sq", "port": 0},
                                      {"from": "x", "to": "sq", "port": 1}]


def test_wires_keep_the_file_order():
    g = ff.load(GOLDEN / "v1-add-mul.cgraph")
    assert g.edges() == [Edge("x", "q", 0), Edge("y", "q", 1), Edge("q", "f", 0),
                         Edge("z", "f", 1)]


@pytest.mark.parametrize("reverse", [False, True])
def test_a_long_chain_opens_whatever_the_wire_order(reverse):
    n = 5000
    nodes = [{"id": "n0", "op": "input", "value": 1}] + \
            [{"id": f"n{i}", "op": "neg"} for i in range(1, n)]
    edges = [{"from": f"n{i - 1}", "to": f"n{i}", "port": 0} for i in range(1, n)]
    if reverse:                       # sinks first: each wire's target already feeds on
        nodes.reverse()
        edges.reverse()
    text = json.dumps({"format": "chainrule", "version": 1, "nodes": nodes, "edges": edges})
    g = ff.loads(text)
    assert len(g.edges()) == n - 1 and g.sinks() == [f"n{n - 1}"]
    assert evaluate(g).value(f"n{n - 1}") == -1


def test_nodes_without_pos_are_laid_out_in_layers():
    doc = base_doc()
    for node in doc["nodes"]:
        del node["pos"]
    doc["nodes"].append({"id": "g", "op": "neg"})
    doc["edges"].append({"from": "q", "to": "g", "port": 0})
    g = ff.from_dict(doc)
    pos = {n.id: n.pos for n in g.nodes()}
    assert pos["x"] == (0, 0) and pos["y"] == (0, 110) and pos["z"] == (0, 220)
    assert pos["q"] == (220, 0)
    assert sorted([pos["f"], pos["g"]]) == [(440, 0), (440, 110)]
    assert pos["x"][0] < pos["q"][0] < pos["f"][0]          # x grows with depth


def test_only_nodes_without_pos_are_moved():
    doc = base_doc()
    del doc["nodes"][3]["pos"]                               # q
    g = ff.from_dict(doc)
    assert g.node("q").pos == (220, 0)
    assert g.node("f").pos == (400, 150) and g.node("y").pos == (0, 120)


# ------------------------------------------------------------- hypothesis

json_scalars = (st.none() | st.booleans() | st.integers(-10 ** 20, 10 ** 20)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8))
json_values = st.recursive(json_scalars,
                           lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                           max_leaves=20)


def loads_or_refuses(source):
    try:
        g = ff.loads(source) if isinstance(source, (str, bytes)) else ff.from_dict(source)
    except FileFormatError as e:
        assert str(e)
        return None
    # Whatever the reader accepts, the writer writes and the reader takes back.
    text = ff.dumps(g)
    again = ff.loads(text.encode("utf-8"))
    assert ff.dumps(again) == text
    return g


@given(st.binary(max_size=300))
def test_random_bytes_give_a_graph_or_a_refusal(data):
    loads_or_refuses(data)


@given(st.text(alphabet='{}[]":,0123456789.-eE \n tfrunal\\', max_size=120))
def test_random_json_like_text_gives_a_graph_or_a_refusal(text):
    loads_or_refuses(text)


@given(json_values)
def test_random_json_gives_a_graph_or_a_refusal(obj):
    loads_or_refuses(obj)
    loads_or_refuses(json.dumps(obj))


IDS = ["a", "b", "c", "d", "e", "f"]


@st.composite
def plausible_docs(draw):
    """Mostly well-formed documents: unique ids, known ops, values on leaves, random wires."""
    ids = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=6))
    nodes = []
    for node_id in ids:
        op = draw(st.sampled_from(sorted(ops.OPS)))
        node = {"id": node_id, "op": op}
        if ops.OPS[op].is_leaf:
            node["value"] = draw(st.floats(-5, 5) | st.lists(st.integers(-3, 3), min_size=1,
                                                             max_size=3))
        if op == "input" and draw(st.booleans()):
            node["trainable"] = True
        if ops.OPS[op].takes_axis and draw(st.booleans()):
            node["attrs"] = {"axis": 0}
        if draw(st.booleans()):
            node["pos"] = draw(st.lists(st.integers(-500, 500), min_size=2, max_size=2))
        if draw(st.integers(0, 4)) == 0:
            node["extra"] = draw(json_values)
        nodes.append(node)
    edges = []
    ops_of = {n["id"]: ops.OPS[n["op"]] for n in nodes}
    targets = [i for i in ids if not ops_of[i].is_leaf] or ids
    used = set()
    if ids:
        for _ in range(draw(st.integers(0, 5))):
            dst = draw(st.sampled_from(targets))
            rare = draw(st.integers(0, 9)) == 0
            port = draw(st.integers(-1, 2) if rare else
                        st.integers(0, max(ops_of[dst].arity - 1, 0)))
            if (dst, port) in used and not rare:
                continue                     # two wires into one port: now and then only
            used.add((dst, port))
            edge = {"from": draw(st.sampled_from(ids)), "to": dst, "port": port}
            if draw(st.integers(0, 4)) == 0:
                edge["note"] = draw(json_values)
            edges.append(edge)
    doc = {"format": "chainrule", "version": 1, "nodes": nodes, "edges": edges}
    if ids and draw(st.booleans()):
        doc["output"] = draw(st.sampled_from(ids))
    if draw(st.integers(0, 3)) == 0:
        doc["meta"] = draw(json_values)
    return doc


@given(plausible_docs())
def test_plausible_documents_give_a_graph_or_a_refusal(doc):
    g = loads_or_refuses(doc)
    if g is not None:
        assert sorted(g.node_ids()) == sorted(n["id"] for n in doc["nodes"])
        assert sorted(g.edges()) == sorted(Edge(e["from"], e["to"], e["port"])
                                           for e in doc["edges"])
        assert g.output == doc.get("output")


def doc_paths(obj, path=()):
    yield path
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from doc_paths(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from doc_paths(v, path + (i,))


ALL_PATHS = [p for p in doc_paths(json.loads((GOLDEN / "v1-unknown-keys.cgraph").read_text(
    encoding="utf-8"))) if p]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["delete", "replace", "dup-edge", "dup-node"]),
                          st.sampled_from(ALL_PATHS), json_values), min_size=1, max_size=4))
def test_mutated_files_give_a_graph_or_a_refusal(mutations):
    doc = json.loads((GOLDEN / "v1-unknown-keys.cgraph").read_text(encoding="utf-8"))
    for kind, path, value in mutations:
        if kind.startswith("dup-"):
            key = "edges" if kind == "dup-edge" else "nodes"
            if isinstance(doc.get(key), list) and doc[key]:
                doc[key].append(copy.deepcopy(doc[key][len(path) % len(doc[key])]))
            continue
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            if kind == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    loads_or_refuses(doc)
    loads_or_refuses(json.dumps(doc, ensure_ascii=False).encode("utf-8"))


def test_a_mutation_that_is_refused_is_refused_with_a_place():
    doc = json.loads((GOLDEN / "v1-unknown-keys.cgraph").read_text(encoding="utf-8"))
    doc["edges"].append(copy.deepcopy(doc["edges"][0]))
    err = refusal(doc)
    assert err.where == "edges[5]" and "already fed" in err.reason


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
    g.node("x").extra["bad"] = object()
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


def test_load_of_a_missing_file_is_an_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        ff.load(tmp_path / "nothing.cgraph")


# ------------------------------------------------------------------- sizes

def test_limit_is_documented_and_at_least_50_mb():
    assert ff.MAX_FILE_BYTES == 64 * 1024 * 1024 >= 50 * 1000 * 1000


def test_a_file_over_50_mb_is_accepted(tmp_path):
    rows, cols = 1400, 2000
    rng = np.random.default_rng(1)
    matrix = rng.random((rows, cols))                    # ~19 characters per number
    body = json.dumps(matrix.tolist())
    text = ('{"format": "chainrule", "version": 1, "nodes": [\n'
            '{"id": "W", "op": "const", "value": ' + body + '},\n'
            '{"id": "s", "op": "sum"}],\n'
            '"edges": [{"from": "W", "to": "s", "port": 0}]}\n')
    path = tmp_path / "big.cgraph"
    path.write_text(text, encoding="utf-8")
    size = path.stat().st_size
    assert 50 * 1024 * 1024 < size <= ff.MAX_FILE_BYTES
    g = ff.load(path)
    assert g.node("W").value.shape == (rows, cols)
    assert np.array_equal(g.node("W").value, matrix)


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.cgraph"
    path.write_bytes(b" " * 2000 + (GOLDEN / "v1-add-mul.cgraph").read_bytes())
    monkeypatch.setattr(ff, "MAX_FILE_BYTES", 1000)
    opened = []
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a) or 1 / 0)
    with pytest.raises(FileFormatError) as info:
        ff.load(path)
    assert not opened
    assert info.value.where == ""
    assert "the limit is 1,000 bytes" in info.value.reason


def test_size_message_in_megabytes(monkeypatch):
    err = ff._too_large(int(70.1 * 1024 * 1024))
    assert str(err) == "the file is 70.1 MB; the limit is 64 MB"
    with pytest.raises(FileFormatError, match="the limit is 64 MB"):
        ff.loads(b" " * (ff.MAX_FILE_BYTES + 1))


def test_text_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(ff, "MAX_FILE_BYTES", 100)
    text = (GOLDEN / "v1-add-mul.cgraph").read_text(encoding="utf-8")
    with pytest.raises(FileFormatError, match="the limit is 100 bytes"):
        ff.loads(text)


def test_unknown_values_nested_too_deeply_are_ignored_not_refused():
    doc = base_doc()
    doc["nodes"][0]["deep"] = json.loads("[" * 150 + "]" * 150)
    doc["nodes"][0]["shallow"] = json.loads("[" * 50 + "]" * 50)
    g = ff.from_dict(doc)
    assert list(g.node("x").extra) == ["shallow"]
    g.copy()                                             # deep copies stay possible
