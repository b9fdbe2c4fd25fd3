"""Groups on the canvas: a labelled frame around an expanded group's cards, one
gate card for a collapsed one.

:class:`GroupLayer` belongs to the scene and mirrors ``graph.groups`` the way the
scene mirrors nodes: it is refreshed when the groups change (or nodes come and
go), hides the cards a collapsed group holds, and tells the scene where a wire
that crosses into a collapsed group ends — on the gate's port for that value,
so the wire keeps its own value and gradient labels, like any gate's.

A frame follows its cards (it is re-measured when one moves) and is drawn
behind them; only its border and its name tab take the mouse, so a rubber band
can still start inside it.  Double-clicking a frame or a gate, and moving a
gate, are reported to the view (``GraphScene.group_activated``,
``GraphScene.gate_moved``), which pushes the undo command: items never edit
the model.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (QBrush, QColor, QFontMetricsF, QPainter, QPainterPath,
                           QPainterPathStroker, QPen)
from PySide6.QtWidgets import QGraphicsItem

from chainrule.core import groups as gm
from chainrule.gui.canvas import style

FRAME_PAD = 22.0
TAB_H = 20.0
GATE_W = 128.0
PORT_GAP = 26.0
FRAME_COLOR = QColor("#6d4fc2")
GATE_BACK = QColor("#f1ecff")
#: A gate with more ports than this gets its wires' labels in the middle (no search).
CROWDED_PORTS = 16


class FrameItem(QGraphicsItem):
    """An expanded group: a rounded frame with the group's name on a tab."""

    Type = QGraphicsItem.UserType + 11

    def __init__(self, group_id: str):
        super().__init__()
        self.group_id = group_id
        self.label = group_id
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.ItemIsSelectable, True)
        self.setZValue(-2.0)

    def type(self) -> int:
        return self.Type

    def set_rect(self, rect: QRectF, label: str) -> None:
        if rect != self._rect or label != self.label:
            self.prepareGeometryChange()
            self._rect, self.label = QRectF(rect), label
            self.update()

    def frame_rect(self) -> QRectF:
        return QRectF(self._rect)

    def tab_rect(self) -> QRectF:
        width = max(60.0, 9.0 * len(self.label) + 24.0)
        return QRectF(self._rect.right() - width, self._rect.top() - TAB_H, width, TAB_H)

    def boundingRect(self) -> QRectF:
        return self._rect.united(self.tab_rect()).adjusted(-3, -3, 3, 3)

    def shape(self) -> QPainterPath:
        border = QPainterPath()
        border.addRoundedRect(self._rect, 10, 10)
        stroker = QPainterPathStroker()
        stroker.setWidth(10.0)
        path = stroker.createStroke(border)
        path.addRect(self.tab_rect())
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        selected = self.isSelected()
        color = style.SELECTION if selected else FRAME_COLOR
        painter.setRenderHint(QPainter.Antialiasing)
        back = QColor(FRAME_COLOR)
        back.setAlpha(14)
        painter.setBrush(QBrush(back))
        pen = QPen(color, 2.4 if selected else 1.6, Qt.DashLine)
        painter.setPen(pen)
        painter.drawRoundedRect(self._rect, 10, 10)
        tab = self.tab_rect()
        painter.setPen(Qt.NoPen)
        painter.setBrush(QBrush(color))
        painter.drawRoundedRect(tab, 5, 5)
        painter.setPen(QColor("white"))
        painter.setFont(style.font(12, bold=True))
        painter.drawText(tab.adjusted(8, 0, -6, 0), Qt.AlignVCenter | Qt.AlignLeft,
                         self.label)

    def mouseDoubleClickEvent(self, event) -> None:
        scene = self.scene()
        if scene is not None:
            scene.group_activated.emit(self.group_id)
        event.accept()


