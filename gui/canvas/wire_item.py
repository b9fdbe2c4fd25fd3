"""One wire: a Bézier curve with its forward value above it and its gradient below.

In forward mode a third label sits above the value: the tangent the wire
carries forward (``ṫ 1``, in the tangent colour), pulled like the others
(``scene.wire_tangent_text``).

The item's id is its :class:`chainrule.core.graph.Edge`.  Its two ends are set by the
scene whenever a node moves; its texts are *pulled* when it is painted:
``scene.wire_texts(edge)`` formats the scene's current evaluation (the live
one, or a step-through's), and the result is cached until the scene's
``labels_version`` changes.  So a new evaluation — or a step — costs one
counter bump plus the formatting of the wires that are actually on screen: a
graph of thousands of wires relabels in a frame, and a zoomed-out view
(labels hidden) formats nothing at all.  Nothing else writes a wire's texts.

A step-through emphasises the wires its current step works on
(:meth:`WireItem.set_emphasized`): drawn in the current node's colour, labels
in bold.

Labels are drawn with ``QStaticText`` (laid out once per text), level so
they read well on a projector, moved sideways on a sloped wire so they do
not sit on it, and hidden when they would be too small to read on screen;
far out the wire is a plain line.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (QBrush, QColor, QFontMetricsF, QPainter, QPainterPath,
                           QPainterPathStroker, QPen, QStaticText, QTransform)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from chainrule.core.graph import Edge
from chainrule.gui import heatmap
from chainrule.gui.canvas import style
from chainrule.gui.canvas.routing import bezier
from chainrule.gui.safe_text import plain_tooltip

_FONT = None
_BOLD = None
_METRICS = None
_BOLD_METRICS = None


def _fonts():
    global _FONT, _BOLD, _METRICS, _BOLD_METRICS
    if _FONT is None:
        _FONT = style.font(style.LABEL_PX, bold=True)
        _BOLD = style.font(style.LABEL_PX + 1, bold=True)
        _METRICS = QFontMetricsF(_FONT)
        _BOLD_METRICS = QFontMetricsF(_BOLD)
    return _FONT, _BOLD, _METRICS, _BOLD_METRICS


class _Label:
    """A prepared text: the static text, its size, the font it was laid out in."""

    __slots__ = ("text", "static", "width", "height", "font", "mark", "mark_width")

    def __init__(self, text: str, emphasized: bool, room: float, mark: str = ""):
        font, bold, metrics, bold_metrics = _fonts()
        f, m = (bold, bold_metrics) if emphasized else (font, metrics)
        # The mark (∇) is its own text: a number stays one run of text in an SVG.
        self.mark_width = m.horizontalAdvance(mark) if mark else 0.0
        shown = text
        width = m.horizontalAdvance(shown)
        if width + self.mark_width > room and "[" in text:
            # An array's preview is cut, its shape (written first) stays; a number is
            # never cut (it is short: a cut "0.001…" beside a full "-0.001134" misleads).
            shown = m.elidedText(text, Qt.ElideRight, room - self.mark_width)
            width = m.horizontalAdvance(shown)
        self.text = text
        self.font = f
        self.static = _static(shown, f)
        self.mark = _static(mark, f) if mark else None
        self.width = width + self.mark_width
        self.height = m.height()


def _static(text: str, font) -> QStaticText:
    static = QStaticText(text)
    static.setTextFormat(Qt.PlainText)
    static.prepare(QTransform(), font)
    return static


_LABELS: dict[tuple[str, bool, float], _Label] = {}
_LABELS_MAX = 20_000


#: How wide the band is that a click on the wire may hit (scene pixels).
HIT_WIDTH = 18.0
GRAD_MARK = style.GRAD_MARK


def _label(text: str, emphasized: bool, room: float, mark: str = "") -> _Label:
    """Labels are shared: most wires keep their text when one value is edited."""
    key = (text, emphasized, room, mark)
    label = _LABELS.get(key)
    if label is None:
        if len(_LABELS) >= _LABELS_MAX:
            _LABELS.clear()
        label = _LABELS[key] = _Label(text, emphasized, room, mark)
    return label


class WireItem(QGraphicsItem):
    """A wire on the canvas, keyed by its ``edge``."""

    Type = QGraphicsItem.UserType + 2

    def __init__(self, edge: Edge):
        super().__init__()
        self.edge = edge
        self._p0 = QPointF()
        self._p1 = QPointF()
        self._lane: float | None = None
        self._path = QPainterPath()
        self._shape: QPainterPath | None = None
        self._rect = QRectF()
        self._t = 0.5
        self._anchor = QPointF()
        self._ax = self._ay = 0.0
        self._shift = 0.0
        self._hovered = False
        # (value, grad, tangent labels) pulled from the scene, and the key they were made for
        self._labels: tuple[_Label | None, _Label | None, _Label | None] = (None, None, None)
        self._labels_key: tuple | None = None
        self._emphasized = False
        # label rectangles for paint, keyed by (texts, geometry)
        self._geometry = 0
        self._room = style.LABEL_MAX_W
        self._placed: tuple = ()
        self._placed_key: tuple | None = None
        # Learning views: a pen drawn instead of the plain one (gradient flow) and a
        # third label line under the gradient (the overwrite-at-forks program's value).
        self._style_pen: QPen | None = None
        self._style_simple: QPen | None = None      # the same, for the far-zoom line
        self._extra: _Label | None = None
        # The heatmaps of a value and gradient of rank ≥ 2, made when first drawn.
        self.heat: tuple[heatmap.HeatmapCache, heatmap.HeatmapCache] | None = None
        self.heat_rects: tuple[QRectF | None, QRectF | None] = (None, None)
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0.0)

    def ends(self) -> tuple[QPointF, QPointF]:
        """Where the wire starts and ends (scene coordinates)."""
        return self._p0, self._p1

    def simple_pen(self) -> QPen:
        """The pen of the far-zoom line (what the wire batch draws it with)."""
        return _SIMPLE_SELECTED if self.isSelected() else self._style_simple or _SIMPLE_PEN

    def _batch_changed(self) -> None:
        batch = getattr(self.scene(), "wire_batch", None)      # a GraphScene's
        if batch is not None:
            batch.invalidate()

    def point_at(self, t: float) -> QPointF:
        """The point of the wire at ``t`` (0 at its source, 1 at its input port)."""
        return self._path.pointAtPercent(t)

    # ------------------------------------------------------ Qt overrides

    def type(self) -> int:
        return WireItem.Type

    def boundingRect(self) -> QRectF:
        return self._rect

    def shape(self) -> QPainterPath:
        if self._shape is None:
            # A wide band is easy to hit; the labels are part of the wire too.
            stroker = QPainterPathStroker()
            stroker.setWidth(HIT_WIDTH)
            shape = stroker.createStroke(self._path)
            for rect, *_rest in self._placed[2:] if self._placed else ():
                if not rect.isEmpty():
                    shape.addRect(rect)
            self._shape = shape.simplified()
        return self._shape

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        # Kept lean: at working zoom a repaint calls this for every visible wire.
        scene = self.scene()
        exporting = scene.exporting
        lod = 1.0 if exporting else painter.worldTransform().m11()
        selected = not exporting and self.isSelected()
        if lod < style.LOD_SIMPLE:
            painter.setPen(self.simple_pen() if not exporting else self._style_simple or _SIMPLE_PEN)
            painter.drawLine(QLineF(self._p0, self._p1))
            return
        # The wires the step-through works on in this step: the current node's colour.
        painter.setPen(_SELECTED_PEN if selected else _STEP_PEN if self._emphasized else
                       self._style_pen or (_HOVER_PEN if self._hovered else _PEN))
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self._path)
        # The labels and heatmaps are drawn by the scene's LabelLayer, above the cards.

    def paint_labels(self, painter: QPainter, lod: float) -> None:
        """The value and gradient labels (and heatmaps) at on-screen scale ``lod``; the
        LabelLayer calls this above every card, so no card hides a number."""
        if lod < style.LOD_WIRE_TEXT:
            return
        scene = self.scene()
        placed = self._placed_labels(scene)
        if placed:
            grow = lod < style.LOD_TEXT
            if grow:                  # keep the smallest readable size on screen
                k = style.LOD_TEXT / lod
                painter.save()
                painter.translate(self._anchor)
                painter.scale(k, k)
                painter.translate(-self._anchor)
            painter.setFont(placed[0])
            back = placed[1]
            for rect, pos, static, color in placed[2:]:
                if not rect.isEmpty():
                    painter.fillRect(rect, back)
                painter.setPen(color)
                painter.drawStaticText(pos, static)
            if grow:
                painter.restore()
        if lod >= style.LOD_HEATMAP:
            self._paint_heatmaps(painter, scene, placed)

    def _paint_heatmaps(self, painter: QPainter, scene, placed: tuple) -> None:
        """A matrix or an image batch on the wire: its value above the value label, its
        gradient below the gradient label (each through its cache)."""
        value, grad = scene.wire_arrays(self.edge)
        if value is None and grad is None:
            self.heat_rects = (None, None)
            return
        if self.heat is None:
            self.heat = (heatmap.HeatmapCache(), heatmap.HeatmapCache())
        rects = {style.VALUE.rgb(): None, style.GRAD.rgb(): None}
        for rect, _pos, _static, color in placed[2:]:
            rects.setdefault(color.rgb(), rect)
            if rects[color.rgb()] is None:
                rects[color.rgb()] = rect
        ax, ay = self._anchor.x(), self._anchor.y()
        h = _fonts()[2].height()
        w, hh = style.HEAT_W, style.HEAT_H
        out: list[QRectF | None] = [None, None]
        if value is not None:
            above = rects.get(style.TANGENT.rgb()) or rects[style.VALUE.rgb()]
            bottom = (above.top() if above is not None else ay - 3) - 3
            cx = above.center().x() if above is not None else ax
            out[0] = heatmap.draw_on(painter, self.heat[0], value,
                                     QRectF(cx - w / 2, bottom - hh, w, hh))
        if grad is not None:
            below = rects[style.GRAD.rgb()]
            top = (below.bottom() if below is not None else ay + 3 + h) + 3
            if self._extra is not None:
                top += self._extra.height + 1
            cx = below.center().x() if below is not None else ax
            out[1] = heatmap.draw_on(painter, self.heat[1], grad, QRectF(cx - w / 2, top, w, hh),
                                     top=True)
        self.heat_rects = (out[0], out[1])

    def _placed_labels(self, scene) -> tuple:
        """(font, background, (rect, point, text, colour)...) for paint, cached."""
        value, grad, tangent = self._current_labels(scene)
        emphasized = self._emphasized
        extra = self._extra
        key = (value, grad, tangent, emphasized, self._geometry, extra, _EPOCH)
        if key == self._placed_key:
            return self._placed
        self._placed_key = key
        if value is None and grad is None and extra is None and tangent is None:
            self._placed = ()
            return self._placed
        back = style.EMPHASIS_BACK if emphasized else style.LABEL_BACK
        ax, ay = self._anchor.x(), self._anchor.y()
        # Horizontal text (readable on a projector), pushed sideways on a sloped
        # wire so it sits in the free corner: above-right of a descending wire,
        # above-left of a rising one; the gradient takes the opposite corner.
        shift = self._shift
        placed: list = [(value or grad or extra or tangent).font, back]
        if value is not None:
            x = self._clamp_x(ax + shift * (value.width / 2 + 3) - value.width / 2, value.width)
            y = ay - value.height - 3
            placed.append((QRectF(x - 3, y, value.width + 6, value.height), QPointF(x, y),
                           value.static, style.VALUE))
        if tangent is not None:           # forward mode: above the value
            x = self._clamp_x(ax + shift * (tangent.width / 2 + 3) - tangent.width / 2,
                              tangent.width)
            y = ay - 3 - tangent.height - (value.height + 1 if value is not None else 0)
            placed.append((QRectF(x - 3, y, tangent.width + 6, tangent.height), QPointF(x, y),
                           tangent.static, style.TANGENT))
        if grad is not None:
            x = self._clamp_x(ax - shift * (grad.width / 2 + 3) - grad.width / 2, grad.width)
            y = ay + 3
            placed.append((QRectF(x - 3, y, grad.width + 6, grad.height),
                           QPointF(x + grad.mark_width, y), grad.static, style.GRAD))
            if grad.mark is not None:
                placed.append((QRectF(), QPointF(x, y), grad.mark, style.GRAD))
        if extra is not None:
            x = self._clamp_x(ax - shift * (extra.width / 2 + 3) - extra.width / 2, extra.width)
            y = ay + 3 + (grad.height + 1 if grad is not None else 0)
            placed.append((QRectF(x - 3, y, extra.width + 6, extra.height), QPointF(x, y),
                           extra.static, style.MISCONCEPTION))
        self._placed = tuple(placed)
        self._shape = None          # the labels are clickable: the shape follows them
        return self._placed

    def _clamp_x(self, x: float, width: float) -> float:
        """Keep a label between the two cards the wire joins, when there is room
        (a wire going back has its lane: any x along it is free)."""
        if self._lane is not None:
            return x
        left = min(self._p0.x(), self._p1.x()) + 8
        right = max(self._p0.x(), self._p1.x()) - 8
        if right - left < width:
            return x
        return max(left, min(x, right - width))

    # ------------------------------------------------------ geometry

    def set_ends(self, p0: QPointF, p1: QPointF, lane: float | None = None) -> None:
        """Move the wire's ends (scene coordinates; the item itself stays at 0,0);
        ``lane``: the y a wire going back runs along (see routing.py)."""
        if p0 == self._p0 and p1 == self._p1 and lane == self._lane and not self._rect.isNull():
            return
        self.prepareGeometryChange()
        self._p0, self._p1, self._lane = QPointF(p0), QPointF(p1), lane
        self._path = bezier(p0, p1, lane)
        self._shape = None
        self._geometry += 1
        self._place_label()
        self._batch_changed()

    def set_label_position(self, t: float) -> None:
        """Where along the wire (0 = source, 1 = target) the labels sit."""
        if t != self._t:
            self.prepareGeometryChange()
            self._t = t
            self._geometry += 1
            self._place_label()

    def _place_label(self) -> None:
        # Room for a label: the gap between the two cards (in steps of 8 px, so
        # labels stay shared), at least enough for a short number.
        gap = abs(self._p1.x() - self._p0.x()) - 16
        self._room = float(max(56, min(style.LABEL_MAX_W, int(gap) // 8 * 8)))
        self._anchor = self._path.pointAtPercent(self._t)
        self._ax, self._ay = self._anchor.x(), self._anchor.y()
        # Slope on screen (y grows downwards): > 0 when the wire descends.
        slope = -math.tan(math.radians(self._path.angleAtPercent(self._t)))
        self._shift = max(-1.0, min(1.0, 2.0 * slope))
        w = style.LABEL_MAX_W + 12
        h = style.LABEL_PX * 1.6 + 6
        below = h + (style.LABEL_PX * 1.6 if self._extra is not None else 0)
        above = 2 * h                     # the value, and the tangent in forward mode
        g = style.LABEL_GROWTH            # room for labels enlarged when zoomed out
        label_box = QRectF(self._anchor.x() - g * w, self._anchor.y() - g * above,
                           2 * g * w, g * (above + below))
        heat_box = QRectF(self._anchor.x() - style.LABEL_MAX_W / 2 - style.HEAT_W,
                          self._anchor.y() - h - style.HEAT_H - 10,
                          style.LABEL_MAX_W + 2 * style.HEAT_W,
                          2 * (h + style.HEAT_H + 10) + below - h)
        self._rect = self._path.controlPointRect().adjusted(-6, -6, 6, 6).united(label_box) \
            .united(heat_box)

    def label_anchor(self) -> QPointF:
        """The point on the wire the labels are centred on (scene coordinates)."""
        return QPointF(self._anchor)

    def label_xy(self) -> tuple[float, float]:
        """The same point as two floats (placing labels asks this often)."""
        return self._ax, self._ay

    def ends(self) -> tuple[QPointF, QPointF]:
        return QPointF(self._p0), QPointF(self._p1)

    # ------------------------------------------------------ labels

    def set_emphasized(self, on: bool) -> None:
        """The step-through works on this wire in its current step (or the quiz asks it)."""
        on = bool(on)
        if on != self._emphasized:
            self._emphasized = on
            self.update()

    def emphasized(self) -> bool:
        return self._emphasized

    def value_text(self) -> str | None:
        """The value label as shown (None: no label)."""
        value = self._current_labels(self.scene())[0]
        return None if value is None else value.text

    def grad_text(self) -> str | None:
        """The gradient label as shown (None: no label)."""
        grad = self._current_labels(self.scene())[1]
        return None if grad is None else grad.text

    def tangent_text(self) -> str | None:
        """The tangent label as shown in forward mode (None: no label)."""
        tangent = self._current_labels(self.scene())[2]
        return None if tangent is None else tangent.text

    def _current_labels(self, scene) -> tuple[_Label | None, _Label | None, _Label | None]:
        emphasized = self._emphasized
        key = (scene.labels_version, emphasized, self._room)
        if key != self._labels_key:
            room = self._room
            value, grad = scene.wire_texts(self.edge)
            tangent = scene.wire_tangent_text(self.edge)
            self._labels = (None if value is None else _label(value, emphasized, room),
                            None if grad is None else
                            _label(grad, emphasized, room, "" if grad == "?" else GRAD_MARK),
                            None if tangent is None else _label(tangent, emphasized, room))
            self._labels_key = key
        return self._labels

    # ------------------------------------------------------ learning views

    def set_style_override(self, width: float | None, color: QColor | None = None) -> None:
        """Draw the wire with this width and colour (the gradient-flow view); None: plain."""
        pen = None if width is None else _pen(color or style.WIRE, float(width))
        old = self._style_pen
        if pen is None and old is None:
            return
        if pen is not None and old is not None and pen == old:
            return
        self._style_pen = pen
        self._style_simple = None if pen is None else _pen(pen.color(), max(1.0, pen.widthF() / 2),
                                                           cosmetic=True)
        self.update()
        self._batch_changed()

    def style_override(self) -> tuple[float, QColor] | None:
        """(width, colour) of the override pen, or None when the wire is drawn plain."""
        pen = self._style_pen
        return None if pen is None else (pen.widthF(), pen.color())

    def set_extra_label(self, text: str | None) -> None:
        """A third line under the gradient, in the misconception colour; None removes it."""
        current = None if self._extra is None else self._extra.text
        if text == current:
            return
        self.prepareGeometryChange()
        # Not cut to the gap between the cards: it is short, and alone on its line.
        self._extra = None if text is None else _label(text, False, style.LABEL_MAX_W)
        self._geometry += 1
        self._place_label()
        self.update()

    def extra_text(self) -> str | None:
        return None if self._extra is None else self._extra.text

    # ------------------------------------------------------ hover

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        scene = self.scene()
        if scene is not None:
            self.setToolTip(plain_tooltip(scene.wire_tooltip(self.edge)))
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self.update()
        super().hoverLeaveEvent(event)


def simple_pen_plain() -> QPen:
    """The far-zoom line of a plain wire (neither selected nor restyled)."""
    return _SIMPLE_PEN


def _pen(color, width: float, cosmetic: bool = False) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.RoundCap)
    pen.setCosmetic(cosmetic)
    return pen


_NO_BRUSH = QBrush(Qt.NoBrush)
_EPOCH = 0


def _make_pens() -> None:
    """The wire pens, from the theme's colours (again whenever the theme changes)."""
    global _PEN, _HOVER_PEN, _SELECTED_PEN, _STEP_PEN, _SIMPLE_PEN, _SIMPLE_SELECTED, _EPOCH
    _EPOCH += 1                     # labels placed in the old colours are placed again
    _PEN = _pen(style.WIRE, 2.0)
    _HOVER_PEN = _pen(style.WIRE_HOVER, 2.6)
    _SELECTED_PEN = _pen(style.WIRE_SELECTED, 3.2)
    _STEP_PEN = _pen(style.STATE_CURRENT, 3.6)
    _SIMPLE_PEN = _pen(style.WIRE, 1.0, cosmetic=True)
    _SIMPLE_SELECTED = _pen(style.WIRE_SELECTED, 2.0, cosmetic=True)


