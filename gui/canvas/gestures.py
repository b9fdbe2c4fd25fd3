"""Mouse gestures, one object each: draw a wire (either way), move cards, pan.

The view creates a gesture on a mouse press and hands it the following
moves and the release; the gesture owns whatever it shows while it runs
(a dashed wire, port hints, a cursor) and ends by pushing at most one undo
step.  No mode enum is branched on in every handler: what happens between
press and release is read top to bottom in one class.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsPathItem

from chainrule.core.errors import GraphError
from chainrule.core.graph import Edge
from chainrule.gui.canvas import style
from chainrule.gui.canvas.node_item import OUTPUT_PORT, NodeItem
from chainrule.gui.canvas.routing import bezier
from chainrule.gui.commands import Connect, Disconnect, MoveNodes

if TYPE_CHECKING:
    from chainrule.gui.canvas.view import CanvasView


class Gesture:
    """What happens between a mouse press and its release."""

    def move(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        pass

    def release(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        pass

    def cancel(self) -> None:
        pass


class _WireDrag(Gesture):
    """What both wire gestures show: a dashed wire and the port hints, and the core's check."""

    def __init__(self, view: "CanvasView"):
        self.view = view
        self.doc = view.document
        self.scene = view.graph_scene

    def _add_temp_wire(self) -> None:
        self.temp = QGraphicsPathItem()
        pen = QPen(style.WIRE_TEMP, 2.2, Qt.DashLine)
        pen.setCapStyle(Qt.RoundCap)
        self.temp.setPen(pen)
        self.temp.setZValue(5.0)
        self.scene.addItem(self.temp)

    def _refused(self, edge: Edge) -> bool:
        """True (and the core's reason in the status bar) when ``edge`` may not be connected."""
        try:
            self.doc.graph.check_connect(*edge)
        except GraphError as error:
            self.doc.message.emit(_sentence(str(error)))
            return True
        return False

    def cancel(self) -> None:
        self._finish()

    def _finish(self) -> None:
        """Remove what the gesture showed (idempotent)."""
        if self.temp.scene() is not None:
            self.scene.removeItem(self.temp)
        self.scene.show_port_hints(None)


