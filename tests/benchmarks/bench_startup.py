"""How long the editor takes to appear, and to open and draw a big file.

A script, not a test (``make bench`` runs it): it prints figures.

* Cold start: a fresh Python process imports the editor, builds the main
  window on the default demo and shows it; the time is from starting the
  process to the window having been painted once.  Median of 5.
* Open + draw: the 999-node graph of ``big_graph.py`` (the canvas benchmark's),
  saved to a file, is opened through File ▸ Open's code path — read, validate,
  build the scene, evaluate, label — and the canvas is fitted and painted.
  Median of 5, each on a window that has never seen the file.

Settings go to a temporary folder; the platform is ``offscreen`` unless
``QT_QPA_PLATFORM`` says otherwise.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from big_graph import make_big_graph  # noqa: E402  (beside this script)

RUNS = 5

CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer
from chainrule.gui.app import application, create_window
from chainrule.gui.settings import Settings
app = application()
window, _ = create_window(None, Settings({settings!r}))
window.show()
def done():
    window.repaint()
    app.processEvents()
    print("shown", flush=True)
    window.document.undo_stack.setClean()
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def cold_start(settings_dir: str) -> float:
    code = CHILD.format(root=str(ROOT), settings=settings_dir)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    elapsed = time.perf_counter() - start
    if "shown" not in proc.stdout:
        raise SystemExit(f"the editor did not start:\n{proc.stderr}")
    return elapsed


def main() -> int:
    from chainrule.core import fileformat
    with tempfile.TemporaryDirectory() as tmp:
        times = [cold_start(tmp) for _ in range(RUNS)]
        print(f"cold start to a shown window: median {statistics.median(times) * 1000:.0f} ms "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; {RUNS} runs)")

        graph = make_big_graph()
        path = Path(tmp) / "big.cgraph"
        fileformat.save(graph, path)
        print(f"generated file: {len(graph)} nodes, {len(graph.edges())} wires, "
              f"{path.stat().st_size // 1024} KiB")

        from PySide6.QtWidgets import QApplication

        from chainrule.gui.app import application, create_window
        from chainrule.gui.settings import Settings
        app = application()
        opens, reads = [], []
        for _ in range(RUNS):
            window, _ = create_window(None, Settings(tmp))
            window.resize(1280, 800)
            window.show()
            app.processEvents()
            t0 = time.perf_counter()
            fileformat.load(path)
            reads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            assert window.files.open(path)
            window.document.evaluate_now()
            window.canvas.fit_all()
            window.canvas.viewport().repaint()
            app.processEvents()
            opens.append(time.perf_counter() - t0)
            assert len(window.document.graph) == len(graph)
            window.document.undo_stack.setClean()
            window.close()
            window.deleteLater()
            QApplication.processEvents()
        print(f"read + validate the file alone: median {statistics.median(reads) * 1000:.0f} ms")
        print(f"open + draw the file in the window: median "
              f"{statistics.median(opens) * 1000:.0f} ms (min {min(opens) * 1000:.0f}, "
              f"max {max(opens) * 1000:.0f}; {RUNS} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
