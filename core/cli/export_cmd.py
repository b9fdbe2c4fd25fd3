"""``chainrule export``: the graph as a numpy script, a PyTorch script or notebook, or a
TikZ picture (``cli.md`` leaves the subcommand's interface to us)."""
from __future__ import annotations

import argparse
import os
import sys

from ..errors import EvaluationError
from .common import CommandError, UsageError, load_graph, os_message, write
from .eval_cmd import tangent_seeds

HELP = "write a graph as a Python program (numpy or PyTorch), a notebook or TikZ"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("chainrule export FILE.cgraph -o OUT.py [--tangent ID=VALUE ...]\n"
                    "       chainrule export FILE.cgraph --torch -o model.py\n"
                    "       chainrule export FILE.cgraph --notebook -o model.ipynb\n"
                    "       chainrule export FILE.cgraph --tikz [--step K] -o circuit.tex")
    parser.description = (
        "Write the graph as a standalone Python script that needs only numpy (the\n"
        "default): the forward pass one line per node, the backward pass one line per\n"
        "wire with the chain rule in a comment, and a main that prints every value and\n"
        "gradient as the JSON of 'chainrule eval FILE --json'. With --tangent the\n"
        "numpy script also runs forward mode (one line per node, the tangent rule in the\n"
        "comment) and prints each node's tangent, as 'chainrule eval --tangent'; the\n"
        "PyTorch script does it with torch.autograd.forward_ad.\n\n"
        "--torch writes the same graph as a PyTorch program in float64: the leaves as\n"
        "tensors (trainable ones with requires_grad), one line per node with the op's\n"
        "PyTorch function, backward(), and the same JSON printed. --notebook writes it\n"
        "as a Jupyter notebook, one cell per layer of the graph (needs nbformat:\n"
        "pip install chainrule[torch]).\n\n"
        "--tikz writes a standalone LaTeX document with one tikzpicture: the cards at\n"
        "their canvas positions, each wire's value above it and gradient below it, in\n"
        "colours named at the top (crvalue, crgrad, ...) so a document can restyle them;\n"
        "--step K shows the labels as they stand at step K of the step-through (0:\n"
        "nothing computed; default: every value and gradient).\n\n"
        "Exit status: 0 on success, 1 when the graph cannot be read or evaluated\n"
        "or the file cannot be written, 2 for a usage error.")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("file", metavar="FILE.cgraph", help="a graph file")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="where to write it ('-' for standard output)")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--numpy", dest="kind", action="store_const", const="numpy",
                      help="a numpy script (the default)")
    kind.add_argument("--torch", dest="kind", action="store_const", const="torch",
                      help="a PyTorch script (float64, autograd)")
    kind.add_argument("--notebook", dest="kind", action="store_const", const="notebook",
                      help="the PyTorch program as a Jupyter notebook (.ipynb)")
    kind.add_argument("--tikz", dest="kind", action="store_const", const="tikz",
                      help="a standalone LaTeX file with the circuit as a tikzpicture")
    parser.add_argument("--step", type=int, default=None, metavar="K",
                        help="with --tikz: the labels as they stand at step K")
    parser.add_argument("--tangent", action="append", default=[], dest="tangents",
                        metavar="ID=VALUE",
                        help="with the numpy or PyTorch script: forward mode too, seeding a "
                             "tangent on an input or const node (repeatable), as eval "
                             "--tangent (PyTorch: torch.autograd.forward_ad)")
    parser.set_defaults(kind="numpy")


def _text(args: argparse.Namespace, graph) -> str:
    if args.step is not None and args.kind != "tikz":
        raise UsageError("--step goes with --tikz")
    if args.tangents and args.kind not in ("numpy", "torch"):
        raise UsageError("--tangent goes with the numpy or the PyTorch script")
    seeds = tangent_seeds(graph, {}, args.tangents) if args.tangents else None
    if args.kind == "torch":
        from ..export_torch import export_torch
        return export_torch(graph, tangents=seeds)
    if args.kind == "notebook":
        from ..export_torch import torch_notebook
        try:
            return torch_notebook(graph)
        except ImportError:
            raise CommandError("--notebook needs nbformat, which is not installed: "
                               "pip install chainrule[torch] (or pip install nbformat)") from None
    if args.kind == "tikz":
        from ..export_tikz import export_tikz
        return export_tikz(graph, step=args.step)
    from ..export_python import export_python
    return export_python(graph, tangents=seeds)


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.file)
    try:
        text = _text(args, graph)
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
    if args.kind in ("numpy", "torch"):
        try:
            mode = os.stat(args.output).st_mode
            os.chmod(args.output, mode | ((mode & 0o444) >> 2))     # executable where readable
        except OSError:
            pass
    return 0
