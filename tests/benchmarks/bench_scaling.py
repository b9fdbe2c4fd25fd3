"""Scaling exponents: how the cost of bulk work grows with the graph.

A script, not a test (``make bench`` runs it): it prints figures.  Each piece
of work is timed at a size n and at 4n (CPU time, best of three alternating
rounds, each from a collected heap, the garbage collector otherwise as the
program leaves it) and the exponent ``log(t(4n)/t(n)) /
log 4`` printed: 1.0 is linear, 2.0 quadratic.  The target is at most 1.1.

* walking every step of a step-through, reading its view at each step (the
  core's stepper), and the same with the canvas following (scene states and
  tooltips, the document's shown numbers; no repaint), on a graph whose values
  all stay finite and on one whose values are nearly all inf or nan (see
  :func:`walks`);
* fresh ids for quick-add (``Graph.new_id`` then ``add_node``, one at a time)
  and for a paste (one allocator, many ids);
* a gradient check of 20 leaves (one compiled plan, the leaves nudged in place)
  as the graph grows;
* ``Graph.copy``, the program parser, and reading a ``.cgraph`` file.
"""
from __future__ import annotations

import gc
import math
import os
import random
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from chainrule.core import fileformat  # noqa: E402
from chainrule.core.gradcheck import check_gradients  # noqa: E402
from chainrule.core.graph import Graph  # noqa: E402
from chainrule.core.program import parse_program  # noqa: E402
from chainrule.core.stepper import Stepper  # noqa: E402


#: The ops of ``layered``'s layers, by the kind of numbers wanted: "mixed" (sums and
#: products of numbers in (-1, 1): they overflow after a few dozen layers, so the
#: share of inf and nan grows with the graph), "finite" (products, max and min of
#: numbers in (-1, 1): every value and gradient stays finite at every size) and
#: "overflowing" (the mixed ops on inputs of 1e300: every value inf or nan at
#: every size).
KINDS = {"mixed": (("add", "mul", "sub", "max"), 1.0),
         "finite": (("mul", "max", "min"), 1.0),
         "overflowing": (("add", "mul", "sub", "max"), 1e300)}


def layered(n: int, width: int = 50, seed: int = 1, kind: str = "mixed") -> Graph:
    """``width`` inputs, layers of binary ops reading two nearby nodes of the layer
    before, then an add chain to one output: about ``n`` nodes (``kind``: see
    :data:`KINDS`)."""
    rng = random.Random(seed)
    layer_ops, scale = KINDS[kind]
    g = Graph()
    prev = []
    for i in range(width):
        g.add_node(f"x{i}", "input", value=scale * rng.uniform(-1, 1), pos=(0, 110 * i))
        prev.append(f"x{i}")
    layer = 0
    while len(g) + width * 2 < n:
        layer += 1
        cur = []
        for i in range(width):
            nid = f"n{layer}_{i}"
            g.add_node(nid, rng.choice(layer_ops), pos=(220 * layer, 110 * i))
            g.connect(prev[i], nid, 0)
            g.connect(prev[(i + rng.choice((-1, 1))) % width], nid, 1)
            cur.append(nid)
        prev = cur
    acc = prev[0]
    for k, p in enumerate(prev[1:]):
        g.add_node(f"s{k}", "add", pos=(220 * (layer + 1), 110 * k))
        g.connect(acc, f"s{k}", 0)
        g.connect(p, f"s{k}", 1)
        acc = f"s{k}"
    g.set_output(acc)
    return g


def timed(fn, make) -> float:
    """CPU time of one ``fn(make())`` (this process only: steadier than the wall
    clock on a busy machine; the work is single-threaded).  The previous round's
    garbage is collected first, so it is not collected inside this one's timing."""
    arg = make()
    gc.collect()
    t0 = time.process_time()
    fn(arg)
    return time.process_time() - t0


def walk_core(g: Graph) -> None:
    s = Stepper(g)
    while s.step():
        s.view()
        s.shown()


_APP = None


