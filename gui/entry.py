"""The program's composition root: the ``chainrule`` command with its editor.

The headless command line (:mod:`chainrule.core.cli`) knows nothing of Qt.
This module gives it the two things that need Qt — the editor behind
``chainrule [FILE]`` and the drawing behind ``render`` — as functions that
import the GUI only when they run, so ``chainrule eval``/``check``/``export``
never load PySide6.
"""
from __future__ import annotations

import argparse

from chainrule.core import cli
from chainrule.core.cli import render_args


def _open_editor(path: str | None) -> int:
    try:
        from chainrule.gui.app import main as start
    except ImportError as exc:
        return cli.dispatch.fail(f"the editor is not available ({exc})")
    return start(path)


def _render(args: argparse.Namespace) -> int:
    from chainrule.gui.render import run
    return run(args)


def compose() -> None:
    """Register the editor and ``render`` with the command line (idempotent)."""
    cli.register_editor(_open_editor)
    cli.register("render", render_args.add_arguments, _render, help=render_args.HELP)


def main(argv: list[str] | None = None) -> int:
    """The ``chainrule`` console script and ``python -m chainrule``."""
    compose()
    return cli.main(argv)
