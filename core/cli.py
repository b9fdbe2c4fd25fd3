"""The ``chainrule`` command (``cli.md``).

::

    chainrule                          open the editor on the default demo
    chainrule FILE.cgraph              open the editor on a file
    chainrule eval FILE.cgraph [--set ID=VALUE ...] [--json]
    chainrule eval --expr PROGRAM [--set NAME=VALUE ...] [--json]
    chainrule SUBCOMMAND --help        usage

Exit status: 0 on success (inf and nan are results: one warning line goes to
stderr), 2 for a usage error, 1 when the file or program cannot be read or
the graph cannot be evaluated, with one line ``chainrule: <what and where>``
on stderr. Bad input never shows a Python traceback.

Subcommands live in a registry, so other modules add theirs without editing
the dispatcher. Either call :func:`register` with two functions, or — for the
reserved names ``render``, ``check`` and ``export`` — give the module listed
in :data:`LAZY_SUBCOMMANDS` two functions, imported only when the subcommand
is used::

    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> int: ...

``run`` returns the exit status; it may raise :class:`UsageError` (exit 2)
or :class:`CommandError` / any :class:`~core.errors.ChainruleError` (exit 1,
the message printed as one line).
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import json
import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .errors import ChainruleError
from .formatting import format_value, json_safe

PROG = "chainrule"


class UsageError(Exception):
    """The command line itself is wrong (exit status 2, with the usage)."""


class CommandError(Exception):
    """The input cannot be read or evaluated (exit status 1, one line on stderr)."""


# ------------------------------------------------------------ the registry

@dataclass
class Subcommand:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
    run: Callable[[argparse.Namespace], int] | None = None
    module: str | None = None          # imported on use when add_arguments/run are None


SUBCOMMANDS: dict[str, Subcommand] = {}

#: Reserved subcommands and the modules that will implement them.
LAZY_SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "render": ("gui.render", "draw a graph to an image file"),
    "check": ("core.gradcheck", "compare the gradients with numerical ones"),
    "export": ("core.export_python", "write a graph as a Python program"),
}


def register(name: str, add_arguments: Callable[[argparse.ArgumentParser], None],
             run: Callable[[argparse.Namespace], int], help: str = "") -> None:
    """Add (or replace) the subcommand ``name``."""
    SUBCOMMANDS[name] = Subcommand(name, help, add_arguments, run)


def _register_lazy(name: str, module: str, help: str) -> None:
    SUBCOMMANDS[name] = Subcommand(name, help, module=module)


def _resolve(cmd: Subcommand) -> Subcommand:
    """Import a lazy subcommand's module; CommandError if it does not exist yet."""
    if cmd.module is None:
        return cmd
    try:
        module = importlib.import_module(cmd.module)
    except ModuleNotFoundError as exc:
        if exc.name and (cmd.module == exc.name or cmd.module.startswith(exc.name + ".")):
            raise CommandError(f"{cmd.name} is not available yet ({cmd.module} does not exist)") \
                from None
        raise CommandError(f"{cmd.name} is not available ({exc})") from None
    except ImportError as exc:
        raise CommandError(f"{cmd.name} is not available ({exc})") from None
    add_arguments = getattr(module, "add_arguments", None)
    run = getattr(module, "run", None)
    if not callable(add_arguments) or not callable(run):
        raise CommandError(f"{cmd.name} is not available yet ({cmd.module} has no "
                           f"add_arguments and run)")
    return Subcommand(cmd.name, cmd.help, add_arguments, run)


# -------------------------------------------------------------- the parser

class _Parser(argparse.ArgumentParser):
    """argparse, with a one-line error message after the usage (exit status 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {_one_line(message)}\n")


def build_parser(load: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; the lazy subcommand ``load`` gets its real arguments."""
    parser = _Parser(
        prog=PROG,
        usage=f"{PROG} [FILE.cgraph]\n       {PROG} SUBCOMMAND [options]",
        description="Chainrule: a desktop lab for backpropagation. Without a subcommand, "
                    "opens the editor (on FILE.cgraph if given, else on the default demo).",
        epilog=f"'{PROG} SUBCOMMAND --help' describes a subcommand.")
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=_Parser,
                                title="subcommands", prog=PROG)
    for name, cmd in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help[:1].upper() + cmd.help[1:]
                           + ".", formatter_class=argparse.RawDescriptionHelpFormatter)
        if name == load:
            cmd = _resolve(cmd)
        if cmd.add_arguments is not None:
            cmd.add_arguments(p)
        p.set_defaults(_run=cmd.run, _parser=p)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("chainrule")
    except Exception:           # not installed: the version is still worth showing
        return "(not installed)"


