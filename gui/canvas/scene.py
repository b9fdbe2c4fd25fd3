"""The scene mirrors the document's graph and only follows its notifications.

It is built once from ``document.graph`` and from then on reacts to the
document's signals: a node added becomes a :class:`NodeItem`, a wire removed
loses its :class:`WireItem`, a rename re-keys both, ``graph_replaced``
rebuilds, ``current_evaluation_changed`` refreshes the warning badges, the
output mark and the numbers on the wires and in the tooltips.  That signal is
the only way numbers reach the canvas: the live evaluation, or during a
step-through what its steps have revealed (``NOT_YET`` numbers get no label).
The scene never edits the graph (the view pushes undo commands) and never
computes a number (it formats the evaluation's).

Besides the numbers the scene keeps two explicit looks a step-through or the
quiz sets: the step's highlight (:meth:`GraphScene.show_step_state`: node
states, the wires the step works on, a sentence per card) and the wire whose
gradient the quiz asks for (:meth:`GraphScene.set_asked`, labelled "?").

Items hold ids only; the scene keeps the two id → item maps and, derived
from the same notifications, which wires touch which node, so a moving node
drags exactly its own wires along.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from chainrule.core import forward_mode
from chainrule.core.formatting import format_shape, format_value
from chainrule.core.gc_pause import gc_paused
from chainrule.core.graph import Edge
from chainrule.core.layout import LAYER_DY, layered_positions
from chainrule.core.stepper import NOT_YET
from chainrule.gui import heatmap
from chainrule.gui.canvas import pixmap_budget, routing, style
from chainrule.gui.canvas.far_batch import CardBatch, WireBatch
from chainrule.gui.canvas.group_items import GroupLayer
from chainrule.gui.canvas.lazy_items import CARD_REACH, CardTable, WireTable
from chainrule.gui.canvas.node_item import _PLAIN_RECT, NodeItem, card_meets, port_centres
from chainrule.gui.canvas.spatial import SpatialGrid
from chainrule.gui.canvas.wire_item import LabelLayer, WireItem

#: Where nodes without a position go: generation k at x = 220·k, 110 apart.
#: Width of the compact preview of an array on a wire (characters).
PREVIEW_WIDTH = 26


class GraphScene(QGraphicsScene):
    """Items for the nodes and wires of ``document.graph``, kept in step with it."""

    #: A group's frame or gate was double-clicked (the view collapses or expands it).
    group_activated = Signal(str)
    #: A collapsed group's gate was dragged to (x, y) (the view pushes the move).
    gate_moved = Signal(str, object)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.groups = GroupLayer(self)
        #: Node id → NodeItem; a big graph's cards are made on first use (lazy_items.py).
        self.nodes = CardTable(self._wake_card)
        #: Edge → WireItem; a big graph's items are made on first use (lazy_items.py).
        self.wires = WireTable(self._wake_wire)
        self._touching: dict[str, set[Edge]] = {}
        # Where the cards (by id) and the wires' labels are, for placing wires (spatial.py).
        self._card_grid = SpatialGrid()
        self._label_grid = SpatialGrid()
        # Wires of a big graph whose labels wait for a zoom where labels are drawn
        # (placing them is most of building the scene); in the order they were added.
        self._labels_later: dict[WireItem, None] = {}
        self._deferring = False
        self._hints: dict | None = None     # the ports a dragged wire may plug into
        # Items made late would stack above those made before them: in a scene of lazy
        # items each gets a z just under its kind's that orders it as building would have.
        self._stacking = False
        self._idle = QTimer(self)            # makes waiting items while nothing happens
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._make_some)
        #: The items a learning view gave a look, by kind (see _decorate).
        self._decorated: dict[str, set] = {}
        self.precision = 4
        #: True while rendering to a file: labels drawn at any scale, no selection look.
        self.exporting = False
        #: The document's current evaluation: every number on the canvas comes from it.
        self.evaluation = None
        #: Bumped whenever the wires' texts may have changed (the evaluation, the
        #: precision, the asked wire): a wire re-formats its labels when it sees a new one.
        self.labels_version = 0
        self._emphasized: set[Edge] = set()     # the wires the current step works on
        self._asked: Edge | None = None         # the quiz's "?" wire
        self._step_current: str | None = None   # the current step's node
        #: (stepper, token) of the highlight shown: the next step repaints what changed.
        self.step_token = None
        #: node id → the warning its card shows (a step changes only a few of them).
        self._badged: dict[str, str] = {}
        self._badge_token = None            # where a step-through's badges stand
        self._problem_nodes: set[str] = set()
        self._output: str | None = None
        self._far = False         # zoomed out past reading: wires cached as pixmaps
        self._batched = False     # further out: every wire drawn by one item
        self.wire_batch = WireBatch(self)      # in the scene only while batching
        self.card_batch = CardBatch(self)
        document.node_added.connect(self._on_node_added)
        document.node_removed.connect(self._on_node_removed)
        document.node_changed.connect(self._on_node_changed)
        document.node_renamed.connect(self._on_node_renamed)
        document.edge_added.connect(self._on_edge_added)
        document.edge_removed.connect(self._on_edge_removed)
        document.output_changed.connect(self._on_output_changed)
        document.graph_replaced.connect(self.rebuild)
        document.groups_changed.connect(self.groups.refresh)
        document.current_evaluation_changed.connect(self.show_evaluation)
        # A selected card or wire looks different far out (not an itemChange override:
        # Qt calls one for every change of every item, a dozen while each is built).
        self.selectionChanged.connect(self._selection_looks_changed)
        self.label_layer = LabelLayer(QRectF(-1e6, -1e6, 2e6, 2e6))
        self.addItem(self.label_layer)
        self.rebuild()
        self.show_evaluation(document.current_evaluation())   # the one before we listened

    def _selection_looks_changed(self) -> None:
        self.wire_batch.invalidate()
        self.card_batch.invalidate()

    # ------------------------------------------------------------ lookup

    @property
    def graph(self):
        return self.document.graph

    def node_item(self, node_id: str) -> NodeItem | None:
        return self.nodes.get(node_id)

    def wire_item(self, edge: Edge) -> WireItem | None:
        return self.wires.get(Edge(*edge))

    def items_rect(self) -> QRectF:
        """The bounding box of every node (and its output stub)."""
        rect = QRectF()
        for item in self.nodes.made().values():
            rect = rect.united(item.sceneBoundingRect())
        waiting = self.nodes.records()      # plain cards, as NodeItem's own room
        if waiting:
            xs = [r[0] for r in waiting.values()]
            ys = [r[1] for r in waiting.values()]
            rect = rect.united(QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
                               .adjusted(_PLAIN_RECT.left(), _PLAIN_RECT.top(),
                                         _PLAIN_RECT.right(), _PLAIN_RECT.bottom()))
        return rect

    def make_items_near(self, rect: QRectF) -> None:
        """The pointer is over ``rect`` (scene): the cards and wires that wait for their
        items and may meet it get them, so hover, click and rubber band find them."""
        if self.nodes.waiting():
            # the grid's cells hold each card with its port discs; a card's room
            # reaches further (CARD_REACH round its body)
            r = CARD_REACH - style.PORT_HIT
            left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
            waiting, make = self.nodes.records(), self.nodes.get
            for node_id in self._card_grid.near(left - r, top - r, right + r, bottom + r):
                record = waiting.get(node_id)
                if record is not None and left - _ROOM_W <= record[0] <= right + CARD_REACH \
                        and top - _ROOM_H <= record[1] <= bottom + CARD_REACH:
                    make(node_id)
        self.wires.near(rect)

    # ------------------------------------------------------------ building

    def rebuild(self) -> None:
        """Throw every item away and mirror the graph again (a new document)."""
        self.clearSelection()
        self.groups.clear()
        for item in list(self.nodes.made().values()) + list(self.wires.made().values()):
            self.removeItem(item)
        self.nodes.clear()
        self.wires.clear()
        self.wire_batch.invalidate()
        self.card_batch.invalidate()
        self._touching.clear()
        self._card_grid.clear()
        self._label_grid.clear()
        self._labels_later.clear()
        self._hints = None
        self._decorated.clear()
        self._badged.clear()
        self._badge_token = None
        self._problem_nodes.clear()
        self._output = None
        self._emphasized = set()
        self._asked = None
        self._step_current = None
        self.step_token = None
        graph = self.graph
        self.groups.prepare()
        auto = self._auto_positions()
        big = graph.edge_count() >= LABELS_LATER
        if big:     # it opens fitted, far out: items made hollow (the view's zoom decides)
            self._set_batched(True)
        lazy = big and LAZY_ITEMS and not graph.groups
        self._stacking = lazy
        with gc_paused():           # thousands of items: no collection walking them meanwhile
            for node in graph.nodes():
                if lazy:
                    self._add_lazy_card(node, auto.get(node.id))
                else:
                    self._add_node_item(node.id, auto.get(node.id))
            self._deferring = big
            for edge in graph.edges():
                if not (lazy and self._add_lazy_wire(edge)):
                    self._add_wire_item(edge)
            self._deferring = False
        if big:     # once the view has its zoom (a big graph opens fitted): draw for it
            QTimer.singleShot(0, self, self._follow_view)
        if lazy:    # and when the window has shown it, the items that wait, bit by bit
            self._idle.start(IDLE_START_MS)
        self._set_output(graph.effective_output())
        pixmap_budget.fit(len(self.nodes) + len(self.wires))
        self.groups.refresh()
        self.labels_version += 1
        self.update()

    def _add_node_item(self, node_id: str, auto_pos: tuple[float, float] | None = None) -> None:
        node = self.graph.node(node_id)
        pos = node.pos or auto_pos or self._free_spot()
        self.nodes.add(node_id, self._new_card(node, pos, self.nodes.next_rank()))
        self._touching.setdefault(node_id, set())
        self.card_batch.invalidate()
        if len(self.nodes) % 256 == 0:       # a graph growing node by node (paste, programs)
            pixmap_budget.fit(len(self.nodes) + len(self.wires))

    def _new_card(self, node, pos, rank: int) -> NodeItem:
        item = NodeItem(node.id, node.spec, hollow=self._batched)
        if self._stacking:
            item.setZValue(_stacked(1.0, rank))
        self._fill_node(item, node)
        item.setPos(QPointF(*pos))
        if node.id in self.groups.hidden:
            item.setVisible(False)
        self.addItem(item)
        self._card_grid.put(node.id, *_card_reach(*pos))
        return item

    def _add_lazy_card(self, node, auto_pos) -> None:
        """Building a big graph: the card waits for its item (lazy_items.py)."""
        x, y = node.pos or auto_pos
        self.nodes.add_lazy(node.id, (float(x), float(y), node.spec))
        self._touching.setdefault(node.id, set())
        self._card_grid.put(node.id, *_card_reach(x, y))

    def _wake_card(self, node_id: str, record: tuple) -> NodeItem:
        """The item of a card that waited, as building the scene would have made it:
        nothing has given it a look of its own yet (that makes the item first)."""
        x, y, _op = record
        item = self._new_card(self.graph.node(node_id), (x, y), self.nodes.rank(node_id))
        for edge in self._touching[node_id]:
            if edge.dst == node_id:
                item.set_connected(edge.port, True)
        if self._hints is not None:
            item.set_hints(self._hints.get(node_id, {}))
        return item

    def _fill_node(self, item: NodeItem, node) -> None:
        value = short = None
        if node.spec.is_leaf:
            value = format_value(node.value, self.precision, width=18)
            short = format_shape(node.value.shape) if isinstance(node.value, np.ndarray) \
                else value
        item.set_content(node.display, value, node.trainable, short)

    def _add_wire_item(self, edge: Edge) -> None:
        self._touching.setdefault(edge.src, set()).add(edge)
        self._touching.setdefault(edge.dst, set()).add(edge)
        self.wires.add(edge, self._new_wire(edge, self.wires.next_rank()))
        self.wire_batch.invalidate()
        self.nodes[edge.dst].set_connected(edge.port, True)
        if not self._single(edge):          # a lone wire keeps the place found for it
            self._restagger(edge.src, edge.dst)

    def _new_wire(self, edge: Edge, rank: int) -> WireItem:
        wire = WireItem(edge)
        if self._stacking:
            wire.setZValue(_stacked(0.0, rank))
        wire.set_emphasized(edge in self._emphasized or edge == self._asked)
        if self._far:
            wire.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        if self._batched:
            wire.setFlag(QGraphicsItem.ItemHasNoContents, True)
        hidden = self.groups.hidden
        if self.graph.groups and not self.groups.wire_visible(edge):
            wire.setVisible(False)          # laid out when it shows
        elif not (hidden and (edge.src in hidden or edge.dst in hidden)):
            self._place_wire(wire)          # (a wire into a gate: when the gate is placed)
        self.addItem(wire)
        return wire

    def _add_lazy_wire(self, edge: Edge) -> bool:
        """Building a big graph: a plain wire forwards gets no item until it is first
        needed (lazy_items.py), only its far-zoom line; False for a wire that needs
        its item now (one going back takes a lane, twins spread their labels)."""
        touching = self._touching[edge.dst]
        if any(e.src == edge.src for e in touching):
            return False
        # the two ports, as NodeItem.output_port_scene and input_port_scene put them
        a, b = self.corner(edge.src), self.corner(edge.dst)
        x0, y0 = a[0] + style.NODE_W, a[1] + style.NODE_H / 2
        dx, dy = port_centres(self.graph.node(edge.dst).spec.arity)[edge.port]
        x1, y1 = b[0] + dx, b[1] + dy
        if x1 < x0 - 1.0:                   # goes back (routing.goes_back): it takes a lane
            return False
        self._touching[edge.src].add(edge)
        touching.add(edge)
        self.wires.add_lazy(edge, (x0, y0, x1, y1))
        dst = self.nodes.made().get(edge.dst)
        if dst is not None:                 # (a waiting card finds its wires when made)
            dst.set_connected(edge.port, True)
        return True

    def card_rooms(self, rect: QRectF) -> list[QRectF]:
        """The bounding boxes (scene) of the cards that may meet ``rect``, found through
        the card grid, made or waiting — none is made for it (a waiting card's box is
        a plain card's)."""
        made, rooms = self.nodes.made(), []
        for node_id in self._card_grid.near(rect.left(), rect.top(), rect.right(),
                                            rect.bottom()):
            item = made.get(node_id)
            rooms.append(item.sceneBoundingRect() if item is not None else
                         _PLAIN_RECT.translated(*self.corner(node_id)))
        return rooms

    def corner(self, node_id: str) -> tuple[float, float]:
        """A card's top-left corner, whether or not it has its item yet."""
        record = self.nodes.record(node_id)
        if record is not None:
            return record[0], record[1]
        p = self.nodes[node_id].pos()
        return p.x(), p.y()

    def _wake_wire(self, edge: Edge, _line: tuple) -> WireItem:
        """The item of a wire that waited, made as building the scene would have made
        it (its label waits for the readable zoom with the others)."""
        deferring, self._deferring = self._deferring, True
        try:
            return self._new_wire(edge, self.wires.rank(edge))
        finally:
            self._deferring = deferring

    def _place_wire(self, wire: WireItem) -> None:
        edge = wire.edge
        src, dst = self.nodes[edge.src], self.nodes[edge.dst]
        groups = self.groups                # a hidden end: on its collapsed gate's port
        start = groups.out_anchor(edge.src) if groups.hidden else None
        end = groups.in_anchor(edge) if groups.hidden else None
        p0 = start or src.output_port_scene()
        p1 = end or dst.input_port_scene(edge.port)
        lane = None
        if routing.goes_back(p0, p1):
            lane = routing.lane_for(p0, p1, (_card(src), _card(dst)), self._cards_in)
            # wires into different ports of one card take lanes a little apart
            lane += routing.LANE_GAP * edge.port * (1 if lane > p0.y() else -1)
        wire.set_ends(p0, p1, lane)
        self._labels_later.pop(wire, None)
        if lane is None and self._single(edge) and not groups.crowded(start, end, edge):
            if self._deferring:
                self._labels_later[wire] = None     # not an obstacle until placed
                return
            wire.set_label_position(self._free_t(wire))
        self._note_label(wire)

    def _make_some(self) -> None:
        """Idle time: make waiting cards, then wires, for IDLE_SLICE_MS, and come back
        after a pause (the window answers in between); a zoom that draws items or an
        export makes the rest at once."""
        deadline = time.perf_counter() + IDLE_SLICE_MS / 1000
        self.nodes.make_some(deadline)
        self.wires.make_some(deadline)
        if self.nodes.waiting() or self.wires.waiting():
            self._idle.start(IDLE_PAUSE_MS)

    def _follow_view(self) -> None:
        """Draw for the zoom the view has (it may have kept the one it had when the
        graph was replaced: set_view_scale was not called then)."""
        for view in self.views():
            self.set_view_scale(view.transform().m11())
            break

    def _place_labels_if_readable(self, drawn: bool = False) -> None:
        """Place the labels that waited, if the zoom now draws them (or ``drawn``:
        rendering to a file draws them at any zoom), in the order the wires were
        added, each keeping clear of those placed before it."""
        if (self._far and not drawn) or not self._labels_later:
            return
        self.wires.make_all()               # every label waiting, in the graph's wire order
        # in the order the wires came, however their items were made
        waiting = sorted(self._labels_later, key=lambda wire: self.wires.rank(wire.edge))
        self._labels_later.clear()
        for wire in waiting:
            if wire.scene() is self:
                wire.set_label_position(self._free_t(wire))
                self._note_label(wire)

    def _note_label(self, wire: WireItem) -> None:
        """The wire's labels were placed (or their room changed): where _labels_meeting finds them."""
        self._label_grid.put(wire, *_label_box(wire))

    def _single(self, edge: Edge) -> bool:
        """No twin wire between the same two nodes (those are spread by _restagger)."""
        return sum(1 for e in self._touching.get(edge.dst, ())
                   if e.src == edge.src and e.dst == edge.dst) <= 1

    def _free_t(self, wire: WireItem) -> float:
        """Where along the wire its labels meet no card and no other wire's labels: the
        middle when it is free, else the free point nearest the middle, else the point
        with the fewest obstacles (the middle on a tie)."""
        extra = LABEL_BOX_H / 2 if wire.extra_text() is not None else 0.0
        best, fewest = 0.5, None
        for t in LABEL_TS:
            p = wire.point_at(t)
            x, y = p.x() - LABEL_BOX_W / 2, p.y() - LABEL_BOX_H / 2
            box = (x, y, x + LABEL_BOX_W, y + LABEL_BOX_H + extra)
            hits = self._cards_meeting(*box) + self._labels_meeting(box, wire)
            if hits == 0:
                return t
            if fewest is None or hits < fewest:
                best, fewest = t, hits
        return best

    def _labels_meeting(self, box: tuple, own: WireItem) -> int:
        """How many other shown wires have their label box meeting ``box`` (left, top,
        right, bottom)."""
        n = 0
        for item in self._label_grid.near(*box):
            if item is not own and _overlap(_label_box(item), box) and item.isVisible():
                n += 1
        return n

    def _cards_meeting(self, left: float, top: float, right: float, bottom: float) -> int:
        """How many shown cards meet this rectangle (their body or a port's disc)."""
        return len(self._cards_at(left, top, right, bottom))

    def _cards_at(self, left: float, top: float, right: float, bottom: float) -> list:
        """The top-left corners of the shown cards meeting this rectangle."""
        found = []
        made, waiting = self.nodes.made(), self.nodes.records()
        for node_id in self._card_grid.near(left, top, right, bottom):
            item = made.get(node_id)
            if item is None:
                x, y, op = waiting[node_id]      # a waiting card is always shown
                if card_meets(op.arity, left - x, top - y, right - x, bottom - y):
                    found.append((x, y))
                continue
            p = item.pos()
            x, y = p.x(), p.y()
            if item.meets(left - x, top - y, right - x, bottom - y) and item.isVisible():
                found.append((x, y))
        return found

    def _cards_in(self, rect: QRectF) -> list[QRectF]:
        """The shown cards (their bodies, in scene coordinates) whose body or a port's
        disc meets ``rect``."""
        return [QRectF(x, y, style.NODE_W, style.NODE_H)
                for x, y in self._cards_at(rect.left(), rect.top(), rect.right(), rect.bottom())]

    def _restagger(self, src: str, dst: str) -> None:
        """Wires between the same two nodes (``x * x``) put their labels apart."""
        twins = sorted((e for e in self._touching.get(dst, ()) if e.src == src and e.dst == dst),
                       key=lambda e: e.port)
        for i, edge in enumerate(twins):
            self._labels_later.pop(self.wires[edge], None)
            t = 0.5 if len(twins) == 1 else 0.3 + 0.4 * i / (len(twins) - 1)
            self.wires[edge].set_label_position(t)
            self._note_label(self.wires[edge])

    def _auto_positions(self) -> dict[str, tuple[float, float]]:
        """Layer by layer, for nodes the model has no position for (not written back)."""
        graph = self.graph
        missing = [n.id for n in graph.nodes() if n.pos is None]
        if not missing:
            return {}
        placed = [n.pos for n in graph.nodes() if n.pos is not None]
        top = max((p[1] for p in placed), default=-LAYER_DY) + LAYER_DY + 40.0 if placed else 0.0
        return layered_positions(graph, missing, top)

    def _free_spot(self) -> tuple[float, float]:
        rect = self.items_rect()
        if rect.isNull():
            return (0.0, 0.0)
        return (rect.left(), rect.bottom() + 40.0)

    # ------------------------------------------------------------ model → items

    def _on_node_added(self, node_id: str) -> None:
        self._add_node_item(node_id)
        if self.graph.groups:
            self.groups.refresh_soon()

    def _on_node_removed(self, node_id: str) -> None:
        item = self.nodes.discard(node_id)
        self._card_grid.drop(node_id)
        for edge in list(self._touching.pop(node_id, ())):   # normally gone already
            self._drop_wire(edge)
        self._badged.pop(node_id, None)
        self._problem_nodes.discard(node_id)
        if self._output == node_id:
            self._output = None
        if item is not None:
            self.removeItem(item)
        self.card_batch.invalidate()
        if self.graph.groups or self.groups.frames or self.groups.gates:
            self.groups.refresh_soon()

    def _on_node_changed(self, node_id: str, field: str) -> None:
        item = self.nodes.get(node_id)
        if item is None:
            return
        if field != "value":
            self.card_batch.invalidate()        # an op's colour, say
        node = self.graph.node(node_id)
        if field == "pos":
            if node.pos is not None:
                item.setPos(QPointF(*node.pos))
        else:
            self._fill_node(item, node)

    def _on_node_renamed(self, old: str, new: str) -> None:
        corner = self.corner(old)
        item = self.nodes.rename(old, new)  # None: the card still waits (its record moves)
        if item is not None:
            item.node_id = new
        self._card_grid.drop(old)
        self._card_grid.put(new, *_card_reach(*corner))
        touching = self._touching.pop(old, set())
        self._touching[new] = set()
        for edge in touching:
            new_edge = Edge(new if edge.src == old else edge.src,
                            new if edge.dst == old else edge.dst, edge.port)
            wire = self.wires.rename(edge, new_edge)
            if wire is not None:
                wire.edge = new_edge
            other = new_edge.dst if new_edge.src == new else new_edge.src
            if other != new:
                self._touching[other].discard(edge)
                self._touching[other].add(new_edge)
            self._touching[new].add(new_edge)
        if old in self._badged:
            self._badged[new] = self._badged.pop(old)
        if old in self._problem_nodes:
            self._problem_nodes.discard(old)
            self._problem_nodes.add(new)
        if self._output == old:
            self._output = new
        if item is not None:
            self._fill_node(item, self.graph.node(new))
        if self.graph.groups:
            self.groups.refresh_soon()

    def _on_edge_added(self, edge: Edge) -> None:
        self._add_wire_item(Edge(*edge))
        if self.graph.groups:
            self.groups.refresh_soon()       # a gate's ports may have changed

    def _on_edge_removed(self, edge: Edge) -> None:
        self._drop_wire(Edge(*edge))
        if self.graph.groups:
            self.groups.refresh_soon()

    def _drop_wire(self, edge: Edge) -> None:
        if edge not in self.wires:
            return
        wire = self.wires.discard(edge)
        for end in (edge.src, edge.dst):
            self._touching.get(end, set()).discard(edge)
        dst = self.nodes.made().get(edge.dst)    # (a waiting card finds its wires when made)
        if dst is not None:
            dst.set_connected(edge.port, False)
        if wire is not None:
            self._label_grid.drop(wire)
            self._labels_later.pop(wire, None)
            self.removeItem(wire)
        self.wire_batch.invalidate()
        if edge.src in self.nodes and edge.dst in self.nodes:
            self._restagger(edge.src, edge.dst)
            lone = [e for e in self._touching.get(edge.dst, ()) if e.src == edge.src]
            if len(lone) == 1 and self.wires[lone[0]].isVisible():
                self._place_wire(self.wires[lone[0]])   # its twin gone: room of its own

    def _on_output_changed(self, _node_id) -> None:
        self._set_output(self.graph.effective_output())

    def _set_output(self, node_id: str | None) -> None:
        if node_id == self._output:
            return
        old = self.nodes.get(self._output) if self._output else None
        if old is not None:
            old.set_output(False)
        self._output = node_id
        new = self.nodes.get(node_id) if node_id else None
        if new is not None:
            new.set_output(True)
            self._label_stub(new)

    def node_item_moved(self, item: NodeItem) -> None:
        """A card moved (dragged, or its position set): its wires follow."""
        if item.node_id in self.nodes:
            p = item.pos()
            self._card_grid.put(item.node_id, *_card_reach(p.x(), p.y()))
        for edge in self._touching.get(item.node_id, ()):
            wire = self.wires.get(edge)
            if wire is not None and wire.isVisible():
                self._place_wire(wire)
        if self.groups.frames:
            self.groups.node_moved(item.node_id)

    # ------------------------------------------------------------ evaluation

    def show_evaluation(self, evaluation) -> None:
        """Show this evaluation (the document's current one): badges, output mark, labels.

        Costs O(badges) here: the wires format their texts when they are next painted.
        """
        self.evaluation = evaluation
        if evaluation is None:
            self._relabel()
            return
        self._set_output(evaluation.output if evaluation.output in self.nodes else
                         self.graph.effective_output())
        self._show_warnings(evaluation)
        # The ops that refused their inputs (shapes that do not fit...); an unwired
        # port is not marked: the card's empty port says it already.
        problems: dict[str, str] = {}
        for problem in evaluation.problems:
            if problem.kind != "unwired":
                problems.setdefault(problem.node, problem.message)
        for node_id in self._problem_nodes - set(problems):
            if node_id in self.nodes:
                self.nodes[node_id].set_problem(None)
        for node_id, text in problems.items():
            if node_id in self.nodes:
                self.nodes[node_id].set_problem(text)
        self._problem_nodes = {n for n in problems if n in self.nodes}
        self._relabel()

    def _show_warnings(self, evaluation) -> None:
        """Each card's warning badge.  A step-through says which nodes its step
        re-warned (``warnings_changed_since``): only those are looked at then, so a
        step costs what it changed, not the number of warnings."""
        since = getattr(evaluation, "warnings_changed_since", None)
        changed, self._badge_token = since(self._badge_token) if since else (None, None)
        nodes, badged = self.nodes, self._badged
        if changed is None:
            changed = evaluation.warnings.keys() | evaluation.grad_warnings.keys() | \
                badged.keys()
        for node_id in changed:
            if node_id not in nodes:
                continue
            text = badge_text(evaluation, node_id)
            if badged.get(node_id) != text:
                nodes[node_id].set_warning(text)
                if text is None:
                    del badged[node_id]
                else:
                    badged[node_id] = text

    def _relabel(self) -> None:
        self.labels_version += 1
        if self._output in self.nodes:
            self._label_stub(self.nodes[self._output])
        self.update()

    def _label_stub(self, item: NodeItem) -> None:
        ev = self.evaluation
        emphasized = item.node_id == self._step_current
        if ev is None:
            item.set_stub_labels(None, None, emphasized)
            item.set_stub_tangent(None)
            return
        t = self._lookup(lambda n: forward_mode.tangent(ev, n), item.node_id)
        item.set_stub_tangent(None if t is None or t is NOT_YET
                              else style.TANGENT_PREFIX + self.format(t))
        value = self._lookup(ev.value, item.node_id)
        grad = self._lookup(ev.grad, item.node_id) if ev.grads is not None else None
        grad_text = None if ev.grads is None else self._text(grad, dash=True)
        item.set_stub_labels(self._text(value), grad_text, emphasized)

    # ------------------------------------------------------------ step-through looks

    def show_step_state(self, states: dict[str, str], emphasized, current: str | None,
                        sentences: dict[str, str], only=None) -> None:
        """A step-through's highlight: each card's state ("done", "current", ...), the
        wires the step works on (drawn in the current node's colour), and a sentence
        per card for its tooltip.  No numbers: those come from the evaluation.
        ``only``: just these cards changed (the others keep their look)."""
        nodes = self.nodes
        if only is None:        # a card still waiting for its item keeps it if it stays plain
            only = [*nodes.made(), *(n for n in nodes.records()
                                     if states.get(n, "normal") != "normal" or sentences.get(n))]
        targets = ((n, nodes[n]) for n in only if n in nodes)
        for node_id, item in targets:
            item.set_state(states.get(node_id, "normal"))
            item.set_extra_tooltip(sentences.get(node_id, ""))
        self._set_emphasis(set(emphasized), current)

    def clear_states(self) -> None:
        """Every card back to its normal look, stepper tooltips and emphasis dropped."""
        self.step_token = None
        for item in self.nodes.made().values():     # (a waiting card is plain)
            item.set_state("normal")
            item.set_extra_tooltip("")
        self._set_emphasis(set(), None)

    def set_asked(self, edge: Edge | None) -> None:
        """The quiz asks for this wire's gradient: "?" under it, emphasised; None: no question."""
        edge = None if edge is None else Edge(*edge)
        if edge == self._asked:
            return
        old, self._asked = self._asked, edge
        for e in (old, edge):
            if e in self.wires:
                self.wires[e].set_emphasized(e in self._emphasized or e == edge)
        self.labels_version += 1
        self.update()

    def _set_emphasis(self, emphasized: set[Edge], current: str | None) -> None:
        # Only the wires whose look changes are touched: a step costs O(its wires).
        for edge in emphasized.symmetric_difference(self._emphasized):
            wire = self.wires.get(edge)
            if wire is not None:
                wire.set_emphasized(edge in emphasized or edge == self._asked)
        self._emphasized = emphasized
        if current != self._step_current:
            self._step_current = current
            if self._output in self.nodes:
                self._label_stub(self.nodes[self._output])

    # ------------------------------------------------------------ learning views

    def _decorate(self, kind: str, table: dict, wanted: dict, apply) -> None:
        """Give the items of ``table`` named in ``wanted`` their look (``apply(item,
        look)``) and take it off the items that had it and are not named (``apply(item,
        None)``).  Only those are visited: a view that is off, or follows a step,
        costs what it shows, not the size of the graph."""
        before = self._decorated.get(kind, set())
        now = set()
        for key, look in wanted.items():
            item = table.get(key)
            if item is not None:
                apply(item, look)
                now.add(item)
        for item in before - now:
            if item.scene() is self:
                apply(item, None)
        self._decorated[kind] = now

    def set_wire_styles(self, styles: dict[Edge, tuple[float, Any]]) -> None:
        """Draw these wires with (width, QColor) and every other wire plainly (flow view)."""
        self._decorate("styles", self.wires, styles, lambda wire, look: wire.set_style_override(
            *(look if look is not None else (None,))))

    def set_wire_extras(self, texts: dict[Edge, str]) -> None:
        """A third label line on these wires, none on the others (misconception view)."""
        def apply(wire: WireItem, text: str | None) -> None:
            had = wire.extra_text()
            wire.set_extra_label(text)
            if (had is None) != (text is None) and wire._lane is None \
                    and self._single(wire.edge):
                # a third line needs room of its own: look for it again
                wire.set_label_position(self._free_t(wire))
            self._note_label(wire)
        self._decorate("extras", self.wires, texts, apply)

    def set_node_marks(self, key: str, marks: dict[str, tuple[str, Any, str]]) -> None:
        """Pills ``key`` under these nodes: id → (text, QColor, tooltip); removed elsewhere."""
        self._decorate("mark " + key, self.nodes, marks, lambda item, mark: item.set_mark(
            key, *(mark if mark is not None else (None,))))

    def set_node_rings(self, key: str, rings: dict[str, Any]) -> None:
        """Rings ``key`` round these nodes: id → QColor; removed elsewhere."""
        self._decorate("ring " + key, self.nodes, rings,
                       lambda item, color: item.set_ring(key, color))

    def set_precision(self, digits: int) -> None:
        """Significant digits of every number on the canvas (4 by default)."""
        digits = max(1, min(17, int(digits)))
        if digits == self.precision:
            return
        self.precision = digits
        made = self.nodes.made()            # (a waiting card is filled when made)
        for node in self.graph.nodes():
            if node.id in made:
                self._fill_node(made[node.id], node)
        self._relabel()

    def format(self, value: Any, width: int = PREVIEW_WIDTH) -> str:
        return format_value(value, self.precision, width=width)

    def _text(self, value: Any, dash: bool = False) -> str | None:
        """A label; for a number that does not exist "—" with ``dash`` (a gradient that
        does not reach the output), else none; none for one not reached yet."""
        if value is NOT_YET or (value is None and not dash):
            return None
        return self.format(value)

    @staticmethod
    def _lookup(getter, key) -> Any:
        """A value from an evaluation that may predate the latest edit (None then)."""
        try:
            return getter(key)
        except (KeyError, IndexError, TypeError):
            return None

    def wire_texts(self, edge: Edge) -> tuple[str | None, str | None]:
        """(value text, gradient text) for a wire; None means no label.

        The gradient is this wire's own contribution; "—" when the backward
        pass ran but this wire does not lead to the output, no label at all
        when there was no backward pass; "?" on the wire the quiz asks about.
        Numbers a step-through has not reached yet get no label.
        """
        ev = self.evaluation
        if ev is None:
            return None, None
        value_text = self._text(self._lookup(ev.edge_value, edge))
        if edge == self._asked:
            return value_text, "?"
        if ev.edge_grads is None:
            return value_text, None
        return value_text, self._text(self._lookup(ev.edge_grad, edge), dash=True)

    def wire_tangent_text(self, edge: Edge) -> str | None:
        """The tangent a wire carries forward ("ṫ 1"), or None: forward mode is off, the
        source has no value, or a step-through has not reached it yet."""
        ev = self.evaluation
        if ev is None:
            return None
        t = self._lookup(lambda e: forward_mode.tangent(ev, e.src), edge)
        if t is None or t is NOT_YET:
            return None
        return style.TANGENT_PREFIX + self.format(t)

    def wire_arrays(self, edge: Edge) -> tuple[Any, Any]:
        """(value, gradient) of a wire when it is a matrix or more (rank ≥ 2), else None:
        what the wire's heatmaps show (only numbers the evaluation has)."""
        ev = self.evaluation
        if ev is None:
            return None, None
        value = self._lookup(ev.edge_value, edge)
        grad = None
        if ev.edge_grads is not None and edge != self._asked:
            grad = self._lookup(ev.edge_grad, edge)

        def shown(v):
            return v if isinstance(v, np.ndarray) and v.ndim >= 2 and v.size else None
        return shown(value), shown(grad)

    def set_view_scale(self, scale: float) -> None:
        """The view's zoom changed: pick how wires are drawn.

        Zoomed out past the point where labels can be read, a wire's picture
        no longer depends on the numbers, so each wire keeps it as a pixmap
        (thousands of tiny blits instead of thousands of Python paint calls).
        At reading zoom the wires are drawn live, since every evaluation
        changes their labels.
        """
        self._set_batched(scale < style.LOD_SIMPLE)
        if not self._batched:
            self.nodes.make_all()           # drawn one by one from here on
            self.wires.make_all()
        far = scale < style.LOD_WIRE_TEXT
        if far != self._far:
            self._far = far
            mode = QGraphicsItem.DeviceCoordinateCache if far else QGraphicsItem.NoCache
            for wire in self.wires.made().values():
                wire.setCacheMode(mode)
        self._place_labels_if_readable()

    def _set_batched(self, on: bool) -> None:
        """Below LOD_SIMPLE every wire is a plain line and every card a block: one
        item per kind draws them all (:mod:`chainrule.gui.canvas.far_batch`), the
        wire and card items paint nothing."""
        if on == self._batched:
            return
        self._batched = on
        for item in (*self.wires.made().values(), *self.nodes.made().values()):
            item.setFlag(QGraphicsItem.ItemHasNoContents, on)
        self.wire_batch.show_batched(on)
        self.card_batch.show_batched(on)

    # ------------------------------------------------------------ tooltips

    def wire_tooltip(self, edge: Edge) -> str:
        graph = self.graph
        if edge.dst not in graph:
            return ""
        port = graph.node(edge.dst).spec.ports[edge.port]
        lines = [f"{edge.src} → {edge.dst} (port {port})"]
        ev = self.evaluation
        if ev is not None:
            value = self._lookup(ev.edge_value, edge)
            if value is not NOT_YET:
                lines.append("value: " + _full(value, self.precision))
            grad = self._lookup(ev.edge_grad, edge) if ev.edge_grads is not None else NOT_YET
            if grad is not NOT_YET and edge != self._asked:
                lines.append("gradient: " + (_full(grad, self.precision) if grad is not None
                                             else "— (does not reach the output)"))
            heat_value, heat_grad = self.wire_arrays(edge)
            for what, a in (("value", heat_value), ("gradient", heat_grad)):
                if a is not None:
                    lines.append(f"{what} heatmap, "
                                 + heatmap.scale_text(heatmap.scale_of(a), self.precision))
        return "\n".join(lines)

    def node_tooltip(self, node_id: str) -> str:
        graph = self.graph
        if node_id not in graph:
            return ""
        node = graph.node(node_id)
        spec = node.spec
        head = node_id if node.label is None else f"{node.label} ({node_id})"
        lines = [f"{head} — {spec.name}: {spec.formula}"]
        if spec.is_leaf:
            lines.append("value: " + _full(node.value, self.precision))
        elif spec.local:
            lines.append("local gradients: " + ", ".join(
                f"∂/∂{p} = {d}" for p, d in zip(spec.ports, spec.local)))
        ev = self.evaluation
        if ev is not None:
            if not spec.is_leaf:
                value = self._lookup(ev.value, node_id)
                if value is not None and value is not NOT_YET:
                    lines.append("value: " + _full(value, self.precision))
            grad = self._lookup(ev.grad, node_id) if ev.grads is not None else NOT_YET
            if grad is not NOT_YET:
                lines.append("gradient: " + (_full(grad, self.precision) if grad is not None
                                             else "— (does not reach the output)"))
        if spec.note:
            lines.append(spec.note)
        item = self.nodes.made().get(node_id)    # (a waiting card has no look of its own)
        if item is not None and item.badge:
            lines.append("⚠ " + item.badge)
        if item is not None and item.extra_tooltip:
            lines.append(item.extra_tooltip)
        if item is not None:
            lines.extend(tip for _text, _color, tip in item.marks.values() if tip)
        return "\n".join(lines)

    def port_tooltip(self, node_id: str, port: tuple[str, int]) -> str:
        graph = self.graph
        if node_id not in graph:
            return ""
        spec = graph.node(node_id).spec
        kind, k = port
        if kind == "out":
            return f"output of {node_id} — drag to an input to connect"
        src = graph.source(node_id, k)
        name = spec.ports[k]
        if src is None:
            return f"input {name}: not connected — drag here from an output"
        return f"input {name} ← {src} (drag to move or remove the wire)"

    # ------------------------------------------------------------ wiring hints

    def show_port_hints(self, allowed: dict[str, dict[int, bool]] | None) -> None:
        """Mark the ports a dragged wire may plug into (None: back to normal)."""
        self._hints = allowed               # (for cards made meanwhile)
        for node_id, item in self.nodes.made().items():
            item.set_hints(None if allowed is None else allowed.get(node_id, {}))

    # ------------------------------------------------------------ export

    @contextmanager
    def export_mode(self) -> Iterator[None]:
        """Draw everything at full detail and without selection (rendering to a file)."""
        # Cached pixmaps are made for the screen's zoom: draw every item afresh.
        items = list(self.nodes.values()) + list(self.wires.values())   # (all made first)
        modes = [item.cacheMode() for item in items]
        for item in items:
            item.setCacheMode(QGraphicsItem.NoCache)
        batched = self._batched
        self._set_batched(False)            # each item draws itself, at full detail
        self._place_labels_if_readable(drawn=True)
        self.exporting = True
        try:
            yield
        finally:
            self.exporting = False
            for item, mode in zip(items, modes):
                item.setCacheMode(mode)
            self._set_batched(batched)


#: Where along a wire its labels may sit, best first, and the room they need.
#: From this many wires, building the scene leaves their labels' places until a
#: zoom draws labels (a big graph opens fitted, far below that zoom).
LABELS_LATER = 2000
#: A graph that big also gets its cards' and wires' items on first use (lazy_items.py);
#: False makes every item at once (the reference the tests compare with).
LAZY_ITEMS = True
#: While idle, waiting items are made in slices of this long, this far apart (ms),
#: starting this long after the scene was built.
IDLE_SLICE_MS, IDLE_PAUSE_MS, IDLE_START_MS = 20, 10, 400
LABEL_TS = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74)
LABEL_BOX_W, LABEL_BOX_H = 70.0, 2 * style.LABEL_PX * 1.35 + 6


