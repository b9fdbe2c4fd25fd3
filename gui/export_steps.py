"""Export a step-through as pictures, one per step, for slides: ``step-000.png`` … ``step-017.png``.

Frame 0 is the graph with nothing computed; frame ``k`` is the canvas after
``k`` steps, drawn exactly as the window draws it (the same scene, states
and labels, through :func:`chainrule.gui.canvas.export.render_image`).  Under the
graph each frame carries a caption — the chain-rule panel's page for that
step ("Step 5 of 17 · backward pass", the equations with numbers) — because
a slide has no chain-rule panel beside it.

The frames are drawn from a private copy of the graph in a scene of its own,
so exporting never disturbs the canvas on screen (or its undo history).
Frames of an earlier, longer export in the same folder (``step-NNN`` with a
larger number) are removed: they would otherwise pass for part of this one.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsTextItem

from chainrule.gui.safe_text import SafeTextDocument

from chainrule.core.graph import Graph
from chainrule.core.stepper import Stepper

SUFFIXES = (".png", ".svg")
CAPTION_SCALE = 1.3
CAPTION_GAP = 36.0


def frame_name(k: int, total: int, suffix: str) -> str:
    return f"step-{k:0{max(3, len(str(total)))}d}{suffix}"


def write_step_frames(graph: Graph, directory: Path | str, suffix: str = ".png",
                      digits: int = 4, caption: bool = True,
                      progress: Callable[[int, int], bool] | None = None,
                      seeds: dict | None = None) -> list[Path]:
    """Write one picture per step of ``graph``'s step-through; returns the paths.

    ``seeds`` (leaf id → tangent): forward mode too, the wires' tangents and the
    tangent rule in each forward step's caption.

    ``progress(k, total)`` is called before each frame; returning False stops.
    Raises ``ValueError`` for an unknown suffix and ``OSError`` when a file
    cannot be written.
    """
    from chainrule.gui.canvas.export import render_image

    suffix = suffix.lower() if suffix.startswith(".") else "." + suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"cannot write frames as {suffix}; use .png or .svg")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    total = 0
    for k, total, scene in step_scenes(graph, digits, caption, progress, seeds):
        path = directory / frame_name(k, total, suffix)
        render_image(scene, path)
        written.append(path)
    if len(written) == total + 1:
        _remove_stale(directory, total, suffix)
    return written


def step_scenes(graph: Graph, digits: int = 4, caption: bool = True,
                progress: Callable[[int, int], bool] | None = None,
                seeds: dict | None = None) -> Iterator[tuple[int, int, object]]:
    """(k, total, scene) for every step k of ``graph``'s step-through, step 0 first: the
    one scene (of a private copy of the graph) shown at step k, its caption under it.
    Every frame (picture, PDF page, GIF frame) is drawn from these; ``seeds``: forward
    mode's tangents too."""
    from chainrule.gui.canvas.scene import GraphScene
    from chainrule.gui.document import Document
    from chainrule.gui.step_canvas import show_step

    document = Document(graph.copy())
    scene = GraphScene(document)
    try:
        scene.set_precision(digits)
        stepper = Stepper(document.graph, seeds=seeds)
        total = stepper.total
        caption_item = _caption_item(scene, stepper, digits) if caption else None
        for k in range(total + 1):
            if progress is not None and progress(k, total) is False:
                break
            stepper.jump(k)
            show_step(scene, stepper)
            document.show_steps(stepper.shown())
            if caption_item is not None:
                caption_item.setHtml(caption_html(stepper, digits))
            yield k, total, scene
    finally:
        # The copy's document must stop listening before it goes away.
        document.set_graph(Graph())
        scene.deleteLater()
        document.deleteLater()


def caption_html(stepper: Stepper, digits: int = 4) -> str:
    """The chain-rule panel's page for this step, as it would read on a slide."""
    from chainrule.core.explain import step_page
    from chainrule.gui.chain_panel import names_legend, render_html
    explanation, header, hint, kind = step_page(stepper, digits, interactive=False)
    explanation.note = ""          # the op's teaching note belongs to the talk, not the slide
    return render_html(explanation, header, hint, kind, CAPTION_SCALE,
                       names_legend(explanation, stepper.graph))


def _caption_item(scene, stepper: Stepper, digits: int) -> QGraphicsTextItem:
    """A text block under the graph's lowest card, as wide as the graph.

    An empty box as tall as the longest caption sits behind it, so that every
    frame has the same size and the slides do not jump.
    """
    item = QGraphicsTextItem()
    item.setDocument(SafeTextDocument(item))     # loads no image a page might name
    rect = scene.items_rect()
    item.setTextWidth(max(640.0, rect.width()))
    item.setPos(QPointF(rect.left(), rect.bottom() + CAPTION_GAP))
    tallest = 0.0
    for k in range(stepper.total + 1):
        stepper.jump(k)
        item.setHtml(caption_html(stepper, digits))
        tallest = max(tallest, item.boundingRect().height())
    stepper.jump(0)
    room = QGraphicsRectItem(0, 0, item.textWidth(), tallest)
    room.setPen(QPen(Qt.PenStyle.NoPen))
    room.setPos(item.pos())
    scene.addItem(room)
    scene.addItem(item)
    return item


def _remove_stale(directory: Path, total: int, suffix: str) -> None:
    pattern = re.compile(r"^step-(\d{3,})" + re.escape(suffix) + "$")
    for path in directory.iterdir():
        m = pattern.match(path.name)
        if m and int(m.group(1)) > total:
            path.unlink(missing_ok=True)
