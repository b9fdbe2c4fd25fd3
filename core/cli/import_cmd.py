"""``chainrule import``: a Python function of tensors, traced by torch.fx, as a graph.

It runs the user's file, so it is its own command and nothing else reaches it
(opening a ``.cgraph`` file never does)."""
from __future__ import annotations

import argparse

from .common import CommandError, UsageError, os_message

HELP = "trace a PyTorch function into a graph file (runs that Python file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("chainrule import MODEL.py[:FUNCTION] -o OUT.cgraph "
                    "[--example NAME=VALUE ...]")
    parser.description = (
        "Trace a Python function of tensors with torch.fx and write it as a graph whose\n"
        "ops are Chainrule's: each call becomes the op whose PyTorch function it is\n"
        "(the reference column of ops.md), each parameter of the function an input\n"
        "node, each number literal a const node. Unknown calls are refused, naming the\n"
        "call and its line. The graph is then checked against the function run by\n"
        "PyTorch on the example values: an import is exact or refused.\n\n"
        "This RUNS MODEL.py (importing it, as Python does, not as __main__): import\n"
        "only files you trust. Opening a .cgraph file never runs any code.\n\n"
        "FUNCTION defaults to 'model' (what 'chainrule export --torch' writes). The\n"
        "parameters' values come from --example NAME=VALUE (a number or a JSON list),\n"
        "else from a function example_inputs() in the file returning a dict by name\n"
        "or a tuple in order; tensors there with requires_grad become trainable.\n\n"
        "Needs PyTorch: pip install chainrule[torch].\n\n"
        "Exit status: 0 on success, 1 when the file cannot be run or traced, a call\n"
        "has no Chainrule op, or the graph cannot be written, 2 for a usage error.")
    parser.add_argument("source", metavar="MODEL.py[:FUNCTION]",
                        help="the Python file and the function in it (default: model)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.cgraph",
                        help="the graph file to write ('-' for standard output)")
    parser.add_argument("--example", action="append", default=[], metavar="NAME=VALUE",
                        help="the example value of a parameter (repeatable)")


def _examples(items: list[str]) -> dict:
    from ..errors import ChainruleError
    from .eval_cmd import parse_set_value
    examples = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--example {item}: write NAME=VALUE")
        try:
            examples[name] = parse_set_value(raw)
        except (ChainruleError, ValueError) as exc:
            raise CommandError(f"--example {item}: {exc}") from None
    return examples


def run(args: argparse.Namespace) -> int:
    from .. import fileformat
    from ..import_torch import import_function
    examples = _examples(args.example)
    graph = import_function(args.source, examples)
    if args.output == "-":
        import sys

        from .common import write
        write(sys.stdout, fileformat.dumps(graph))
        return 0
    try:
        fileformat.save(graph, args.output)
    except OSError as exc:
        raise CommandError(os_message(exc, args.output)) from None
    return 0
