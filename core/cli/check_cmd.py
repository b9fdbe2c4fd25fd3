"""``chainrule check``: every gradient against central finite differences (``cli.md``);
with ``--equivalent GROUP=OP``, a group (composite gate) against one op or group."""
from __future__ import annotations

import argparse
import json
import sys

from .. import equivalence
from ..engine import Evaluator
from ..errors import GraphError
from ..formatting import format_value, json_safe
from ..gradcheck import CheckRow, check_gradients
from ..graph import Graph
from .common import CommandError, columns, load_graph, one_line, positive_number, unicode_ok, write

HELP = "compare the gradients with numerical ones"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("chainrule check FILE.cgraph [--nodes leaves|all] [--tolerance T] "
                    "[--step H] [--json]\n       chainrule check FILE.cgraph --equivalent "
                    "GROUP=OP [--json]")
    parser.description = (
        "Compare every gradient of the backward pass with central finite differences\n"
        "(f(v + h) − f(v − h)) / 2h, and print one row per node: the gradient, the\n"
        "numerical slope, their relative error and whether it is within the tolerance.\n\n"
        "With --equivalent GROUP=OP, compare the group (a composite gate of the file)\n"
        "with the single op OP, or with another group: values and gradients at the\n"
        f"graph's numbers and at {equivalence.DRAWS} random draws of the group's inputs, "
        "and print\nthe largest difference.\n\n"
        "Exit status: 0 when every gradient agrees (or the group equals OP), 1 when one\n"
        "does not or the graph cannot be read or evaluated, 2 for a usage error.")
    parser.add_argument("file", metavar="FILE.cgraph", help="a graph file")
    parser.add_argument("--nodes", choices=("leaves", "all"), default="leaves",
                        help="check the inputs and consts (default) or every node")
    parser.add_argument("--tolerance", type=positive_number, default=1e-5, metavar="T",
                        help="largest relative error that passes (default 1e-5)")
    parser.add_argument("--step", type=positive_number, default=1e-6, metavar="H",
                        help="relative size of the nudge h (default 1e-6)")
    parser.add_argument("--equivalent", metavar="GROUP=OP", type=_pair,
                        help="is group GROUP the same function as op (or group) OP?")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _pair(text: str) -> tuple[str, str]:
    group, sep, other = text.partition("=")
    if not sep or not group.strip() or not other.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not GROUP=OP (for example sigma=sigmoid)")
    return group.strip(), other.strip()


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.file)
    if args.equivalent is not None:
        return run_equivalent(args, graph)
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


def run_equivalent(args: argparse.Namespace, graph: Graph) -> int:
    group, other = args.equivalent
    if group not in graph.groups:
        known = ", ".join(graph.groups) or "none"
        raise CommandError(f'{args.file}: there is no group "{group}" (groups: {known})')
    try:
        result = equivalence.check_equivalent(graph, group, other)
    except GraphError as e:
        raise CommandError(f"{args.file}: {e}") from None
    if args.json:
        data = {"group": group, "other": other, "equal": result.ok,
                "largest_difference": json_safe(result.largest), "where": result.where,
                "draws": result.draws, "tolerance": equivalence.TOLERANCE,
                "ports": [{"input": i, "port": p} for i, p in result.ports],
                "error": result.error}
        write(sys.stdout, json.dumps(data, indent=2, allow_nan=False) + "\n")
    else:
        lines = [result.summary()]
        if result.ports and len(result.ports) > 1:
            lines.append("ports: " + ", ".join(f"{i} → {p}" for i, p in result.ports))
        write(sys.stdout, "\n".join(lines) + "\n")
    if result.error is not None:
        raise CommandError(f"{args.file}: {result.error}")
    return 0 if result.ok else 1


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
