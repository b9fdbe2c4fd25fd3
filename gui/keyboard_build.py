"""Building a graph without the mouse: select, wire, unwire, find, tidy.

* ``]`` and ``[`` select the next and the previous node in reading order
  (left to right, then top to bottom, as the cards stand), and bring it into view;
  the arrow keys move the selection (the canvas's own nudge).
* ``W`` opens the port picker for the selected node: every wire it could gain —
  from its output into a free input port of another node, or from another node
  into one of its free ports — that would not close a cycle, as ``x → add1.a``.
  Type to filter, Enter connects (one undo step).  ``Shift+W`` lists its wires;
  Enter removes the chosen one.
* Find Node (the standard Find key) lists the nodes by id and label; Enter
  selects the chosen one and centres it.
* Enter on the selected node moves the focus into the inspector — its value
  for an input or constant with a number, else its id; Enter there commits and
  comes back to the canvas, Escape comes back without a change.
* Tidy Layout puts every node where the layered layout (``core/layout.py``)
  would, each layer centred on the tallest, keeping the graph's top-left
  corner: one undo step.
"""
from __future__ import annotations

import networkx as nx
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer

from chainrule.core.graph import Edge
from chainrule.core.layout import LAYER_DY, layered_positions
from chainrule.gui.canvas.picker import PickerPopup
from chainrule.gui.commands import Connect, Disconnect, MoveNodes


def wire_text(graph, edge: Edge) -> str:
    port = graph.node(edge.dst).spec.ports[edge.port]
    return f"{edge.src} → {edge.dst}.{port}"


def possible_wires(graph, node_id: str) -> list[Edge]:
    """Wires ``node_id`` could gain without a cycle or a taken port, its output first."""
    below = nx.descendants(graph.nx, node_id)     # these cannot feed node_id
    above = nx.ancestors(graph.nx, node_id)       # node_id cannot feed these
    out: list[Edge] = []
    for other in graph.node_ids():
        if other == node_id or other in above:
            continue
        for port in range(graph.node(other).spec.arity):
            if graph.source(other, port) is None:
                out.append(Edge(node_id, other, port))
    for port in range(graph.node(node_id).spec.arity):
        if graph.source(node_id, port) is not None:
            continue
        for other in graph.node_ids():
            if other != node_id and other not in below:
                out.append(Edge(other, node_id, port))
    return out


def tidy_moves(graph, positions_now: dict[str, tuple[float, float]]):
    """The moves that put every node on the layered layout, keeping the top-left."""
    target = layered_positions(graph)
    if not target:
        return {}
    left = min((p[0] for p in positions_now.values()), default=0.0)
    top = min((p[1] for p in positions_now.values()), default=0.0)
    # Each layer centred on the tallest one, so a chain runs straight across.
    rows: dict[float, int] = {}
    for x, _y in target.values():
        rows[x] = rows.get(x, 0) + 1
    tallest = max(rows.values())
    moves = {}
    for node_id, (x, y) in target.items():
        shift = (tallest - rows[x]) * LAYER_DY / 2
        new = (round(x + left), round(y + top + shift))
        old = graph.node(node_id).pos
        if old != new:
            moves[node_id] = (old, new)
    return moves


