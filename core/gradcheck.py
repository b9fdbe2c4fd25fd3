"""Numerical gradient check: central finite differences against the backward pass.

Why: a learner who doubts a number on a wire (or an engineer who changes an
op) needs an independent witness, and the oldest one is the definition of
the derivative.  For each leaf (or any node, on request) every element is
nudged by ±h and the output recomputed; the slope is compared with the
gradient the backward pass gives.  An array output counts as the sum of its
elements, which is what seeding it with ones means.

An intermediate node is nudged by turning it into a leaf in a copy of the
graph: its input wires are removed and it becomes a ``const`` holding its
current value, feeding the same wires as before.  The slope of the output
with respect to that const is the node's gradient, which the backward pass
gives as the sum over its outgoing wires.

``chainrule check FILE.cgraph [--nodes leaves|all] [--tolerance T] [--step H]
[--json]`` prints the comparison as a table (or JSON) and exits 1 when a
gradient disagrees (see :func:`run`).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import Evaluator
from .errors import EvaluationError
from .formatting import format_value, json_safe
from .graph import Graph


@dataclass(frozen=True)
class CheckRow:
    node: str
    analytic: Any
    numeric: Any
    rel_error: float
    ok: bool


def _total(value: Any) -> float:
    return float(np.sum(value))


def as_leaf(graph: Graph, node_id: str, value: Any = None) -> Graph:
    """A copy of ``graph`` in which ``node_id`` is a const holding ``value`` (by default
    its current value), with no input wires and the same output wires and output."""
    work = graph.copy()
    node = work.node(node_id)
    if node.spec.is_leaf:
        if value is not None:
            work.set_value(node_id, value)
        return work
    if value is None:
        value = Evaluator(graph).forward().value(node_id)
    if value is None or not np.all(np.isfinite(value)):
        raise EvaluationError(f'node "{node_id}" has no finite value to nudge', node_id)
    output = work.effective_output()
    outs = work.out_edges(node_id)
    work.remove_node(node_id)
    work.add_node(node_id, "const", value=value, label=node.label, pos=node.pos)
    for edge in outs:
        work.connect(edge.src, edge.dst, edge.port)
    work.set_output(output)
    return work


def numerical_gradient(graph: Graph, node_id: str, h: float = 1e-6) -> Any:
    """d(output)/d(node_id) by central differences (float64); any node with a finite value."""
    work = as_leaf(graph, node_id)
    evaluator = Evaluator(work)
    base = work.node(node_id).value
    arr = np.array(base, dtype=np.float64)
    grad = np.zeros_like(arr)
    out = work.effective_output()
    flat = arr.reshape(-1)
    for k in range(flat.size):
        x = flat[k]
        step = h * max(1.0, abs(x))
        results = []
        for sign in (1.0, -1.0):
            bumped = flat.copy()
            bumped[k] = x + sign * step
            value = bumped.reshape(arr.shape)
            work.set_value(node_id, float(value) if arr.ndim == 0 else value)
            results.append(_total(evaluator.forward().value(out)))
        grad.reshape(-1)[k] = (results[0] - results[1]) / (2 * step)
    return float(grad) if arr.ndim == 0 else grad


ABS_FLOOR = 1e-4


def relative_error(analytic: Any, numeric: Any) -> float:
    """max |a − n| / max(|a|, |n|), with |·| floored at ``ABS_FLOOR``."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        return math.inf
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n))):
        same = np.array_equal(a, n, equal_nan=True)
        return 0.0 if same else math.inf
    # Central differences cannot resolve gradients much below their own noise
    # (about 1e-10 here), so tiny gradients are compared on an absolute scale.
    denom = np.maximum(np.maximum(np.abs(a), np.abs(n)), ABS_FLOOR)
    return float(np.max(np.abs(a - n) / denom)) if a.size else 0.0


