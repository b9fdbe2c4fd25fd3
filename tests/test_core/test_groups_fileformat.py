"""Groups in .cgraph files (graph-format.md, "Groups: composite gates"): golden
files, every refusal with its place, unknown keys, and groups in the model."""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings, strategies as st

from chainrule.core import fileformat as ff
from chainrule.core import groups as gm
from chainrule.core.engine import evaluate
from chainrule.core.errors import DuplicateIdError, FileFormatError
from fileformat_helpers import GOLDEN, assert_same_graph, base_doc, refusal


def test_golden_groups_read():
    g = ff.load(GOLDEN / "v1-groups.cgraph")
    assert list(g.groups) == ["sigma", "neuron"]           # the file's order
    sigma = g.groups["sigma"]
    assert (sigma.label, sigma.parent, sigma.collapsed, sigma.pos) == \
        ("σ", "neuron", True, (900.0, 330.0))
    assert sigma.note.startswith("1/(1+e^(-x))")
    assert sigma.extra == {"x-color": "#4060c0"}
    assert set(sigma.nodes) == {"f", "neg", "e", "plus_one", "one", "minus_one"}
    assert g.groups["neuron"].parent is None and not g.groups["neuron"].collapsed
    assert g.extra == {"x-tool": "hand-written"}
    b = gm.boundary(g, "sigma")
    assert (b.inputs, b.outputs) == (["s1"], ["f"])        # one gate x ↦ σ(x)
    assert gm.members(g, "neuron")[-1] == "f"              # nested members count


def test_golden_groups_written_in_the_stable_order(tmp_path):
    expected = (GOLDEN / "v1-groups.expected.cgraph").read_bytes()
    g = ff.load(GOLDEN / "v1-groups.cgraph")
    assert ff.dumps(g).encode("utf-8") == expected
    ff.save(g, tmp_path / "a.cgraph")
    again = ff.load(tmp_path / "a.cgraph")
    assert ff.dumps(again).encode("utf-8") == expected
    assert_same_graph(g, again)
    lines = expected.decode().splitlines()
    first = lines.index('  "groups": [')
    assert lines[first + 1].startswith('    {"id": "neuron", "label": "neuron", "nodes": [')
    assert lines[first + 2].startswith('    {"id": "sigma", "label": "σ", "nodes": ["minus_one"')


def test_groups_do_not_change_values_or_gradients():
    g = ff.load(GOLDEN / "v1-groups.cgraph")
    plain = copy.deepcopy(json.loads((GOLDEN / "v1-groups.cgraph").read_text()))
    del plain["groups"]
    a, b = evaluate(g), evaluate(ff.from_dict(plain))
    for n in g.node_ids():
        assert (a.value(n), a.grad(n)) == (b.value(n), b.grad(n))


def doc_with(*groups, **top) -> dict:
    doc = base_doc()
    doc["groups"] = list(groups)
    doc.update(top)
    return doc


