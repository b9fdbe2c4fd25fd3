"""Undo commands: each one small, each calling only the model.

Every change a user makes goes through one of these on the document's
``QUndoStack``.  Composite edits (paste, duplicate, insert a program) are
macros of these; deleting a selection is one :class:`RemoveNodes`, so its
undo puts the whole selection back in one pass.  A command that the model refuses
raises the model's typed error from ``redo`` *before* it is pushed — callers
check with the model first (``graph.check_connect``), so the stack never
holds a command that cannot be redone.

Undo restores exactly what redo took: a removal keeps the model's
:class:`~chainrule.core.graph.Removal` (where each node and wire was, the wires'
unknown keys) and puts it back in place, so undoing everything gives back
the same file byte for byte and the same forward and backward order.  New
ids come from the model's one allocator (``graph.id_allocator()``), which
cuts an id to the length limit before it checks that it is free.
"""
from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from chainrule.core.graph import Edge, Graph, Node, Removal

_MOVE_ID = 1001
_VALUE_ID = 1002
_ANSWER_ID = 1003


def _restore_node(graph: Graph, node: Node) -> None:
    graph.add_node(node.id, node.op, value=copy.deepcopy(node.value), label=node.label,
                   trainable=node.trainable, attrs=copy.deepcopy(node.attrs), pos=node.pos,
                   extra=copy.deepcopy(node.extra))


#: How the undo history names a field change ("Change value of x", not "Set attrs of").
FIELD_TEXT = {"value": "Change value of", "label": "Relabel", "trainable": "Toggle trainable",
              "attrs": "Change settings of"}


def _port_name(doc, edge: Edge) -> str:
    """``q.a``: the target and its port's name, as the inspector and the CLI write it."""
    graph = doc.graph
    if edge.dst in graph:
        ports = graph.node(edge.dst).spec.ports
        if 0 <= edge.port < len(ports):
            return f"{edge.dst}.{ports[edge.port]}"
    return f"{edge.dst}.{edge.port}"


class AddNode(QUndoCommand):
    def __init__(self, doc, node_id: str, op: str, *, value: Any = None,
                 pos: tuple[float, float] | None = None, label: str | None = None,
                 trainable: bool = False, attrs: dict | None = None):
        super().__init__(f"Add {node_id}" if node_id.rstrip("0123456789") == op
                         else f"Add {node_id} ({op})")
        self.doc = doc
        self.node = Node(node_id, op, label, value, trainable, dict(attrs or {}), pos)

    def redo(self) -> None:
        _restore_node(self.doc.graph, self.node)

    def undo(self) -> None:
        self.doc.graph.remove_node(self.node.id)


class RemoveNodes(QUndoCommand):
    """Remove wires and nodes (a selection) in one step; on undo every node and
    wire comes back where it was, with the wires' unknown keys and the output mark."""

    def __init__(self, doc, node_ids: list[str], edges: list[Edge] = (), text: str = "Delete"):
        super().__init__(text)
        self.doc, self.node_ids, self.edges = doc, list(node_ids), [Edge(*e) for e in edges]
        self.removal: Removal | None = None

    def redo(self) -> None:
        self.removal = self.doc.graph.remove(self.node_ids, self.edges)

    def undo(self) -> None:
        self.doc.graph.restore(self.removal)


class RemoveNode(RemoveNodes):
    """Remove one node (and its wires)."""

    def __init__(self, doc, node_id: str):
        super().__init__(doc, [node_id], text=f"Delete {node_id}")
        self.node_id = node_id


class Connect(QUndoCommand):
    def __init__(self, doc, edge: Edge):
        super().__init__(f"Connect {edge.src} → {_port_name(doc, edge)}")
        self.doc, self.edge = doc, Edge(*edge)

    def redo(self) -> None:
        self.doc.graph.connect(*self.edge)

    def undo(self) -> None:
        self.doc.graph.disconnect(self.edge)


class Disconnect(QUndoCommand):
    """Remove one wire; on undo it comes back in its place, with its unknown keys."""

    def __init__(self, doc, edge: Edge):
        super().__init__(f"Disconnect {edge.src} → {_port_name(doc, edge)}")
        self.doc, self.edge = doc, Edge(*edge)
        self.removal: Removal | None = None

    def redo(self) -> None:
        self.removal = self.doc.graph.remove(edges=[self.edge])

    def undo(self) -> None:
        self.doc.graph.restore(self.removal)


class MoveNodes(QUndoCommand):
    """Move nodes; consecutive moves of the same nodes (arrow keys) merge into one step."""

    def __init__(self, doc, moves: dict[str, tuple[tuple[float, float] | None,
                                               tuple[float, float]]], merge: bool = False,
                 text: str | None = None):
        super().__init__(text or ("Move" if len(moves) != 1 else f"Move {next(iter(moves))}"))
        self.doc, self.moves, self.merge = doc, dict(moves), merge

    def id(self) -> int:
        return _MOVE_ID if self.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveNodes) or set(other.moves) != set(self.moves):
            return False
        self.moves = {k: (self.moves[k][0], other.moves[k][1]) for k in self.moves}
        return True

    def redo(self) -> None:
        for node_id, (_, new) in self.moves.items():
            self.doc.graph.set_pos(node_id, new)

    def undo(self) -> None:
        for node_id, (old, _) in self.moves.items():
            self.doc.graph.set_pos(node_id, old)


