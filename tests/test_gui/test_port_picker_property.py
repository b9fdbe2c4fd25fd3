"""The port picker offers exactly the wires the model would accept."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.core.errors import ChainruleError
from chainrule.core.graph import Edge, Graph
from chainrule.gui.keyboard_build import possible_wires

OPS = ("input", "neg", "add", "mul")


@st.composite
def graphs(draw):
    graph = Graph()
    count = draw(st.integers(1, 7))
    for i in range(count):
        op = draw(st.sampled_from(OPS))
        graph.add_node(f"n{i}", op, value=1.0 if op == "input" else None)
    for _ in range(draw(st.integers(0, 10))):
        src, dst = draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1))
        arity = graph.node(f"n{dst}").spec.arity
        if arity:
            try:
                graph.connect(f"n{src}", f"n{dst}", draw(st.integers(0, arity - 1)))
            except ChainruleError:
                pass
    return graph


def accepted(graph: Graph, edge: Edge) -> bool:
    try:
        graph.check_connect(*edge)
        return True
    except ChainruleError:
        return False


@settings(max_examples=150, deadline=None)
@given(graphs(), st.data())
def test_offered_wires_are_exactly_the_accepted_ones(graph, data):
    node = data.draw(st.sampled_from(graph.node_ids()))
    offered = set(possible_wires(graph, node))
    every = {Edge(s, d, p) for s in graph.node_ids() for d in graph.node_ids()
             for p in range(graph.node(d).spec.arity) if node in (s, d)}
    assert offered == {e for e in every if accepted(graph, e)}
