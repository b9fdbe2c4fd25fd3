"""How fast the canvas is on a big graph: build, and edit → evaluate → relabel → repaint.

A script, not a test (``make bench`` runs it): it prints figures.  The graph
is generated: 100 inputs, eight layers of 100 binary ops each reading two
nodes of the layer before, and an ``add`` tree summing the last layer into
one output — about 1,000 nodes and 1,800 wires, every wire on the path to
the output so every label carries a gradient.

One "frame" is what a value edit costs the user: push ``SetNodeField`` on an
input, evaluate (forward and backward), relabel, and repaint the viewport
synchronously.  It is timed at 100 % zoom and zoomed out to fit the whole
graph, median of several runs.
"""
from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402

from chainrule.gui.canvas.view import CanvasView  # noqa: E402
from chainrule.gui.commands import SetNodeField  # noqa: E402
from chainrule.gui.document import Document  # noqa: E402
from big_graph import make_big_graph  # noqa: E402  (beside this script)

RUNS = 15


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms (min {min(samples) * 1000:.1f}, " \
           f"max {max(samples) * 1000:.1f})"


def frame(app, doc: Document, view: CanvasView, value: float) -> float:
    start = time.perf_counter()
    doc.push(SetNodeField(doc, "x0", "value", value))
    doc.evaluate_now()             # what the coalescing timer does on the next turn
    view.viewport().repaint()
    return time.perf_counter() - start


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    graph = make_big_graph()
    print(f"graph: {len(graph)} nodes, {len(graph.edges())} wires")

    builds = []
    for _ in range(3):
        doc = Document(make_big_graph())
        start = time.perf_counter()
        view = CanvasView(doc)
        builds.append(time.perf_counter() - start)
        view.deleteLater()
    print(f"build the scene (CanvasView(document)):  {median_ms(builds)}")

    doc = Document(graph)
    window = QMainWindow()
    view = CanvasView(doc)
    window.setCentralWidget(view)
    window.resize(1400, 900)
    window.show()
    app.processEvents()

    evals = []
    for i in range(RUNS):
        start = time.perf_counter()
        doc.push(SetNodeField(doc, "x0", "value", 0.1 * i))
        doc.evaluate_now()
        evals.append(time.perf_counter() - start)
    print(f"edit + evaluate only (no repaint):       {median_ms(evals)}")

    for label, setup in (("100 % zoom", lambda: (view.set_zoom(1.0), view.centerOn(660, 2000))),
                         ("zoomed out to fit", view.fit_all)):
        setup()
        app.processEvents()
        view.viewport().repaint()            # warm caches
        shown = sum(1 for item in view.items(view.viewport().rect()))
        samples = [frame(app, doc, view, 0.01 * i) for i in range(RUNS)]
        print(f"edit → evaluate → relabel → repaint, {label:17s} (zoom {view.zoom():.3f}, "
              f"{shown} items on screen): {median_ms(samples)}")
        repaints = []
        for _ in range(RUNS):
            start = time.perf_counter()
            view.viewport().repaint()
            repaints.append(time.perf_counter() - start)
        print(f"    repaint alone:                       {median_ms(repaints)}")
        worst = []
        for i in range(RUNS):
            # a new precision gives every visible label a text never laid out before
            start = time.perf_counter()
            view.set_precision(3 + i % 2 + 2 * (i % 3 == 0))
            view.viewport().repaint()
            worst.append(time.perf_counter() - start)
        view.set_precision(4)
        print(f"    every visible label new (precision): {median_ms(worst)}")
    drag_node(app, view)
    window.close()


def drag_node(app, view: CanvasView) -> None:
    """One mouse move of a node drag: the card moves, its wires follow, one repaint
    (what the move gesture does per event; the model is written once, on release)."""
    view.set_zoom(1.0)
    item = view.graph_scene.nodes["n2_10"]
    view.centerOn(item)
    app.processEvents()
    start_pos = item.pos()
    samples = []
    for i in range(RUNS):
        start = time.perf_counter()
        item.setPos(start_pos.x() + 3 * i, start_pos.y() + 2 * i)
        view.viewport().repaint()
        samples.append(time.perf_counter() - start)
    item.setPos(start_pos)
    wires = sum(1 for e in view.graph_scene.wires if "n2_10" in (e.src, e.dst))
    print(f"drag a node ({wires} wires), per mouse move at 100 % zoom: {median_ms(samples)}")


if __name__ == "__main__":
    main()
