"""Undo restores exactly what it took: a property over random editing sessions.

A session opens a file (the golden file whose nodes, wires and top level all
carry unknown keys, every demo, a graph with 64-character ids) and makes
random edits through the document's undo stack with the functions the editor
uses — the commands and macros of ``gui/commands.py``, the canvas's quick-add,
the clipboard's copy and paste, the program bar's replace and add-beside —
interleaved with undo and redo.  Whatever the session did:

* every undo and redo lands on the state that stack index had before: the
  same content (everything a save writes: each node's fields, the wires, the
  output, title, description and every unknown key) and every order the
  model keeps (nodes, wires, each node's neighbours);
* undo all gives back the original file byte for byte and the same forward
  and backward order (the engine's plan, the stepper's steps and their
  wires); redo all gives back the edited file and its orders.

Each example is small and fast (no window, no event loop: the document only
schedules its evaluation), so the property runs a few thousand of them.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from PySide6.QtCore import QCoreApplication, QEvent, QPointF

from chainrule.core import fileformat, groups as gm, ops
from chainrule.core.errors import GraphError
from chainrule.core.graph import MAX_ID_LENGTH, Edge, Graph
from chainrule.core.program import parse_program
from chainrule.core.stepper import Stepper
from chainrule.gui.canvas import clipboard
from chainrule.gui.canvas.view import DUPLICATE_OFFSET, CanvasView
from chainrule.gui.commands import (Connect, Disconnect, MoveNodes, Rename, ReplaceContent,
                                    SetNodeField, SetOutput, insert_graph, remove_nodes)
from chainrule.gui.document import Document
from chainrule.gui.files import DEMO_DIR
from chainrule.gui.group_commands import MakeGroup, MakeGroups, SetGroupField, Ungroup
from chainrule.gui.program_bar import _offset_beside

GOLDEN = DEMO_DIR.parents[1] / "tests" / "golden"
LONG = "a" * MAX_ID_LENGTH                      # the longest id a file may hold
LONG2 = "b" * (MAX_ID_LENGTH - 1) + "2"


def _long_ids() -> Graph:
    """Demo 03 with 64-character ids: a copy of one needs its id cut, then checked."""
    graph = fileformat.load(DEMO_DIR / "03-add-mul.cgraph")
    graph.rename("x", LONG)
    graph.rename("q", LONG2)
    return graph


def _start_files() -> list[tuple[str, Graph]]:
    files = [("v1-unknown-keys", fileformat.load(GOLDEN / "v1-unknown-keys.cgraph")),
             ("v1-groups", fileformat.load(GOLDEN / "v1-groups.cgraph"))]
    files += [(p.stem, fileformat.load(p)) for p in sorted(DEMO_DIR.glob("*.cgraph"))]
    files.append(("long-ids", _long_ids()))
    return files


START = dict(_start_files())
OPS = sorted(ops.OPS)
PROGRAMS = ("f = (x + y) * z", "q = sigmoid(a * b + c)", "v = [1, 2]\nm = mean(v * v)",
            "x = 2\nx = x * x\ny = x + 1")
# A foreign clipboard: text copied out of a .cgraph file (unknown keys, a long id).
CLIPBOARD_TEXTS = ((GOLDEN / "v1-unknown-keys.cgraph").read_text(encoding="utf-8"),
                   fileformat.dumps(_long_ids()))
NEW_IDS = ("r", "x", "w2", "hidden_1", LONG, LONG2, "λ" * MAX_ID_LENGTH)
LABELS = (None, "λ", "hidden", "q = x + y")
VALUES = (0.5, -3.0, 2.0, [1.0, -2.0], [[1.0, 2.0], [3.0, 4.0]])

KINDS = ("add", "add_from", "add_feeding", "connect", "disconnect", "rewire", "delete",
         "delete", "move", "value", "label", "trainable", "rename", "output", "copy_paste",
         "paste_text", "duplicate", "replace", "beside", "undo", "redo",
         "group", "group", "ungroup", "collapse", "group_label", "group_note", "group_pos",
         "group_by_layer")
# The files with unknown keys and long ids start a quarter and an eighth of the sessions.
STARTS = ["v1-unknown-keys"] * 4 + ["long-ids"] * 2 + ["v1-groups"] * 2 + \
    sorted(name for name in START if name not in ("v1-unknown-keys", "long-ids", "v1-groups"))

# An action is a kind and one number whose three 10-bit parts choose what it acts on
# (one draw instead of three keeps the generation cheap).
actions = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 2**30 - 1)), max_size=10)


# ------------------------------------------------------------- fingerprints

def structure(graph: Graph) -> tuple:
    """Every order the model keeps: nodes, wires, and around each node its successors
    (with their ports) and predecessors — networkx lists edges in those orders."""
    nxg = graph.nx
    return (graph.node_ids(), graph.edges(), list(nxg.edges(keys=True)),
            list(nxg.in_edges(keys=True)))


def _value(value) -> object:
    if isinstance(value, np.ndarray):
        return (value.shape, value.tobytes())
    return repr(value)                                  # -0.0 is not 0.0


def state(graph: Graph) -> tuple:
    """Everything a save writes (cheaper than writing it) and every order the model keeps."""
    nodes = [(n.id, n.op, n.label, _value(n.value), n.trainable, repr(n.attrs), n.pos,
              repr(n.extra)) for n in graph.nodes()]
    wires = sorted((tuple(e), repr(extra)) for e, extra in graph.edge_extra.items())
    groups = [(g.id, g.label, list(g.nodes), g.parent, g.collapsed, g.pos, g.note,
               repr(g.extra)) for g in graph.groups.values()]
    return (nodes, wires, graph.output, graph.title, graph.description, repr(graph.extra),
            structure(graph), groups)


def step_order(graph: Graph) -> tuple:
    """The forward and backward order: the plan's, and the stepper's steps with their wires."""
    stepper = Stepper(graph)
    stepper.run_all()
    plan = stepper.evaluation.plan
    forward = [(s.node, [e for e, _ in s.inputs]) for s in stepper.forward]
    backward = [(s.node, [e for e, _ in s.incoming], [e for e, _ in s.outgoing])
                for s in stepper.steps[len(stepper.forward):]]
    return (list(plan.order), [plan.order[step[0]] for step in plan.backward_steps],
            forward, backward)


# ------------------------------------------------------------------ edits

def _pick(items: list, k: int):
    return items[k % len(items)]


def _subset(items: list, k: int, most: int = 3) -> list:
    """A few items chosen by the bits of ``k`` (empty when k's low bits say so)."""
    if not items:
        return []
    rest = k // (most + 1)
    chosen = [items[(rest >> (3 * i)) % len(items)] for i in range(k % (most + 1))]
    return list(dict.fromkeys(chosen))


def _canvas(doc: Document) -> SimpleNamespace:
    """What CanvasView.add_node_at needs of its view: the document, a selection."""
    return SimpleNamespace(document=doc, _select=lambda _ids: None)


def edit(doc: Document, kind: str, a: int, b: int, c: int) -> None:
    """One edit of ``kind`` as the editor makes it (nothing when it cannot apply)."""
    graph = doc.graph
    ids = graph.node_ids()
    stack = doc.undo_stack
    where = QPointF(a % 900, b % 600)
    if kind == "add" or (not ids and kind not in ("replace", "beside", "paste_text",
                                                  "undo", "redo")):
        CanvasView.add_node_at(_canvas(doc), _pick(OPS, a), where)
    elif kind == "add_from":                   # a wire dropped on empty canvas
        op = _pick([o for o in OPS if ops.OPS[o].arity], b)
        CanvasView.add_node_at(_canvas(doc), op, where, connect_from=_pick(ids, c))
    elif kind == "add_feeding":                # quick-add from a free input port
        open_ports = [(n, p) for n in ids for p in graph.missing_ports(n)]
        if open_ports:
            CanvasView.add_node_at(_canvas(doc), _pick(OPS, b), where, feed=_pick(open_ports, c))
    elif kind == "connect":
        dst = _pick(ids, a)
        free = graph.missing_ports(dst)
        if free:
            edge = Edge(_pick(ids, b), dst, _pick(free, c))
            try:
                graph.check_connect(*edge)
            except GraphError:
                return
            doc.push(Connect(doc, edge))
    elif kind == "disconnect":                 # a wire dragged off, or selected and deleted
        edges = graph.edges()
        if edges:
            edge = _pick(edges, a)
            if b % 2:
                doc.push(Disconnect(doc, edge))
            else:
                remove_nodes(doc, [], [edge])
    elif kind == "rewire":                     # a wire's end dragged to another port
        edges = graph.edges()
        if edges:
            old = _pick(edges, a)
            dst = _pick(ids, b)
            free = [p for p in range(ops.OPS[graph.node(dst).op].arity)
                    if graph.source(dst, p) is None or (dst, p) == (old.dst, old.port)]
            if not free:
                return
            new = Edge(old.src, dst, _pick(free, c))
            if new == old:
                return
            work = graph.copy()
            work.disconnect(old)
            try:
                work.check_connect(*new)
            except GraphError:
                return
            stack.beginMacro(f"Move wire to {new.dst}")
            stack.push(Disconnect(doc, old))
            stack.push(Connect(doc, new))
            stack.endMacro()
    elif kind == "delete":
        remove_nodes(doc, _subset(ids, a), _subset(graph.edges(), b, 2))
    elif kind == "move":
        nodes = _subset(ids, a) or [_pick(ids, a)]
        moves = {n: (graph.node(n).pos, (float(b % 900), float(c % 600))) for n in nodes}
        doc.push(MoveNodes(doc, moves, merge=bool(c % 2)))
    elif kind == "value":
        leaves = [n for n in ids if graph.node(n).spec.is_leaf]
        if leaves:
            doc.push(SetNodeField(doc, _pick(leaves, a), "value", _pick(VALUES, b)))
    elif kind == "label":
        doc.push(SetNodeField(doc, _pick(ids, a), "label", _pick(LABELS, b)))
    elif kind == "trainable":
        inputs = [n for n in ids if graph.node(n).op == "input"]
        if inputs:
            node = _pick(inputs, a)
            doc.push(SetNodeField(doc, node, "trainable", not graph.node(node).trainable))
    elif kind == "rename":
        new = _pick(NEW_IDS, b)
        if new not in graph:
            doc.push(Rename(doc, _pick(ids, a), new))
    elif kind == "output":
        doc.push(SetOutput(doc, _pick(ids + [None], a)))
    elif kind == "copy_paste":                 # copy a selection, paste it (one step)
        nodes = _subset(ids, a) or [_pick(ids, a)]
        mime = clipboard.to_mime(clipboard.subgraph(graph, nodes, {}))
        pasted = clipboard.from_mime(mime)
        _insert(doc, pasted, (float(b % 300), float(c % 300)), "Paste")
    elif kind == "paste_text":                 # text of a .cgraph file on the clipboard
        mime = clipboard.to_mime(fileformat.loads(_pick(CLIPBOARD_TEXTS, a)))
        _insert(doc, clipboard.from_mime(mime), DUPLICATE_OFFSET, "Paste")
    elif kind == "duplicate":
        nodes = _subset(ids, a) or [_pick(ids, a)]
        _insert(doc, clipboard.subgraph(graph, nodes, {}), DUPLICATE_OFFSET, "Duplicate")
    elif kind == "replace":                    # the program bar's replace, or another file
        if b % 2:
            new = parse_program(_pick(PROGRAMS, a)).graph
            doc.push(ReplaceContent(doc, new, "Replace by program"))
        else:
            new = START[_pick(sorted(START), a)]
            doc.push(ReplaceContent(doc, new))
        # the graph is now the replacement's, unknown keys included, nothing of the old
        assert fileformat.dumps(graph) == fileformat.dumps(new)
    elif kind == "beside":                     # the program bar's add-beside
        parsed = parse_program(_pick(PROGRAMS, a))
        was_empty = len(graph) == 0
        stack.beginMacro("Add program beside")
        mapping = insert_graph(doc, parsed.graph, _offset_beside(graph, parsed.graph),
                               text="Add program")
        if was_empty:
            stack.push(SetOutput(doc, mapping[parsed.output]))
        stack.endMacro()
    elif kind.startswith("group") or kind in ("ungroup", "collapse"):
        group_edit(doc, kind, a, b, c)
    elif kind == "undo":
        stack.undo()
    elif kind == "redo":
        stack.redo()


def group_edit(doc: Document, kind: str, a: int, b: int, c: int) -> None:
    """A group operation as the Groups menu makes it (gui/group_tools.py)."""
    graph = doc.graph
    groups = list(graph.groups)
    if kind == "group":
        ids = graph.node_ids()
        owner = gm.group_of(graph, _pick(ids, a))
        nodes = [n for n in _subset(ids, b) if gm.group_of(graph, n) == owner] or \
            [n for n in ids if gm.group_of(graph, n) == owner][:1]
        beside = [g for g in groups if graph.groups[g].parent == owner]
        adopt = _subset(beside, c, 2) if beside else []
        doc.push(MakeGroup(doc, gm.Group(gm.new_group_id(graph), nodes, label=_pick(LABELS, c),
                                         parent=owner, collapsed=bool(c % 2)), adopt))
    elif kind == "group_by_layer":
        made = gm.layer_groups(graph)
        if made:
            doc.push(MakeGroups(doc, made))
    elif not groups:
        return
    elif kind == "ungroup":
        doc.push(Ungroup(doc, _pick(groups, a)))
    elif kind == "collapse":
        gid = _pick(groups, a)
        doc.push(SetGroupField(doc, gid, "collapsed", not graph.groups[gid].collapsed))
    elif kind == "group_label":
        doc.push(SetGroupField(doc, _pick(groups, a), "label", _pick(LABELS, b)))
    elif kind == "group_note":
        doc.push(SetGroupField(doc, _pick(groups, a), "note", _pick((None, "σ(1 − σ)"), b)))
    elif kind == "group_pos":
        doc.push(SetGroupField(doc, _pick(groups, a), "pos", (float(b), float(c % 600))))


def _insert(doc: Document, source: Graph, offset, text: str) -> None:
    before = set(doc.graph.node_ids())
    count = doc.undo_stack.count()
    mapping = insert_graph(doc, source, offset, text)
    new = set(mapping.values())
    assert len(new) == len(source) and not new & before
    assert all(len(n) <= MAX_ID_LENGTH for n in new)
    assert set(doc.graph.node_ids()) == before | new
    assert doc.undo_stack.count() <= count + 1        # one undo step, closed


# ---------------------------------------------------------------- property

_ORIGINAL: dict[str, tuple] = {}       # start file → its state, order and text


def run_session(start: str, session: list[tuple[str, int]]) -> None:
    doc = Document(START[start].copy())
    stack = doc.undo_stack
    graph = doc.graph
    if start not in _ORIGINAL:
        _ORIGINAL[start] = state(graph), step_order(graph), fileformat.dumps(graph)
    original, original_order, original_file = _ORIGINAL[start]
    assert state(graph) == original
    states = [original]                        # states[i]: the state at stack index i
    try:
        for kind, n in session:
            before = (stack.index(), stack.count())
            edit(doc, kind, n & 1023, (n >> 10) & 1023, n >> 20)
            assert graph is doc.graph
            now = state(graph)
            index = stack.index()
            # a drag or slider merges into the step before, unless it changed nothing
            # (then nothing was pushed and the steps to redo are still there)
            if kind in ("undo", "redo") or (index, stack.count()) == before and \
                    (kind not in MERGING or index < stack.count() or now == states[index]):
                assert now == states[index], f"{kind} at index {index} changed the state"
            else:                              # a new step, or one merged into the last
                del states[index:]
                states.append(now)
            assert len(states) == stack.count() + 1
        stack.setIndex(stack.count())
        final = state(graph)
        assert final == states[stack.count()]
        final_file = fileformat.dumps(graph)
        final_order = step_order(graph)
        for i in range(stack.count() - 1, -1, -1):
            stack.undo()
            assert state(graph) == states[i], f"undo to index {i} is not that state"
        assert not doc.modified
        assert fileformat.dumps(graph) == original_file     # the same file, byte for byte
        assert step_order(graph) == original_order
        for i in range(1, stack.count() + 1):
            stack.redo()
            assert state(graph) == states[i], f"redo to index {i} is not that state"
        assert fileformat.dumps(graph) == final_file
        assert step_order(graph) == final_order
    finally:
        stack.clear()
        doc.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


# 2,000 sessions under the "ci" profile (60 examples elsewhere), about 20-40 s; the
# "dev" profile's 20 make 666, "thorough" makes 33,333.
EXAMPLES = settings.default.max_examples * 100 // 3
MERGING = ("move", "value")        # a drag, a slider: merged into the step before


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(start=st.sampled_from(STARTS), session=actions)
def test_undo_all_and_redo_all_give_back_the_files_and_orders(qapp, start, session):
    with np.errstate(all="ignore"):
        run_session(start, session)
