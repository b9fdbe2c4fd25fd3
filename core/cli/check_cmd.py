"""``chainrule check``: every gradient against central finite differences (``cli.md``)."""
from __future__ import annotations

import argparse
import json
import sys

from ..engine import Evaluator
from ..formatting import format_value, json_safe
from ..gradcheck import CheckRow, check_gradients
from ..graph import Graph
from .common import CommandError, columns, load_graph, one_line, positive_number, unicode_ok, write

HELP = "compare the gradients with numerical ones"


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
    parser.add_argument("--tolerance", type=positive_number, default=1e-5, metavar="T",
                        help="largest relative error that passes (default 1e-5)")
    parser.add_argument("--step", type=positive_number, default=1e-6, metavar="H",
                        help="relative size of the nudge h (default 1e-6)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.file)
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
        write(sys.stdout, json.dumps(data, indent=2, allow_nan=False) + "\n")
    else:
        write(sys.stdout, check_table(graph, rows, args.tolerance,
                                       ascii=not unicode_ok(sys.stdout)) + "\n")
    if failed:
        worst = max(failed, key=lambda r: r.rel_error)
        names = ", ".join(r.node for r in failed[:6]) + ("…" if len(failed) > 6 else "")
        write(sys.stderr, "chainrule: " + one_line(
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
    lines = columns(table[0], table[1:])
    passed = sum(r.ok for r in rows)
    lines.append("")
    lines.append(f"{passed} of {len(rows)} gradients agree with finite differences "
                 f"(relative error <= {tolerance:g})")
    return "\n".join(lines)
