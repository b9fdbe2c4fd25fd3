"""Save the canvas as a picture for slides and handouts: PNG or SVG, by suffix.

The picture is the scene drawn at full detail — every label visible whatever
the zoom on screen, no selection highlight, no grid — on a white background
with a margin.  PNG is drawn at twice the scene's scale so it stays sharp on
a projector; SVG (``QSvgGenerator``) keeps text as text.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter

from chainrule.gui.canvas import style
from chainrule.gui.canvas.scene import GraphScene

MARGIN = 32.0
PNG_SCALE = 2.0


def render_image(scene: GraphScene, path: str | Path, *, scale: float = PNG_SCALE,
                 margin: float = MARGIN, background=style.EXPORT_BACKGROUND) -> Path:
    """Write ``scene`` to ``path`` (.png or .svg); returns the path written.

    Raises ``ValueError`` for another suffix and ``OSError`` when the file
    cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"cannot save a picture as {path.suffix or 'a file without suffix'}; "
                         "use .png or .svg")
    with scene.export_mode():
        source = _content_rect(scene).adjusted(-margin, -margin, margin, margin)
        if suffix == ".png":
            _write_png(scene, path, source, scale, background)
        else:
            _write_svg(scene, path, source, background)
    return path


def content_rect(scene: GraphScene, margin: float = 0.0) -> QRectF:
    """What a picture of ``scene`` shows: every visible item, with ``margin`` around."""
    return _content_rect(scene).adjusted(-margin, -margin, margin, margin)


def render_qimage(scene: GraphScene, scale: float = PNG_SCALE, margin: float = MARGIN,
                  background=style.EXPORT_BACKGROUND) -> QImage:
    """``scene`` drawn as a picture in memory (the PNG's pixels; GIF frames)."""
    with scene.export_mode():
        source = content_rect(scene, margin)
        return _draw_image(scene, source, scale, background)


def _content_rect(scene: GraphScene) -> QRectF:
    rect = QRectF()
    for item in scene.items():
        if item.isVisible() and item is not getattr(scene, "label_layer", None):
            rect = rect.united(item.sceneBoundingRect())
    return rect if not rect.isNull() else QRectF(0, 0, 200, 100)


def _draw_image(scene: GraphScene, source: QRectF, scale: float, background) -> QImage:
    size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    image.fill(background)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), source,
                 Qt.KeepAspectRatio)
    painter.end()
    return image


def _write_png(scene: GraphScene, path: Path, source: QRectF, scale: float, background) -> None:
    image = _draw_image(scene, source, scale, background)
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def _write_svg(scene: GraphScene, path: Path, source: QRectF, background) -> None:
    from PySide6.QtSvg import QSvgGenerator   # in PySide6-Essentials

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(round(source.width()), round(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle("Chainrule graph")
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"could not write {path}")
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    painter.fillRect(QRectF(0, 0, source.width(), source.height()), background)
    scene.render(painter, QRectF(0, 0, source.width(), source.height()), source,
                 Qt.KeepAspectRatio)
    painter.end()
    if not path.exists():
        raise OSError(f"could not write {path}")
