"""The graph model: what it refuses (typed errors, graph unchanged) and what it announces."""
from __future__ import annotations


import numpy as np
import pytest

from chainrule.core import errors
from chainrule.core.graph import Edge, Graph
from chainrule.core.values import normalize_value


@pytest.fixture
def g():
    g = Graph()
    g.add_node("x", "input", value=1.0)
    g.add_node("y", "input", value=2.0)
    g.add_node("m", "mul")
    g.add_node("t", "tanh")
    g.connect("x", "m", 0)
    g.connect("y", "m", 1)
    g.connect("m", "t", 0)
    return g


def snapshot(g: Graph):
    return (g.node_ids(), g.edges(), g.output, g.structure_version)


@pytest.mark.parametrize("action,error,fragment", [
    (lambda g: g.connect("t", "m", 0), errors.PortTakenError, 'already fed by "x"'),
    (lambda g: g.connect("x", "m", 2), errors.PortRangeError, "mul takes a, b"),
    (lambda g: g.connect("x", "y", 0), errors.PortRangeError, "no input ports"),
    (lambda g: g.add_node("x", "add"), errors.DuplicateIdError, '"x" exists'),
    (lambda g: g.add_node("z", "tanhh"), errors.UnknownOpError, "tanhh"),
    (lambda g: g.add_node("", "add"), errors.BadIdError, "non-empty"),
    (lambda g: g.add_node("a" * 65, "add"), errors.BadIdError, "64"),
    (lambda g: g.add_node("c", "const", value=[[1, 2], [3]]), errors.BadValueError, "ragged"),
    (lambda g: g.add_node("c", "const", value=float("nan")), errors.BadValueError, "finite"),
    (lambda g: g.add_node("c", "const", value="3"), errors.BadValueError, "number"),
    (lambda g: g.add_node("c", "const", value=None), errors.BadValueError, "number"),
    (lambda g: g.add_node("s", "sum", attrs={"axis": 1.5}), errors.BadValueError, "integer"),
    (lambda g: g.set_value("m", 3.0), errors.BadValueError, "only input and const"),
    (lambda g: g.rename("x", "y"), errors.DuplicateIdError, '"y" exists'),
    (lambda g: g.disconnect(Edge("y", "m", 0)), errors.UnknownNodeError, "no wire"),
    (lambda g: g.remove_node("nope"), errors.UnknownNodeError, '"nope"'),
])
def test_refusals_are_typed_and_change_nothing(g, action, error, fragment):
    before = snapshot(g)
    with pytest.raises(error) as info:
        action(g)
    assert fragment in str(info.value)
    assert snapshot(g) == before


def test_a_cycle_is_refused_naming_its_nodes(g):
    g.add_node("u", "add")
    g.connect("t", "u", 0)
    g.add_node("n", "neg")
    g.connect("u", "n", 0)
    before = snapshot(g)
    with pytest.raises(errors.CycleError) as info:
        g.connect("n", "u", 1)
    assert info.value.nodes == ["u", "n"]
    assert "u → n → u" in str(info.value)
    assert snapshot(g) == before
    g.disconnect(Edge("x", "m", 0))
    with pytest.raises(errors.CycleError) as info:
        g.check_connect("n", "m", 0)
    assert info.value.nodes == ["m", "t", "u", "n"]


def test_self_loop_is_a_cycle(g):
    g.add_node("a", "add")
    with pytest.raises(errors.CycleError):
        g.connect("a", "a", 0)


def test_x_times_x_is_two_wires():
    g = Graph()
    g.add_node("x", "input", value=3)
    g.add_node("sq", "mul")
    g.connect("x", "sq", 0)
    g.connect("x", "sq", 1)
    assert g.edges() == [Edge("x", "sq", 0), Edge("x", "sq", 1)]
    assert g.nx.number_of_edges("x", "sq") == 2
    g.disconnect(Edge("x", "sq", 1))
    assert g.edges() == [Edge("x", "sq", 0)]


