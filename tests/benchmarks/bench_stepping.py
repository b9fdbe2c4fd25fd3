"""How fast a step of the step-through is in the editor, on the 1,000-node graph.

A script, not a test (``make bench`` runs it): it prints figures.  One "move"
is what an arrow key costs the user: the controller moves one step, every view
that follows the step-through (canvas labels and states, inspector, chain-rule
panel, and — in the second run — the gradient-flow and overwrite-at-forks
views) catches up, and the viewport is repainted synchronously.  Moves are
timed forward through the whole forward pass and into the backward pass, and
back again, at 100 % zoom and zoomed out to fit the graph; medians of all
moves, in CPU time.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from chainrule.gui.main_window import MainWindow  # noqa: E402
from chainrule.gui.settings import Settings  # noqa: E402
from big_graph import make_big_graph  # noqa: E402  (beside this script)

MOVES = 80


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.2f} ms (min {min(samples) * 1000:.2f}, " \
           f"max {max(samples) * 1000:.2f})"


def moves(app, window, move, n: int) -> list[float]:
    """CPU time of each move (this process only: steadier than the wall clock on a
    busy machine; the work is single-threaded, so the two agree on a quiet one)."""
    viewport = window.canvas.viewport()
    samples = []
    for _ in range(n):
        start = time.process_time()
        move()
        viewport.repaint()
        samples.append(time.process_time() - start)
    return samples


def run(app, window, label: str) -> None:
    c = window.step_through.controller
    canvas = window.canvas
    for zoom, setup in (("100 % zoom", lambda: (canvas.set_zoom(1.0), canvas.centerOn(660, 2000))),
                        ("zoomed out to fit", canvas.fit_all)):
        c.leave()
        setup()
        app.processEvents()
        c.jump(max(0, c.n_forward - MOVES // 2))
        canvas.viewport().repaint()
        forward = moves(app, window, c.step, MOVES)     # end of forward, start of backward
        back = moves(app, window, c.back, MOVES)
        print(f"{label:28s} {zoom:17s} step →: {median_ms(forward)}   step ←: {median_ms(back)}")
    c.leave()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as settings_dir:
        os.environ["CHAINRULE_SETTINGS_DIR"] = settings_dir
        window = MainWindow(Settings(settings_dir))
        window.resize(1400, 900)
        window.show()
        window.document.set_graph(make_big_graph())
        window.document.evaluate_now()
        app.processEvents()
        graph = window.document.graph
        print(f"graph: {len(graph)} nodes, {len(graph.edges())} wires")
        window.canvas.select_nodes(["n4_50"])          # the inspector follows the steps too
        app.processEvents()
        run(app, window, "labels, states, inspector")
        window.learning.set_flow_view(True)
        window.learning.set_misconception(True)
        app.processEvents()
        run(app, window, "+ flow and overwrite views")
        window.close()


if __name__ == "__main__":
    main()