REFUSALS = [
    ("not-a-list", {**base_doc(), "groups": {"id": "g"}}, "groups", "must be a list"),
    ("not-an-object", doc_with(3), "groups[0]", "must be an object"),
    ("no-id", doc_with({"nodes": ["q"]}), "groups[0].id", "missing"),
    ("id-not-string", doc_with({"id": 7, "nodes": ["q"]}), "groups[0].id", "must be a string"),
    ("id-empty", doc_with({"id": "", "nodes": ["q"]}), "groups[0].id", "is empty"),
    ("id-too-long", doc_with({"id": "g" * 65, "nodes": ["q"]}), "groups[0].id",
     "longer than 64"),
    ("id-is-a-node-id", doc_with({"id": "q", "nodes": ["q"]}), "groups[0].id",
     '"q" is already the id of a node (nodes[3])'),
    ("id-is-another-groups", doc_with({"id": "g", "nodes": ["q"]}, {"id": "g", "nodes": ["f"]}),
     "groups[1].id", 'duplicate group id "g" (also groups[0])'),
    ("no-nodes", doc_with({"id": "g"}), "groups[0].nodes", "missing"),
    ("nodes-not-list", doc_with({"id": "g", "nodes": "q"}), "groups[0].nodes",
     "must be a list of node ids"),
    ("empty", doc_with({"id": "g", "nodes": []}), "groups[0].nodes", "is empty"),
    ("node-not-string", doc_with({"id": "g", "nodes": ["q", 1]}), "groups[0].nodes[1]",
     "must be a node id"),
    ("node-missing", doc_with({"id": "g", "nodes": ["q", "zz"]}), "groups[0].nodes[1]",
     'there is no node "zz"'),
    ("node-in-two-groups", doc_with({"id": "g", "nodes": ["q"]}, {"id": "h", "nodes": ["f", "q"]}),
     "groups[1].nodes[1]", 'node "q" is already in group "g" (groups[0])'),
    ("node-twice-in-one", doc_with({"id": "g", "nodes": ["q", "q"]}), "groups[0].nodes[1]",
     'listed twice'),
    ("parent-unknown", doc_with({"id": "g", "nodes": ["q"], "parent": "p"}), "groups[0].parent",
     'there is no group "p"'),
    ("parent-is-a-node", doc_with({"id": "g", "nodes": ["q"], "parent": "x"}), "groups[0].parent",
     'there is no group "x" (that is a node, not a group)'),
    ("parent-not-string", doc_with({"id": "g", "nodes": ["q"], "parent": 1}), "groups[0].parent",
     "must be a group id"),
    ("parent-loop", doc_with({"id": "a", "nodes": ["q"], "parent": "b"},
                             {"id": "b", "nodes": ["f"], "parent": "a"}),
     "groups[0].parent", "the parents make a loop: a → b → a"),
    ("parent-self", doc_with({"id": "a", "nodes": ["q"], "parent": "a"}),
     "groups[0].parent", "the parents make a loop: a → a"),
    ("label-not-string", doc_with({"id": "g", "nodes": ["q"], "label": 1}), "groups[0].label",
     "must be a string"),
    ("collapsed-not-bool", doc_with({"id": "g", "nodes": ["q"], "collapsed": "yes"}),
     "groups[0].collapsed", "must be true or false"),
    ("pos-bad", doc_with({"id": "g", "nodes": ["q"], "pos": [1]}), "groups[0].pos",
     "must be two numbers"),
    ("note-not-string", doc_with({"id": "g", "nodes": ["q"], "note": ["a"]}), "groups[0].note",
     "must be a string"),
]


@pytest.mark.parametrize("doc, where, fragment",
                         [pytest.param(*case[1:], id=case[0]) for case in REFUSALS])
def test_every_group_refusal_names_its_place(doc, where, fragment):
    for source in (doc, json.dumps(doc)):
        err = refusal(source)
        assert err.where == where
        assert fragment in err.reason, err.reason
        assert str(err) == f"{err.where}: {err.reason}"


def test_null_groups_and_null_optional_keys_count_as_absent():
    assert ff.from_dict({**base_doc(), "groups": None}).groups == {}
    g = ff.from_dict(doc_with({"id": "g", "nodes": ["q"], "label": None, "parent": None,
                               "collapsed": None, "pos": None, "note": None}))
    assert (g.groups["g"].label, g.groups["g"].collapsed, g.groups["g"].note) == (None, False, None)


def test_groups_are_copied_with_the_graph_and_assigned():
    g = ff.load(GOLDEN / "v1-groups.cgraph")
    other = g.copy()
    other.groups["sigma"].nodes.remove("e")
    other.groups["sigma"].label = "s"
    assert "e" in g.groups["sigma"].nodes and g.groups["sigma"].label == "σ"
    target = ff.load(GOLDEN / "v1-add-mul.cgraph")
    seen = []
    target.groups_changed.subscribe(lambda: seen.append(1))
    target.assign(g)
    assert_same_graph(target, g)
    assert seen


def test_removing_nodes_leaves_their_group_and_undo_puts_them_back():
    g = ff.load(GOLDEN / "v1-groups.cgraph")
    before = ff.dumps(g)
    removal = g.remove(["e", "neg"])
    assert "e" not in g.groups["sigma"].nodes
    ff.loads(ff.dumps(g))                        # what is written is read back
    g.restore(removal)
    assert ff.dumps(g) == before
    assert g.groups["sigma"].nodes == ["f", "neg", "e", "plus_one", "one", "minus_one"]


