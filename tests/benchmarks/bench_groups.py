"""Big graphs stay readable: a scalar MLP 8-32-32-1 written as a program, grouped by
layer in one action, opened in the editor.

A script, not a test (``make bench`` runs it): it prints seconds, and the grouped
opening as a ratio against opening the same graph without groups, measured in
the same process.  The goal is under a second to open it grouped.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from chainrule.core import groups as gm  # noqa: E402
from chainrule.core.program import parse_program  # noqa: E402
from chainrule.gui.canvas.view import CanvasView  # noqa: E402
from chainrule.gui.document import Document  # noqa: E402

SIZES = (8, 32, 32, 1)
RUNS = 3


def mlp_program(seed: int = 1) -> str:
    """One line per neuron: h = tanh(w·x + b) with the numbers written in."""
    rng = random.Random(seed)
    lines = [f"x{i} = {rng.uniform(-1, 1):.3f}" for i in range(SIZES[0])]
    names = [f"x{i}" for i in range(SIZES[0])]
    for k, width in enumerate(SIZES[1:], 1):
        new = []
        for j in range(width):
            terms = " + ".join(f"{rng.uniform(-1, 1):.3f}*{n}" for n in names)
            expr = f"{terms} + {rng.uniform(-0.5, 0.5):.3f}"
            last = k == len(SIZES) - 1
            lines.append(f"h{k}_{j} = " + (expr if last else f"tanh({expr})"))
            new.append(f"h{k}_{j}")
        names = new
    lines.append(f"L = ({names[0]} - 1.0) ** 2")
    return "\n".join(lines)


def median_s(samples: list[float]) -> float:
    return statistics.median(samples)


def open_time(app, graph) -> float:
    graph = graph.copy()
    start = time.perf_counter()
    doc = Document(graph)
    view = CanvasView(doc)
    view.resize(1200, 800)
    view.fit_all()
    app.processEvents()
    took = time.perf_counter() - start
    view.deleteLater()
    doc.deleteLater()
    app.processEvents()
    return took


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    text = mlp_program()
    start = time.perf_counter()
    graph = parse_program(text).graph
    print(f"parse the program: {time.perf_counter() - start:.3f} s; "
          f"{len(graph)} cards, {len(graph.edges())} wires")
    start = time.perf_counter()
    grouped = graph.copy()
    for group in gm.layer_groups(grouped):
        gm.add_group(grouped, group)
    print(f"Group by layer: {time.perf_counter() - start:.3f} s; "
          f"{len(grouped.groups)} groups "
          f"({', '.join(str(len(g.nodes)) for g in grouped.groups.values())} cards)")
    plain = median_s([open_time(app, graph) for _ in range(RUNS)])
    folded = median_s([open_time(app, grouped) for _ in range(RUNS)])
    print(f"open without groups: {plain:.3f} s")
    print(f"open grouped (each layer collapsed): {folded:.3f} s "
          f"= {folded / plain:.2f}x the ungrouped opening; goal < 1 s: "
          f"{'met' if folded < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
