"""``chainrule grade``: check a learner's own backward pass (``cli.md``).

The graph comes from FILE.cgraph, ``--expr`` or ``--expr-file``; the answer
from ANSWER (a file, ``-`` for standard input) or ``--answer-expr``. The
answer is parsed and evaluated on the op table's functions, never run.
Exit status: 0 when every claim is ``ok`` and none is missing, 1 otherwise or
when the graph or the answer cannot be read, 2 for a usage error.
"""
from __future__ import annotations

import argparse
import json
import sys

from ..errors import ChainruleError
from .common import PROG, CommandError, UsageError, load_graph, positive_number, write
from .eval_cmd import read_program_file

HELP = "check a learner's own backward pass against the true gradients"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.usage = (f"{PROG} grade FILE.cgraph ANSWER [--json | --gradescope OUT.json]\n"
               f"       {PROG} grade --expr PROGRAM ANSWER [options]\n"
               f"       {PROG} grade FILE.cgraph --answer-expr TEXT [options]")
    p.description = (
        "Check a backward pass written by hand. The answer is the program language\n"
        "(parsed, never run): a node id is that node's value, grad_ID, d_ID or dID is\n"
        "your gradient of ID (assigning it is a claim), comparisons give 1.0 or 0.0:\n\n"
        "  grad_product = (1 - activation) * activation\n"
        "  grad_x0 = w0 * grad_product\n"
        "  grad_z = grad_h * (z > 0)\n\n"
        "Each claim is checked at the graph's values and at --trials other draws of\n"
        "the inputs, and gets one code: ok, coincidence, error, shape, sign,\n"
        "missing_upstream, overwrite, missing_path, value_for_gradient, wrong; a\n"
        "required gradient not given is missing.\n\n"
        "Exit status: 0 when every claim is ok and none is missing, 1 otherwise or\n"
        "when the graph or the answer cannot be read, 2 for a usage error.")
    p.add_argument("paths", nargs="*", metavar="FILE.cgraph ANSWER",
                   help="the graph file (unless --expr gives the graph) and the answer "
                        "file (- for standard input; unless --answer-expr gives it; "
                        "without either, the answer the graph file keeps)")
    p.add_argument("--expr", metavar="PROGRAM", help="the graph as a program")
    p.add_argument("--expr-file", metavar="FILE", dest="expr_file",
                   help="the graph's program read from FILE (- for standard input)")
    p.add_argument("--answer-expr", metavar="TEXT", dest="answer_expr",
                   help="the answer as text instead of a file")
    p.add_argument("--require", default="inputs", metavar="inputs|all|ID,ID,...",
                   help="which gradients must be given: every input (default), every node, "
                        "or these ids")
    p.add_argument("--tolerance", type=positive_number, default=1e-6, metavar="T",
                   help="relative tolerance (default 1e-6; absolute floor 1e-9)")
    p.add_argument("--trials", type=_count, default=5, metavar="N",
                   help="other draws of the inputs to check at (default 5)")
    p.add_argument("--seed", type=_integer, default=0, metavar="S",
                   help="seed of those draws (default 0)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--gradescope", metavar="OUT.json",
                     help="also write the result as a Gradescope autograder result")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _count(text: str) -> int:
    n = _integer(text)
    if not 0 <= n <= 1000:
        raise argparse.ArgumentTypeError(f"{text} must be a whole number from 0 to 1000")
    return n


def _sources(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(graph file, answer path) from the positionals, or a UsageError."""
    program = args.expr is not None or args.expr_file is not None
    if args.expr is not None and args.expr_file is not None:
        raise UsageError("give --expr PROGRAM or --expr-file FILE, not both")
    wanted = (0 if program else 1) + (0 if args.answer_expr is not None else 1)
    paths = list(args.paths)
    if not program and len(paths) == 1 and args.answer_expr is None:
        return paths[0], None           # the answer kept in the file (its "answer" key)
    if len(paths) != wanted:
        if not program and not paths:
            raise UsageError("give the graph (FILE.cgraph or --expr PROGRAM) and the answer "
                             "(ANSWER or --answer-expr TEXT)")
        if len(paths) < wanted:
            raise UsageError("give the answer: a file, - for standard input, or "
                             "--answer-expr TEXT")
        raise UsageError(f"too many arguments ({' '.join(paths)}): give one graph and one "
                         f"answer")
    graph_file = None if program else paths.pop(0)
    answer = paths[0] if paths else None
    if answer == "-" and args.expr_file == "-":
        raise UsageError("the graph and the answer cannot both come from standard input")
    return graph_file, answer


def run(args: argparse.Namespace) -> int:
    from ..grading import grade
    from ..grading.report import gradescope_json, report_json, report_text
    from ..program import parse_program

    graph_file, answer_path = _sources(args)
    aliases: dict[str, str] = {}
    if graph_file is not None:
        where = graph_file
        graph = load_graph(graph_file)
    else:
        where, program = (("--expr", args.expr) if args.expr is not None
                          else read_program_file(args.expr_file))
        try:
            parsed = parse_program(program)
        except ChainruleError as exc:
            raise CommandError(f"{where}: {exc}") from None
        if parsed.unset:
            raise CommandError(f"{where}: {', '.join(parsed.unset)} "
                               f"{'has' if len(parsed.unset) == 1 else 'have'} no value: "
                               f"give every input a value in the program")
        graph = parsed.graph
        aliases = {k: v for k, v in parsed.names.items() if k != v}
    if args.answer_expr is not None:
        answer_where, text = "--answer-expr", args.answer_expr
    elif answer_path is None:
        if not graph.answer:
            raise UsageError(f"give the answer (ANSWER or --answer-expr TEXT): {graph_file} "
                             f"keeps none")
        answer_where, text = f"{graph_file} (its answer)", graph.answer
    else:
        answer_where, text = read_program_file(answer_path)
    if answer_where == "stdin" and answer_path == "-":
        answer_where = "the answer (stdin)"
    from ..grading import GradeError
    try:
        report = grade(graph, text, aliases=aliases, require=args.require,
                       tolerance=args.tolerance, trials=args.trials, seed=args.seed)
    except GradeError as exc:
        raise CommandError(f"{where}: {exc}") from None
    except ChainruleError as exc:
        raise CommandError(f"{answer_where}: {exc}") from None
    if args.json:
        write(sys.stdout, json.dumps(report_json(report), indent=2, allow_nan=False) + "\n")
    else:
        write(sys.stdout, report_text(report) + "\n")
    if args.gradescope:
        try:
            with open(args.gradescope, "w", encoding="utf-8") as f:
                f.write(json.dumps(gradescope_json(report), indent=2, allow_nan=False) + "\n")
        except OSError as exc:
            raise CommandError(f"cannot write {args.gradescope}: "
                               f"{exc.strerror or exc}") from None
    return 0 if report.ok else 1