def test_a_group_emptied_by_deletion_is_not_written_and_its_children_move_up():
    g = ff.load(GOLDEN / "v1-groups.cgraph")
    g.remove(["m0", "m1", "s0", "s1"])
    doc = json.loads(ff.dumps(g))
    assert [(x["id"], x.get("parent")) for x in doc["groups"]] == [("sigma", None)]


def test_ids_are_unique_among_groups_and_nodes():
    g = ff.load(GOLDEN / "v1-groups.cgraph")
    with pytest.raises(DuplicateIdError):
        g.add_node("sigma", "input", value=1.0)
    with pytest.raises(DuplicateIdError):
        g.rename("e", "neuron")
    assert g.new_id("sigma") != "sigma"
    g.rename("e", "exp1")
    assert "exp1" in g.groups["sigma"].nodes


def test_group_edits_undo_exactly():
    g = ff.load(GOLDEN / "v1-add-mul.cgraph")
    before = ff.dumps(g)
    gm.add_group(g, gm.Group("outer", ["q", "f"], label="all"))
    gm.add_group(g, gm.Group("inner", ["q"], parent="outer"))
    assert g.groups["outer"].nodes == ["f"]
    mid = ff.dumps(g)
    undo = gm.ungroup(g, "outer")
    assert g.groups["inner"].parent is None
    gm.regroup(g, undo)
    assert ff.dumps(g) == mid
    gm.remove_group(g, "inner")
    assert sorted(g.groups["outer"].nodes) == ["f", "q"]
    gm.remove_group(g, "outer")
    assert ff.dumps(g) == before


_IDS = st.sampled_from(["x", "y", "z", "q", "f", "g", "h", "k", "", 3, None])
_GROUP = st.fixed_dictionaries({}, optional={
    "id": _IDS, "label": st.one_of(st.none(), st.text(max_size=3), st.integers()),
    "nodes": st.one_of(st.lists(_IDS, max_size=4), st.text(max_size=2), st.none()),
    "parent": _IDS, "collapsed": st.one_of(st.booleans(), st.none(), st.integers(0, 1)),
    "pos": st.one_of(st.none(), st.lists(st.integers(-5, 5), max_size=3)),
    "note": st.one_of(st.none(), st.text(max_size=3)), "x-extra": st.integers()})


@settings(max_examples=300, deadline=None)
@given(st.lists(_GROUP, max_size=4))
def test_random_groups_give_a_graph_that_round_trips_or_a_refusal_with_a_place(groups):
    doc = {**base_doc(), "groups": groups}
    try:
        graph = ff.from_dict(doc)
    except FileFormatError as e:
        assert e.where.startswith("groups")
        return
    again = ff.loads(ff.dumps(graph))
    assert_same_graph(graph, again)
    assert ff.dumps(again) == ff.dumps(graph)


@st.composite
def valid_groups(draw):
    """Groups a file may hold: a partition of some nodes, parents forming a forest."""
    owner = {n: draw(st.integers(-1, 2)) for n in ("x", "y", "z", "q", "f")}
    ids = [f"g{i}" for i in range(3) if i in owner.values()]
    groups = []
    for k, gid in enumerate(ids):
        parent = draw(st.sampled_from([None] + ids[:k]))
        group = {"id": gid, "nodes": [n for n, i in owner.items() if f"g{i}" == gid]}
        if parent is not None:
            group["parent"] = parent
        if draw(st.booleans()):
            group["collapsed"] = True
        if draw(st.booleans()):
            group["label"] = draw(st.text(max_size=3))
        if draw(st.booleans()):
            group["pos"] = [draw(st.integers(-9, 9)), 0.5]
        groups.append(group)
    return draw(st.permutations(groups))


@settings(max_examples=200, deadline=None)
@given(valid_groups())
def test_valid_groups_are_read_and_written_back_whatever_their_order(groups):
    graph = ff.from_dict({**base_doc(), "groups": groups})
    assert {g["id"] for g in groups} == set(graph.groups)
    text = ff.dumps(graph)
    again = ff.loads(text)
    assert_same_graph(graph, again)
    assert ff.dumps(ff.from_dict({**base_doc(), "groups": list(reversed(groups))})) == text
    written = json.loads(text).get("groups", [])
    seen: set[str] = set()
    for g in written:                      # parents before their children
        assert g.get("parent") is None or g["parent"] in seen
        seen.add(g["id"])
