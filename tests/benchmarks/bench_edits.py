"""Structural edits against a value edit, on a 10,000-node graph (and 100,000).

A script, not a test (``make bench`` runs it): it prints figures.  A value edit
re-runs the compiled plan; after a structural edit the Evaluator updates its
plan (``core/plan_update.py``) or compiles it afresh.  Each kind of edit is
timed up to the evaluation that follows it, best of several, and printed as a
ratio against the value edit measured in the same run (target: at most 3×):

* add a node: a ``neg`` fed by input ``x1`` (it stays; the output is set);
* remove that node;
* remove a wire and put it back: port b of an ``add`` of ``x1`` and ``x3``;
* change settings: the slope of a ``leaky_relu`` fed by ``x2``;
* add, wire and remove a node before one evaluation (the graph ends as it was);
* a node put into a wire halfway through the graph, and taken out again:
  everything downstream changes (more than an eighth of the graph: the plan is
  compiled afresh).

``python bench_edits.py 100000`` adds the 100,000-node graph (slower to build).
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_engine import build_chainrule, random_dag  # noqa: E402  (beside this script)

from chainrule.core.engine import Evaluator  # noqa: E402


def alternately(fns: list, repeat: int = 11) -> list[float]:
    """The best time of each of ``fns``, run in turn ``repeat`` times, so that
    all of them see the same load on the machine.  CPU time of this process
    (``process_time``): other jobs on a busy machine disturb it less than the
    clock on the wall."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, t in zip(fns, times):
            t0 = time.process_time()
            fn()
            t.append(time.process_time() - t0)
    return [min(t) for t in times]


def measure(n_ops: int) -> None:
    g = build_chainrule(random_dag(n_ops, seed=3))
    g.add_node("lr", "leaky_relu")
    g.connect("x2", "lr", 0)
    g.add_node("sum", "add")
    g.connect("x1", "sum", 0)
    g.connect("x3", "sum", 1)
    evaluator = Evaluator(g)
    evaluator.evaluate()
    made = [0]

    def evaluated(edit):
        def run():
            edit()
            evaluator.evaluate()
        return run

    def value_edit():
        g.set_value("x0", 0.25 + made[0] * 1e-3)
        made[0] += 1

    added = []

    def add_node():
        added.append(f"new{len(added)}")
        g.add_node(added[-1], "neg")
        g.connect("x1", added[-1], 0)

    def remove_node():
        g.remove_node(added[-1])

    def add_wire():
        g.connect("x3", "sum", 1)

    def remove_wire():
        g.disconnect(g.in_edges("sum")[1])

    def settings():
        made[0] += 1
        g.set_attrs("lr", {"slope": 0.01 + (made[0] % 50) * 1e-3})

    def add_and_remove():
        made[0] += 1
        node_id = f"tmp{made[0]}"
        g.add_node(node_id, "neg")
        g.connect("x1", node_id, 0)
        g.remove_node(node_id)

    middle = g.in_edges(f"n{n_ops // 2}")[0]

    def insert_middle():
        g.disconnect(middle)
        g.add_node("mid", "neg")
        g.connect(middle.src, "mid", 0)
        g.connect("mid", middle.dst, middle.port)

    def take_out_middle():
        g.remove_node("mid")
        g.connect(*middle)

    value = evaluated(value_edit)
    rounds = [[("add a node", add_node), ("remove that node", remove_node)],
              [("remove a wire", remove_wire), ("put it back", add_wire)],
              [("change a node's settings", settings)],
              [("add, wire, remove a node", add_and_remove)],
              [("a node put into a wire halfway", insert_middle),
               ("taken out again", take_out_middle)]]
    print(f"{len(g):,} nodes, each edit → evaluated, against a value edit → evaluated "
          f"(run in turn with it; target ≤ 3×):")
    for edits in rounds:
        fns = [f for _, edit in edits for f in (value, evaluated(edit))]
        times = alternately(fns)
        for k, (name, _) in enumerate(edits):
            base, t = times[2 * k], times[2 * k + 1]
            print(f"  {name:28s} {t * 1e3:7.2f} ms against {base * 1e3:6.2f} ms: "
                  f"{t / base:5.1f}×")
    fresh, base = alternately([lambda: Evaluator(g).evaluate(), value], repeat=3)
    print(f"  {'(a plan compiled afresh)':28s} {fresh * 1e3:7.2f} ms against "
          f"{base * 1e3:6.2f} ms: {fresh / base:5.1f}×")


def main() -> None:
    sizes = [7_900] + [int(a) - 2_100 for a in sys.argv[1:]]
    for n_ops in sizes:
        measure(n_ops)


if __name__ == "__main__":
    main()
