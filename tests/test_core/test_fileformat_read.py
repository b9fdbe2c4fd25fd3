"""The .cgraph reader against graph-format.md: what it accepts, refusals, fuzzing, sizes."""
from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule.core import fileformat as ff
from chainrule.core import ops
from chainrule.core.engine import evaluate
from chainrule.core.errors import FileFormatError
from chainrule.core.graph import Edge
from fileformat_helpers import GOLDEN, base_doc, refusal


# ------------------------------------------------------------ lenient reading

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
    ("too-deep", "[" * 100000 + "]" * 100000, "", "one JSON object {...}, not a list"),
    ("too-many-digits", VALID.replace('"value": 5', '"value": ' + "9" * 5000), "nodes[1].value",
     "too large for a float64"),
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
        if ops.OPS[op].setting("axis") is not None and draw(st.booleans()):
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


# --------------------------------------------------------------- missing file

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


def test_size_message_in_mebibytes(monkeypatch):
    err = ff._too_large(int(70.1 * 1024 * 1024))
    assert str(err) == "the file is 70.1 MiB; the limit is 64 MiB"
    with pytest.raises(FileFormatError) as info:
        ff.loads(b" " * (ff.MAX_FILE_BYTES + 1))
    # 64 MiB + 1 byte would round to the limit: both sizes in bytes, the same unit.
    assert info.value.reason == ("the file is 67,108,865 bytes; the limit is 67,108,864 "
                                 "bytes (64 MiB)")


def test_text_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(ff, "MAX_FILE_BYTES", 100)
    text = (GOLDEN / "v1-add-mul.cgraph").read_text(encoding="utf-8")
    with pytest.raises(FileFormatError, match="the limit is 100 bytes"):
        ff.loads(text)


def test_unknown_values_nested_deeply_are_kept_as_their_text():
    doc = base_doc()
    doc["nodes"][0]["deep"] = json.loads("[" * 150 + "]" * 150)
    doc["nodes"][0]["shallow"] = json.loads("[" * 50 + "]" * 50)
    g = ff.from_dict(doc)
    assert list(g.node("x").extra) == ["deep", "shallow"]
    assert g.node("x").extra["deep"].text == "[" * 150 + "]" * 150
    g.copy()                                             # deep copies stay possible


_ENDS = st.one_of(st.sampled_from(["a", "b", "m", "zz"]), st.integers(0, 1), st.none())
_PORTS = st.one_of(st.integers(-1, 3), st.booleans(), st.none(), st.floats(0, 2),
                   st.just("0"))


@given(st.fixed_dictionaries({"from": _ENDS, "to": _ENDS, "port": _PORTS},
                             optional={"note": st.integers()}))
def test_the_quick_answer_for_a_plain_wire_is_the_careful_one(raw):
    """A wire record of just from, to and port, all fine, is answered without
    building the messages' places; anything else goes the careful way.  Both
    give the same ends, port and refusal."""
    from chainrule.core import fileformat_read as reader
    from chainrule.core.graph import Graph
    g = Graph()
    g.add_node("a", "input", value=1.0)
    g.add_node("b", "input", value=2.0)
    g.add_node("m", "mul")
    with_note = dict(raw, note=raw.get("note", 0))      # 4 keys: always the careful way

    def answer(record):
        try:
            src, dst, port, _extra = reader._validate_edge(0, record, g._nodes)
            return src, dst, port
        except FileFormatError as e:
            return str(e)
    quick, careful = answer(raw), answer(with_note)
    if "note" not in raw:
        assert quick == careful
