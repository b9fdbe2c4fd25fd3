"""The ``chainrule`` command line (``cli.md``), headless.

::

    chainrule                          open the editor on the default demo
    chainrule FILE.cgraph              open the editor on a file
    chainrule eval FILE.cgraph [--set ID=VALUE ...] [--json]
    chainrule eval --expr PROGRAM [--set NAME=VALUE ...] [--json]
    chainrule check FILE.cgraph ...    gradients against finite differences
    chainrule export FILE.cgraph [--torch | --notebook | --tikz] -o OUT
    chainrule explain FILE.cgraph [--step K] [--latex]   the chain rule of every step
    chainrule import MODEL.py:FUNCTION -o OUT.cgraph   (runs MODEL.py; needs torch)
    chainrule train FILE.cgraph --steps N [--optimizer adam ...] [--json]
    chainrule grade FILE.cgraph ANSWER [--json | --gradescope OUT.json]
    chainrule render FILE.cgraph -o OUT.png   (drawn by the GUI side)
    chainrule SUBCOMMAND --help        usage

Layout: :mod:`.common` (errors and helpers every subcommand shares) sits
below the subcommands (``eval_cmd``, ``check_cmd``, ``export_cmd``,
``train_cmd``, ``grade_cmd``, ``render_args``), which sit below :mod:`.dispatch` (registry and main).
Importing this package loads no Qt; ``chainrule.gui.entry`` is the program's
composition root that adds the editor and the drawing.
"""
from __future__ import annotations

from . import (check_cmd, eval_cmd, explain_cmd, export_cmd, grade_cmd, import_cmd, render_args,
               train_cmd)
from .common import CommandError, UsageError
from .dispatch import SUBCOMMANDS, Subcommand, main, register, register_editor
from .eval_cmd import eval_json, eval_table, parse_set_value, warning_line

register("eval", eval_cmd.add_arguments, eval_cmd.run, help=eval_cmd.HELP)
register("render", render_args.add_arguments, render_args.run_without_drawing,
         help=render_args.HELP)
register("check", check_cmd.add_arguments, check_cmd.run, help=check_cmd.HELP)
register("export", export_cmd.add_arguments, export_cmd.run, help=export_cmd.HELP)
register("train", train_cmd.add_arguments, train_cmd.run, help=train_cmd.HELP)
register("grade", grade_cmd.add_arguments, grade_cmd.run, help=grade_cmd.HELP)
register("explain", explain_cmd.add_arguments, explain_cmd.run, help=explain_cmd.HELP)
register("import", import_cmd.add_arguments, import_cmd.run, help=import_cmd.HELP)

__all__ = ["CommandError", "SUBCOMMANDS", "Subcommand", "UsageError", "eval_json", "eval_table",
           "main", "parse_set_value", "register", "register_editor", "warning_line"]
