"""The canvas widget: zoom, pan, select, drop ops, draw wires, quick-add.

``CanvasView`` shows a :class:`GraphScene` of the document and turns the
user's hands into undo commands: a palette drop pushes ``AddNode``, a drawn
wire ``Connect``, a dragged card one ``MoveNodes``.  Mouse presses start a
gesture object (gestures.py) that receives the moves and the release.

The main window owns every menu and shortcut and calls the public methods
(``delete_selection``, ``copy_selection``, ``fit_all`` …); the view handles
only the keys that belong to the canvas itself: arrows (nudge), Tab
(quick-add: at the pointer, or beside the selected card when the pointer is
not over the canvas), Space (hold to pan) and Escape (cancel).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QKeyEvent, QPainter
from PySide6.QtWidgets import QGraphicsView, QWidget

from chainrule.core.graph import Edge
from chainrule.core.ops import OPS
from chainrule.core import groups as gm
from chainrule.gui.canvas import clipboard, style
from chainrule.gui.canvas.context_menu import build_menu
from chainrule.gui.canvas.inline_rename import InlineRename
from chainrule.gui.canvas.gestures import FeedGesture, Gesture, MoveGesture, PanGesture, WireGesture
from chainrule.gui.canvas.node_item import NodeItem
from chainrule.gui.canvas.quick_add import QuickAddPopup
from chainrule.gui.canvas.scene import GraphScene
from chainrule.gui.canvas.group_items import FrameItem, GateItem
from chainrule.gui.canvas.wire_item import WireItem
from chainrule.gui.commands import AddNode, Connect, MoveNodes, insert_graph, remove_nodes
from chainrule.gui.mime import OP_MIME

MIN_ZOOM, MAX_ZOOM = 0.03, 4.0
# Opening a graph: when fitting it whole falls just short of the zoom where cards
# show all their text, that zoom is taken instead — but only when what it leaves out
# is the 40-pixel margin around the graph, never part of a card (a cropped input
# card reads "000208" for 0.000208).  Further out, cards show names and leaf values
# in large type and the wire labels grow, down to LOD_WIRE_TEXT.
READABLE_ZOOM = style.LOD_TEXT * 1.01
FIT_MARGIN = 40.0                       # scene pixels around the graph when fitting
NUDGE, FINE_NUDGE = 10.0, 1.0
DUPLICATE_OFFSET = (30.0, 30.0)
KEYBOARD_GAP = 60.0                     # between a card and one added beside it by keyboard
#: The scene is unbounded for the user: scroll freely this far around the graph.
WORLD = QRectF(-200_000, -200_000, 400_000, 400_000)


class CanvasView(QGraphicsView):
    """The node editor's canvas for one document."""

    #: Node ids and wires now selected (for the inspector).
    selection_changed_to = Signal(list, list)
    #: The zoom factor after every change (1.0 = 100 %).
    zoom_changed = Signal(float)
    #: A card was double-clicked (the main window may open it in the inspector).
    node_activated = Signal(str)

    _auto_fit = False
    #: The window's actions the right-click menu offers, by name ("delete", "set_output"…).
    context_actions: dict = {}
    #: The last right-click menu (open until it is closed).
    context_menu = None

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.graph_scene = GraphScene(document, self)
        self.setScene(self.graph_scene)
        self.setSceneRect(WORLD)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing
                            | QPainter.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.DontSavePainterState
                                  | QGraphicsView.DontAdjustForAntialiasing)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ContainsItemShape)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.NoFrame)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self._gesture: Gesture | None = None
        self._press_vpos: QPoint | None = None    # where the left button went down
        self._space_held = False
        self._paste_count = 0
        self._quick_target: tuple | None = None     # (scene point, connect_from, feed)
        self._quick_on_close: Callable[[], None] | None = None
        self.quick_add = QuickAddPopup(self)
        self.quick_add.chosen.connect(self._quick_add_chosen)
        self.quick_add.closed.connect(self._quick_add_closed)
        self.inline_rename = InlineRename(self)
        self.graph_scene.selectionChanged.connect(self._emit_selection)
        document.graph_replaced.connect(self._after_replace)
        # Until the user zooms or pans, the view keeps the whole graph in sight
        # through the window's first layout passes and later resizes.
        self._auto_fit = True       # (set before the first resize can arrive)
        self.fit_all(readable=True)

    # ================================================================ public API

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``factor`` (clamped), keeping ``anchor`` (scene point) in place."""
        self._auto_fit = False
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        current = self.zoom()
        if abs(factor - current) < 1e-9:
            return
        if anchor is None:
            anchor = self.mapToScene(self.viewport().rect().center())
        before = self.mapFromScene(anchor)
        self.scale(factor / current, factor / current)
        after = self.mapFromScene(anchor)
        delta = after - before
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())
        self.graph_scene.set_view_scale(self.zoom())
        self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / 1.25)

    def fit_all(self, readable: bool = False) -> None:
        """Show the whole graph (F / Ctrl+0); never blown up past 150 %.

        ``readable`` (opening a graph, resizing before the user zoomed): when the
        graph and its margin would need a zoom just below the one where cards show
        all their text, take that zoom if only the margin is lost, never a card.
        """
        rect = self.graph_scene.items_rect()
        if rect.isNull():
            self.set_zoom(1.0)
            self.centerOn(0, 0)
        else:
            cards = rect
            rect = rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
            view = self.viewport().rect()
            factor = min(view.width() / rect.width(), view.height() / rect.height())
            if readable and factor < READABLE_ZOOM and \
                    view.width() / READABLE_ZOOM >= cards.width() + 8 and \
                    view.height() / READABLE_ZOOM >= cards.height() + 8:
                factor = READABLE_ZOOM          # only the margin is given up
            self.set_zoom(min(1.5, factor))
            self.centerOn(rect.center())
        self._auto_fit = True

    def set_precision(self, digits: int) -> None:
        """Significant digits of the numbers on the canvas."""
        self.graph_scene.set_precision(digits)

    def selected_node_items(self) -> list[NodeItem]:
        return [i for i in self.graph_scene.selectedItems() if isinstance(i, NodeItem)]

    def selected_nodes(self) -> list[str]:
        """Selected node ids, in the graph's order; a selected group (its frame or its
        gate) counts as its cards, so Delete, Copy and Duplicate take them."""
        chosen = {i.node_id for i in self.selected_node_items()}
        for gid in self.graph_scene.groups.selected_groups():
            if gid in self.document.graph.groups:
                chosen.update(gm.members(self.document.graph, gid))
        return [n for n in self.document.graph.node_ids() if n in chosen]

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.graph_scene.selectedItems() if isinstance(i, WireItem)]

    def select_all(self) -> None:
        self._select(self.graph_scene.nodes)

    def select_nodes(self, node_ids) -> None:
        """Make exactly these nodes the selection."""
        self._select(node_ids)

    def delete_selection(self) -> None:
        """Delete the selected nodes and wires (one undo step)."""
        nodes, edges = self.selected_nodes(), self.selected_edges()
        if not nodes and not edges:
            self.document.message.emit("Nothing is selected to delete.")
            return
        remove_nodes(self.document, nodes, edges)

    def _selected_subgraph(self, verb: str):
        """The selected nodes and the wires among them as a graph, or None (and a
        message saying what to select to ``verb``)."""
        nodes = self.selected_nodes()
        if not nodes:
            self.document.message.emit(f"Select nodes to {verb}.")
            return None
        return clipboard.subgraph(self.document.graph, nodes, self._item_positions(nodes))

    def duplicate_selection(self) -> None:
        """Copy the selected nodes (and the wires among them) beside themselves."""
        sub = self._selected_subgraph("duplicate")
        if sub is not None:
            mapping = insert_graph(self.document, sub, DUPLICATE_OFFSET, "Duplicate")
            self._select(mapping.values())

    def copy_selection(self) -> None:
        """Put the selected nodes and the wires among them on the clipboard."""
        sub = self._selected_subgraph("copy")
        if sub is None:
            return
        QGuiApplication.clipboard().setMimeData(clipboard.to_mime(sub))
        self._paste_count = 0
        n = len(sub)
        self.document.message.emit(f"Copied {n} node{'s' if n != 1 else ''}.")

    def cut_selection(self) -> None:
        if self.selected_nodes():
            self.copy_selection()
        self.delete_selection()

    def paste(self) -> None:
        """Insert the clipboard's graph at the mouse (or beside the original)."""
        try:
            graph = clipboard.from_mime(QGuiApplication.clipboard().mimeData())
        except clipboard.PasteError as error:
            text = str(error)
            self.document.message.emit("Cannot paste: " + text + ".")
            return
        left, top = clipboard.top_left(graph)
        mouse = self.viewport().mapFromGlobal(QCursor.pos())
        if self.viewport().rect().contains(mouse) and self.underMouse():
            target = self.mapToScene(mouse)
            offset = (round(target.x() - left), round(target.y() - top))
        else:
            self._paste_count += 1
            offset = (DUPLICATE_OFFSET[0] * self._paste_count,
                      DUPLICATE_OFFSET[1] * self._paste_count)
        mapping = insert_graph(self.document, graph, offset, "Paste")
        self._select(mapping.values())
        n = len(mapping)
        self.document.message.emit(f"Pasted {n} node{'s' if n != 1 else ''}.")

    def open_quick_add(self, scene_pos: QPointF | None = None, connect_from: str | None = None,
                       on_close: Callable[[], None] | None = None,
                       feed: tuple[str, int] | None = None) -> None:
        """The op search popup at ``scene_pos`` (default: the mouse, else the centre).

        With ``connect_from`` the chosen op is added with its first input fed
        by that node; with ``feed`` = (node id, port) the chosen op is added
        feeding that port.  Either way one undo step.
        """
        if scene_pos is None:
            mouse = self.viewport().mapFromGlobal(QCursor.pos())
            if self.viewport().rect().contains(mouse):
                scene_pos = self.mapToScene(mouse)
            else:
                scene_pos = self._keyboard_spot()
        if self._quick_on_close is not None:
            self.quick_add.hide()
        self._quick_target = (QPointF(scene_pos), connect_from, feed)
        self._quick_on_close = on_close
        where = self.viewport().mapToGlobal(self.mapFromScene(scene_pos))
        self.quick_add.open_at(where, with_inputs_only=connect_from is not None)

    def add_node_at(self, op: str, scene_pos: QPointF, connect_from: str | None = None,
                    feed: tuple[str, int] | None = None) -> str:
        """Add an ``op`` node centred at ``scene_pos``; returns its id.

        ``connect_from``: that node feeds the new node's first port (the card
        is placed so that port is at ``scene_pos``).  ``feed`` = (node id,
        port): the new node feeds that port (its output is at ``scene_pos``).
        """
        doc = self.document
        spec = OPS[op]
        node_id = doc.graph.new_id(op)
        value = 0.0 if spec.is_leaf else None
        if feed is not None:
            pos = (round(scene_pos.x() - style.NODE_W), round(scene_pos.y() - style.NODE_H / 2))
            stack = doc.undo_stack
            stack.beginMacro(f"Add {op} feeding {feed[0]}")
            stack.push(AddNode(doc, node_id, op, value=value, pos=pos))
            stack.push(Connect(doc, Edge(node_id, feed[0], feed[1])))
            stack.endMacro()
        elif connect_from is None:
            pos = (round(scene_pos.x() - style.NODE_W / 2), round(scene_pos.y() - style.NODE_H / 2))
            doc.push(AddNode(doc, node_id, op, value=value, pos=pos))
        else:
            # The new card's first port lands where the wire was dropped.
            port = style.NODE_H / (spec.arity + 1)
            pos = (round(scene_pos.x()), round(scene_pos.y() - port))
            stack = doc.undo_stack
            stack.beginMacro(f"Add {op} fed by {connect_from}")
            stack.push(AddNode(doc, node_id, op, value=value, pos=pos))
            stack.push(Connect(doc, Edge(connect_from, node_id, 0)))
            stack.endMacro()
        self._select([node_id])
        return node_id

    def _keyboard_spot(self) -> QPointF:
        """Where a card added from the keyboard goes: right of the selected card (or
        the middle of the view), moved down until it covers no other card."""
        items = self.selected_node_items()
        if items:
            rect = items[-1].sceneBoundingRect()
            spot = QPointF(rect.right() + KEYBOARD_GAP + style.NODE_W / 2, rect.center().y())
        else:
            spot = self.mapToScene(self.viewport().rect().center())
        for _ in range(200):
            card = QRectF(spot.x() - style.NODE_W / 2 - 10, spot.y() - style.NODE_H / 2 - 10,
                          style.NODE_W + 20, style.NODE_H + 20)
            self.graph_scene.make_items_near(card)
            if not any(isinstance(i, NodeItem) for i in self.graph_scene.items(card)):
                break
            spot = QPointF(spot.x(), spot.y() + style.NODE_H + KEYBOARD_GAP)
        return spot

    def node_item_at(self, scene_pos: QPointF) -> NodeItem | None:
        self.graph_scene.make_items_near(QRectF(scene_pos, scene_pos).adjusted(-1, -1, 1, 1))
        for item in self.graph_scene.items(scene_pos):
            if isinstance(item, NodeItem):
                return item
        return None

    def restore_cursor(self) -> None:
        self.viewport().setCursor(Qt.OpenHandCursor if self._space_held else Qt.ArrowCursor)

    # ================================================================ helpers

    def _select(self, node_ids) -> None:
        scene = self.graph_scene
        wanted = set(node_ids)
        scene.blockSignals(True)
        try:
            scene.clearSelection()
            for node_id in wanted:
                item = scene.node_item(node_id)
                if item is not None:
                    item.setSelected(True)
        finally:
            scene.blockSignals(False)
        self._emit_selection()

    def _emit_selection(self) -> None:
        self.selection_changed_to.emit(self.selected_nodes(), self.selected_edges())

    def _item_positions(self, node_ids) -> dict[str, tuple[float, float]]:
        out = {}
        for node_id in node_ids:
            item = self.graph_scene.node_item(node_id)
            if item is not None:
                out[node_id] = (item.pos().x(), item.pos().y())
        return out

    def _after_replace(self) -> None:
        self._cancel_gesture()
        self.fit_all(readable=True)

    def _cancel_gesture(self) -> None:
        if self._gesture is not None:
            gesture, self._gesture = self._gesture, None
            gesture.cancel()

    def _quick_add_chosen(self, op: str) -> None:
        if self._quick_target is None:
            return
        scene_pos, connect_from, feed = self._quick_target
        graph = self.document.graph
        if connect_from is not None and connect_from not in graph:
            connect_from = None
        if feed is not None and (feed[0] not in graph or graph.source(*feed) is not None):
            feed = None
        self.add_node_at(op, scene_pos, connect_from, feed)

    def _quick_add_closed(self) -> None:
        on_close, self._quick_on_close = self._quick_on_close, None
        self._quick_target = None
        if on_close is not None:
            on_close()

    def _nudge(self, dx: float, dy: float) -> None:
        self._auto_fit = False
        items = self.selected_node_items()
        if not items:
            return
        graph = self.document.graph
        moves = {}
        for item in items:
            old = graph.node(item.node_id).pos
            base = old if old is not None else (item.pos().x(), item.pos().y())
            moves[item.node_id] = (old, (base[0] + dx, base[1] + dy))
        self.document.push(MoveNodes(self.document, moves, merge=True))

    # ================================================================ Qt overrides

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, style.BACKGROUND)
        zoom = self.zoom()
        for step, color, min_px in ((style.GRID_MINOR, style.GRID_MINOR_COLOR, 9.0),
                                    (style.GRID_MAJOR, style.GRID_MAJOR_COLOR, 14.0)):
            if step * zoom < min_px:
                continue
            left = int(rect.left() // step) * step
            top = int(rect.top() // step) * step
            lines = []
            x = left
            while x < rect.right():
                lines.append(QLineF(x, rect.top(), x, rect.bottom()))
                x += step
            y = top
            while y < rect.bottom():
                lines.append(QLineF(rect.left(), y, rect.right(), y))
                y += step
            pen = painter.pen()
            pen.setColor(color)
            pen.setWidth(0)            # cosmetic: one pixel at any zoom
            painter.setPen(pen)
            painter.drawLines(lines)

    def event(self, event: QEvent) -> bool:
        # Tab belongs to the canvas (quick-add), not to focus navigation.
        if event.type() == QEvent.KeyPress and event.key() == Qt.Key_Tab and \
                not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            self.open_quick_add()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        step = FINE_NUDGE if event.modifiers() & Qt.ShiftModifier else NUDGE
        arrows = {Qt.Key_Left: (-step, 0), Qt.Key_Right: (step, 0),
                  Qt.Key_Up: (0, -step), Qt.Key_Down: (0, step)}
        if key in arrows and self._gesture is None:
            self._nudge(*arrows[key])
            event.accept()
        elif key == Qt.Key_Space:
            if not event.isAutoRepeat():
                self._space_held = True
                if self._gesture is None:
                    self.restore_cursor()
            event.accept()
        elif key == Qt.Key_Escape:
            if self._gesture is not None:
                self._cancel_gesture()
            else:
                self.graph_scene.clearSelection()
            event.accept()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            if not isinstance(self._gesture, PanGesture):
                self.restore_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:
        self._space_held = False
        super().focusOutEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit_all(readable=True)

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if not delta:
            return
        self._auto_fit = False
        anchor = self.mapToScene(event.position().toPoint())
        self.set_zoom(self.zoom() * (1.0015 ** delta), anchor)
        event.accept()

    def _wake_items(self, vpos: QPoint, to: QPoint | None = None) -> None:
        """A big graph's cards and wires get their items when first needed: those the
        pointer at ``vpos`` may touch (a few pixels round it), or, rubber-banding from
        ``vpos`` to ``to``, those the band may meet."""
        scene = self.graph_scene
        if not (scene.wires.waiting() or scene.nodes.waiting()):
            return
        rect = QRect(vpos, to).normalized() if to is not None else \
            QRect(vpos.x() - 3, vpos.y() - 3, 7, 7)
        scene.make_items_near(self.mapToScene(rect.adjusted(-2, -2, 2, 2)).boundingRect())

    def mousePressEvent(self, event) -> None:
        if self._gesture is not None:
            event.accept()
            return
        vpos = event.position().toPoint()
        self._wake_items(vpos)
        if event.button() == Qt.LeftButton:
            self._press_vpos = vpos
        spos = self.mapToScene(vpos)
        button = event.button()
        self._auto_fit = False
        if button == Qt.MiddleButton or (button == Qt.LeftButton and self._space_held):
            self._gesture = PanGesture(self, vpos)
            event.accept()
            return
        if button == Qt.LeftButton:
            item = self.node_item_at(spos)
            port = item.port_at(spos) if item is not None else None
            if port is not None:
                kind, k = port
                if kind == "out":
                    self._gesture = WireGesture(self, item.node_id)
                    event.accept()
                    return
                src = self.document.graph.source(item.node_id, k)
                if src is not None:
                    self._gesture = WireGesture(self, src, detached=Edge(src, item.node_id, k))
                else:
                    self._gesture = FeedGesture(self, item.node_id, k)
                self._gesture.move(spos, vpos)
                event.accept()
                return
            super().mousePressEvent(event)
            if item is not None:
                self._gesture = MoveGesture(self, item)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        vpos = event.position().toPoint()
        if self._gesture is not None and not isinstance(self._gesture, MoveGesture):
            self._gesture.move(self.mapToScene(vpos), vpos)
            event.accept()
            return
        if self._gesture is None and event.buttons() & Qt.LeftButton and \
                self._press_vpos is not None and self.scene().mouseGrabberItem() is None:
            self._wake_items(self._press_vpos, vpos)        # a rubber band
        else:
            self._wake_items(vpos)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        gesture = self._gesture
        if gesture is None:
            super().mouseReleaseEvent(event)
            return
        vpos = event.position().toPoint()
        if isinstance(gesture, MoveGesture):
            super().mouseReleaseEvent(event)     # Qt finishes moving the items first
        elif isinstance(gesture, PanGesture) and event.button() not in (Qt.MiddleButton,
                                                                        Qt.LeftButton):
            return
        self._gesture = None
        gesture.release(self.mapToScene(vpos), vpos)
        event.accept()

    def contextMenuEvent(self, event) -> None:
        if self._gesture is not None:
            event.accept()
            return
        vpos = event.pos()
        self._wake_items(vpos)
        spos = self.mapToScene(vpos)
        item = self.node_item_at(spos)
        if item is None:
            under = self.itemAt(vpos)
            item = under if isinstance(under, WireItem) else None
        self.context_menu = build_menu(self, spos, item)
        self.context_menu.popup(event.globalPos())
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:
        self._wake_items(event.position().toPoint())
        spos = self.mapToScene(event.position().toPoint())
        item = self.node_item_at(spos)
        under = self.itemAt(event.position().toPoint())
        if item is None and isinstance(under, (FrameItem, GateItem)):
            super().mouseDoubleClickEvent(event)      # the group collapses or expands
            return
        if event.button() == Qt.LeftButton and item is None and \
                not isinstance(under, WireItem):
            self.open_quick_add(spos)
            event.accept()
            return
        if item is not None and event.button() == Qt.LeftButton:
            if item.mapFromScene(spos).y() < style.HEADER_H:      # on its name: rename
                self.inline_rename.start(item.node_id)
                event.accept()
                return
            self.node_activated.emit(item.node_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # ---------------------------------------------------------------- drops

    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasFormat(OP_MIME):
            event.setDropAction(Qt.CopyAction)
            event.accept()
        elif mime.hasUrls():
            event.ignore()           # files: the main window opens them
        else:
            event.ignore()
            self.document.message.emit("Only ops from the palette can be dropped here.")

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(OP_MIME):
            event.setDropAction(Qt.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        event.accept()

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(OP_MIME):
            event.ignore()
            return
        op = bytes(mime.data(OP_MIME).data()).decode("utf-8", "replace").strip()
        if op not in OPS:
            self.document.message.emit(f'Cannot add "{op}": there is no such op.')
            event.ignore()
            return
        self._auto_fit = False
        self.add_node_at(op, self.mapToScene(event.position().toPoint()))
        event.setDropAction(Qt.CopyAction)
        event.accept()
        self.setFocus(Qt.OtherFocusReason)


__all__ = ["CanvasView"]