class WireGesture(_WireDrag):
    """Drag a wire out of an output port (or off an input it was plugged into).

    While dragging, a dashed wire follows the mouse, the free input ports it
    may plug into turn green and the refused ones grey (one ``ancestors``
    query at the start, not one cycle check per port).  On release:

    * over an input port, or a card (the nearest allowed port): ``Connect``,
      or the core's one-sentence reason as a status message;
    * on empty canvas: the quick-add popup opens there, and the chosen op is
      added with its first port fed by this wire (one undo step);
    * a wire pulled off an input and dropped on empty canvas is removed;
      re-plugged elsewhere it moves (Disconnect + Connect, one undo step).
    """

    def __init__(self, view: "CanvasView", src: str, detached: Edge | None = None):
        super().__init__(view)
        self.src = src
        self.detached = detached
        self.start = self.scene.nodes[src].output_port_scene()
        self._add_temp_wire()
        if detached is not None and self.scene.wire_item(detached) is not None:
            self.scene.wire_item(detached).setVisible(False)
        self.allowed = self._allowed_ports()
        self.scene.show_port_hints(self.allowed)
        self._end = self.start

    def _allowed_ports(self) -> dict[str, dict[int, bool]]:
        """Free ports whose node is not upstream of the source (no cycle)."""
        graph = self.doc.graph
        upstream = nx.ancestors(graph.nx, self.src) | {self.src}
        allowed: dict[str, dict[int, bool]] = {}
        for node in graph.nodes():          # (not the scene's items: a big graph's wait)
            node_id, ports = node.id, {}
            for k in range(node.spec.arity):
                free = graph.source(node_id, k) is None or (
                    self.detached is not None and (node_id, k) == self.detached[1:])
                ports[k] = free and node_id not in upstream
            allowed[node_id] = ports
        return allowed

    def _target(self, scene_pos: QPointF) -> tuple[NodeItem, int] | None:
        """The card and input port under the mouse, preferring a port the wire may take."""
        item = self.view.node_item_at(scene_pos)
        if item is None or not item.op.arity:
            return (item, -1) if item is not None else None
        port = item.port_at(scene_pos)
        if port is not None and port[0] == "in":
            return item, port[1]
        ok = [k for k, yes in self.allowed.get(item.node_id, {}).items() if yes]
        y = item.mapFromScene(scene_pos).y()
        candidates = ok or list(range(item.op.arity))
        return item, min(candidates, key=lambda k: abs(item.input_port_pos(k).y() - y))

    def move(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        end = scene_pos
        target = self._target(scene_pos)
        if target is not None and target[1] >= 0 and \
                self.allowed.get(target[0].node_id, {}).get(target[1]):
            end = target[0].input_port_scene(target[1])     # snap onto the port
        self._end = end
        self.temp.setPath(bezier(self.start, end))

    def release(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        target = self._target(scene_pos)
        if target is None:
            if self.detached is not None:
                self._finish()
                self.doc.push(Disconnect(self.doc, self.detached))
                self.doc.message.emit(f"Removed the wire {self.detached.src} → "
                                      f"{self.detached.dst}.")
            else:
                # Keep the dashed wire until the popup closes: it shows what will be fed.
                self.temp.setPath(bezier(self.start, scene_pos))
                self.view.open_quick_add(scene_pos, connect_from=self.src,
                                         on_close=self._finish)
            return
        self._finish()
        item, port = target
        if port < 0:
            self.doc.message.emit(f'"{item.node_id}" ({item.op.name}) has no input ports.')
            return
        edge = Edge(self.src, item.node_id, port)
        if edge == self.detached:
            return                                    # put back where it was
        if self._refused(edge):
            return
        if self.detached is None:
            self.doc.push(Connect(self.doc, edge))
        else:
            stack = self.doc.undo_stack
            stack.beginMacro(f"Move wire to {edge.dst}.{item.op.ports[port]}")
            stack.push(Disconnect(self.doc, self.detached))
            stack.push(Connect(self.doc, edge))
            stack.endMacro()

    def _finish(self) -> None:
        """Remove what the gesture showed (idempotent)."""
        super()._finish()
        if self.detached is not None:
            wire = self.scene.wire_item(self.detached)
            if wire is not None:
                wire.setVisible(True)


class FeedGesture(_WireDrag):
    """Drag from a free input port back to the output that should feed it.

    The mirror of :class:`WireGesture`: the output ports that may feed this
    input (nodes not downstream of it) turn green.  Released over a card,
    that card's output is connected; released on empty canvas, the quick-add
    popup opens there — leaves included — and the chosen node is added and
    feeds this port (one undo step).
    """

    def __init__(self, view: "CanvasView", dst: str, port: int):
        super().__init__(view)
        self.dst, self.port = dst, port
        self.end = self.scene.nodes[dst].input_port_scene(port)
        self._add_temp_wire()
        downstream = nx.descendants(self.doc.graph.nx, dst) | {dst}
        self.allowed = {node_id: {OUTPUT_PORT: node_id not in downstream}
                        for node_id in self.scene.nodes}
        self.scene.show_port_hints(self.allowed)

    def move(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        start = scene_pos
        item = self.view.node_item_at(scene_pos)
        if item is not None and self.allowed.get(item.node_id, {}).get(OUTPUT_PORT):
            start = item.output_port_scene()                 # snap onto the output
        self.temp.setPath(bezier(start, self.end))

    def release(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        item = self.view.node_item_at(scene_pos)
        if item is None:
            self.temp.setPath(bezier(scene_pos, self.end))
            self.view.open_quick_add(scene_pos, feed=(self.dst, self.port),
                                     on_close=self._finish)
            return
        self._finish()
        edge = Edge(item.node_id, self.dst, self.port)
        if self._refused(edge):
            return
        self.doc.push(Connect(self.doc, edge))


def _sentence(text: str) -> str:
    """The core's reason as a status-bar sentence: capital first, full stop last."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


class MoveGesture(Gesture):
    """Cards dragged with the mouse: Qt moves the items, the model learns once.

    The positions at the press are remembered; on release one ``MoveNodes``
    command carries every card that moved, so a drag is one undo step and
    the model (and the file) sees only the final positions.
    """

    def __init__(self, view: "CanvasView", pressed: NodeItem):
        self.view = view
        self.doc = view.document
        items = set(view.selected_node_items()) | {pressed}
        self.start = {item.node_id: item.pos() for item in items}

    def release(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        scene = self.view.graph_scene
        graph = self.doc.graph
        moves = {}
        for node_id, before in self.start.items():
            item = scene.nodes.get(node_id)
            if item is None or node_id not in graph or item.pos() == before:
                continue
            after = item.pos()
            moves[node_id] = (graph.node(node_id).pos, (round(after.x(), 1), round(after.y(), 1)))
        if moves:
            self.doc.push(MoveNodes(self.doc, moves))

    def cancel(self) -> None:
        """Escape during a drag: the cards go back, and the mouse lets go of them."""
        scene = self.view.graph_scene
        grabber = scene.mouseGrabberItem()
        if grabber is not None:
            grabber.ungrabMouse()
        for node_id, before in self.start.items():
            item = scene.nodes.get(node_id)
            if item is not None:
                item.setPos(before)


class PanGesture(Gesture):
    """Middle-drag, or space + drag: the canvas follows the hand."""

    def __init__(self, view: "CanvasView", viewport_pos: QPoint):
        self.view = view
        self.last = viewport_pos
        view.viewport().setCursor(Qt.ClosedHandCursor)

    def move(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        delta = viewport_pos - self.last
        self.last = viewport_pos
        h, v = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        h.setValue(h.value() - delta.x())
        v.setValue(v.value() - delta.y())

    def release(self, scene_pos: QPointF, viewport_pos: QPoint) -> None:
        self.cancel()

    def cancel(self) -> None:
        self.view.restore_cursor()


__all__ = ["Gesture", "WireGesture", "FeedGesture", "MoveGesture", "PanGesture"]
