"""Removals that go back in place, exact copies, and the one allocator of fresh ids.

Undo relies on these: what ``Graph.remove`` takes, ``Graph.restore`` puts back
at the same positions — node order, wire order, each node's neighbours —
with the wires' unknown keys, so the file and the forward and backward
order come back as they were.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from chainrule.core import errors, fileformat
from chainrule.core.engine import Plan
from chainrule.core.graph import MAX_ID_LENGTH, Edge, Graph
from chainrule.core.ids import IdAllocator
from chainrule.resources import DEMOS

GOLDEN = Path(__file__).parents[1] / "golden"


def orders(g: Graph) -> tuple:
    """Everything whose order the model keeps, as the engine and the stepper read it."""
    nxg = g.nx
    return (g.node_ids(), g.edges(), list(nxg.edges(keys=True)), list(nxg.in_edges(keys=True)),
            Plan(g).order)


def golden() -> Graph:
    return fileformat.load(GOLDEN / "v1-unknown-keys.cgraph")


def add_mul() -> Graph:
    return fileformat.load(DEMOS / "03-add-mul.cgraph")


# ------------------------------------------------------------ remove / restore

def test_a_removed_node_comes_back_in_place_with_its_wires_unknown_keys():
    g = golden()
    text, before = fileformat.dumps(g), orders(g)
    removal = g.remove(["a"])
    assert "a" not in g and Edge("a", "m", 0) not in g.edge_extra
    assert [e for _, e, _ in removal.edges] == [Edge("a", "m", 0), Edge("a", "half", 0)]
    g.restore(removal)
    assert g.edge_extra[Edge("a", "m", 0)] == {"style": "dashed"}
    assert fileformat.dumps(g) == text and orders(g) == before


def test_delete_then_restore_keeps_the_forward_order():
    g = add_mul()
    assert Plan(g).order == ["x", "y", "z", "q", "f"]
    g.restore(g.remove(["x"]))
    assert Plan(g).order == ["x", "y", "z", "q", "f"]
    assert g.node_ids() == ["x", "y", "z", "q", "f"]


def test_several_nodes_and_wires_come_back_in_place_and_the_output_mark_too():
    g = golden()
    before, text = orders(g), fileformat.dumps(g)
    removal = g.remove(["s", "loss"], [Edge("a", "half", 0)])
    assert g.output is None and g.node_ids() == ["a", "b", "m", "half"]
    g.restore(removal)
    assert g.output == "loss"
    assert orders(g) == before and fileformat.dumps(g) == text


def test_a_removed_wire_comes_back_in_its_place_among_its_neighbours():
    g = Graph()
    for n in "uvw":
        g.add_node(n, "input", value=1.0)
    g.add_node("m", "mul")
    g.add_node("a", "add")
    g.connect("u", "m", 0)
    g.connect("u", "a", 0)
    g.connect("u", "m", 1)          # u's successors: m (ports 0, 1), then a
    g.edge_extra[Edge("u", "m", 0)] = {"style": "dashed"}
    before = orders(g)
    removal = g.remove(edges=[Edge("u", "m", 0)])
    g.connect("v", "a", 1)          # something done after the removal, and undone
    g.disconnect(Edge("v", "a", 1))
    g.restore(removal)
    assert orders(g) == before
    assert g.edge_extra[Edge("u", "m", 0)] == {"style": "dashed"}


def test_events_of_a_removal_and_of_its_restore():
    g = add_mul()
    seen = []
    for name in ("node_added", "node_removed", "edge_added", "edge_removed", "output_changed"):
        getattr(g, name).subscribe(lambda *args, name=name: seen.append((name, *args)))
    removal = g.remove(["f"])
    assert seen == [("edge_removed", Edge("q", "f", 0)), ("edge_removed", Edge("z", "f", 1)),
                    ("output_changed", None), ("node_removed", "f")]
    seen.clear()
    g.restore(removal)
    assert seen == [("node_added", "f"), ("edge_added", Edge("q", "f", 0)),
                    ("edge_added", Edge("z", "f", 1)), ("output_changed", "f")]


def test_remove_checks_first_and_restore_refuses_what_no_longer_fits():
    g = add_mul()
    before = orders(g)
    with pytest.raises(errors.UnknownNodeError):
        g.remove(["q", "nope"])
    with pytest.raises(errors.UnknownNodeError):
        g.remove(edges=[Edge("x", "f", 0)])
    assert orders(g) == before
    removal = g.remove(["q"])
    g.add_node("q", "add")                       # the id is taken again
    with pytest.raises(errors.DuplicateIdError):
        g.restore(removal)
    g.remove_node("q")
    g.connect("y", "f", 0)                       # the port is taken again
    with pytest.raises(errors.PortTakenError):
        g.restore(removal)
    g.disconnect(Edge("y", "f", 0))
    g.restore(removal)
    assert orders(g) == before


def test_restore_refuses_a_cycle_and_changes_nothing():
    g = Graph()
    g.add_node("a", "neg")
    g.add_node("b", "neg")
    g.connect("a", "b", 0)
    removal = g.remove(edges=[Edge("a", "b", 0)])
    g.connect("b", "a", 0)
    state = orders(g)
    with pytest.raises(errors.CycleError):
        g.restore(removal)
    assert orders(g) == state


def test_add_node_at_a_position():
    g = add_mul()
    g.add_node("w", "input", value=1.0, index=1)
    g.add_node("e", "input", value=1.0, index=99)
    assert g.node_ids() == ["x", "w", "y", "z", "q", "f", "e"]
    assert g.node_index("w") == 1 and g.node_index("e") == 6
    assert list(g.nx.nodes) == g.node_ids()


# ------------------------------------------------------------ copies, rename

def test_copy_and_assign_keep_every_order_and_every_unknown_key():
    g = golden()
    g.add_node("p", "mul")
    g.add_node("q", "neg")
    g.connect("a", "p", 0)
    g.connect("a", "q", 0)
    g.connect("a", "p", 1)
    g.disconnect(Edge("a", "p", 0))
    # a's successors are m, half, p, q; its wires are listed m, half, q, p
    assert list(g.nx.successors("a")) == ["m", "half", "p", "q"]
    assert [e.dst for e in g.edges() if e.src == "a"] == ["m", "half", "q", "p"]
    text, before = fileformat.dumps(g), orders(g)
    assert orders(g.copy()) == before and fileformat.dumps(g.copy()) == text
    other = add_mul()
    other.assign(g)
    assert orders(other) == before and fileformat.dumps(other) == text
    g.assign(add_mul())
    assert g.extra == {} and g.edge_extra == {}
    assert fileformat.dumps(g) == fileformat.dumps(add_mul())


def test_rename_keeps_the_node_in_its_place():
    g = add_mul()
    g.rename("x", "x0")
    assert g.node_ids() == ["x0", "y", "z", "q", "f"]
    assert Plan(g).order == ["x0", "y", "z", "q", "f"]
    g.rename("x0", "x")
    assert orders(g) == orders(add_mul())


# ------------------------------------------------------------------- ids

def test_an_allocated_id_is_checked_after_it_is_cut_to_the_limit():
    long = "a" * MAX_ID_LENGTH
    ids = IdAllocator({long})
    new = ids.keep_or_renumber(long)
    assert new == "a" * (MAX_ID_LENGTH - 1) + "2"
    ids = IdAllocator({long, "a" * (MAX_ID_LENGTH - 1) + "2"})
    assert ids.keep_or_renumber(long) == "a" * (MAX_ID_LENGTH - 1) + "3"
    ids = IdAllocator({"b" * MAX_ID_LENGTH} | {"b" * (MAX_ID_LENGTH - 1) + str(i)
                                               for i in range(2, 10)})
    assert ids.keep_or_renumber("b" * MAX_ID_LENGTH) == "b" * (MAX_ID_LENGTH - 2) + "10"


def test_allocations_keep_the_editors_numbering():
    g = add_mul()
    assert g.new_id("x") == "x1" and g.new_id("mul") == "mul1" and g.new_id("w") == "w"
    ids = g.id_allocator()
    assert [ids.keep_or_renumber(n) for n in ("x", "x2", "w", "w", "123")] == \
        ["x2", "x3", "w", "w2", "123"]
    ids = g.id_allocator(reserved={"c1"})
    assert [ids.numbered("c") for _ in range(3)] == ["c2", "c3", "c4"]
    assert ids.numbered("x", "_", start=2) == "x_2"


def test_allocating_many_ids_is_linear():
    def allocate(n: int) -> float:
        g = Graph()
        for i in range(n):
            g.add_node(f"x{i}" if i else "x", "input", value=0.0)
        ids = g.id_allocator()
        t = time.perf_counter()
        for _ in range(n):
            ids.keep_or_renumber("x")
        return time.perf_counter() - t

    allocate(200)
    small, large = min(allocate(2_000) for _ in range(3)), min(allocate(20_000) for _ in range(3))
    assert large < 30 * small          # quadratic would be 100 times slower
