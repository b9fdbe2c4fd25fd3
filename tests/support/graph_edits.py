"""Random structural edits for hypothesis: nodes added and removed, wires made and
cut, settings changed, outputs set, a removal undone, a value changed, a node put
into a wire (``EDITS`` draws a sequence, ``apply_edit`` makes one)."""
from __future__ import annotations

from hypothesis import strategies as st

from chainrule.core.graph import Graph
from random_graphs import connect_drawn


OPS = ("input", "const", "neg", "exp", "relu", "add", "mul", "div", "max", "leaky_relu")
KINDS = ("add", "add", "connect", "connect", "disconnect", "remove", "output", "attrs",
         "undo", "value", "add_remove", "insert", "insert")
EDITS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 10**6),
                           st.integers(0, 10**6)), min_size=1, max_size=40)


def apply_edit(g: Graph, kind: str, r1: int, r2: int, made: list, removals: list) -> None:
    """One edit of ``kind``; ``made`` counts the nodes added, ``removals`` can be undone."""
    ids = g.node_ids()
    if kind == "add" or not ids:
        op = OPS[r1 % len(OPS)]
        value = (1.0 + r2 % 5) if op in ("input", "const") else None
        g.add_node(f"m{len(made)}", op, value=value)
        made.append(op)
        if r2 % 3 and op not in ("input", "const") and len(ids) > 0:
            g.connect(ids[r2 % len(ids)], f"m{len(made) - 1}", 0)
    elif kind == "connect":
        connect_drawn(g, ids, r1, r2)
    elif kind == "disconnect" and g.edge_count():
        edge = g.edges()[r1 % g.edge_count()]
        if r2 % 2:
            removals.append(g.remove(edges=[edge]))
        else:
            g.disconnect(edge)
    elif kind == "remove":
        if r2 % 2:
            removals.append(g.remove([ids[r1 % len(ids)]]))
        else:
            g.remove_node(ids[r1 % len(ids)])
    elif kind == "output":
        g.set_output(None if r2 % 5 == 0 else ids[r1 % len(ids)])
    elif kind == "attrs":
        lrelu = [n for n in ids if g.node(n).op == "leaky_relu"]
        if lrelu:
            g.set_attrs(lrelu[r1 % len(lrelu)], {"slope": (r2 % 7) / 10})
    elif kind == "undo" and removals:
        g.restore(removals.pop())
    elif kind == "value":
        leaves = [n for n in ids if g.node(n).spec.is_leaf]
        if leaves:          # sometimes a scalar becomes an array or back
            g.set_value(leaves[r1 % len(leaves)],
                        [0.5, -1.0] if r2 % 4 == 0 else float(r2 % 9) - 4.0)
    elif kind == "insert" and g.edge_count():      # a node put into a wire
        edge = g.edges()[r1 % g.edge_count()]
        g.disconnect(edge)
        node_id = f"m{len(made)}"
        made.append("insert")
        g.add_node(node_id, ("neg", "relu", "exp", "leaky_relu")[r2 % 4])
        g.connect(edge.src, node_id, 0)
        g.connect(node_id, edge.dst, edge.port)
    elif kind == "add_remove":        # the benchmark's edit: added, wired, removed again
        g.add_node("tmp", "neg")
        g.connect(ids[r1 % len(ids)], "tmp", 0)
        g.remove_node("tmp")