def scene_walker():
    """The controller, the scene and the document, as the editor wires them."""
    global _APP
    from PySide6.QtWidgets import QApplication
    from chainrule.gui.canvas.view import CanvasView
    from chainrule.gui.document import Document
    from chainrule.gui.stepper_controller import StepperController
    _APP = QApplication.instance() or QApplication(sys.argv)

    def make(n_or_graph, made: bool = True):
        doc = Document(layered(n_or_graph) if isinstance(n_or_graph, int) else n_or_graph)
        doc.evaluate_now()
        view = CanvasView(doc)
        if made:
            # From 2,000 wires the scene makes its items on first use, and idle time
            # makes the rest within seconds of opening.  A walk started before that
            # makes them as it goes (once, about as long as building them eagerly):
            # timed at 4n only and not at n, that is not the walk's growth.
            view.scene().nodes.make_all()
            view.scene().wires.make_all()
        return StepperController(doc, view.scene()), view

    def walk(pair):
        controller, _view = pair
        while controller.step():
            pass
    return make, walk


def quick_add(m: int) -> None:
    g = Graph()
    for _ in range(m):
        g.add_node(g.new_id("add"), "add")


def paste_ids(m: int) -> None:
    g = Graph()
    for i in range(m):
        g.add_node(f"x{i}", "input", value=1.0)
    ids = g.id_allocator()
    for i in range(m):
        ids.keep_or_renumber(f"x{i}")


def gradcheck20(g: Graph) -> None:
    leaves = [n.id for n in g.nodes() if n.spec.is_leaf][:20]
    check_gradients(g, leaves)


def program(n: int) -> str:
    return "".join(f"x{i} = {i % 9} + w{i} * {i % 5}\n" for i in range(n))


def report(name: str, n: int, t1: float, t4: float) -> None:
    k = math.log(t4 / t1) / math.log(4)
    flag = "" if k <= 1.1 else "   (above 1.1)"
    print(f"{name:42s} n={n:>6,}: {t1 * 1e3:8.1f} ms  4n: {t4 * 1e3:9.1f} ms  "
          f"exponent {k:4.2f}{flag}", flush=True)


def scaling(name: str, n: int, fn, make, repeat: int = 3) -> None:
    """Best of ``repeat`` rounds, each timing n then 4n (alternating, so a burst of
    load on the machine hits both sizes alike)."""
    small, big = [], []
    for _ in range(repeat):
        small.append(timed(fn, lambda: make(n)))
        big.append(timed(fn, lambda: make(4 * n)))
    report(name, n, min(small), min(big))


def walks(n: int, core: bool = True) -> None:
    """The step-through walks on graphs whose share of inf and nan does not change
    with their size (every value finite, or nearly every one inf or nan): on the
    "mixed" graph the share grows from none at 1,000 nodes to most at 4,000, which
    times a different mix of work at the two sizes, not the walk's growth.  Five
    rounds: the figures swing most here (the collector, the caches)."""
    make_scene, walk_scene = scene_walker()
    for kind in ("finite", "overflowing"):
        def graph(n, kind=kind):
            return layered(n, kind=kind)
        if core:
            scaling(f"step-through walk, core, {kind}", n, walk_core, graph, repeat=5)
        scaling(f"step-through walk, canvas, {kind}", n, walk_scene,
                lambda n, graph=graph: make_scene(graph(n)), repeat=5)
    at_once = min(timed(walk_scene, lambda: make_scene(layered(4 * n, kind="finite"), False))
                  for _ in range(3))
    made = min(timed(walk_scene, lambda: make_scene(layered(4 * n, kind="finite")))
               for _ in range(3))
    print(f"  a walk of {4 * n:,} nodes started at once after opening (items made as it "
          f"goes): {at_once * 1e3:.0f} ms; once idle time has made them: {made * 1e3:.0f} ms")


def main() -> None:
    print("Scaling exponents (time at n and 4n; 1.0 = linear, target <= 1.1)")
    walks(1_000)
    scaling("quick-add ids (new_id + add_node)", 2_000, quick_add, lambda n: n)
    scaling("paste ids (one allocator)", 5_000, paste_ids, lambda n: n)
    # as the walks: the "mixed" graph is finite at 2,000 nodes and mostly inf or nan at
    # 8,000, where the check takes its careful path (that gave an exponent of 1.44)
    for kind in ("finite", "overflowing"):
        scaling(f"gradient check, 20 leaves, {kind}", 2_000, gradcheck20,
                lambda n, kind=kind: layered(n, kind=kind))
    scaling("Graph.copy", 10_000, Graph.copy, layered)
    scaling("parse a program", 2_500, parse_program, program)
    with tempfile.TemporaryDirectory() as tmp:
        def saved(n):
            path = os.path.join(tmp, f"g{n}.cgraph")
            if not os.path.exists(path):
                fileformat.save(layered(n), path)
            return path
        scaling("read a .cgraph file", 10_000, fileformat.load, saved)


if __name__ == "__main__":
    main()
