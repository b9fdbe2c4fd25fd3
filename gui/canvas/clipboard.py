"""Copy, paste and duplicate speak the file format.

A selection is cut out of the graph as a small :class:`~chainrule.core.graph.Graph`
(the selected nodes and the wires among them) and written with
``chainrule.core.fileformat.dumps`` — so the clipboard holds a valid ``.cgraph``
document that pastes into another window, or into a text editor, and text
copied from a ``.cgraph`` file pastes back.  Pasting reads with
``fileformat.loads`` (typed, one-sentence refusals) and inserts through the
``insert_graph`` macro: one undo step, fresh ids where they clash.
"""
from __future__ import annotations

import copy

from PySide6.QtCore import QMimeData

from chainrule.core import fileformat
from chainrule.core.errors import ChainruleError
from chainrule.core.graph import Graph
from chainrule.gui.mime import GRAPH_MIME


def subgraph(graph: Graph, node_ids: list[str],
             positions: dict[str, tuple[float, float]]) -> Graph:
    """The nodes ``node_ids`` and the wires among them, as a new graph.

    ``positions`` supplies a position for nodes the model has none for (the
    scene's automatic placement), so the copy lands where the user saw it.
    """
    keep = set(node_ids)
    sub = Graph()
    for node in graph.nodes():
        if node.id not in keep:
            continue
        sub.add_node(node.id, node.op, value=copy.deepcopy(node.value), label=node.label,
                     trainable=node.trainable, attrs=copy.deepcopy(node.attrs),
                     pos=node.pos if node.pos is not None else positions.get(node.id))
    for edge in graph.edges():
        if edge.src in keep and edge.dst in keep:
            sub.connect(*edge)
    return sub


def to_mime(sub: Graph) -> QMimeData:
    """Clipboard data: the private type and the same text as plain text."""
    text = fileformat.dumps(sub)
    mime = QMimeData()
    mime.setData(GRAPH_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


class PasteError(ChainruleError):
    """Clipboard content that is not a graph; str() says why in one sentence."""


def from_mime(mime: QMimeData | None) -> Graph:
    """The graph on the clipboard, or :class:`PasteError` saying why there is none."""
    if mime is None:
        raise PasteError("the clipboard is empty")
    if mime.hasFormat(GRAPH_MIME):
        text = bytes(mime.data(GRAPH_MIME).data()).decode("utf-8", "replace")
    elif mime.hasText():
        text = mime.text()
    else:
        raise PasteError("the clipboard holds no text to paste")
    if not text.strip():
        raise PasteError("the clipboard is empty")
    if not text.lstrip().startswith("{"):
        raise PasteError("the clipboard text is not a graph (copy nodes, or a .cgraph file's text)")
    try:
        graph = fileformat.loads(text)
    except ChainruleError as error:
        raise PasteError(f"the clipboard text is not a graph this editor can read: {error}") \
            from None
    if not len(graph):
        raise PasteError("the clipboard graph has no nodes")
    return graph


def top_left(graph: Graph) -> tuple[float, float]:
    xs = [n.pos[0] for n in graph.nodes() if n.pos is not None]
    ys = [n.pos[1] for n in graph.nodes() if n.pos is not None]
    return (min(xs, default=0.0), min(ys, default=0.0))