class SetNodeField(QUndoCommand):
    """Change one field of a node: value, label, trainable or attrs.

    Value edits of the same node in a row (a slider being dragged, a spin box
    being stepped) merge into one undo step.
    """

    SETTERS = {"value": "set_value", "label": "set_label",
               "trainable": "set_trainable", "attrs": "set_attrs"}

    def __init__(self, doc, node_id: str, field: str, new: Any):
        super().__init__(FIELD_TEXT.get(field, f"Set {field} of") + f" {node_id}")
        self.doc, self.node_id, self.field = doc, node_id, field
        self.old = copy.deepcopy(getattr(doc.graph.node(node_id), field))
        self.new = copy.deepcopy(new)

    def id(self) -> int:
        return _VALUE_ID if self.field == "value" else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetNodeField) or (other.node_id, other.field) != \
                (self.node_id, self.field):
            return False
        self.new = other.new
        return True

    def _set(self, value: Any) -> None:
        getattr(self.doc.graph, self.SETTERS[self.field])(self.node_id, copy.deepcopy(value))

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)


class Rename(QUndoCommand):
    def __init__(self, doc, old: str, new: str):
        super().__init__(f"Rename {old} to {new}")
        self.doc, self.old, self.new = doc, old, new

    def redo(self) -> None:
        self.doc.graph.rename(self.old, self.new)

    def undo(self) -> None:
        self.doc.graph.rename(self.new, self.old)


class SetOutput(QUndoCommand):
    def __init__(self, doc, node_id: str | None):
        super().__init__(f"Make {node_id} the output" if node_id else "Clear the output")
        self.doc, self.new, self.old = doc, node_id, doc.graph.output

    def redo(self) -> None:
        self.doc.graph.set_output(self.new)

    def undo(self) -> None:
        self.doc.graph.set_output(self.old)


class ReplaceContent(QUndoCommand):
    """Replace the whole graph by another's (the program bar's "replace"): its
    nodes, wires, output, title, description and unknown keys — a demo's title
    and a file's top-level keys spoke of the graph that is gone.  Undo puts the
    old content back exactly, wires' unknown keys and order included."""

    def __init__(self, doc, new: Graph, text: str = "Replace the graph"):
        super().__init__(text)
        self.doc, self.new, self.old = doc, new.copy(), doc.graph.copy()

    def redo(self) -> None:
        self.doc.graph.assign(self.new)

    def undo(self) -> None:
        self.doc.graph.assign(self.old)


class SetAnswer(QUndoCommand):
    """The learner's own backward pass kept with the graph (the file's ``answer``);
    typing merges into one step, as an editor's undo does."""

    def __init__(self, doc, text: str):
        super().__init__("Edit your backward pass")
        self.doc, self.old, self.new = doc, doc.graph.answer, text

    def id(self) -> int:
        return _ANSWER_ID

    def mergeWith(self, other) -> bool:                 # noqa: N802 (Qt's name)
        if not isinstance(other, SetAnswer) or other.doc is not self.doc:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.doc.graph.answer = self.new

    def undo(self) -> None:
        self.doc.graph.answer = self.old


# ---------------------------------------------------------------- macros

def remove_nodes(doc, node_ids: list[str], edges: list[Edge] = ()) -> None:
    """Delete a selection (nodes and wires) as one undo step."""
    node_ids = [n for n in node_ids if n in doc.graph]
    edges = [e for e in edges if doc.graph.has_edge(e) and e.src not in node_ids
             and e.dst not in node_ids]
    if not node_ids and not edges:
        return
    doc.push(RemoveNodes(doc, node_ids, edges,
                         "Delete" if len(node_ids) + len(edges) > 1 else
                         f"Delete {node_ids[0] if node_ids else 'wire'}"))


def insert_graph(doc, source: Graph, offset: tuple[float, float] = (0.0, 0.0),
                 text: str = "Paste") -> dict[str, str]:
    """Add a copy of ``source`` with fresh ids (paste, duplicate, program "add beside").

    Returns the map from ``source`` ids to the new ids.
    """
    graph = doc.graph
    stack = doc.undo_stack
    ids = graph.id_allocator()
    mapping = {node.id: ids.keep_or_renumber(node.id) for node in source.nodes()}
    stack.beginMacro(text)
    for node in source.nodes():
        pos = None if node.pos is None else (node.pos[0] + offset[0], node.pos[1] + offset[1])
        stack.push(AddNode(doc, mapping[node.id], node.op, value=copy.deepcopy(node.value),
                           pos=pos, label=node.label, trainable=node.trainable,
                           attrs=node.attrs))
    for edge in source.edges():
        if edge.src in mapping and edge.dst in mapping:
            stack.push(Connect(doc, Edge(mapping[edge.src], mapping[edge.dst], edge.port)))
    stack.endMacro()
    return mapping
