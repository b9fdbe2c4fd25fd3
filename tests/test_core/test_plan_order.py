"""The plan's order comes from Kahn's algorithm over the graph's own port table
(``Graph.generations``); networkx stays the reference.  After any sequence of
edits — nodes added and removed, wires made and cut, outputs set — it must give
exactly networkx's topological generations, and the plan must follow them."""
from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.core.engine import Evaluator
from chainrule.core.errors import GraphError
from chainrule.core.graph import Graph
from random_graphs import connect_drawn

EDITS = st.lists(st.tuples(st.sampled_from(("add", "connect", "disconnect", "remove", "output")),
                           st.integers(0, 10**6), st.integers(0, 10**6)), max_size=60)


@settings(max_examples=80, deadline=None)
@given(EDITS)
def test_generations_equal_networkx_after_random_edits(edits):
    g = Graph()
    ev = Evaluator(g)
    made = 0
    for kind, r1, r2 in edits:
        ids = g.node_ids()
        try:
            if kind == "add" or not ids:
                op = ("input", "neg", "add", "mul")[r1 % 4]
                g.add_node(f"n{made}", op, value=1.0 if op == "input" else None)
                made += 1
            elif kind == "connect":
                connect_drawn(g, ids, r1, r2)
            elif kind == "disconnect" and g.edges():
                g.disconnect(g.edges()[r1 % len(g.edges())])
            elif kind == "remove":
                g.remove_node(ids[r1 % len(ids)])
            elif kind == "output":
                g.set_output(ids[r1 % len(ids)])
        except GraphError:          # a cycle, a taken port: refused, nothing changed
            pass
        expected = tuple(tuple(level) for level in nx.topological_generations(g.nx))
        assert g.generations() == expected
        plan = ev.plan
        assert plan.order == [n for level in expected for n in level]
        assert all(max(plan.inputs[i], default=-1) < i for i in range(len(plan.order)))