_make_pens()
style.on_colours_loaded(_make_pens)


class LabelLayer(QGraphicsItem):
    """One item over the whole canvas, above the cards, that draws the wires' labels.

    The wires stay below the cards (a line behind a card reads as passing behind it);
    their numbers do not: a short wire's labels overlap the cards beside it instead
    of disappearing under them.  Painting draws the wires in the exposed area only,
    so it formats what the labels cost before.
    """

    Type = QGraphicsItem.UserType + 9

    def __init__(self, world: QRectF):
        super().__init__()
        self._world = QRectF(world)
        self.setZValue(2.0)
        self.setFlag(QGraphicsItem.ItemUsesExtendedStyleOption, True)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setAcceptHoverEvents(False)

    def type(self) -> int:
        return LabelLayer.Type

    def boundingRect(self) -> QRectF:
        return self._world

    def shape(self) -> QPainterPath:
        return QPainterPath()             # never hit: clicks go to the wires and cards

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        scene = self.scene()
        lod = 1.0 if scene.exporting else painter.worldTransform().m11()
        if lod < style.LOD_WIRE_TEXT:
            return
        # The wires themselves, not the scene's index: inside QGraphicsScene.render
        # (export, `chainrule render`) the index answers no query.
        exposed = option.exposedRect
        for item in scene.wires.made().values():
            if item._rect.intersects(exposed) and item.isVisible():
                item.paint_labels(painter, lod)

