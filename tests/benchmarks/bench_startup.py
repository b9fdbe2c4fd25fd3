"""How long the editor takes to appear, and to open and draw a big file.

A script, not a test (``make bench`` runs it): it prints figures.

* Cold start: a fresh Python process imports the editor, builds the main
  window on the default demo and shows it; the time is from starting the
  process to the window having been painted once.  Median of 5.
* Open + draw: a generated file of 1,000 nodes (100 inputs, eight layers of
  100 binary ops each reading two nodes of the layer before, an add tree to
  a square as the output) is opened through File ▸ Open's code path — read, validate,
  build the scene, evaluate, label — and the canvas is fitted and painted.
  Median of 5, each on a window that has never seen the file.

Settings go to a temporary folder; the platform is ``offscreen`` unless
``QT_QPA_PLATFORM`` says otherwise.
"""
from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(ROOT))

RUNS = 5
LAYERS, WIDTH = 8, 100          # 100 + 800 + 99 adds + 1 square = 1,000 nodes

CHILD = r"""
import sys, time
sys.path.insert(0, {root!r})
from PySide6.QtCore import QTimer
from gui.app import application, create_window
from gui.settings import Settings
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


def make_big_graph(seed: int = 7):
    from core.graph import Graph
    rng = random.Random(seed)
    g = Graph()
    layer = []
    for i in range(WIDTH):
        node_id = f"x{i}"
        g.add_node(node_id, "input", value=rng.uniform(-1, 1), pos=(0, 90 * i))
        layer.append(node_id)
    for depth in range(1, LAYERS + 1):
        nxt = []
        for i in range(WIDTH):
            node_id = f"h{depth}_{i}"
            g.add_node(node_id, rng.choice(["add", "mul", "max", "sub"]),
                       pos=(220 * depth, 90 * i))
            g.connect(layer[i], node_id, 0)
            g.connect(layer[(i + 1) % WIDTH], node_id, 1)
            nxt.append(node_id)
        layer = nxt
    depth = LAYERS + 1
    while len(layer) > 1:                     # an add tree down to one output
        nxt = []
        for i in range(0, len(layer) - 1, 2):
            node_id = f"s{depth}_{i // 2}"
            g.add_node(node_id, "add", pos=(220 * depth, 180 * i))
            g.connect(layer[i], node_id, 0)
            g.connect(layer[i + 1], node_id, 1)
            nxt.append(node_id)
        if len(layer) % 2:
            nxt.append(layer[-1])
        layer = nxt
        depth += 1
    g.add_node("loss", "square", pos=(220 * depth, 0))
    g.connect(layer[0], "loss", 0)
    g.set_output("loss")
    return g


def main() -> int:
    from core import fileformat
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

        from gui.app import application, create_window
        from gui.settings import Settings
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