def test_events_announce_every_change(g):
    seen = []
    for name in ("node_added", "node_removed", "node_changed", "node_renamed",
                 "edge_added", "edge_removed", "output_changed"):
        getattr(g, name).subscribe(lambda *a, name=name: seen.append((name, *a)))
    g.set_value("x", 5)
    g.set_output("t")
    g.rename("y", "why")
    g.remove_node("m")
    assert seen == [
        ("node_changed", "x", "value"),
        ("output_changed", "t"),
        ("node_renamed", "y", "why"),
        ("edge_removed", Edge("x", "m", 0)),
        ("edge_removed", Edge("why", "m", 1)),
        ("edge_removed", Edge("m", "t", 0)),
        ("node_removed", "m"),
    ]


def test_rename_moves_wires_and_output(g):
    g.set_output("t")
    g.rename("m", "prod")
    assert set(g.edges()) == {Edge("x", "prod", 0), Edge("y", "prod", 1), Edge("prod", "t", 0)}
    g.rename("t", "out")
    assert g.output == "out" and g.node("out").id == "out"


def test_removing_the_output_clears_it(g):
    g.set_output("t")
    g.remove_node("t")
    assert g.output is None


def test_effective_output_is_the_single_sink(g):
    assert g.effective_output() == "t"
    g.add_node("other", "neg")
    assert g.effective_output() is None
    g.set_output("t")
    assert g.effective_output() == "t"


def test_values_are_floats_or_float64_arrays():
    assert normalize_value(3) == 3.0 and type(normalize_value(3)) is float
    arr = normalize_value([[1, 2], [3, 4]])
    assert arr.dtype == np.float64 and arr.shape == (2, 2)
    assert type(normalize_value(np.array(2.5))) is float
    with pytest.raises(errors.BadValueError):
        normalize_value(True)
    with pytest.raises(errors.BadValueError):
        normalize_value([])
    with pytest.raises(errors.BadValueError):
        normalize_value([1, [2]])


def test_copy_is_independent(g):
    c = g.copy()
    c.set_value("x", 9)
    c.remove_node("t")
    assert g.node("x").value == 1.0 and "t" in g


def test_new_id_avoids_taken_ids_and_op_names(g):
    assert g.new_id("x") == "x1"
    assert g.new_id("mul") == "mul1"
    assert g.new_id("w") == "w"


def test_generations_follow_every_structural_change(g):
    """The graph keeps its generations between changes; none may see stale ones."""
    assert g.generations() == (("x", "y"), ("m",), ("t",))
    g.add_node("z", "input", value=0.0)
    g.add_node("s", "add")
    assert g.generations() == (("x", "y", "z", "s"), ("m",), ("t",))
    g.connect("t", "s", 0)
    assert g.generations()[-1] == ("s",)
    g.rename("t", "tt")
    assert g.generations()[2] == ("tt",)
    g.disconnect(Edge("tt", "s", 0))
    g.remove_node("tt")
    assert g.generations() == (("x", "y", "z", "s"), ("m",))


def test_new_id_is_the_first_free_one_after_adds_removals_and_renames():
    g = Graph()
    assert g.new_id("add") == g.new_id("add") == "add1"      # not used: offered again
    for _ in range(5):
        g.add_node(g.new_id("add"), "add")
    assert g.new_id("add") == "add6"
    g.remove_node("add2")
    assert g.new_id("add") == "add2"
    g.add_node("add2", "add")
    g.rename("add3", "q")
    assert g.new_id("add") == "add3"


def test_edge_count_follows_wires_made_and_removed():
    g = Graph()
    for node_id, op in (("x", "input"), ("m", "mul")):
        g.add_node(node_id, op, value=1.0 if op == "input" else None)
    g.connect_many([("x", "m", 0), ("x", "m", 1)])
    assert g.edge_count() == len(g.edges()) == 2
    g.disconnect(g.edges()[0])
    assert g.edge_count() == 1
    g.remove_node("x")
    assert g.edge_count() == 0
