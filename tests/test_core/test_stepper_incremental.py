"""The step-through's view is kept up to date step by step; it must equal the view
derived from the steps alone at every position, on random graphs and random walks."""
from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.core.stepper import Stepper
from random_graphs import neg_chain, wild_graphs


def snapshot(view):
    return copy.deepcopy(view.__dict__)


def same(a, b):
    """Field by field; dicts in any order, numbers by repr (nan equals nan, -0.0 is not 0.0)."""
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, dict):
            assert x.keys() == y.keys(), key
            assert all(repr(x[k]) == repr(y[k]) for k in x), key
        else:
            assert repr(x) == repr(y), key


@settings(max_examples=60, deadline=None)
@given(wild_graphs(arrays=True), st.lists(st.integers(-8, 8), max_size=30), st.data())
def test_incremental_view_equals_the_view_from_scratch(graph, moves, data):
    # some inputs trainable and an Update step (the window's step-through) half the time
    for node in graph.nodes():
        if node.op == "input" and data.draw(st.booleans()):
            graph.set_trainable(node.id, True)
    s = Stepper(graph, update=data.draw(st.booleans()))
    token = warn_token = None
    shown_states = dict(s.view().states)
    badges: dict = {}
    for move in moves + [s.total, -s.total]:
        if abs(move) > 6:
            s.jump(data.draw(st.integers(0, s.total)))
        else:
            s.jump(s.position + move)
        view = s.view()
        same(snapshot(view), snapshot(s.view_from_scratch()))
        # what a reader of the change log repaints brings it to the same states
        changed, token = s.changed_since(token)
        for node_id in (view.states if changed is None else changed):
            shown_states[node_id] = view.states[node_id]
        assert shown_states == view.states
        assert s.shown().grad_warnings == {
            n: w for n, w in s.grad_warnings().items() if n in view.node_grads}
        # the warnings (in the view, compared above): a reader of their change log
        # that re-reads only the nodes it names holds the same badges as the view
        changed, warn_token = s.shown().warnings_changed_since(warn_token)
        for node_id in (graph.node_ids() if changed is None else changed):
            badges[node_id] = (view.warnings.get(node_id), view.grad_warnings.get(node_id))
        assert {n: b for n, b in badges.items() if b != (None, None)} == {
            n: (view.warnings.get(n), view.grad_warnings.get(n))
            for n in view.warnings.keys() | view.grad_warnings.keys()}
        assert s.shown().warnings == {
            n: w for n, w in s.evaluation.warnings.items() if n in view.node_values}


def test_walking_every_step_touches_only_what_each_step_changed():
    s = Stepper(neg_chain(300))
    s.view()
    _, token = s.changed_since(None)
    s.step()
    s.view()
    changed, token = s.changed_since(token)
    assert changed is not None and len(changed) <= 3


def test_a_step_names_only_the_warnings_it_changed():
    # every value of the chain is inf (a warning per node): one step re-reads one
    from chainrule.core.program import parse_program
    lines = ["x0 = 1 / 0"] + [f"x{i} = x{i - 1} + 1" for i in range(1, 200)]
    s = Stepper(parse_program("\n".join(lines)).graph)
    s.jump([step.node for step in s.forward].index("x100"))
    assert {f"x{i}" for i in range(100)} <= s.shown().warnings.keys()
    _, token = s.warnings_changed_since(None)
    s.step()
    changed, token = s.warnings_changed_since(token)
    assert changed == {"x100"} and "x100" in s.shown().warnings
    s.back()
    changed, _ = s.warnings_changed_since(token)
    assert changed == {"x100"} and "x100" not in s.shown().warnings


@settings(max_examples=40, deadline=None)
@given(wild_graphs(), st.data())
def test_in_and_out_edges_are_networkx_s_in_its_order(graph, data):
    # read from the adjacency dicts directly: the same wires in the same order as
    # networkx's edge views, also after wires are cut and made again
    edges = graph.edges()
    cut = data.draw(st.lists(st.sampled_from(edges), unique=True, max_size=4)) if edges else []
    removal = graph.remove(edges=cut)
    graph.restore(removal)
    for n in graph.node_ids():
        assert graph.in_edges(n) == sorted(
            (tuple(e) for e in graph.nx.in_edges(n, keys=True)), key=lambda e: e[2])
        assert graph.out_edges(n) == [tuple(e) for e in graph.nx.out_edges(n, keys=True)]


@settings(max_examples=30, deadline=None)
@given(wild_graphs())
def test_a_walk_keeps_one_edge_object_per_wire(graph):
    # every step, and the live view, share the stepper's Edge objects (the collector
    # walks each one: a walk no longer makes new ones per step)
    s = Stepper(graph)
    s.run_all()
    own = {id(e) for edges in s.in_edges.values() for e in edges}
    assert {id(e) for edges in s.out_edges.values() for e in edges} <= own
    for step in s.steps:
        pairs = getattr(step, "inputs", ()) or (getattr(step, "incoming", ()) +
                                                 getattr(step, "outgoing", ()))
        assert {id(e) for e, _ in pairs} <= own
