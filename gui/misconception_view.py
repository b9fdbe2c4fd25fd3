"""The misconception toggles: what a program with one mistake computes, beside the right numbers.

Each entry of :data:`chainrule.core.misconception.LIBRARY` (value instead of
gradient, overwrite at forks, upstream dropped, ReLU masked by the gradient,
σ′ on the gradient, bias not summed, W⁻¹ for Wᵀ, gradients not zeroed) is a
toggle; one is on at a time.  For every entry but the overwrite, every node
whose gradient the wrong program gets wrong has a purple pill ``✗ 1.462
(right 0.3932)`` with the mistake in its tooltip.  The overwrite entry keeps
its own fuller view:

The most common bug of hand-written backprop is ``grads[x] = g`` where it
should be ``grads[x] += g``: at a node that feeds several wires (a fork) only
the contribution written last survives.  With the toggle on, the canvas
keeps the right gradients and adds, in purple, what that buggy program
computes (:func:`chainrule.core.misconception.overwrite_pass`, the engine's own plan
and vector-Jacobian products with the one assignment changed):

* under every wire whose gradient the buggy program gets wrong, a third line
  ``overwrite: −2``; under a wire whose contribution is overwritten at its
  fork, ``overwrite: lost``;
* under every fork, a pill with the gradient the buggy program keeps
  (``= keeps −2 (right −1)``), or ``fork: = would be right here`` when the
  last contribution happens to be the whole sum; under every other node it
  gets wrong, ``overwrite: …``.

The status bar explains it in one sentence.  The marks follow the document's
current evaluation, like the labels: during a step-through only the wires and
nodes whose gradient the steps have reached get their purple numbers.  The
overwrite program is run once per evaluation of the graph, not once per step.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject

from chainrule.core.engine import Evaluation
from chainrule.core.errors import ChainruleError
from chainrule.core.graph import Edge
from chainrule.core.misconception import LIBRARY, fork_nodes, overwrite_pass, unzeroed_training
from chainrule.core.stepper import NOT_YET
from chainrule.gui.canvas import style

MARK = "fork"
EXPLANATION = ("Overwrite instead of add: purple numbers are what a backward pass that writes "
               "grads[x] = g instead of grads[x] += g computes — at a fork only the "
               "contribution written last survives.")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


def overwrite_annotations(graph, evaluation: Evaluation, fmt) -> tuple[dict, dict]:
    """(wire texts, node marks) for the overwrite program; ``fmt`` formats a number.

    Wire texts: edge → "overwrite: …" where its gradient differs, "overwrite: lost"
    where its contribution is overwritten at its fork.  Node marks: id → (text, tooltip).
    """
    wrong = overwrite_pass(evaluation)
    wires: dict[Edge, str] = {}
    for edge in graph.edges():
        try:
            right = evaluation.edge_grad(edge)
        except (KeyError, IndexError, TypeError):
            continue
        bad = wrong.edge_grads.get(edge)
        parts = []
        if edge in wrong.edge_grads and not _same(right, bad):
            parts.append(fmt(bad))
        if edge in wrong.lost.get(edge.src, ()):
            parts.append("lost")
        if parts:
            wires[edge] = "overwrite: " + ", ".join(parts)
    nodes: dict[str, tuple[str, str]] = {}
    forks = set(fork_nodes(graph))
    for node_id in graph.node_ids():
        if node_id not in wrong.grads:
            continue
        right, bad = evaluation.grad(node_id), wrong.grads[node_id]
        if node_id in forks:
            kept = wrong.kept.get(node_id)
            lost = wrong.lost.get(node_id, [])
            via = f"only the wire into {kept.dst} counts" if kept else ""
            dropped = ", ".join(e.dst for e in lost)
            tip = (f"Fork: {node_id} feeds {len(lost) + 1} wires. Written with '=' its "
                   f"gradient is overwritten by each wire in turn, so {via}; the "
                   f"contributions through {dropped} are lost. Right (+=): {fmt(right)}; "
                   f"overwrite (=): {fmt(bad)}.")
            if _same(right, bad):
                nodes[node_id] = ("fork: = would be right here", tip)
            else:
                nodes[node_id] = (f"= keeps {fmt(bad)} (right {fmt(right)})", tip)
        elif not _same(right, bad):
            nodes[node_id] = (f"overwrite: {fmt(bad)}",
                              f"The overwrite program gives {node_id} the gradient {fmt(bad)} "
                              f"instead of {fmt(right)}: it inherits the error of a fork "
                              f"downstream.")
    return wires, nodes


def library_annotations(key: str, graph, evaluation: Evaluation, fmt) -> dict:
    """Node id → (pill text, tooltip) where misconception ``key``'s program differs."""
    entry = LIBRARY[key]
    wrong = entry.gradients(graph, evaluation)
    marks = {}
    for node_id, bad in wrong.items():
        right = evaluation.grad(node_id) if node_id in graph else None
        if _same(right, bad):
            continue
        marks[node_id] = (f"✗ {fmt(bad)} (right {fmt(right)})",
                          f"{entry.title}: {entry.explanation} For {node_id} that program "
                          f"computes {fmt(bad)}; the right gradient is {fmt(right)}.")
    return marks


