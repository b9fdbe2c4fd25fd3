"""A structural edit against a value edit on a 10,000-node graph.

A script, not a test (``make bench`` runs it): it prints figures.  A value edit
re-runs the compiled plan; adding a node (wired to an input, then removed again
so the graph keeps one output) makes the next evaluation compile a new plan.
Both are timed up to the evaluation that follows them, best of several, and the
ratio printed (target: at most 3×).
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_engine import build_chainrule, random_dag  # noqa: E402  (beside this script)

from chainrule.core.engine import Evaluator  # noqa: E402


def best(fn, repeat: int = 9) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    g = build_chainrule(random_dag(7_900, seed=3))
    evaluator = Evaluator(g)
    evaluator.evaluate()
    made = [0]

    def value_edit():
        g.set_value("x0", 0.25 + made[0] * 1e-3)
        made[0] += 1
        evaluator.evaluate()

    def add_node():
        made[0] += 1
        node_id = f"new{made[0]}"
        g.add_node(node_id, "neg")
        g.connect("x1", node_id, 0)
        g.remove_node(node_id)
        evaluator.evaluate()

    value = best(value_edit)
    structural = best(add_node)
    print(f"{len(g):,} nodes: value edit → evaluated {value * 1e3:6.1f} ms; "
          f"add a node → evaluated {structural * 1e3:6.1f} ms: {structural / value:5.1f}× "
          f"(target ≤ 3×)")


if __name__ == "__main__":
    main()
