"""The editor on big graphs: building the scene, opening a file in the window, a
value edit repainted at fit-all, on about 5,000 and 10,000 nodes; and the
step-through walked with the canvas following, as an exponent.

A script, not a test (``make bench`` runs it): it prints figures.  The graphs are
``big_graph.make_big_graph`` made wider (10 layers of 400 or 830 binary ops and
their add tree: 4,799 and 9,959 nodes), so fit-all shows every card far below the
readable zoom.  Building the scene is ``CanvasView(document)`` (median of 3, also
per 5,000 nodes); opening is ``files.open`` in a shown window through the first
evaluation and a synchronous repaint (median of 3).  A "frame" is what a value
edit costs: push ``SetNodeField``, evaluate, repaint the viewport synchronously
(median of several).  The pixmap cache's limit is printed beside the figures.
The walk is ``bench_scaling``'s (controller, scene and document, no repaint) at n
and 4n nodes (2,000 and 8,000).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QPixmapCache  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from chainrule.core import fileformat  # noqa: E402
from chainrule.gui.canvas.view import CanvasView  # noqa: E402
from chainrule.gui.commands import SetNodeField  # noqa: E402
from chainrule.gui.document import Document  # noqa: E402
from chainrule.gui.main_window import MainWindow  # noqa: E402
from chainrule.gui.settings import Settings  # noqa: E402
from big_graph import make_big_graph  # noqa: E402  (beside this script)

RUNS = 9
WIDTHS = (400, 830)        # 4,799 and 9,959 nodes


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e3:7.1f} ms (min {min(samples) * 1e3:.1f})"


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHAINRULE_SETTINGS_DIR"] = tmp
        for width in WIDTHS:
            graph = make_big_graph(layers=10, width=width)
            n = len(graph)
            builds = []
            for _ in range(3):
                doc = Document(make_big_graph(layers=10, width=width))
                start = time.perf_counter()
                view = CanvasView(doc)
                builds.append(time.perf_counter() - start)
                view.deleteLater()
                app.processEvents()
            print(f"{n:,} nodes: build the scene {ms(builds)} "
                  f"({statistics.median(builds) / n * 5000:.2f} s per 5,000 nodes)", flush=True)
            path = os.path.join(tmp, f"big{n}.cgraph")
            fileformat.save(graph, path)
            opens = []
            for k in range(3):
                if k:
                    window.document.undo_stack.setClean()
                    window.close()
                    window.deleteLater()
                    app.processEvents()
                window = MainWindow(Settings(tmp))
                window.resize(1400, 900)
                window.show()
                app.processEvents()
                start = time.perf_counter()
                window.files.open(path, ask=False)
                window.document.evaluate_now()
                app.processEvents()
                window.canvas.viewport().repaint()
                opens.append(time.perf_counter() - start)
            print(f"{n:,} nodes: open the file in the window, evaluated and painted: "
                  f"{statistics.median(opens):.2f} s (min {min(opens):.2f})", flush=True)
            view, doc = window.canvas, window.document
            view.fit_all()
            app.processEvents()
            view.viewport().repaint()
            view.viewport().repaint()
            frames = []
            for i in range(RUNS):
                start = time.perf_counter()
                doc.push(SetNodeField(doc, "x0", "value", 0.01 * i))
                doc.evaluate_now()
                view.viewport().repaint()
                frames.append(time.perf_counter() - start)
            print(f"{n:,} nodes: value edit → repaint at fit-all (zoom {view.zoom():.3f}): "
                  f"{ms(frames)}; pixmap cache limit {QPixmapCache.cacheLimit() / 1024:.0f} MiB",
                  flush=True)
            window.document.undo_stack.setClean()      # closing asks nothing
            window.close()
            window.deleteLater()
            app.processEvents()
    walk()


def walk() -> None:
    """The step-through walked with the canvas following, at n and 4n nodes
    (``bench_scaling.walks``: a finite graph and an overflowing one)."""
    from bench_scaling import walks
    walks(2_000, core=False)


if __name__ == "__main__":
    main()
