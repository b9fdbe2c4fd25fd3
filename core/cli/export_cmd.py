"""``chainrule export``: the graph as a standalone numpy script (``cli.md``)."""
from __future__ import annotations

import argparse
import os
import sys

from ..errors import EvaluationError
from ..export_python import export_python
from .common import CommandError, load_graph, os_message, write
from .eval_cmd import tangent_seeds

HELP = "write a graph as a Python program"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "chainrule export FILE.cgraph -o OUT.py [--tangent ID=VALUE ...]"
    parser.description = (
        "Write the graph as a standalone Python script that needs only numpy: the\n"
        "forward pass one line per node, the backward pass one line per wire with\n"
        "the chain rule in a comment, and a main that prints every value and\n"
        "gradient as the JSON of 'chainrule eval FILE --json'. With --tangent the\n"
        "script also runs forward mode (one line per node, the tangent rule in the\n"
        "comment) and prints each node's tangent, as 'chainrule eval --tangent'.\n\n"
        "Exit status: 0 on success, 1 when the graph cannot be read or evaluated\n"
        "or the script cannot be written, 2 for a usage error.")
    parser.add_argument("file", metavar="FILE.cgraph", help="a graph file")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.py",
                        help="where to write the script ('-' for standard output)")
    parser.add_argument("--tangent", action="append", default=[], dest="tangents",
                        metavar="ID=VALUE",
                        help="forward mode too: seed a tangent on an input or const node "
                             "(repeatable), as eval --tangent")


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.file)
    seeds = tangent_seeds(graph, {}, args.tangents) if args.tangents else None
    try:
        text = export_python(graph, tangents=seeds)
    except EvaluationError as exc:
        raise CommandError(f"{args.file}: {exc}") from None
    if args.output == "-":
        write(sys.stdout, text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except OSError as exc:
        raise CommandError(os_message(exc, args.output)) from None
    try:
        mode = os.stat(args.output).st_mode
        os.chmod(args.output, mode | ((mode & 0o444) >> 2))     # executable where readable
    except OSError:
        pass
    return 0