# ------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    with np.errstate(all="ignore"):
        try:
            return _main(argv)
        except SystemExit as exc:           # argparse: --help, --version, usage errors
            code = exc.code
            return code if isinstance(code, int) else (0 if code is None else 1)
        except KeyboardInterrupt:
            return 130


def _main(argv: list[str]) -> int:
    if not argv:
        return open_editor(None)
    first = argv[0]
    if first not in SUBCOMMANDS and not first.startswith("-"):
        if len(argv) == 1 and (first.endswith(".cgraph") or os.path.exists(first)):
            return open_editor(first)
        parser = build_parser()
        close = difflib.get_close_matches(first, list(SUBCOMMANDS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        parser.error(f"{first!r} is neither a subcommand ({', '.join(SUBCOMMANDS)}) "
                     f"nor a .cgraph file{hint}")
    try:
        parser = build_parser(load=first if first in SUBCOMMANDS else None)
    except CommandError as exc:
        return _fail(str(exc))
    args = parser.parse_args(argv)
    if args.command is None:
        return open_editor(None)
    try:
        return int(args._run(args) or 0)
    except UsageError as exc:
        args._parser.error(str(exc))
    except CommandError as exc:
        return _fail(str(exc))
    except ChainruleError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(_os_message(exc))
    return 1  # not reached: error() exits


def _fail(message: str) -> int:
    _write(sys.stderr, f"{PROG}: {_one_line(message)}\n")
    return 1


def _write(stream, text: str) -> None:
    """Write ``text``; characters the stream cannot encode become escapes, never an error."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def _os_message(exc: OSError, path: str | None = None) -> str:
    path = path or exc.filename
    reason = exc.strerror or str(exc)
    return f"cannot open {path}: {reason}" if path else reason


# ----------------------------------------------------------------- editor

def open_editor(path: str | None) -> int:
    """Start the editor (``gui.app.main``) on ``path`` or on the default demo."""
    if path is not None and not os.path.isfile(path):
        reason = "Is a directory" if os.path.isdir(path) else "No such file or directory"
        return _fail(f"cannot open {path}: {reason}")
    try:
        app = importlib.import_module("gui.app")
    except ImportError as exc:
        return _fail(f"the editor is not available ({exc})")
    start = getattr(app, "main", None)
    if not callable(start):
        return _fail("the editor is not available (gui.app has no main)")
    code = start(path)
    return code if isinstance(code, int) else 0


# ------------------------------------------------------------------- eval

def _eval_arguments(p: argparse.ArgumentParser) -> None:
    p.usage = (f"{PROG} eval FILE.cgraph [--set ID=VALUE ...] [--json]\n"
               f"       {PROG} eval --expr PROGRAM [--set NAME=VALUE ...] [--json]")
    p.description = (
        "Run the forward and backward pass of a graph without a window, then print\n"
        "every node's value and gradient and every edge's.\n\n"
        "PROGRAM is a few lines of Python syntax, read (never run) into a graph:\n\n"
        "  x = -2; y = 5; z = -4\n"
        "  q = x + y\n"
        "  f = q * z\n\n"
        "The output is the last statement. A name used before it is assigned is an\n"
        "input whose value must come from --set.\n\n"
        "Exit status: 0 on success (inf and nan are results; a warning goes to\n"
        "stderr), 2 for a usage error, 1 when the graph cannot be read or evaluated.")
    p.add_argument("file", nargs="?", metavar="FILE.cgraph", help="a graph file")
    p.add_argument("--expr", metavar="PROGRAM",
                   help="build the graph from a program instead of a file "
                        "(write --expr=PROGRAM if it starts with -)")
    p.add_argument("--set", action="append", default=[], dest="sets", metavar="ID=VALUE",
                   help="override the value of an input or const node: a number or a JSON "
                        "list such as [[1, 2], [3, 4]] (repeatable)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object instead of the table")


def _run_eval(args: argparse.Namespace) -> int:
    from .engine import Evaluator

    if (args.file is None) == (args.expr is None):
        raise UsageError("give either FILE.cgraph or --expr PROGRAM" if args.file is None
                         else "give FILE.cgraph or --expr PROGRAM, not both")
    sets = [_split_set(text) for text in args.sets]
    names: dict[str, str] = {}
    unset: list[str] = []
    if args.expr is not None:
        from .program import parse_program
        where = "--expr"
        try:
            parsed = parse_program(args.expr)
        except ChainruleError as exc:
            raise CommandError(f"{where}: {exc}") from None
        graph, names, unset = parsed.graph, parsed.names, parsed.unset
    else:
        where = args.file
        graph = _load(args.file)

    done: set[str] = set()
    for text, node_id, raw in sets:
        done.add(_apply_set(graph, names, text, node_id, raw))
    missing = [n for n in unset if n not in done]
    if missing:
        raise CommandError(_missing_message(missing))

    try:
        evaluation = Evaluator(graph).evaluate()
    except ChainruleError as exc:
        raise CommandError(f"{where}: {exc}") from None
    except (ArithmeticError, TypeError, ValueError, IndexError) as exc:
        # A backstop: the engine reports failing nodes as problems, so this means
        # an input it did not foresee; still one line, never a traceback.
        raise CommandError(f"{where}: the graph cannot be evaluated ({exc})") from None
    if evaluation.problems:
        first = evaluation.problems[0].message
        more = len(evaluation.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise CommandError(f"{where}: {first}")
    if evaluation.error is not None:
        raise CommandError(f"{where}: {evaluation.error}")

    if args.json:
        text = json.dumps(eval_json(graph, evaluation), indent=2, allow_nan=False)
    else:
        text = eval_table(graph, evaluation, ascii=not _unicode_ok(sys.stdout))
    _write(sys.stdout, text + "\n")
    warning = warning_line(evaluation)
    if warning:
        _write(sys.stderr, f"{PROG}: warning: {_one_line(warning)}\n")
    return 0


def _load(path: str):
    try:
        from . import fileformat
    except ImportError as exc:
        raise CommandError(f"cannot read .cgraph files yet ({exc})") from None
    try:
        return fileformat.load(path)
    except ChainruleError as exc:
        raise CommandError(f"{path}: {exc}") from None
    except OSError as exc:
        raise CommandError(_os_message(exc, path)) from None
    except UnicodeError:
        raise CommandError(f"{path}: the file is not UTF-8 text") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"{path}: not a valid .cgraph file ({exc})") from None


def _split_set(text: str) -> tuple[str, str, str]:
    node_id, eq, raw = text.partition("=")
    node_id = node_id.strip()
    if not eq or not node_id:
        raise UsageError(f"--set {text}: write --set ID=VALUE, as in --set x=2")
    return text, node_id, raw


def parse_set_value(raw: str) -> Any:
    """A ``--set`` VALUE: a number, or a JSON list of numbers (nested for a matrix)."""
    from .graph import normalize_value

    text = raw.strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return normalize_value(number)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        data = None
    if not isinstance(data, list):
        raise CommandError("the value must be a number or a JSON list such as [1, 2]")
    return normalize_value(data)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a finite number")


def _apply_set(graph, names: dict[str, str], text: str, node_id: str, raw: str) -> str:
    if node_id not in graph and node_id in names:
        node_id = names[node_id]                    # a program name that is an alias
    if node_id not in graph:
        leaves = [n.id for n in graph.nodes() if n.spec.is_leaf]
        shown = ", ".join(leaves[:12]) + ("…" if len(leaves) > 12 else "")
        listing = f"; the inputs and consts are {shown}" if leaves else ""
        raise CommandError(f'--set {text}: there is no node "{node_id}"{listing}')
    node = graph.node(node_id)
    if not node.spec.is_leaf:
        article = "an" if node.op[:1] in "aeiou" else "a"
        raise CommandError(f'--set {text}: "{node_id}" is {article} {node.op} node; --set '
                           f"changes only input and const nodes")
    try:
        graph.set_value(node_id, parse_set_value(raw))
    except (ChainruleError, CommandError) as exc:
        raise CommandError(f"--set {text}: {exc}") from None
    return node_id


def _missing_message(missing: list[str]) -> str:
    if len(missing) == 1:
        n = missing[0]
        return f"{n} has no value: give it with --set {n}=VALUE"
    names = ", ".join(missing[:-1]) + " and " + missing[-1]
    sets = " ".join(f"--set {n}=VALUE" for n in missing)
    return f"{names} have no value: give them with {sets}"


# ---------------------------------------------------------------- output

def eval_json(graph, evaluation) -> dict:
    """The ``--json`` object: output, its value, every node, every edge in order."""
    out = evaluation.output
    return {
        "output": out,
        "value": json_safe(evaluation.value(out)),
        "nodes": {n.id: {"op": n.op,
                         "value": json_safe(evaluation.value(n.id)),
                         "grad": json_safe(evaluation.grad(n.id))}
                  for n in graph.nodes()},
        "edges": [{"from": e.src, "to": e.dst, "port": e.port,
                   "value": json_safe(evaluation.edge_value(e)),
                   "grad": json_safe(evaluation.edge_grad(e))}
                  for e in graph.edges()],
    }


def eval_table(graph, evaluation, ascii: bool = False, digits: int = 4) -> str:
    """The readable table: the output, then nodes, then edges."""
    arrow = "->" if ascii else "→"

    def fmt(v):
        return format_value(v, digits, ascii=ascii)

    out = evaluation.output
    lines = [f"output {out} = {fmt(evaluation.value(out))}", ""]
    rows = [(n.id, n.op, fmt(evaluation.value(n.id)), fmt(evaluation.grad(n.id)))
            for n in graph.nodes()]
    lines += _columns(("node", "op", "value", "gradient"), rows)
    edges = graph.edges()
    if edges:
        lines.append("")
        rows = []
        for e in edges:
            port = graph.node(e.dst).spec.ports[e.port]
            rows.append((f"{e.src} {arrow} {e.dst}.{port}", fmt(evaluation.edge_value(e)),
                         fmt(evaluation.edge_grad(e))))
        lines += _columns(("edge", "value", "gradient"), rows)
    return "\n".join(lines)


def _columns(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
            for row in [header, *rows]]


def _unicode_ok(stream) -> bool:
    try:
        "—→×…".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeError, LookupError):
        return False
    return True


def warning_line(evaluation, limit: int = 6) -> str:
    """One line naming each node that became inf or nan (and why), or ''."""
    parts = []
    for node_id, why in evaluation.warnings.items():
        parts.append(f"{node_id} {_describe(evaluation.value(node_id))} ({why})")
    for node_id in evaluation.grad_warnings:
        parts.append(f"the gradient of {node_id} {_describe(evaluation.grad(node_id))}")
    if len(parts) > limit:
        parts = parts[:limit] + [f"and {len(parts) - limit} more"]
    return "; ".join(parts)


def _describe(value: Any) -> str:
    if value is None:
        return "has no value"
    if not isinstance(value, np.ndarray):
        x = float(value)
        return "is " + ("nan" if math.isnan(x) else "inf" if x > 0 else "-inf")
    kinds = []
    if np.any(np.isnan(value)):
        kinds.append("nan")
    if np.any(np.isposinf(value)):
        kinds.append("inf")
    if np.any(np.isneginf(value)):
        kinds.append("-inf")
    return "contains " + " and ".join(kinds or ["non-finite numbers"])


register("eval", _eval_arguments, _run_eval,
         help="forward and backward pass without a window")
for _name, (_module, _help) in LAZY_SUBCOMMANDS.items():
    _register_lazy(_name, _module, _help)


if __name__ == "__main__":
    sys.exit(main())