class MisconceptionView(QObject):
    """Shows the overwrite program's numbers on ``scene`` while enabled."""

    def __init__(self, document, scene, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.scene = scene
        self.enabled = False
        self.key = "overwrite"          # which entry of the library the toggle shows
        self.wrong_count = 0
        # (evaluation, precision) → (wire texts, node marks): the full pass's annotations
        self._annotated: tuple | None = None
        document.current_evaluation_changed.connect(self.refresh)
        document.graph_replaced.connect(self._refresh)

    def set_misconception(self, key: str | None) -> None:
        """Show the library's entry ``key`` (None: none)."""
        if key is None:
            self.set_enabled(False)
            return
        self.key = key
        self._annotated = None
        self.set_enabled(True)

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self._refresh()
        if self.enabled and self.key != "overwrite":
            entry = LIBRARY[self.key]
            n = self.wrong_count
            self.document.message.emit(
                f"{entry.title}: {entry.explanation} Purple: what that program computes; "
                f"{n} node{'s' * (n != 1)} get a wrong gradient here." + self._growth())
        elif self.enabled:
            forks = len(fork_nodes(self.document.graph))
            tail = (f" This graph has {forks} fork{'s' * (forks != 1)}; "
                    f"{self.wrong_count} node{'s' * (self.wrong_count != 1)} get a wrong gradient."
                    if forks else " This graph has no fork: both programs agree.")
            self.document.message.emit(EXPLANATION + tail)

    def _growth(self) -> str:
        """For the gradients not zeroed: how the step grows, step after step."""
        if self.key != "not_zeroed":
            return ""
        try:
            steps = unzeroed_training(self.document.graph, steps=5)
        except (ChainruleError, ValueError, ArithmeticError):
            return ""
        if not steps or not steps[0].right:
            return " (no trainable inputs here: mark some Trainable)"

        def size(grads) -> str:
            return self.scene.format(sum(float(np.sum(np.abs(g))) for g in grads.values()))
        used = ", ".join(size(s.used) for s in steps)
        right = ", ".join(size(s.right) for s in steps)
        return (f" Over 5 steps the summed |gradient| used is {used}; zeroed, it would be "
                f"{right}.")

    def refresh(self, *_args) -> None:
        """Follow the current evaluation (an edit, a move of the step-through) while enabled."""
        if self.enabled:
            self._refresh()

    def _refresh(self, *_args) -> None:
        scene = self.scene
        # The overwrite program needs the whole pass; what is shown of it is what the
        # current evaluation shows of the right gradients (all of them, or a step's).
        evaluation = self.document.evaluation
        current = self.document.current_evaluation()
        if not self.enabled or evaluation.error is not None or evaluation.grads is None:
            self._annotated = None
            scene.set_wire_extras({})
            scene.set_node_marks(MARK, {})
            self.wrong_count = 0
            return
        wires, nodes = self._annotations(evaluation)
        if current is not evaluation:
            wires = {e: text for e, text in wires.items() if _reached(current.edge_grad, e)}
            nodes = {n: mark for n, mark in nodes.items() if _reached(current.grad, n)}
        scene.set_wire_extras(wires)
        color = style.MISCONCEPTION
        scene.set_node_marks(MARK, {n: (text, color, tip) for n, (text, tip) in nodes.items()})
        self.wrong_count = sum(1 for text, _ in nodes.values() if not text.startswith("fork:"))

    def marks(self) -> dict[str, str]:
        """Node id → the pill shown now (for tests and the status line)."""
        return {n: item.mark_text(MARK) for n, item in self.scene.nodes.items()
                if item.mark_text(MARK) is not None}

    def _annotations(self, evaluation: Evaluation) -> tuple[dict, dict]:
        cached = self._annotated
        precision = self.scene.precision
        if cached is not None and cached[0] is evaluation and cached[1] == precision:
            return cached[2]
        try:
            if self.key == "overwrite":
                result = overwrite_annotations(self.document.graph, evaluation,
                                               self.scene.format)
            else:
                result = {}, library_annotations(self.key, self.document.graph, evaluation,
                                                 self.scene.format)
        except (ChainruleError, ValueError, ArithmeticError, np.linalg.LinAlgError):
            result = {}, {}
        self._annotated = (evaluation, precision, result)
        return result


def _reached(lookup, key) -> bool:
    """Whether the current evaluation shows this gradient (a step-through has reached it)."""
    try:
        grad = lookup(key)
    except (KeyError, IndexError, TypeError):
        return False
    return grad is not None and grad is not NOT_YET
