"""Forward mode against reverse mode on one graph: "why does backpropagation run backward?"

To get the derivative of the output with respect to every input, forward mode
needs one pass per input element (seed that element's tangent with 1, read
the output's tangent: one column of the Jacobian), reverse mode one pass per
output element (seed that element of the output with 1, read every input's
gradient: one row) — a single pass for a scalar loss.  :func:`compare_modes`
runs both, really, and counts:

* **passes**: how many tangent or gradient passes each mode ran (both also
  need the one forward pass that computes the values);
* **multiplications**: by a local derivative, what the chain rule does at
  every step: per pass and per node, for each port whose local derivative
  is not ±1 (``add``, ``sub``, ``neg``, ``sum`` only add), one multiplication
  per element of the product — the output's size in forward mode, the larger
  of the output's and the input's in reverse mode (a gradient is multiplied
  before it is summed back to a smaller input); ``matmul`` of (m×k)·(k×n)
  counts m·k·n per port in both modes;
* **seconds**: the time each mode's passes took here (shown, never tested);

and checks that the two agree: every gradient (every entry of the Jacobian)
that reverse mode found, forward mode's tangents reproduce — for a scalar
output, output tangent = Σ grad · tangent with a one-hot tangent.

The inputs are the graph's ``input`` nodes (the consts are fixed numbers).
The reverse passes of a vector output run the engine's own backward pass on
a copy of the graph with the output multiplied by a one-hot ``const`` and
summed (those two extra nodes are not counted).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import forward_mode
from .engine import Evaluator, backward, forward
from .errors import EvaluationError
from .graph import Graph
from .seeding import add_weighted_sum

#: More passes than this (in either mode) are counted but not run, and so are more
#: node-steps (passes × nodes) than MAX_WORK: the editor waits for the run.
MAX_PASSES = 20_000
MAX_WORK = 4_000_000

_ONE = ("1", "−1", "-1")


@dataclass
class ModeRun:
    """One mode's cost for the whole Jacobian."""

    passes: int
    multiplications_per_pass: int
    seconds: float | None = None          # None: not run (too many passes)

    @property
    def multiplications(self) -> int:
        return self.passes * self.multiplications_per_pass


@dataclass
class ModesReport:
    inputs: list[str]                     # the input nodes, in graph order
    input_elements: int
    output: str
    output_elements: int
    forward: ModeRun
    reverse: ModeRun
    # the Jacobian (output elements × input elements) each mode found, when both ran
    jacobian_forward: np.ndarray | None = field(default=None, repr=False)
    jacobian_reverse: np.ndarray | None = field(default=None, repr=False)
    largest_difference: float | None = None

    @property
    def ran(self) -> bool:
        return self.jacobian_forward is not None and self.jacobian_reverse is not None

    @property
    def agree(self) -> bool:
        """Forward mode's tangents reproduce every gradient (to rounding)."""
        if not self.ran:
            return False
        return bool(np.allclose(self.jacobian_forward, self.jacobian_reverse,
                                rtol=1e-9, atol=1e-12, equal_nan=True))


def _size(v) -> int:
    return int(np.size(v))


def _multiplications(plan, values, reverse: bool) -> int:
    """Multiplications by a local derivative in one pass (see the module docstring)."""
    total = 0
    for i, node in enumerate(plan.nodes):
        spec = node.spec
        ins = plan.inputs[i]
        if spec.is_leaf or values[i] is None or (reverse and not plan.reaching[i]):
            continue
        out = _size(values[i])
        if spec.name == "matmul":
            a, b = (np.asarray(values[j]) for j in ins)
            m = a.shape[0] if a.ndim == 2 else 1
            n = b.shape[1] if b.ndim == 2 else 1
            total += 2 * m * a.shape[-1] * n
            continue
        for port, j in enumerate(ins):
            if spec.local[port] in _ONE:
                continue
            total += max(out, _size(values[j])) if reverse else out
    return total


def _input_elements(graph: Graph) -> list[tuple[str, int, tuple]]:
    return [(n.id, _size(n.value), np.shape(n.value)) for n in graph.nodes() if n.op == "input"]


def compare_modes(graph: Graph, max_passes: int = MAX_PASSES) -> ModesReport:
    """Run forward mode (one pass per input element) and reverse mode (one pass per
    output element) for d(output)/d(every input); EvaluationError when the graph has
    no output or cannot be evaluated."""
    evaluator = Evaluator(graph)
    ev = forward(evaluator.plan)
    if ev.problems:
        raise EvaluationError(ev.problems[0].message)
    if ev.error is not None:
        raise EvaluationError(ev.error)
    plan = ev.plan
    out_id = plan.output_id
    out_value = ev.value(out_id)
    n_out = _size(out_value)
    leaves = _input_elements(graph)
    n_in = sum(size for _, size, _ in leaves)
    backward(ev)                              # which nodes reach the output, for the counts
    report = ModesReport([k for k, _, _ in leaves], n_in, out_id, n_out,
                         ModeRun(n_in, _multiplications(plan, ev.values, reverse=False)),
                         ModeRun(n_out, _multiplications(plan, ev.values, reverse=True)))
    work = (n_in + n_out) * len(plan.nodes)
    if n_in == 0 or n_in > max_passes or n_out > max_passes or work > MAX_WORK:
        return report

    # forward mode: one pass per input element, a one-hot tangent on it
    jf = np.empty((n_out, n_in))
    col = 0
    start = time.perf_counter()
    for node_id, size, shape in leaves:
        for k in range(size):
            onehot = np.zeros(size)
            onehot[k] = 1.0
            seed = float(onehot[0]) if not shape else onehot.reshape(shape)
            forward_mode.tangents(ev, {node_id: seed})
            jf[:, col] = np.ravel(forward_mode.tangent(ev, out_id))
            col += 1
    report.forward.seconds = time.perf_counter() - start

    # reverse mode: one pass per output element
    jr = np.empty((n_out, n_in))
    start = time.perf_counter()
    if n_out == 1 and not isinstance(out_value, np.ndarray):
        rev = backward(forward(plan))
        jr[0] = _gradient_row(rev, leaves)
    else:
        picked, pick = _one_hot_output(graph, out_id, np.shape(out_value))
        picking = Evaluator(picked)
        for k in range(n_out):
            onehot = np.zeros(n_out)
            onehot[k] = 1.0
            picked.set_value(pick, onehot.reshape(np.shape(out_value)))
            jr[k] = _gradient_row(picking.evaluate(), leaves)
    report.reverse.seconds = time.perf_counter() - start
    forward_mode.tangents(ev, {})
    report.jacobian_forward, report.jacobian_reverse = jf, jr
    with np.errstate(all="ignore"):
        diff = np.abs(jf - jr)
    report.largest_difference = float(np.nanmax(diff)) if diff.size else 0.0
    return report


def _gradient_row(evaluation, leaves) -> np.ndarray:
    parts = []
    for node_id, size, _ in leaves:
        g = evaluation.grad(node_id)
        parts.append(np.zeros(size) if g is None else np.ravel(g))
    return np.concatenate(parts) if parts else np.zeros(0)


def _one_hot_output(graph: Graph, out_id: str, shape: tuple) -> tuple[Graph, str]:
    """A copy of ``graph`` whose output is Σ(output · e): seeding it with 1 seeds the
    output's element picked by the one-hot const e."""
    g = graph.copy()
    pick, total = add_weighted_sum(g, out_id, np.zeros(shape), g.id_allocator(),
                                   ("pick", "picked", "one_output"))
    g.set_output(total)
    return g, pick
