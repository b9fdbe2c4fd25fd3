"""One node drawn as a card: what it is, what feeds it, whether it is in trouble.

A :class:`NodeItem` holds a node id and the strings it shows — never the
graph.  The scene sets everything it displays (title, leaf value, which
ports are wired, the warning, the output mark, the stepper's state) and asks
it only geometric questions (where is port *k*, which port is under this
point).  The card's top-left corner is the node's ``pos`` in the file.

Ports: inputs on the left edge, spread over the card's height in port order;
the single output on the right edge.  An unconnected input is a hollow red
ring; while a wire is being dragged the scene sets hints so that the ports
the wire may plug into turn green and the others grey.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from chainrule.core.ops import Op
from chainrule.gui.canvas import style
from chainrule.gui.safe_text import plain_tooltip

STATES = ("normal", "done", "current", "ready", "waiting")
#: The key of the output port in port hints (input ports are 0, 1, ...).
OUTPUT_PORT = -1

_TITLE_FONT = None
_SYMBOL_FONT = None
_VALUE_FONT = None
_SMALL_FONT = None
_TAG_FONT = None
_STUB_FONT = None


def _fonts():
    """Fonts are made once, after the QApplication exists."""
    global _TITLE_FONT, _SYMBOL_FONT, _VALUE_FONT, _SMALL_FONT, _TAG_FONT, _STUB_FONT
    if _TITLE_FONT is None:
        _TITLE_FONT = style.font(12, bold=True)
        _SYMBOL_FONT = style.font(22)
        _VALUE_FONT = style.font(16, bold=True)
        _SMALL_FONT = style.font(10)
        _TAG_FONT = style.font(10, bold=True)
        _STUB_FONT = style.font(style.LABEL_PX, bold=True)
    return _TITLE_FONT, _SYMBOL_FONT, _VALUE_FONT, _SMALL_FONT, _TAG_FONT, _STUB_FONT


class NodeItem(QGraphicsItem):
    """A node card on the canvas, keyed by ``node_id``."""

    Type = QGraphicsItem.UserType + 1

    def __init__(self, node_id: str, op: Op, hollow: bool = False):
        super().__init__()
        self.node_id = node_id
        self.op = op
        self.title = node_id
        self.value_text: str | None = None
        self.short_text: str | None = None
        self.trainable = False
        self.is_output = False
        self.warning: str | None = None
        # Why the node has no value (an op that refused its inputs: shapes that do not
        # fit, an index out of range): a red badge and border, the sentence on hover.
        self.problem: str | None = None
        self.state = "normal"
        self.extra_tooltip = ""
        self.connected = [False] * op.arity
        # port → may plug (during a wire drag); OUTPUT_PORT for the output
        self.hints: dict[int, bool] | None = None
        self.stub_value: str | None = None
        self.stub_grad: str | None = None
        self.stub_tangent: str | None = None      # forward mode: above the value
        self.stub_emphasized = False
        # Learning views: small pills under the card, by who set them ("check", "fork").
        self.marks: dict[str, tuple[str, QColor, str]] = {}
        self.rings: dict[str, QColor] = {}      # key → colour of a ring round the card
        self._hovered = False
        self._rect = QRectF()
        # hollow: the scene draws every card in one batch (far_batch.py) for now
        self.setFlags(_HOLLOW_FLAGS if hollow else _FLAGS)
        self.setAcceptHoverEvents(True)
        self.setZValue(1.0)
        # A card changes rarely (its texts, a hint, a state), a repaint happens on
        # every evaluation: keep the rendered card as a pixmap at the current zoom.
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self._update_rect()

    # ------------------------------------------------------ Qt overrides

    def type(self) -> int:
        return NodeItem.Type

    def boundingRect(self) -> QRectF:
        return self._rect

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.setFillRule(Qt.WindingFill)      # the discs overlap the card: keep both filled
        # The card plus the port discs, so a press on a port lands on this item.
        path.addRoundedRect(QRectF(0, 0, style.NODE_W, style.NODE_H), style.CORNER, style.CORNER)
        for k in range(self.op.arity):
            p = self.input_port_pos(k)
            path.addEllipse(p, style.PORT_HIT, style.PORT_HIT)
        path.addEllipse(self.output_port_pos(), style.PORT_HIT, style.PORT_HIT)
        return path

    def meets(self, left: float, top: float, right: float, bottom: float) -> bool:
        """Whether this rectangle (item coordinates) meets the card or a port's disc:
        the :meth:`shape` test without building the path (corners taken as square)."""
        return card_meets(self.op.arity, left, top, right, bottom)

    def itemChange(self, change, value):
        # Qt calls this about ten times while a card is made and added: kept to one
        # comparison, and the value handed back as QGraphicsItem's own would.
        if change is _POSITION_CHANGED:
            scene = self.scene()
            if scene is not None:          # a GraphScene: cards live in no other
                scene.node_item_moved(self)
                scene.card_batch.invalidate()
        return value

    def block_look(self) -> tuple:
        """Far zoomed out, what the card's block looks like (the card batch draws it):
        (fill, border as (rgba, width) or None, badge colour or None, opacity)."""
        fill = style.group_color(self.op.group) if self.state != "done" else style.STATE_DONE
        border = ((style.SELECTION.rgba(), 6) if self.isSelected() else
                  (style.OUTPUT_BORDER.rgba(), 5) if self.is_output else None)
        badge = (style.PROBLEM if self.problem else style.WARNING) if self.badge else None
        return fill, border, badge, self.opacity()

    def _block_changed(self) -> None:
        batch = getattr(self.scene(), "card_batch", None)
        if batch is not None:
            batch.invalidate()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        # (rounding: at exactly 30 % this gave 0.2999…, below the threshold the wires use)
        lod = option.levelOfDetailFromTransform(painter.worldTransform()) + 1e-9
        scene = self.scene()
        exporting = scene.exporting
        selected = self.isSelected() and not exporting
        card = QRectF(0, 0, style.NODE_W, style.NODE_H)
        if lod < style.LOD_SIMPLE and not exporting:
            self._paint_block(painter, card, selected)
            return
        title_font, symbol_font, value_font, small_font, tag_font, stub_font = _fonts()
        dark = style.group_dark(self.op.group)

        # shadow, card, header band
        painter.setPen(Qt.NoPen)
        painter.setBrush(style.SHADOW)
        painter.drawRoundedRect(card.translated(1.5, 2.5), style.CORNER, style.CORNER)
        body = style.STATE_DONE if self.state == "done" else style.CARD
        painter.setBrush(body)
        painter.drawRoundedRect(card, style.CORNER, style.CORNER)
        painter.setBrush(style.group_color(self.op.group))
        painter.drawPath(_header_path())

        # border: state, output mark, selection
        painter.setBrush(Qt.NoBrush)
        if self.state == "current":
            glow = QColor(style.STATE_CURRENT)
            glow.setAlpha(70)
            painter.setPen(QPen(glow, 9))
            painter.drawRoundedRect(card, style.CORNER, style.CORNER)
            painter.setPen(QPen(style.STATE_CURRENT, 3.2))
        elif self.state == "ready":
            painter.setPen(QPen(style.STATE_READY, 2.2, Qt.DashLine))
        elif self.is_output:
            painter.setPen(QPen(style.OUTPUT_BORDER, 2.6))
        elif self.problem:
            painter.setPen(QPen(style.PROBLEM, 2.2))
        else:
            painter.setPen(QPen(style.CARD_BORDER, 1.2))
        painter.drawRoundedRect(card, style.CORNER, style.CORNER)
        for k, color in enumerate(self.rings.values()):
            grow = 7 + 5 * k
            painter.setPen(QPen(color, 3.5))
            painter.drawRoundedRect(card.adjusted(-grow, -grow, grow, grow), style.CORNER + grow,
                                    style.CORNER + grow)
        if selected:
            painter.setPen(QPen(style.SELECTION, 2.5))
            painter.drawRoundedRect(card.adjusted(-4, -4, 4, 4), style.CORNER + 3, style.CORNER + 3)

        if lod >= style.LOD_TEXT or exporting:
            self._paint_texts(painter, title_font, symbol_font, value_font, small_font, tag_font,
                              dark)
        elif lod >= style.LOD_WIRE_TEXT:
            self._paint_name_only(painter, card, lod, dark)
        self._paint_ports(painter, dark)
        if self.is_output:
            # Its labels show wherever the wires' do, enlarged as theirs between
            # LOD_WIRE_TEXT and LOD_TEXT so they keep the smallest readable size.
            grow = 1.0 if lod >= style.LOD_TEXT or exporting else style.LOD_TEXT / lod
            self._paint_stub(painter, lod >= style.LOD_WIRE_TEXT or exporting, stub_font, grow)

    # ------------------------------------------------------ painting parts

    def _paint_name_only(self, painter: QPainter, card: QRectF, lod: float,
                         dark: QColor) -> None:
        """Zoomed out but still readable: the name (and a leaf's value) in large type,
        so a whole demo fitted into a small window still says which card is which."""
        font = style.font(max(style.LABEL_PX, round(style.MIN_LABEL_SCREEN_PX * 1.2 / lod)),
                          bold=True)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        box = card.adjusted(4, 2, -4, -2)
        lines = [self.title] + ([self.short_text] if self.short_text else [])
        painter.setPen(dark)
        painter.drawText(box, Qt.AlignCenter,
                         "\n".join(metrics.elidedText(t, Qt.ElideRight, box.width())
                                   for t in lines))
        if self.marks:
            # The learning views' pills are too small to read here: their symbol (✓ or
            # ✗ of the gradient check, else a dot) in its colour, as large as fits under
            # the card, so a check of a whole fitted demo still shows on the canvas.
            painter.setFont(style.font(20, bold=True))
            row = QRectF(0, style.NODE_H, style.NODE_W, 22)
            heavy = {"✓": "✔", "✗": "✖"}
            symbols = [(heavy.get(t[:1], "●"), c) for t, c, _ in self.marks.values()]
            step = 24.0
            x = (style.NODE_W - step * len(symbols)) / 2
            for symbol, color in symbols:
                painter.setPen(color)
                painter.drawText(QRectF(x, row.top(), step, row.height()), Qt.AlignCenter,
                                 symbol)
                x += step

    def _paint_block(self, painter: QPainter, card: QRectF, selected: bool) -> None:
        """Far zoomed out: a coloured block, no text, no ports."""
        painter.setPen(QPen(style.SELECTION, 6) if selected else
                       QPen(style.OUTPUT_BORDER, 5) if self.is_output else Qt.NoPen)
        painter.setBrush(style.group_color(self.op.group) if self.state != "done"
                         else style.STATE_DONE)
        painter.drawRect(card)
        if self.badge:
            painter.setPen(Qt.NoPen)
            painter.setBrush(style.PROBLEM if self.problem else style.WARNING)
            painter.drawRect(QRectF(style.NODE_W - 30, 0, 30, 30))

    def _paint_texts(self, painter, title_font, symbol_font, value_font, small_font, tag_font,
                     dark) -> None:
        w, h = style.NODE_W, style.NODE_H
        painter.setFont(title_font)
        painter.setPen(style.TEXT)
        metrics = QFontMetricsF(title_font)
        title_box = QRectF(8, 0, w - 16 - (18 if self.badge else 0), style.HEADER_H)
        painter.drawText(title_box, Qt.AlignVCenter | Qt.AlignLeft,
                         metrics.elidedText(self.title, Qt.ElideRight, title_box.width()))
        body = QRectF(10, style.HEADER_H, w - 20, h - style.HEADER_H)
        if self.op.is_leaf:
            painter.setFont(value_font)
            painter.setPen(style.TEXT)
            vm = QFontMetricsF(value_font)
            text = self.value_text or ""
            if vm.horizontalAdvance(text) > body.width():
                text = self.short_text or text
            painter.drawText(body, Qt.AlignCenter,
                             vm.elidedText(text, Qt.ElideRight, body.width()))
            tag = self.op.name
            painter.setFont(small_font)
            painter.setPen(dark)
            painter.drawText(QRectF(0, h - 13, w - 6, 12), Qt.AlignRight | Qt.AlignVCenter, tag)
        else:
            painter.setFont(symbol_font)
            painter.setPen(dark)
            painter.drawText(body, Qt.AlignCenter, self.op.symbol)
            if self.title != self.op.name:
                painter.setFont(small_font)
                painter.setPen(style.TEXT_MUTED)
                painter.drawText(QRectF(0, h - 13, w - 6, 12), Qt.AlignRight | Qt.AlignVCenter,
                                 self.op.name)
        if self._hovered and self.op.arity:
            painter.setFont(small_font)
            painter.setPen(style.TEXT_MUTED)
            for k, name in enumerate(self.op.ports):
                p = self.input_port_pos(k)
                painter.drawText(QRectF(p.x() + 8, p.y() - 7, 60, 14),
                                 Qt.AlignLeft | Qt.AlignVCenter, name)
        if self.problem:
            painter.setFont(small_font)
            painter.setPen(style.PROBLEM)
            painter.drawText(QRectF(6, h - 13, w - 12, 12), Qt.AlignLeft | Qt.AlignVCenter,
                             "✗ no value")
        if self.badge:
            self._paint_badge(painter, tag_font)
        if self.trainable:
            self._paint_trainable(painter, tag_font)
        if self.marks:
            self._paint_marks(painter, tag_font)
        if self.is_output:
            label = "output"
            painter.setFont(tag_font)
            tag = self.output_tag_rect(tag_font)
            painter.setPen(Qt.NoPen)
            painter.setBrush(style.OUTPUT_BORDER)
            painter.drawRoundedRect(tag, 4, 4)
            painter.setPen(style.CARD_INK)
            painter.drawText(tag, Qt.AlignCenter, label)
        if self.state == "done":
            painter.setFont(tag_font)
            painter.setPen(style.VALUE)
            # left of the warning badge when there is one, never under it
            right = w - (22 if self.badge else 4)
            painter.drawText(QRectF(right - 16, 0, 16, style.HEADER_H), Qt.AlignCenter, "✓")

    def output_tag_rect(self, tag_font=None) -> QRectF:
        """Where the "output" tag goes: above the card's right end, beside a ⚠ badge."""
        metrics = QFontMetricsF(tag_font or _fonts()[4])
        tw = metrics.horizontalAdvance("output") + 10
        return QRectF(style.NODE_W - tw - (16 if self.badge else 0), -17, tw, 15)

    def _badge_rect(self) -> QRectF:
        return QRectF(style.NODE_W - 12, -8, 20, 18)

    def _paint_badge(self, painter: QPainter, tag_font) -> None:
        r = self._badge_rect()
        tri = QPolygonF([QPointF(r.center().x(), r.top()), QPointF(r.right(), r.bottom()),
                         QPointF(r.left(), r.bottom())])
        painter.setPen(QPen(style.PROBLEM_EDGE if self.problem else style.WARNING_EDGE, 1))
        painter.setBrush(style.PROBLEM if self.problem else style.WARNING)
        painter.drawPolygon(tri)
        painter.setPen(style.CARD_INK)
        painter.setFont(tag_font)
        painter.drawText(r.adjusted(0, 4, 0, 1), Qt.AlignCenter, "!")

    def _paint_trainable(self, painter: QPainter, tag_font) -> None:
        """The parameter badge: "θ param" on a blue pill above the card's left corner."""
        label = "θ param"
        painter.setFont(tag_font)
        tw = QFontMetricsF(tag_font).horizontalAdvance(label) + 10
        tag = QRectF(0, -17, tw, 15)
        painter.setPen(Qt.NoPen)
        painter.setBrush(style.TRAINABLE)
        painter.drawRoundedRect(tag, 4, 4)
        painter.setPen(style.CARD_INK)
        painter.drawText(tag, Qt.AlignCenter, label)

    def _paint_marks(self, painter: QPainter, tag_font) -> None:
        """The learning views' pills, one under the other below the card."""
        metrics = QFontMetricsF(tag_font)
        painter.setFont(tag_font)
        y = style.NODE_H + 3
        for text, color, _tip in self.marks.values():
            text = metrics.elidedText(text, Qt.ElideRight, style.MARK_MAX_W - 10)
            tw = metrics.horizontalAdvance(text) + 10
            pill = QRectF((style.NODE_W - tw) / 2, y, tw, 15)
            painter.setPen(QPen(color, 1.2))
            painter.setBrush(style.CARD)
            painter.drawRoundedRect(pill, 4, 4)
            painter.setPen(color)
            painter.drawText(pill, Qt.AlignCenter, text)
            y += 17

    def _paint_ports(self, painter: QPainter, dark: QColor) -> None:
        r = style.PORT_R
        for k in range(self.op.arity):
            p = self.input_port_pos(k)
            hint = None if self.hints is None else self.hints.get(k)
            if hint is True:
                painter.setPen(QPen(style.PORT_OK.darker(130), 1.5))
                painter.setBrush(style.PORT_OK)
                painter.drawEllipse(p, r + 2.5, r + 2.5)
            elif hint is False:
                painter.setPen(Qt.NoPen)
                painter.setBrush(style.PORT_REFUSED)
                painter.drawEllipse(p, r - 1, r - 1)
            elif self.connected[k]:
                painter.setPen(QPen(style.CARD, 1.5))
                painter.setBrush(dark)
                painter.drawEllipse(p, r, r)
            else:
                painter.setPen(QPen(style.PORT_FREE_RING, 2.2))
                painter.setBrush(style.CARD)
                painter.drawEllipse(p, r, r)
        hint = None if self.hints is None else self.hints.get(OUTPUT_PORT)
        if hint is True:
            painter.setPen(QPen(style.PORT_OK.darker(130), 1.5))
            painter.setBrush(style.PORT_OK)
            painter.drawEllipse(self.output_port_pos(), r + 2.5, r + 2.5)
        elif hint is False:
            painter.setPen(Qt.NoPen)
            painter.setBrush(style.PORT_REFUSED)
            painter.drawEllipse(self.output_port_pos(), r - 1, r - 1)
        else:
            painter.setPen(QPen(style.CARD, 1.5))
            painter.setBrush(dark)
            painter.drawEllipse(self.output_port_pos(), r, r)

    def _paint_stub(self, painter: QPainter, with_labels: bool, font, grow: float = 1.0) -> None:
        """The output's own short wire: its value above, the seed gradient below
        (``grow``: the labels enlarged as a wire's are, from the stub's start so that
        they grow away from the card, never over it)."""
        start = self.output_port_pos() + QPointF(style.PORT_R + 1, 0)
        end = start + QPointF(style.STUB_LEN, 0)
        painter.setPen(QPen(style.WIRE, 2))
        painter.drawLine(start, end)
        painter.setBrush(style.WIRE)
        painter.setPen(Qt.NoPen)
        painter.drawPolygon(QPolygonF([end + QPointF(6, 0), end + QPointF(-3, -5),
                                       end + QPointF(-3, 5)]))
        if not with_labels:
            return
        fm = QFontMetricsF(font)
        mid = (start.x() + end.x()) / 2
        if grow != 1.0:
            painter.save()
            painter.translate(start)
            painter.scale(grow, grow)
            painter.translate(-start)
        painter.setFont(font)
        for text, color, above in ((self.stub_value, style.VALUE, 1),
                                   (self.stub_grad, style.GRAD, 0),
                                   (self.stub_tangent, style.TANGENT, 2)):
            if not text:
                continue
            if not above and text != "?":
                text = style.GRAD_MARK + text          # the cue that is not colour, as on wires
            if "[" in text:                      # an array's preview; a number is never cut
                text = fm.elidedText(text, Qt.ElideRight, style.LABEL_MAX_W)
            tw, th = fm.horizontalAdvance(text), fm.height()
            # centred on the stub, but never over the card (a long array preview)
            left = max(mid - tw / 2, start.x() + 3)
            box = QRectF(left, -above * (th + 1) - 1 if above else 2, tw, th)
            box.translate(0, start.y())
            back = style.EMPHASIS_BACK if self.stub_emphasized else style.LABEL_BACK
            painter.fillRect(box.adjusted(-3, 0, 3, 0), back)
            painter.setPen(color)
            painter.drawText(box, Qt.AlignCenter, text)
        if grow != 1.0:
            painter.restore()

    # ------------------------------------------------------ geometry

    def input_port_pos(self, port: int) -> QPointF:
        """Centre of input ``port`` in item coordinates."""
        n = max(1, self.op.arity)
        return QPointF(0.0, style.NODE_H * (port + 1) / (n + 1))

    def output_port_pos(self) -> QPointF:
        return QPointF(style.NODE_W, style.NODE_H / 2)

    def input_port_scene(self, port: int) -> QPointF:
        return self.mapToScene(self.input_port_pos(port))

    def output_port_scene(self) -> QPointF:
        return self.mapToScene(self.output_port_pos())

    def port_at(self, scene_pos: QPointF) -> tuple[str, int] | None:
        """``("in", k)``, ``("out", 0)`` or None for a point in scene coordinates."""
        p = self.mapFromScene(scene_pos)
        best, best_d = None, style.PORT_HIT ** 2
        for k in range(self.op.arity):
            d = _dist2(p, self.input_port_pos(k))
            if d <= best_d:
                best, best_d = ("in", k), d
        d = _dist2(p, self.output_port_pos())
        if d <= best_d:
            best = ("out", 0)
        return best

    def _update_rect(self) -> None:
        if not (self.marks or self.rings or self.is_output):
            self._rect = _PLAIN_RECT          # most cards: one rectangle shared (never changed)
            return
        rect = QRectF(_PLAIN_RECT)
        if self.marks:
            rect = rect.united(QRectF((style.NODE_W - style.MARK_MAX_W) / 2, style.NODE_H,
                                      style.MARK_MAX_W, 6 + 17 * len(self.marks)))
        if self.rings:
            grow = 10 + 5 * len(self.rings)
            rect = rect.united(QRectF(-grow, -grow, style.NODE_W + 2 * grow,
                                      style.NODE_H + 2 * grow))
        if self.is_output:
            mid = style.NODE_W + style.PORT_R + style.STUB_LEN / 2
            # tangent, value and gradient, from the port on when wider than the stub
            labels = QRectF(mid - style.LABEL_MAX_W / 2 - 4, style.NODE_H / 2 - 42,
                            style.LABEL_MAX_W + style.STUB_LEN + 8, 66)
            # ... and as large as they are drawn zoomed out (from the stub's start)
            g, x0, y0 = style.LABEL_GROWTH, style.NODE_W + style.PORT_R + 1, style.NODE_H / 2
            rect = rect.united(labels).united(QRectF(
                x0 + (labels.left() - x0) * g, y0 + (labels.top() - y0) * g,
                labels.width() * g, labels.height() * g))
        self._rect = rect

    # ------------------------------------------------------ what the scene sets

    def set_content(self, title: str, value_text: str | None, trainable: bool,
                    short_text: str | None = None) -> None:
        """What the card says; ``short_text`` (an array's shape) when the value does not fit."""
        new = (title, value_text, trainable, short_text or value_text)
        if new != (self.title, self.value_text, self.trainable, self.short_text):
            self.title, self.value_text, self.trainable, self.short_text = new
            self.update()

    def set_connected(self, port: int, connected: bool) -> None:
        if 0 <= port < len(self.connected) and self.connected[port] != connected:
            self.connected[port] = connected
            self.update()

    def set_hints(self, hints: dict[int, bool] | None) -> None:
        if hints != self.hints:
            self.hints = hints
            self.update()

    @property
    def badge(self) -> str | None:
        """The badge's sentence: the problem, else the warning, else None."""
        if self.problem and self.warning:
            return self.problem + "; " + self.warning
        return self.problem or self.warning

    def set_problem(self, text: str | None) -> None:
        if text != self.problem:
            self.problem = text
            self.update()
            self._block_changed()

    def set_warning(self, text: str | None) -> None:
        if text != self.warning:
            self.warning = text
            self.update()
            self._block_changed()

    def set_output(self, is_output: bool) -> None:
        if is_output != self.is_output:
            self.prepareGeometryChange()
            self.is_output = is_output
            self._update_rect()
            self.update()
            self._block_changed()

    def set_stub_labels(self, value_text: str | None, grad_text: str | None,
                        emphasized: bool = False) -> None:
        """The texts on the output's stub: the scene formats them from its evaluation, like
        a wire's; ``emphasized`` while the step-through's current node is the output."""
        if (value_text, grad_text, emphasized) != (self.stub_value, self.stub_grad,
                                                   self.stub_emphasized):
            self.stub_value, self.stub_grad = value_text, grad_text
            self.stub_emphasized = emphasized
            if self.is_output:
                self.update()

    def set_stub_tangent(self, text: str | None) -> None:
        """The output's tangent on its stub in forward mode (None: none)."""
        if text != self.stub_tangent:
            self.stub_tangent = text
            if self.is_output:
                self.update()

    def set_state(self, state: str) -> None:
        """Stepper look: "normal", "done", "current", "ready" or "waiting"."""
        if state not in STATES:
            raise ValueError(f"unknown node state {state!r}; use one of {', '.join(STATES)}")
        if state != self.state:
            self.state = state
            self.setOpacity(0.42 if state == "waiting" else 1.0)
            self.update()
            self._block_changed()

    def set_mark(self, key: str, text: str | None, color: QColor | None = None,
                 tooltip: str = "") -> None:
        """A pill under the card (``key`` says whose: "check", "fork"); None removes it."""
        new = None if text is None else (text, QColor(color or style.TEXT_MUTED), tooltip)
        if self.marks.get(key) == new:
            return
        self.prepareGeometryChange()
        if new is None:
            self.marks.pop(key, None)
        else:
            self.marks[key] = new
        self._update_rect()
        self.update()

    def set_ring(self, key: str, color: QColor | None) -> None:
        """A coloured ring round the card (``key`` says whose); None removes it."""
        if self.rings.get(key) == (None if color is None else QColor(color)):
            return
        self.prepareGeometryChange()
        if color is None:
            self.rings.pop(key, None)
        else:
            self.rings[key] = QColor(color)
        self._update_rect()
        self.update()

    def mark_text(self, key: str) -> str | None:
        mark = self.marks.get(key)
        return None if mark is None else mark[0]

    def set_extra_tooltip(self, text: str) -> None:
        """A paragraph added under the node's own tooltip (the stepper explains a step)."""
        self.extra_tooltip = text or ""

    # ------------------------------------------------------ hover

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        self._set_tooltip_for(event.scenePos())
        self.update()
        super().hoverEnterEvent(event)

    def hoverMoveEvent(self, event) -> None:
        self._set_tooltip_for(event.scenePos())
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self.update()
        super().hoverLeaveEvent(event)

    def _set_tooltip_for(self, scene_pos: QPointF) -> None:
        scene = self.scene()
        if scene is None:
            return
        if self.badge and self._badge_rect().adjusted(-3, -3, 3, 3).contains(
                self.mapFromScene(scene_pos)):
            text = "⚠ " + self.badge
        else:
            port = self.port_at(scene_pos)
            text = scene.port_tooltip(self.node_id, port) if port else \
                scene.node_tooltip(self.node_id)
        text = plain_tooltip(text)             # ids and labels are data, never markup
        if text != self.toolTip():
            self.setToolTip(text)


_PORT_HIT2 = style.PORT_HIT ** 2
_FLAGS = QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable \
    | QGraphicsItem.ItemSendsGeometryChanges
_HOLLOW_FLAGS = _FLAGS | QGraphicsItem.ItemHasNoContents
#: The room of a card with no pills, rings or output stub (item coordinates).
_PLAIN_RECT = QRectF(-style.PORT_HIT, -20, style.NODE_W + 2 * style.PORT_HIT, style.NODE_H + 26)
_CENTRES: dict[int, tuple[tuple[float, float], ...]] = {}


def _port_centres(arity: int) -> tuple[tuple[float, float], ...]:
    """The port centres of a card with ``arity`` inputs (item coordinates), the output last."""
    centres = _CENTRES.get(arity)
    if centres is None:
        n = max(1, arity)
        centres = _CENTRES[arity] = tuple((0.0, style.NODE_H * (k + 1) / (n + 1))
                                          for k in range(arity)) + \
            ((style.NODE_W, style.NODE_H / 2),)
    return centres


port_centres = _port_centres


def card_meets(arity: int, left: float, top: float, right: float, bottom: float) -> bool:
    """Whether a rectangle (relative to a card's top-left corner) meets a card with
    ``arity`` inputs or one of its ports' discs (see NodeItem.meets)."""
    r = style.PORT_HIT
    # touching counts, as Qt's shape test counts it (a rectangle whose edge lies on
    # the card's meets it)
    if left > style.NODE_W + r or right < -r or top > style.NODE_H + r or bottom < -r:
        return False                  # clear of the card and of every disc
    if left <= style.NODE_W and right >= 0 and top <= style.NODE_H and bottom >= 0:
        return True
    for x, y in _port_centres(arity):
        dx = x - max(left, min(x, right))
        dy = y - max(top, min(y, bottom))
        if dx * dx + dy * dy <= _PORT_HIT2:
            return True
    return False


_POSITION_CHANGED = QGraphicsItem.ItemPositionHasChanged
_HEADER: QPainterPath | None = None


def _header_path() -> QPainterPath:
    """The card's top band (rounded at the top only), made once."""
    global _HEADER
    if _HEADER is None:
        band = QPainterPath()
        band.addRoundedRect(QRectF(0, 0, style.NODE_W, style.HEADER_H + style.CORNER),
                            style.CORNER, style.CORNER)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, style.NODE_W, style.HEADER_H))
        _HEADER = band.intersected(clip)
    return _HEADER


def _dist2(a: QPointF, b: QPointF) -> float:
    dx, dy = a.x() - b.x(), a.y() - b.y()
    return dx * dx + dy * dy