def _stacked(z: float, rank: int) -> float:
    """A z just below ``z`` that stacks items by ``rank`` (the order they came in), as
    Qt stacks items of one z by the order they were added; under gates and labels."""
    return z - 1e-3 + rank * 1e-10


def badge_text(evaluation, node_id: str) -> str | None:
    """The warning a node's card shows: its value's, then its gradient's."""
    texts = [t for t in (evaluation.warnings.get(node_id),
                         evaluation.grad_warnings.get(node_id)) if t]
    return "; ".join(texts) or None


def _card(item: NodeItem) -> QRectF:
    """A card's body in the scene."""
    return QRectF(item.pos().x(), item.pos().y(), style.NODE_W, style.NODE_H)


#: How far left of and above a rectangle a card's corner may be for its room
#: (CARD_REACH round its body) to meet it.
_ROOM_W, _ROOM_H = style.NODE_W + CARD_REACH, style.NODE_H + CARD_REACH


def _card_reach(x: float, y: float) -> tuple[float, float, float, float]:
    """The card at (x, y) with its port discs (what a press or a label may meet), in
    the scene: (left, top, right, bottom)."""
    r = style.PORT_HIT
    return x - r, y - r, x + style.NODE_W + r, y + style.NODE_H + r


def _label_box(wire: WireItem) -> tuple[float, float, float, float]:
    """The room a wire's labels take round their anchor (a third line: half as much
    more): (left, top, right, bottom)."""
    x, y = wire.label_xy()
    x, y = x - LABEL_BOX_W / 2, y - LABEL_BOX_H / 2
    return x, y, x + LABEL_BOX_W, y + LABEL_BOX_H + (LABEL_BOX_H / 2 if wire.extra_text() else 0)


def _overlap(a: tuple, b: tuple) -> bool:
    """Two (left, top, right, bottom) rectangles share some area (QRectF.intersects)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _full(value: Any, digits: int) -> str:
    """A value in full for a tooltip (very large arrays summarised by numpy)."""
    if value is None:
        return "—"
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=digits, threshold=400, linewidth=80):
            return f"shape {value.shape}\n{value}"
    return format_value(value, max(digits, 6))