class GateItem(QGraphicsItem):
    """A collapsed group: one card, a port per value that enters or leaves it."""

    Type = QGraphicsItem.UserType + 12

    def __init__(self, group_id: str):
        super().__init__()
        self.group_id = group_id
        self.label = group_id
        self.subtitle = ""
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self._pressed_at: QPointF | None = None
        self.current = False            # the step-through's current step is this gate
        self.setFlag(QGraphicsItem.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.ItemSendsScenePositionChanges, True)
        self.setZValue(1.0)

    def type(self) -> int:
        return self.Type

    def set_content(self, label: str, subtitle: str, inputs: list[str],
                    outputs: list[str]) -> None:
        self.prepareGeometryChange()
        self.label, self.subtitle = label, subtitle
        self.inputs, self.outputs = list(inputs), list(outputs)
        self.update()

    def height(self) -> float:
        return max(style.NODE_H, PORT_GAP * (max(len(self.inputs), len(self.outputs)) + 1))

    def card(self) -> QRectF:
        return QRectF(0, 0, GATE_W, self.height())

    def boundingRect(self) -> QRectF:
        return self.card().adjusted(-style.PORT_HIT, -20, style.PORT_HIT + style.STUB_LEN, 20)

    def input_port_pos(self, src: str) -> QPointF:
        k = self.inputs.index(src) if src in self.inputs else 0
        return QPointF(0.0, self.height() * (k + 1) / (len(self.inputs) + 1))

    def output_port_pos(self, node_id: str) -> QPointF:
        k = self.outputs.index(node_id) if node_id in self.outputs else 0
        return QPointF(GATE_W, self.height() * (k + 1) / (len(self.outputs) + 1))

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.Antialiasing)
        card = self.card()
        selected = self.isSelected()
        painter.setBrush(QBrush(GATE_BACK))
        border = style.STATE_CURRENT if self.current else \
            style.SELECTION if selected else FRAME_COLOR
        painter.setPen(QPen(border, 3.2 if self.current else 2.6 if selected else 2.0))
        painter.drawRoundedRect(card, style.CORNER + 3, style.CORNER + 3)
        painter.setPen(style.TEXT)
        title = card.adjusted(6, 4, -6, -card.height() / 2 + 6)
        font = style.font(16 if len(self.label) <= 9 else 11, bold=True)
        painter.setFont(font)
        text = QFontMetricsF(font).elidedText(self.label, Qt.ElideRight, title.width())
        painter.drawText(title, Qt.AlignCenter, text)
        painter.setPen(style.TEXT_MUTED)
        painter.setFont(style.font(10))
        painter.drawText(card.adjusted(6, card.height() / 2, -6, -4), Qt.AlignCenter,
                         self.subtitle)
        painter.setPen(QPen(FRAME_COLOR, 1.4))
        painter.setBrush(QBrush(QColor("white")))
        for src in self.inputs:
            painter.drawEllipse(self.input_port_pos(src), style.PORT_R, style.PORT_R)
        for node_id in self.outputs:
            painter.drawEllipse(self.output_port_pos(node_id), style.PORT_R, style.PORT_R)
        self._paint_output_stub(painter)

    def _paint_output_stub(self, painter: QPainter) -> None:
        """The graph's output inside the gate: a stub with its value and gradient."""
        scene = self.scene()
        ev = getattr(scene, "evaluation", None)
        output = getattr(ev, "output", None)
        if output not in self.outputs:
            return
        p = self.output_port_pos(output)
        end = QPointF(p.x() + style.STUB_LEN * 0.8, p.y())
        painter.setPen(QPen(style.WIRE, 1.6))
        painter.drawLine(QPointF(p.x() + style.PORT_R, p.y()), end)
        painter.setFont(style.font(style.LABEL_PX, bold=True))
        for getter, color, dy in ((ev.value, style.VALUE, -16), (ev.grad, style.GRAD, 2)):
            text = scene._text(scene._lookup(getter, output))
            if text:
                painter.setPen(color)
                painter.drawText(QRectF(p.x() + 8, p.y() + dy, style.STUB_LEN, 16),
                                 Qt.AlignLeft | Qt.AlignVCenter, text)

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemScenePositionHasChanged:
            scene = self.scene()
            if scene is not None:
                scene.groups.gate_moved_live(self.group_id)
        return super().itemChange(change, value)

    def mousePressEvent(self, event) -> None:
        self._pressed_at = self.pos()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        start, self._pressed_at = self._pressed_at, None
        scene = self.scene()
        if scene is not None and start is not None and start != self.pos():
            scene.gate_moved.emit(self.group_id, (self.pos().x(), self.pos().y()))

    def mouseDoubleClickEvent(self, event) -> None:
        scene = self.scene()
        if scene is not None:
            scene.group_activated.emit(self.group_id)
        event.accept()


