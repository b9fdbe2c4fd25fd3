"""Training speed: gradient-descent steps per second (the issue asks for ≥ 1,000 on a scalar MLP).

Graphs: the demos ``05-two-layer`` (scalars), ``10-fit-two-layer`` (4-sample
vectors), ``09-tensor-mlp`` (matrices) and scalar MLPs built here the way a
learner would wire them (one node per weight, product and sum; tanh hidden
units; squared error on one sample).

Modes, each the median of several runs:

* ``run``: ``Trainer.run(n, lr)`` with no callback (values announced once at the end);
* ``run+plot``: ``run`` with a callback every 10 steps, and a ``node_changed``
  subscriber, as an editor plotting the loss would have;
* ``step``: ``Trainer.step(lr)`` called n times, each step announcing every
  parameter (the cost of not batching the events).

Run: ``make bench`` (or ``python tests/benchmarks/bench_training.py``).
Prints figures; asserts nothing.
"""
from __future__ import annotations

import os
import statistics
import sys
import time


from chainrule.core.fileformat import load  # noqa: E402
from chainrule.core.graph import Graph  # noqa: E402
from chainrule.core.training import Trainer, parameters  # noqa: E402

DEMOS = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "demos")
STEPS = 2000
REPEATS = 5


def scalar_mlp(sizes: list[int], seed: int = 0) -> Graph:
    """An MLP with one node per scalar: inputs, weights, products, sums, tanh, loss."""
    import random
    rnd = random.Random(seed)
    g = Graph()
    layer = []
    for i in range(sizes[0]):
        g.add_node(f"x{i}", "input", value=rnd.uniform(-1, 1))
        layer.append(f"x{i}")
    for li, width in enumerate(sizes[1:], start=1):
        last = li == len(sizes) - 1
        nxt = []
        for j in range(width):
            terms = []
            for k, src in enumerate(layer):
                w, m = f"w{li}_{j}_{k}", f"m{li}_{j}_{k}"
                g.add_node(w, "input", value=rnd.uniform(-1, 1), trainable=True)
                g.add_node(m, "mul")
                g.connect(w, m, 0)
                g.connect(src, m, 1)
                terms.append(m)
            b = f"b{li}_{j}"
            g.add_node(b, "input", value=0.0, trainable=True)
            terms.append(b)
            acc = terms[0]
            for k, t in enumerate(terms[1:]):
                s = f"s{li}_{j}_{k}"
                g.add_node(s, "add")
                g.connect(acc, s, 0)
                g.connect(t, s, 1)
                acc = s
            if not last:
                h = f"h{li}_{j}"
                g.add_node(h, "tanh")
                g.connect(acc, h, 0)
                acc = h
            nxt.append(acc)
        layer = nxt
    g.add_node("t", "const", value=0.5)
    g.add_node("d", "sub")
    g.connect(layer[0], "d", 0)
    g.connect("t", "d", 1)
    g.add_node("loss", "square")
    g.connect("d", "loss", 0)
    g.set_output("loss")
    return g


def rate(make, mode: str, lr: float) -> float:
    """Median steps per second of ``mode`` on fresh copies of ``make()``."""
    results = []
    for _ in range(REPEATS):
        g = make()
        events = []
        if mode != "run":
            g.node_changed.subscribe(lambda node_id, what: events.append(node_id))
        trainer = Trainer(g)
        trainer.step(lr)                       # compile the plan outside the timing
        start = time.perf_counter()
        if mode == "step":
            for _ in range(STEPS):
                trainer.step(lr)
        elif mode == "run":
            trainer.run(STEPS, lr)
        else:
            plotted = []
            trainer.run(STEPS, lr, callback=lambda p: plotted.extend(p.losses), every=10)
        results.append(STEPS / (time.perf_counter() - start))
    return statistics.median(results)


def main() -> None:
    cases = [
        ("05-two-layer (demo)", lambda: load(os.path.join(DEMOS, "05-two-layer.cgraph")), 0.01),
        ("10-fit-two-layer (demo, 4-vectors)",
         lambda: load(os.path.join(DEMOS, "10-fit-two-layer.cgraph")), 0.05),
        ("09-tensor-mlp (demo, matrices)",
         lambda: load(os.path.join(DEMOS, "09-tensor-mlp.cgraph")), 0.2),
        ("scalar MLP 2-3-1", lambda: scalar_mlp([2, 3, 1]), 0.05),
        ("scalar MLP 3-4-4-1", lambda: scalar_mlp([3, 4, 4, 1]), 0.05),
    ]
    print(f"steps per second (median of {REPEATS} runs of {STEPS} steps; "
          f"{sys.implementation.name} {sys.version.split()[0]})")
    print(f"{'graph':38} {'nodes':>5} {'params':>6} {'run':>9} {'run+plot':>9} {'step':>9}")
    for name, make, lr in cases:
        g = make()
        figures = [rate(make, mode, lr) for mode in ("run", "run+plot", "step")]
        print(f"{name:38} {len(g):5d} {len(parameters(g)):6d} "
              + " ".join(f"{f:9,.0f}" for f in figures))


if __name__ == "__main__":
    main()
