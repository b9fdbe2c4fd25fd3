"""The compact reader: record by record, shared empty dicts, the same graph as ever.

Memory figures are in ``tests/benchmarks/bench_limits.py``; these tests check
what the savings rest on: the record-by-record route is taken for what the
writer writes and gives exactly the graph (or the refusal) of the careful
route, and the shared dicts cannot be written into by mistake.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from chainrule.core import fileformat as ff
from chainrule.core.errors import FileFormatError
from chainrule.core.fileformat_read import _parse_json, from_dict
from chainrule.core.fileformat_stream import read_records
from chainrule.core.graph import Edge, Graph
from fileformat_helpers import GOLDEN, assert_same_graph, base_doc
from random_graphs import random_graphs


def careful(text: str):
    """The graph, or the refusal, of the usual route: parsed whole, checked in order."""
    try:
        return from_dict(_parse_json(text))
    except FileFormatError as e:
        return e


def read(text: str):
    try:
        return ff.loads(text)
    except FileFormatError as e:
        return e


def assert_same_outcome(text: str) -> None:
    got, want = read(text), careful(text)
    if isinstance(want, FileFormatError):
        assert isinstance(got, FileFormatError), f"read, but the careful reader says {want}"
        assert (got.where, got.reason) == (want.where, want.reason)
    else:
        assert isinstance(got, Graph), f"refused: {got}"
        assert_same_graph(got, want)
        assert got.node_ids() == want.node_ids() and got.edges() == want.edges()
        assert ff.dumps(got) == ff.dumps(want)


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.cgraph")), ids=lambda p: p.name)
def test_golden_files_take_the_record_by_record_route_to_the_same_graph(path):
    text = path.read_text(encoding="utf-8")
    if "nodes" in text and text.index('"nodes"') < text.index('"edges"'):
        assert read_records(text) is not None
    assert_same_outcome(text)


@settings(max_examples=60, deadline=None)
@given(random_graphs(arrays=True), st.booleans(), st.booleans())
def test_what_the_writer_writes_is_read_record_by_record(graph, labelled, compact):
    if labelled:
        first = graph.node_ids()[0]
        graph.set_label(first, '<b>x</b> "quoted" \\ back')
        graph.node(first).extra = {"note": {"deep": [1, [2, [3]]]}}
        edge = graph.edges()[0]
        graph.edge_extra[edge] = {"colour": "red"}
    text = ff.dumps(graph, compact=compact)
    assert read_records(text) is not None
    assert_same_outcome(text)


def _text(doc: dict) -> str:
    return json.dumps(doc)


DECLINED = {
    "byte order mark": "\ufeff" + _text(base_doc()),
    "edges before nodes": '{"format": "chainrule", "version": 1, "edges": [], "nodes": []}',
    "a key twice": _text(base_doc())[:-1] + ', "title": "again"}',
    "NaN": _text(base_doc()).replace('"value": 5', '"value": NaN'),
    "a long integer in an unknown key": _text(base_doc())[:-1] + ', "n": ' + "9" * 5000 + "}",
    "deep unknown key": _text(base_doc())[:-1] + ', "deep": ' + "[" * 2000 + "]" * 2000 + "}",
    "text after the object": _text(base_doc()) + " x",
    "a syntax error in a node": _text(base_doc()).replace('"op": "add"', '"op" "add"'),
    "a refused node": _text(base_doc()).replace('"op": "add"', '"op": "ad"'),
    "a taken port": _text(base_doc()).replace('"from": "y", "to": "q", "port": 1',
                                               '"from": "y", "to": "q", "port": 0'),
    "a loop": _text(base_doc()).replace('"from": "x", "to": "q"', '"from": "f", "to": "q"'),
    "wrong format after the nodes": _text(base_doc()).replace('"format": "chainrule", ', "")
    [:-1] + ', "format": "other"}',
    "nodes not a list": '{"format": "chainrule", "version": 1, "nodes": {}, "edges": []}',
    "empty object": "{}",
}


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_anything_unusual_is_read_the_careful_way(name):
    text = DECLINED[name]
    if name != "a loop":                 # a loop is found when the graph is built, by both
        assert read_records(text) is None
    assert_same_outcome(text)


def test_a_key_twice_keeps_the_last_as_json_does():
    g = ff.loads(DECLINED["a key twice"])
    assert g.title == "again"


def test_the_shared_empty_dicts_refuse_writes_and_edits_replace_them():
    g = ff.loads(_text(base_doc()))
    node = g.node("q")
    assert node.attrs == {} and node.extra == {}
    with pytest.raises(TypeError):
        node.attrs["x"] = 1
    with pytest.raises(TypeError):
        node.extra.update({"k": 1})
    with pytest.raises(TypeError):
        g.nx.nodes["q"]["colour"] = "red"          # the model's data is on its nodes
    assert g.node("x").attrs == {} and g.nx.nodes["x"] == {}
    node.extra = {"k": 1}                            # replacing is the way
    assert g.node("f").extra == {} and ff.loads(ff.dumps(g)).node("q").extra == {"k": 1}


def test_shared_wire_dicts_follow_every_edit_in_order():
    """x * x: two wires between one pair of nodes share networkx's key dict; adding,
    removing and restoring them replaces it and keeps the wires' order."""
    g = Graph()
    g.add_node("x", "input", value=3.0)
    g.add_node("y", "input", value=4.0)
    g.add_node("m", "mul")
    g.add_node("n", "mul")
    g.connect("x", "m", 1)
    g.connect("x", "m", 0)
    g.connect("y", "n", 0)
    g.connect("x", "n", 1)
    assert list(g.nx["x"]["m"]) == [1, 0]
    assert g.nx["x"]["n"] == {1: {}}
    removal = g.remove(["m"])
    assert "m" not in g.nx["x"] and g.nx["x"]["n"] == {1: {}}
    g.restore(removal)
    assert list(g.nx["x"]["m"]) == [1, 0] and g.nx._pred["m"]["x"] is g.nx._succ["x"]["m"]
    g.disconnect(Edge("x", "m", 1))
    assert list(g.nx["x"]["m"]) == [0] and g.nx["x"]["n"] == {1: {}}
    copy = g.copy()
    assert copy.edges() == g.edges() and list(copy.nx["x"]["m"]) == [0]
    with pytest.raises(TypeError):
        g.nx["x"]["m"][5] = {}