class GroupLayer:
    """The frames and gates of the scene's graph, and where crossing wires end."""

    def __init__(self, scene):
        self.scene = scene
        self.frames: dict[str, FrameItem] = {}
        self.gates: dict[str, GateItem] = {}
        self.hidden: dict[str, str] = {}      # node → the collapsed group hiding it
        self.focus: str | None = None         # the group opened full-screen
        self._outside: set[str] = set()       # nodes hidden because they are not in focus
        self._anchored: set = set()           # wires that end on a gate's port
        self._outside_of: str | None = None   # the focus _outside was measured for
        self._refreshing = False
        # Node and wire events come in bursts (a paste, an undo): one refresh after them.
        self._timer = QTimer(scene)           # goes with the scene
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)

    def set_current(self, gid: str | None) -> None:
        """Mark the gate whose one step the step-through stands on."""
        for key, gate in self.gates.items():
            if gate.current != (key == gid):
                gate.current = key == gid
                gate.update()

    def refresh_soon(self) -> None:
        self._timer.start()

    # ----------------------------------------------------------- building

    def clear(self) -> None:
        for item in list(self.frames.values()) + list(self.gates.values()):
            self.scene.removeItem(item)
        self.frames.clear()
        self.gates.clear()
        self.hidden = {}
        self._anchored = set()
        self.focus, self._outside, self._outside_of = None, set(), None   # a new graph

    def prepare(self) -> None:
        """Before the scene makes its items: which nodes collapsed groups hide, so
        hidden cards and wires are made hidden (and their wires not laid out)."""
        self.hidden = gm.hidden_by(self.scene.graph) if self.focus is None else {}

    def refresh(self) -> None:
        """Mirror ``graph.groups`` again (cheap: groups are few)."""
        self._timer.stop()
        graph = self.scene.graph
        if self.focus is not None and self.focus not in graph.groups:
            self.focus = None
        self.hidden = gm.hidden_by(graph)
        if self.focus is not None:
            self.hidden = {n: g for n, g in self.hidden.items()
                           if g != self.focus and g not in gm.ancestors(graph, self.focus)}
            if self._outside_of != self.focus:     # cards added meanwhile stay shown
                inside = set(gm.members(graph, self.focus))
                self._outside = {n for n in graph.node_ids() if n not in inside}
                self._outside_of = self.focus
        else:
            self._outside, self._outside_of = set(), None
        visible_gates = set(self.hidden.values())
        frames = {gid for gid, g in graph.groups.items() if not g.collapsed and g.nodes
                  and gid not in visible_gates and not self._inside_collapsed(gid)
                  and (self.focus is None or gid == self.focus
                       or self.focus in gm.ancestors(graph, gid))}
        for gid in list(self.frames):
            if gid not in frames:
                self.scene.removeItem(self.frames.pop(gid))
        for gid in list(self.gates):
            if gid not in visible_gates:
                self.scene.removeItem(self.gates.pop(gid))
        for gid in frames:
            if gid not in self.frames:
                item = self.frames[gid] = FrameItem(gid)
                self.scene.addItem(item)
        self._refreshing = True
        for gid in visible_gates:
            gate = self.gates.get(gid)
            if gate is None:
                gate = self.gates[gid] = GateItem(gid)
                self.scene.addItem(gate)
            group = graph.groups[gid]
            b = gm.boundary(graph, gid)
            n = len(gm.members(graph, gid))
            gate.set_content(group.display, f"{n} gates" + (" · note" if group.note else ""),
                             b.inputs, b.outputs)
            gate.setToolTip(f"{group.display}: a group of {n} gates, "
                            f"{len(b.inputs)} in, {len(b.outputs)} out. Double-click to "
                            f"open it." + (f"\n\n{group.note}" if group.note else ""))
            pos = group.pos or self._centre(gid, gate)
            gate.setPos(QPointF(*pos))
        self._refreshing = False
        # Without groups no card hides (the cards waiting for their items have nothing to change).
        cards = self.scene.nodes
        for node_id, item in (cards.items() if graph.groups or self.hidden or self._outside
                              else list(cards.made().items())):
            shown = node_id not in self.hidden and node_id not in self._outside
            if item.isVisible() != shown:
                item.setVisible(shown)
        hidden, anchored = self.hidden, set()
        # Without groups no wire hides or ends on a gate: those waiting for their
        # items (lazy_items.py) have nothing to change.
        wires = self.scene.wires
        for edge, wire in (wires.items() if graph.groups or self._anchored
                           else list(wires.made().items())):
            shown = self.wire_visible(edge)
            crossing = shown and (edge.src in hidden or edge.dst in hidden)
            if crossing:
                anchored.add(edge)
            if wire.isVisible() != shown:
                wire.setVisible(shown)
                if shown:
                    self.scene._place_wire(wire)
            elif crossing or edge in self._anchored:
                self.scene._place_wire(wire)
        self._anchored = anchored
        self.measure_frames()

    def _inside_collapsed(self, gid: str) -> bool:
        graph = self.scene.graph
        return any(graph.groups[a].collapsed for a in gm.ancestors(graph, gid))

    def _centre(self, gid: str, gate: GateItem) -> tuple[float, float]:
        """Where a gate without a position goes: the middle of its cards."""
        items = [self.scene.nodes[n] for n in gm.members(self.scene.graph, gid)
                 if n in self.scene.nodes]
        if not items:
            return (0.0, 0.0)
        xs = [i.pos().x() for i in items]
        ys = [i.pos().y() for i in items]
        return ((min(xs) + max(xs)) / 2 - GATE_W / 2 + style.NODE_W / 2,
                (min(ys) + max(ys)) / 2 - gate.height() / 2 + style.NODE_H / 2)

    def measure_frames(self) -> None:
        """Each frame around its visible cards and the frames and gates inside it
        (inner groups first, so an outer frame contains the inner one's tab)."""
        graph = self.scene.graph
        order = sorted(self.frames, key=lambda gid: -len(gm.ancestors(graph, gid)))
        for gid in order:
            rect = QRectF()
            for n in graph.groups[gid].nodes:
                item = self.scene.nodes.get(n)
                if item is not None and item.isVisible():
                    rect = rect.united(item.mapRectToScene(
                        QRectF(0, 0, style.NODE_W, style.NODE_H)))
            for kid in gm.children(graph, gid):
                if kid in self.frames:
                    inner = self.frames[kid]
                    rect = rect.united(inner.frame_rect().united(inner.tab_rect()))
                elif kid in self.gates:
                    rect = rect.united(self.gates[kid].sceneBoundingRect())
            if not rect.isNull():
                rect = rect.adjusted(-FRAME_PAD, -FRAME_PAD, FRAME_PAD, FRAME_PAD)
            self.frames[gid].set_rect(rect, graph.groups[gid].display)

    # ------------------------------------------------------------ queries

    def wire_visible(self, edge) -> bool:
        if edge.src in self._outside or edge.dst in self._outside:
            return False
        a, b = self.hidden.get(edge.src), self.hidden.get(edge.dst)
        return a is None or b is None or a != b

    def out_anchor(self, src: str) -> QPointF | None:
        gid = self.hidden.get(src)
        if gid is None or gid not in self.gates:
            return None
        gate = self.gates[gid]
        return gate.mapToScene(gate.output_port_pos(src))

    def in_anchor(self, edge) -> QPointF | None:
        gid = self.hidden.get(edge.dst)
        if gid is None or gid not in self.gates:
            return None
        gate = self.gates[gid]
        return gate.mapToScene(gate.input_port_pos(edge.src))

    def crowded(self, start, end, edge) -> bool:
        """Whether a wire ends on the port of a gate with many ports (a collapsed layer):
        its wires all meet there, so looking for a free spot for each label would ask
        the scene about the whole fan, once per wire (quadratic); they keep the middle."""
        for anchor, node_id in ((start, edge.src), (end, edge.dst)):
            gate = self.gates.get(self.hidden.get(node_id)) if anchor is not None else None
            if gate is not None and len(gate.inputs) + len(gate.outputs) > CROWDED_PORTS:
                return True
        return False

    def item_of(self, node_id: str):
        """The item showing ``node_id``: its card, or the gate hiding it."""
        gid = self.hidden.get(node_id)
        return self.gates.get(gid) if gid is not None else self.scene.nodes.get(node_id)

    def selected_groups(self) -> list[str]:
        return [i.group_id for i in self.scene.selectedItems()
                if isinstance(i, (FrameItem, GateItem))]

    # ------------------------------------------------------------- moving

    def gate_moved_live(self, gid: str) -> None:
        if self._refreshing:
            return
        graph = self.scene.graph
        inner = set(gm.members(graph, gid))
        for edge, wire in self.scene.wires.items():
            if (edge.src in inner) != (edge.dst in inner):
                self.scene._place_wire(wire)
        self.measure_frames()

    def node_moved(self, node_id: str) -> None:
        if self.frames and gm.group_of(self.scene.graph, node_id) is not None:
            self.measure_frames()