def check_gradients(graph: Graph, nodes: list[str] | str | None = None, h: float = 1e-6,
                    tolerance: float = 1e-5) -> list[CheckRow]:
    """Compare the backward pass with finite differences.

    ``nodes``: a list of ids (any node with a finite value), ``"leaves"`` or
    None for every input and const, ``"all"`` for every node that has a
    finite value (nodes without one are left out: there is nothing to nudge).
    """
    evaluation = Evaluator(graph).evaluate()
    if evaluation.error:
        raise EvaluationError(evaluation.error)
    if nodes is None or nodes == "leaves":
        nodes = [n.id for n in graph.nodes() if n.spec.is_leaf]
    elif nodes == "all":
        nodes = [n.id for n in graph.nodes()
                 if evaluation.value(n.id) is not None
                 and np.all(np.isfinite(evaluation.value(n.id)))]
    elif isinstance(nodes, str):
        raise ValueError('nodes must be a list of ids, "leaves" or "all"')
    rows = []
    for node_id in nodes:
        analytic = evaluation.grad(node_id)
        if analytic is None:        # does not reach the output: the slope is 0
            analytic = np.zeros_like(np.asarray(evaluation.value(node_id), dtype=float))
            analytic = float(analytic) if analytic.ndim == 0 else analytic
        numeric = numerical_gradient(graph, node_id, h)
        err = relative_error(analytic, numeric)
        rows.append(CheckRow(node_id, analytic, numeric, err, err <= tolerance))
    return rows


# ------------------------------------------------------------ chainrule check

def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("chainrule check FILE.cgraph [--nodes leaves|all] [--tolerance T] "
                    "[--step H] [--json]")
    parser.description = (
        "Compare every gradient of the backward pass with central finite differences\n"
        "(f(v + h) − f(v − h)) / 2h, and print one row per node: the gradient, the\n"
        "numerical slope, their relative error and whether it is within the tolerance.\n\n"
        "Exit status: 0 when every gradient agrees, 1 when one does not or the graph\n"
        "cannot be read or evaluated, 2 for a usage error.")
    parser.add_argument("file", metavar="FILE.cgraph", help="a graph file")
    parser.add_argument("--nodes", choices=("leaves", "all"), default="leaves",
                        help="check the inputs and consts (default) or every node")
    parser.add_argument("--tolerance", type=_positive, default=1e-5, metavar="T",
                        help="largest relative error that passes (default 1e-5)")
    parser.add_argument("--step", type=_positive, default=1e-6, metavar="H",
                        help="relative size of the nudge h (default 1e-6)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from .cli import CommandError, _load, _one_line, _unicode_ok, _write

    graph = _load(args.file)
    evaluation = Evaluator(graph).evaluate()
    if evaluation.problems:
        raise CommandError(f"{args.file}: {evaluation.problems[0].message}")
    if evaluation.error is not None:
        raise CommandError(f"{args.file}: {evaluation.error}")
    rows = check_gradients(graph, args.nodes, h=args.step, tolerance=args.tolerance)
    failed = [r for r in rows if not r.ok]
    if args.json:
        data = {"output": evaluation.output, "tolerance": args.tolerance, "step": args.step,
                "ok": not failed,
                "rows": [{"node": r.node, "op": graph.node(r.node).op,
                          "analytic": json_safe(r.analytic), "numeric": json_safe(r.numeric),
                          "rel_error": json_safe(r.rel_error), "ok": r.ok} for r in rows]}
        _write(sys.stdout, json.dumps(data, indent=2, allow_nan=False) + "\n")
    else:
        _write(sys.stdout, check_table(graph, rows, args.tolerance,
                                       ascii=not _unicode_ok(sys.stdout)) + "\n")
    if failed:
        worst = max(failed, key=lambda r: r.rel_error)
        names = ", ".join(r.node for r in failed[:6]) + ("…" if len(failed) > 6 else "")
        _write(sys.stderr, "chainrule: " + _one_line(
            f"{len(failed)} of {len(rows)} gradients disagree with finite differences "
            f"({names}); the worst, {worst.node}, has relative error "
            f"{worst.rel_error:.1e} > {args.tolerance:g}") + "\n")
        return 1
    return 0


def check_table(graph: Graph, rows: list[CheckRow], tolerance: float,
                ascii: bool = False, digits: int = 6) -> str:
    """The rows as aligned text, with a last line saying how many passed."""
    good, bad = ("ok", "FAIL") if ascii else ("✓", "✗")
    table = [("node", "op", "analytic", "numeric", "rel. error", "")]
    for r in rows:
        table.append((r.node, graph.node(r.node).op,
                      format_value(r.analytic, digits, ascii=ascii),
                      format_value(r.numeric, digits, ascii=ascii),
                      f"{r.rel_error:.1e}", good if r.ok else bad))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
             for row in table]
    passed = sum(r.ok for r in rows)
    lines.append("")
    lines.append(f"{passed} of {len(rows)} gradients agree with finite differences "
                 f"(relative error <= {tolerance:g})")
    return "\n".join(lines)
