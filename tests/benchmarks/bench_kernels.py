"""The two kernels side by side: level-batched numpy against the per-node loop.

For each graph, one forward + backward pass (a value edit: the plan is
compiled once) through the loop (``forward`` then ``backward``, as the
Evaluator ran them before there was a choice) and through the Evaluator, which
picks the kernel from the plan's level widths.  Wide layered graphs and scalar
MLPs take the batched kernel (target: at least 5× faster); chains and random
DAGs keep the loop (target: never slower).  "read" adds reading every value and
gradient (the lists are made when first read).  "vs ref" is the chosen kernel
against the loop as it was when the target was set, before the loop itself was
made faster (``tests/support/reference_loop.py``, the frozen copy the kernel
tests compare with); the target "5× faster than today's loop" was set against
that loop.  Rounds are interleaved and the
best of each kept; the ratios come from this one run.  Times are the process's
CPU time, so that other jobs sharing the machine do not count.

Run: ``make bench`` (or ``python tests/benchmarks/bench_kernels.py``).
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "support"))

from bench_engine import build_chainrule, chain, mlp, random_dag  # noqa: E402
from big_graph import make_big_graph  # noqa: E402

from chainrule.core import kernel_batched  # noqa: E402
from chainrule.core.engine import Evaluator, backward, forward  # noqa: E402
import reference_loop  # noqa: E402  (tests/support)

GRAPHS = [
    ("wide layered 10 × 1,000", lambda: make_big_graph(1, layers=10, width=1000)),
    ("wide layered 5 × 4,000", lambda: make_big_graph(1, layers=5, width=4000)),
    ("scalar MLP 16-64-64-1", lambda: build_chainrule(mlp(16, (64, 64, 1)))),
    ("scalar MLP 16-128-128-1", lambda: build_chainrule(mlp(16, (128, 128, 1)))),
    ("chain, 10,000 ops", lambda: build_chainrule(chain(10_000))),
    ("random DAG, 12,600 ops", lambda: build_chainrule(random_dag(12_600))),
]
ROUNDS = 25


def measure(graph) -> dict:
    evaluator = Evaluator(graph)
    for _ in range(3):              # the first pass, the choice, the first use's check
        evaluator.evaluate()
        evaluator.settle()
    plan = evaluator.plan

    def loop():
        evaluation = forward(plan)
        backward(evaluation)
        return evaluation

    def reference():
        return reference_loop.backward(reference_loop.forward(plan))

    def chosen():
        return evaluator.evaluate()

    def read(run):
        def both():
            evaluation = run()
            return evaluation.values, evaluation.grads
        return both

    runs = {"loop": loop, "reference": reference, "chosen": chosen, "loop read": read(loop), "chosen read": read(chosen)}
    best = dict.fromkeys(runs, float("inf"))
    order = list(runs.items())
    for k in range(ROUNDS):
        for name, run in (order if k % 2 else order[::-1]):     # neither always first
            t = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - t)
    best["kernel"] = "batched" if kernel_batched.choice(plan) is not None else "loop"
    best["nodes"] = len(plan.nodes)
    return best


def main() -> None:
    print("kernels: one forward + backward pass, loop against the automatic choice")
    print(f"{'graph':<26}{'nodes':>8}  {'kernel':<8}{'loop ms':>9}{'chosen ms':>11}"
          f"{'speed-up':>10}{'read':>8}{'vs ref':>8}")
    for name, make in GRAPHS:
        m = measure(make())
        print(f"{name:<26}{m['nodes']:>8,}  {m['kernel']:<8}{m['loop'] * 1e3:>9.2f}"
              f"{m['chosen'] * 1e3:>11.2f}{m['loop'] / m['chosen']:>9.1f}×"
              f"{m['loop read'] / m['chosen read']:>7.1f}×"
              f"{m['reference'] / m['chosen']:>7.1f}×")


if __name__ == "__main__":
    main()
