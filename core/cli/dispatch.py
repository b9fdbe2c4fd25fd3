"""The subcommand registry and the dispatcher of ``chainrule`` (``cli.md``).

Exit status: 0 on success (inf and nan are results: one warning line goes to
stderr), 2 for a usage error, 1 when the file or program cannot be read or
the graph cannot be evaluated, with one line ``chainrule: <what and where>``
on stderr. Bad input never shows a Python traceback.

A subcommand is two functions given to :func:`register`::

    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> int: ...

``run`` returns the exit status; it may raise :class:`UsageError` (exit 2)
or :class:`CommandError` / any :class:`~chainrule.core.errors.ChainruleError`
(exit 1, the message printed as one line).

The core knows nothing of the editor: the program's composition root
(``chainrule.gui.entry``) registers the editor with :func:`register_editor`
and the drawing behind ``render`` with :func:`register`.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import ChainruleError
from .common import PROG, CommandError, UsageError, one_line, os_message, write


@dataclass
class Subcommand:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


SUBCOMMANDS: dict[str, Subcommand] = {}

#: What ``chainrule`` and ``chainrule FILE`` start; None until the GUI registers it.
_editor: Callable[[str | None], int] | None = None


def register(name: str, add_arguments: Callable[[argparse.ArgumentParser], None],
             run: Callable[[argparse.Namespace], int], help: str = "") -> None:
    """Add (or replace, keeping its place in the list) the subcommand ``name``."""
    old = SUBCOMMANDS.get(name)
    SUBCOMMANDS[name] = Subcommand(name, help or (old.help if old else ""), add_arguments, run)


def register_editor(start: Callable[[str | None], int] | None) -> None:
    """What ``chainrule [FILE]`` runs: ``start(path)`` returns the exit status."""
    global _editor
    _editor = start


# -------------------------------------------------------------- the parser

class _Parser(argparse.ArgumentParser):
    """argparse, with a one-line error message after the usage (exit status 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole parser, one sub-parser per registered subcommand."""
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
        if len(argv) == 1 and (first.endswith(".cgraph") or os.path.lexists(first)):
            return open_editor(first)
        parser = build_parser()
        close = difflib.get_close_matches(first, list(SUBCOMMANDS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        parser.error(f"{first!r} is neither a subcommand ({', '.join(SUBCOMMANDS)}) "
                     f"nor a .cgraph file{hint}")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return open_editor(None)
    try:
        return int(args._run(args) or 0)
    except UsageError as exc:
        args._parser.error(str(exc))
    except (CommandError, ChainruleError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(os_message(exc))
    return 1  # not reached: error() exits


def fail(message: str) -> int:
    """Print ``chainrule: message`` as one line on stderr; returns exit status 1."""
    write(sys.stderr, f"{PROG}: {one_line(message)}\n")
    return 1


# ----------------------------------------------------------------- editor

def open_editor(path: str | None) -> int:
    """Start the registered editor on ``path`` or on the default demo."""
    if path is not None:
        from ..fileformat import regular_file_problem
        problem = regular_file_problem(path)
        if problem:
            return fail(f"cannot open {path}: {problem}")
    if _editor is None:
        return fail("the editor is not available here (run the chainrule command, "
                    "which includes it)")
    code = _editor(path)
    return code if isinstance(code, int) else 0
