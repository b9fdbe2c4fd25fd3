"""What forward mode costs beside the engine's own passes (``make bench`` runs it).

A script, not a test: it prints ratios against a baseline measured in the same
process — the engine's forward and backward pass of the same graph — for the
big generated graph (about 1,000 nodes, scalars) and demo 09 (matrices):
one forward-mode pass (:func:`chainrule.core.forward_mode.tangents`), and the
Modes comparison of demos 25 and 26 (1,000 forward or reverse passes).
"""
from __future__ import annotations

import pathlib
import statistics
import time

from chainrule.core import forward_mode
from chainrule.core.engine import Evaluator
from chainrule.core.fileformat import load
from chainrule.core.modes import compare_modes
from big_graph import make_big_graph  # noqa: E402  (beside this script)

DEMOS = pathlib.Path(__file__).resolve().parents[2] / "resources" / "demos"
RUNS = 15


def median(fn) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def ratio(name: str, graph) -> None:
    evaluator = Evaluator(graph)
    evaluation = evaluator.evaluate()
    first = next(n.id for n in graph.nodes() if n.op == "input")
    base = median(evaluator.evaluate)
    tangent = median(lambda: forward_mode.tangents(evaluation, {first: 1.0}))
    print(f"{name:28s} forward+backward {base * 1000:7.2f} ms, one forward-mode pass "
          f"{tangent * 1000:7.2f} ms: {tangent / base:5.2f}x")


def main() -> None:
    ratio("big graph (scalars)", make_big_graph())
    ratio("demo 09 (matrices)", load(DEMOS / "09-tensor-mlp.cgraph"))
    for demo in ("25-why-backward.cgraph", "26-why-backward-fan.cgraph"):
        graph = load(DEMOS / demo)
        base = median(Evaluator(graph).evaluate)
        report = compare_modes(graph)
        print(f"{demo:28s} forward mode {report.forward.passes} passes "
              f"{report.forward.seconds * 1000:7.1f} ms ({report.forward.seconds / base:6.0f}x "
              f"one evaluation), reverse mode {report.reverse.passes} passes "
              f"{report.reverse.seconds * 1000:7.1f} ms ({report.reverse.seconds / base:6.0f}x)")


if __name__ == "__main__":
    main()
