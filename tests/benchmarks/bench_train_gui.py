"""Training speed in the editor: Run N steps through the Train panel, plot and canvas updating.

The issue asks for at least 1,000 steps per second on a scalar MLP with the
loss plot updating.  This runs the real window (offscreen by default; under
a display when ``QT_QPA_PLATFORM`` says so), opens a graph, shows the Train
panel, clicks Run and waits until the run ends, so the figure includes
everything a learner's run pays for: the timed chunks, the canvas relabelling
after every chunk, the inspector, the progress bar and the throttled plot.

Graphs: the demo ``05-two-layer`` (scalars, 11 parameters) and scalar MLPs
built the way a learner wires them (one node per weight, product and sum;
tanh hidden units), from :mod:`bench_training`.

Run: ``make bench`` (or ``python tests/benchmarks/bench_train_gui.py``).
Prints figures; asserts nothing.
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from bench_training import scalar_mlp  # noqa: E402
from chainrule.core.fileformat import load  # noqa: E402
from chainrule.core.training import parameters  # noqa: E402

DEMOS = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "demos")
STEPS = 30000
REPEATS = 3


def make_window():
    from chainrule.gui.main_window import MainWindow
    from chainrule.gui.settings import Settings
    settings_dir = tempfile.mkdtemp(prefix="chainrule-bench-")
    os.environ["CHAINRULE_SETTINGS_DIR"] = settings_dir
    window = MainWindow(Settings(settings_dir))
    window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    window.resize(1600, 1000)
    window.show()
    window.learning.show_train_panel()
    return window


def run_once(app, window, graph, steps: int, lr: float) -> tuple[float, int, int]:
    """(steps per second, plot redraws, chunks) of one Run of ``steps`` on a fresh copy."""
    window.document.set_graph(graph.copy())
    window.canvas.fit_all()
    app.processEvents()
    panel = window.learning.train_panel
    redraws = [0]
    original = panel._redraw_plot

    def counting(*args):
        redraws[0] += 1
        original(*args)
    panel._redraw_plot = counting
    panel.lr_spin.setValue(lr)
    panel.steps_spin.setValue(steps)
    chunks = [0]
    chunk = panel._chunk

    def counting_chunk():
        chunks[0] += 1
        chunk()
    panel._chunk_timer.timeout.disconnect()
    panel._chunk_timer.timeout.connect(counting_chunk)
    start = time.perf_counter()
    panel.run_button.click()
    while panel.running:
        app.processEvents()
    seconds = time.perf_counter() - start
    panel._chunk_timer.timeout.disconnect()
    panel._chunk_timer.timeout.connect(chunk)
    panel._redraw_plot = original
    assert len(panel.trainer.history) == steps, "the run stopped early"
    return steps / seconds, redraws[0], chunks[0]


def main() -> None:
    app = QApplication.instance() or QApplication([])
    window = make_window()
    graphs = [
        ("05-two-layer (demo, scalars)", load(os.path.join(DEMOS, "05-two-layer.cgraph")),
         0.001),
        ("scalar MLP 2-3-1", scalar_mlp([2, 3, 1]), 0.01),
        ("scalar MLP 3-4-4-1", scalar_mlp([3, 4, 4, 1]), 0.01),
    ]
    platform = os.environ.get("QT_QPA_PLATFORM")
    print(f"Run {STEPS:,} steps in the editor, plot updating (median of {REPEATS}; "
          f"Qt platform {platform})")
    print(f"{'graph':<32}{'nodes':>6}{'params':>7}{'steps/s':>10}{'redraws':>9}"
          f"{'chunks':>8}")
    for name, graph, lr in graphs:
        results = [run_once(app, window, graph, STEPS, lr) for _ in range(REPEATS)]
        rate = statistics.median(r[0] for r in results)
        redraws = statistics.median(r[1] for r in results)
        chunks = statistics.median(r[2] for r in results)
        print(f"{name:<32}{len(graph):>6}{len(parameters(graph)):>7}{rate:>10,.0f}"
              f"{redraws:>9.0f}{chunks:>8.0f}")
    window.close()
    shutil.rmtree(os.environ["CHAINRULE_SETTINGS_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
