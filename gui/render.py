"""``chainrule render FILE.cgraph -o OUT.png|OUT.svg``: draw a graph without a window.

``chainrule render FILE.cgraph --steps -o DIR`` draws the step-through
instead, one picture per step (``step-000.png`` …), the same frames as File ▸
Export Steps… (:mod:`gui.export_steps`).

The picture is the editor's own canvas scene (values in green above each
wire, gradients in red below), written by :func:`gui.canvas.export.render_image`,
so a rendered file looks exactly like File ▸ Export Image….  Qt runs on its
``offscreen`` platform unless ``QT_QPA_PLATFORM`` says otherwise, so this
works on a server or in CI with no display.

``core.cli`` imports this module only when ``render`` is used and calls
:func:`add_arguments` and :func:`run`.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

SUFFIXES = (".png", ".svg")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("chainrule render FILE.cgraph -o OUT.png|OUT.svg [--precision DIGITS]\n"
                    "       chainrule render FILE.cgraph --steps -o DIR [--format png|svg] "
                    "[--no-caption]")
    parser.description = ("Draw a graph with its forward values and gradients to a PNG or SVG "
                          "image, the same picture as the editor's File > Export Image.")
    parser.add_argument("file", metavar="FILE.cgraph", help="the graph to draw")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="image to write; .png or .svg (with --steps: a folder)")
    parser.add_argument("--steps", action="store_true",
                        help="one picture per step of the step-through (step 0 = nothing "
                        "computed), written into the folder OUT")
    parser.add_argument("--format", choices=("png", "svg"), default="png",
                        help="picture format of the --steps frames (default png)")
    parser.add_argument("--no-caption", dest="caption", action="store_false",
                        help="--steps frames without the step and its chain rule under "
                        "the graph")
    parser.add_argument("--precision", type=int, default=4, choices=(2, 3, 4, 6),
                        metavar="DIGITS", help="significant digits of the numbers (2, 3, 4 "
                        "or 6; default 4)")


def run(args: argparse.Namespace) -> int:
    from core.cli import UsageError
    out = Path(args.output)
    if args.steps:
        return run_steps(args, out)
    if out.suffix.lower() not in SUFFIXES:
        raise UsageError(f"cannot write {out.name}: the image must end in .png or .svg")
    from core import fileformat
    graph = fileformat.load(args.file)
    render_file(graph, out, args.precision)
    return 0


def run_steps(args: argparse.Namespace, out: Path) -> int:
    from core.cli import UsageError
    if out.suffix.lower() in SUFFIXES:
        raise UsageError(f"with --steps, -o names a folder for the pictures, not {out.name}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot write the steps into {out}: it is a file, not a folder")
    from core import fileformat
    graph = fileformat.load(args.file)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.export_steps import write_step_frames
    _app = QApplication.instance() or QApplication(["chainrule"])
    paths = write_step_frames(graph, out, "." + args.format, args.precision, args.caption)
    print(f"wrote {len(paths)} pictures to {out}")
    return 0


def render_file(graph, out: Path | str, digits: int = 4) -> Path:
    """Draw ``graph`` (a core.graph.Graph) to ``out``; returns the path written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.canvas.export import render_image
    from gui.canvas.view import CanvasView
    from gui.document import Document

    app = QApplication.instance() or QApplication(["chainrule"])
    document = Document(graph)
    view = CanvasView(document)
    try:
        view.set_precision(digits)
        document.evaluate_now()
        app.processEvents()
        return render_image(view.graph_scene, out)
    finally:
        view.deleteLater()
        document.deleteLater()