class KeyboardBuilding(QObject):
    """The window's keyboard-building actions over its canvas and document."""

    def __init__(self, canvas, document, parent: QObject | None = None):
        super().__init__(parent)
        self.canvas, self.document = canvas, document
        self.picker = PickerPopup(canvas, "portPicker")
        self.picker.chosen.connect(self._chosen)
        self.picker.closed.connect(lambda: self.canvas.setFocus())

    # ----------------------------------------------------------- selection

    def reading_order(self) -> list[str]:
        scene = self.canvas.graph_scene
        return sorted(scene.nodes, key=lambda n: (scene.nodes[n].pos().x(),
                                                  scene.nodes[n].pos().y(), n))

    def select_step(self, step: int) -> None:
        order = self.reading_order()
        if not order:
            self.document.message.emit("The graph has no nodes to select.")
            return
        chosen = self.canvas.selected_nodes()
        if chosen and chosen[0] in order:
            index = (order.index(chosen[0]) + step) % len(order)
        else:
            index = 0 if step > 0 else len(order) - 1
        self.show_node(order[index])

    def show_node(self, node_id: str) -> None:
        self.canvas.select_nodes([node_id])
        item = self.canvas.graph_scene.node_item(node_id)
        if item is not None:
            self.canvas.ensureVisible(item, 60, 60)
        self.canvas.setFocus()
        self.document.message.emit(f"Selected {node_id}.")

    def _single(self, verb: str) -> str | None:
        nodes = self.canvas.selected_nodes()
        if len(nodes) != 1:
            self.document.message.emit(f"Select one node to {verb} (] and [ select nodes).")
            return None
        return nodes[0]

    # -------------------------------------------------------------- pickers

    def _where(self, node_id: str | None) -> QPoint:
        canvas = self.canvas
        item = canvas.graph_scene.node_item(node_id) if node_id else None
        point = canvas.mapFromScene(item.sceneBoundingRect().bottomLeft()) if item is not None \
            else canvas.viewport().rect().center()
        return canvas.viewport().mapToGlobal(point)

    def wire(self) -> None:
        node_id = self._single("wire")
        if node_id is None:
            return
        graph = self.document.graph
        rows = [(wire_text(graph, e), ("connect", e)) for e in possible_wires(graph, node_id)]
        self.picker.open_at(self._where(node_id), f"Wire {node_id}:", rows,
                            "Type a node or port…",
                            f"{node_id} can take no new wire: every port is fed, or a wire "
                            "would make a cycle.")

    def unwire(self) -> None:
        node_id = self._single("unwire")
        if node_id is None:
            return
        graph = self.document.graph
        edges = graph.in_edges(node_id) + graph.out_edges(node_id)
        rows = [(wire_text(graph, e), ("disconnect", e)) for e in edges]
        self.picker.open_at(self._where(node_id), f"Remove a wire of {node_id}:", rows,
                            "Type a node or port…", f"{node_id} has no wires.")

    def find_node(self) -> None:
        graph = self.document.graph
        rows = [(n.id if not n.label or n.label == n.id else f"{n.id} — {n.label}",
                 ("find", n.id)) for n in graph.nodes()]
        self.picker.open_at(self._where(None), "Find a node by id or label:", rows,
                            "Type an id or label…", "No node matches.")

    def _chosen(self, data) -> None:
        kind, what = data
        doc = self.document
        if kind == "find":
            if what in doc.graph:
                self.show_node(what)
        elif kind == "connect":
            if doc.graph.source(what.dst, what.port) is None:
                doc.push(Connect(doc, what))
                doc.message.emit(f"Wired {wire_text(doc.graph, what)}.")
        elif kind == "disconnect" and doc.graph.has_edge(what):
            text = wire_text(doc.graph, what)
            doc.push(Disconnect(doc, what))
            doc.message.emit(f"Removed the wire {text}.")

    # ------------------------------------------------------------ inspector

    def edit_in(self, inspector, show_node) -> None:
        """Enter: edit the selected node in ``inspector`` (``show_node`` opens it)."""
        node_id = self._single("edit")
        if node_id is None:
            return
        show_node(node_id)
        spin = inspector.spin
        field = spin if spin.isVisibleTo(inspector) and spin.isEnabled() else inspector.id_edit
        for widget in (spin, inspector.id_edit):
            widget.removeEventFilter(self)
            widget.installEventFilter(self)
        field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        field.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.canvas.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                # the field commits first, then the keys go back to the canvas
                QTimer.singleShot(0, lambda: self.canvas.setFocus(
                    Qt.FocusReason.ShortcutFocusReason))
        return super().eventFilter(watched, event)

    # ---------------------------------------------------------------- tidy

    def tidy(self) -> None:
        scene = self.canvas.graph_scene
        now = {n: scene.corner(n) for n in scene.nodes}     # waiting cards stay waiting
        moves = tidy_moves(self.document.graph, now)
        if not moves:
            self.document.message.emit("The layout is tidy already.")
            return
        self.document.push(MoveNodes(self.document, moves, text="Tidy layout"))
        self.canvas.fit_all(readable=True)
