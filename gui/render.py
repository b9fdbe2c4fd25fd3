"""``chainrule render FILE.cgraph -o OUT.png|OUT.svg``: draw a graph without a window.

``chainrule render FILE.cgraph --steps -o DIR`` draws the step-through
instead, one picture per step (``step-000.png`` …), the same frames as File ▸
Export Steps… (:mod:`chainrule.gui.export_steps`).

The picture is the editor's own canvas scene (values in green above each
wire, gradients in red below), written by :func:`chainrule.gui.canvas.export.render_image`,
so a rendered file looks exactly like File ▸ Export Image….  Qt runs on its
``offscreen`` platform unless ``QT_QPA_PLATFORM`` says otherwise, so this
works on a server or in CI with no display.

The command line itself is :mod:`chainrule.core.cli.render_args`; the
composition root (:mod:`chainrule.gui.entry`) imports this module only when
``render`` runs and calls :func:`run`.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from chainrule.core.cli import render_args
from chainrule.core.cli.common import UsageError

SUFFIXES = render_args.SUFFIXES


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if args.steps:
        return run_steps(args, out)
    if out.suffix.lower() not in SUFFIXES:
        raise UsageError(f"cannot write {out.name}: the image must end in .png or .svg")
    from chainrule.core import fileformat
    graph = fileformat.load(args.file)
    render_file(graph, out, args.precision)
    return 0


def run_steps(args: argparse.Namespace, out: Path) -> int:
    kind = render_args.steps_kind(args)
    if args.frame_ms <= 0:
        raise UsageError(f"--frame-ms {args.frame_ms}: a frame time must be positive")
    if kind in ("png", "svg"):
        if out.suffix.lower() in SUFFIXES:
            raise UsageError(f"with --steps, -o names a folder for the pictures (or a .pdf, "
                             f".gif or .apng file), not {out.name}")
        if out.exists() and not out.is_dir():
            raise UsageError(f"cannot write the steps into {out}: it is a file, not a folder")
    from chainrule.core import fileformat
    graph = fileformat.load(args.file)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(["chainrule"])
    if kind == "pdf":
        from chainrule.gui.export_deck import write_pdf
        pages = write_pdf(graph, out, args.precision, args.page)
        print(f"wrote {out}: a title page and {pages - 1} step pages")
        return 0
    if kind in ("gif", "apng"):
        from chainrule.gui.export_deck import write_animation
        frames = write_animation(graph, out, args.precision, args.frame_ms, args.caption,
                                 kind="." + kind)
        print(f"wrote {out}: {frames} frames of {args.frame_ms} ms")
        return 0
    from chainrule.gui.export_steps import write_step_frames
    paths = write_step_frames(graph, out, "." + kind, args.precision, args.caption)
    print(f"wrote {len(paths)} pictures to {out}")
    return 0


def render_file(graph, out: Path | str, digits: int = 4) -> Path:
    """Draw ``graph`` (a core.graph.Graph) to ``out``; returns the path written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from chainrule.gui.canvas.export import render_image
    from chainrule.gui.canvas.view import CanvasView
    from chainrule.gui.document import Document

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
