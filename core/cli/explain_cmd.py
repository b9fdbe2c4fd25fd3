"""``chainrule explain``: the chain rule of every step, written out with numbers.

The same lines as the editor's chain-rule panel, step by step, as text or as
LaTeX ``align*`` blocks for lecture notes (``cli.md`` leaves the interface to us)."""
from __future__ import annotations

import argparse
import sys

from .common import CommandError, load_graph, write

HELP = "write out the chain rule of every step (text or LaTeX)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "chainrule explain FILE.cgraph [--step K] [--latex] [--precision DIGITS]"
    parser.description = (
        "Print the chain rule of the step-through, step by step, as the editor's\n"
        "chain-rule panel writes it: each forward step's value (q = x + y = -2 + 5 = 3),\n"
        "each backward step's upstream gradient and, for every input, the local\n"
        "derivative and the product (df/dx = df/dq * dq/dx = -4 * 1 = -4).\n\n"
        "--latex prints each step as a LaTeX align* block (needs amsmath), aligned at\n"
        "the first '=' of every line, with the step's header as a comment above it.\n"
        "--step K prints only step K (1 is the first computed node; 0 is the overview).\n\n"
        "Exit status: 0 on success, 1 when the graph cannot be read or K is out of\n"
        "range, 2 for a usage error.")
    parser.add_argument("file", metavar="FILE.cgraph", help="a graph file")
    parser.add_argument("--step", type=int, default=None, metavar="K",
                        help="only step K (default: every step, 1 to the last)")
    parser.add_argument("--latex", action="store_true",
                        help="LaTeX align* blocks instead of plain text")
    parser.add_argument("--precision", type=int, default=4, choices=(2, 3, 4, 6),
                        metavar="DIGITS", help="significant digits (2, 3, 4 or 6; default 4)")


def step_texts(graph, steps: list[int] | None = None, digits: int = 4,
               as_latex: bool = False) -> list[str]:
    """One block of text per step: header, title and lines (or a LaTeX block)."""
    from ..explain import step_page
    from ..latex import align_block
    from ..stepper import Stepper
    stepper = Stepper(graph)
    if steps is None:
        steps = list(range(1, stepper.total + 1))
    blocks = []
    for k in steps:
        if not 0 <= k <= stepper.total:
            raise CommandError(f"--step {k} is out of range: the step-through has steps "
                               f"0 to {stepper.total}")
        stepper.jump(k)
        explanation, header, hint, _ = step_page(stepper, digits, interactive=False)
        if as_latex:
            head = f"% {header} — {explanation.title}"
            if k == 0:
                blocks.append("\n".join([head, *(f"% {line}" for line in explanation.lines)]))
            else:
                blocks.append(head + "\n" + align_block(explanation.lines))
        else:
            blocks.append("\n".join([header, explanation.title,
                                     *("  " + line for line in explanation.lines),
                                     *([hint] if hint else [])]))
    return blocks


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.file)
    steps = None if args.step is None else [args.step]
    blocks = step_texts(graph, steps, args.precision, args.latex)
    write(sys.stdout, "\n\n".join(blocks) + "\n")
    return 0
