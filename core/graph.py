"""The graph model: nodes, wires and the rules for editing them.

The graph is a ``networkx.MultiDiGraph`` whose edge keys are input ports, so an
edge is the value ``Edge(src, dst, port)`` and ``x * x`` keeps its two wires.
Every edit is checked here and refused with a typed error (the graph is then
unchanged); every accepted edit is announced through an :class:`~chainrule.core.events.Event`
so views can follow without the model knowing them.

Order.  Nodes, wires and each node's neighbours keep the order they were made
in, and that order is visible: ties in the engine's forward order, the
stepper's lists of wires, ``edges()`` (copies, the clipboard).  So a removal
is taken with :meth:`Graph.remove`, which returns a :class:`Removal` saying
where everything was, and :meth:`Graph.restore` puts it back *in place* —
undoing a delete gives back the very graph, not an equal one in another
order.  :meth:`Graph.copy` and :meth:`Graph.assign` copy that order too, and
:meth:`Graph.rename` keeps a node where it is.
"""
from __future__ import annotations

import copy
import operator
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

import networkx as nx
import numpy as np

from . import ops
from .compact import EMPTY, SharedAttrMultiDiGraph
from .errors import (BadIdError, BadValueError, CycleError, DuplicateIdError, PortRangeError,
                     PortTakenError, UnknownNodeError, UnknownOpError)
from .events import Event
from .gc_pause import gc_paused
from .ids import MAX_ID_LENGTH, IdAllocator
from .values import normalize_value

__all__ = ["MAX_ID_LENGTH", "Edge", "Node", "Removal", "Graph", "check_id", "normalize_value",
           "check_attrs"]

class Edge(NamedTuple):
    """A wire: the output of ``src`` feeds input ``port`` of ``dst``."""

    src: str
    dst: str
    port: int


_port = operator.itemgetter(2)       # an Edge's port, the sort key of in_edges


@dataclass(slots=True)
class Node:
    """What a file says about one node. Computed values live in an Evaluation, not here.

    Slots, and ``attrs``/``extra`` the shared :data:`~chainrule.core.compact.EMPTY`
    when empty: a graph of many small nodes costs a few hundred bytes per node.
    Replace ``attrs`` or ``extra`` with a new dict, never write into them."""

    id: str
    op: str
    label: str | None = None
    value: Any = None                  # float | np.ndarray, leaves only
    trainable: bool = False
    attrs: dict = field(default_factory=dict)
    pos: tuple[float, float] | None = None
    extra: dict = field(default_factory=dict)   # unknown keys from a file, kept on save

    @property
    def display(self) -> str:
        return self.label or self.id

    @property
    def spec(self) -> ops.Op:
        return ops.OPS[self.op]


@dataclass
class Removal:
    """What :meth:`Graph.remove` took out, and where each thing was.

    Positions are those before the removal: ``nodes`` holds (index in the
    node order, node), ``edges`` (index in ``edges()``, wire, its unknown
    keys or None), both ascending; ``around`` the order of the neighbours of
    every node a removed wire touched (successors with their ports, then
    predecessors), which is what the forward order and the stepper's wire
    lists follow.  ``output`` is the output mark if a removed node held it.
    """

    nodes: list[tuple[int, Node]]
    edges: list[tuple[int, Edge, dict | None]]
    around: dict[str, tuple[list[tuple[str, list[int]]], list[str]]]
    output: str | None = None
    groups: list[tuple[str, int, str]] = field(default_factory=list)   # (group, index, node)


def check_id(node_id: Any) -> str:
    if not isinstance(node_id, str) or not node_id:
        raise BadIdError("a node id must be a non-empty string")
    if len(node_id) > MAX_ID_LENGTH:
        raise BadIdError(f'node id "{node_id[:20]}…" has {len(node_id)} characters, longer '
                         f'than the limit of {MAX_ID_LENGTH} characters')
    return node_id


def check_attrs(op: ops.Op, attrs: Any) -> dict:
    if attrs is None:
        return EMPTY
    if not isinstance(attrs, dict):
        raise BadValueError("attrs must be an object")
    for setting in op.settings:       # as the op table declares them
        value = attrs.get(setting.name)
        need = None if value is None else setting.problem(value)
        if need is not None:
            raise BadValueError(f"attrs.{setting.name} of {op.name} must be {need}")
    return dict(attrs) if attrs else EMPTY


class Graph:
    """A computational graph being built, opened or evaluated."""

    def __init__(self) -> None:
        self._g: nx.MultiDiGraph = SharedAttrMultiDiGraph()
        self._nodes: dict[str, Node] = {}     # the same nodes as _g, in _g's order
        self._ports: dict[tuple[str, int], str] = {}
        self._output: str | None = None
        # The editor's memory of the last single end: it stays the output when an edit
        # gives the graph several ends, until one is chosen.  Never saved; a graph read
        # from a file starts without one (the command line asks for the output).
        self.kept_output: str | None = None
        self.title: str = ""
        self.description: str = ""
        self.answer: str = ""           # the learner's own backward pass (chainrule grade)
        self.extra: dict = {}           # unknown top-level keys of a file
        self.edge_extra: dict[Edge, dict] = {}   # unknown keys of a file's edges
        self.data = None                # a datasets.Dataset bound to inputs, or None
        self.groups: dict = {}          # id → core.groups.Group (composite gates)
        self.structure_version = 0      # bumps when nodes, wires or ops change
        # what each of the last structural changes was, for updating a compiled plan
        # in place of compiling it again (see structure_changes)
        self._change_log: list[tuple[int, tuple | None]] = []
        self._generations: tuple[int, tuple] | None = None    # (structure_version, levels)
        self._ids_freed = 0             # bumps when an id becomes free (new_id's allocator)
        self._new_ids: tuple[int, IdAllocator] | None = None
        self.version = 0                # bumps on every change
        self.node_added = Event()       # (node_id)
        self.node_removed = Event()     # (node_id)
        self.node_changed = Event()     # (node_id, field name)
        self.node_renamed = Event()     # (old_id, new_id)
        self.edge_added = Event()       # (Edge)
        self.edge_removed = Event()     # (Edge)
        self.output_changed = Event()   # (node_id | None)
        self.groups_changed = Event()   # ()

    # ------------------------------------------------------------ queries

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The underlying networkx graph (read it, never edit it)."""
        return self._g

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._g

    def __len__(self) -> int:
        return len(self._g)

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise UnknownNodeError(f'there is no node "{node_id}"') from None

    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    def node_ids(self) -> list[str]:
        return list(self._nodes)

    def edge_count(self) -> int:
        """How many wires there are, without listing them (one per connected port)."""
        return len(self._ports)

    def edges(self) -> list[Edge]:
        """Every wire, in the order the wires were made (a file's order when loaded)."""
        return [Edge(src, dst, port) for (dst, port), src in self._ports.items()]

    def in_edges(self, node_id: str) -> list[Edge]:
        """Wires into ``node_id``, by port (read from networkx's adjacency dicts
        directly: its edge views cost several times more, once per node per step)."""
        if node_id not in self._nodes:
            self.node(node_id)
        edges = [Edge(u, node_id, k) for u, keys in self._g._pred[node_id].items()
                 for k in keys]
        if len(edges) > 1:
            edges.sort(key=_port)
        return edges

    def out_edges(self, node_id: str) -> list[Edge]:
        """Wires out of ``node_id``, in networkx's order (by consumer, then port)."""
        if node_id not in self._nodes:
            self.node(node_id)
        return [Edge(node_id, v, k) for v, keys in self._g._succ[node_id].items()
                for k in keys]

    def has_edge(self, edge: Edge) -> bool:
        return self._ports.get((edge.dst, edge.port)) == edge.src

    def source(self, dst: str, port: int) -> str | None:
        return self._ports.get((dst, port))

    def missing_ports(self, node_id: str) -> list[int]:
        arity = self.node(node_id).spec.arity
        return [p for p in range(arity) if (node_id, p) not in self._ports]

    def sinks(self) -> list[str]:
        return [n for n, users in self._g._succ.items() if not users]

    @property
    def output(self) -> str | None:
        """The output chosen explicitly (the file's ``output``), or None."""
        return self._output

    def effective_output(self) -> str | None:
        """The explicit output, else the single sink, else the kept output (see
        :meth:`keep_single_end`), else None (must be chosen)."""
        if self._output is not None:
            return self._output
        sinks = self.sinks()
        if len(sinks) == 1:
            return sinks[0]
        kept = self.kept_output
        return kept if kept is not None and kept in self._nodes and sinks else None

    def output_is_kept(self) -> bool:
        """True when the output is the kept one: not chosen, and not the only end."""
        return self._output is None and self.kept_output is not None and \
            len(self.sinks()) > 1 and self.kept_output in self._nodes

    def keep_single_end(self) -> None:
        """Remember the single end (an op, not a leaf) as the output to keep when an
        edit adds another end (the editor calls this before each evaluation)."""
        if self._output is None:
            sinks = self.sinks()
            # A lone input or constant is not worth keeping: while a graph is being
            # built from its leaves, "choose the output" is the truer message.
            if len(sinks) == 1 and not self._nodes[sinks[0]].spec.is_leaf:
                self.kept_output = sinks[0]

    def generations(self) -> tuple[tuple[str, ...], ...]:
        """The topological generations: sources first, every node one level after
        its deepest input, in exactly networkx's ``topological_generations`` order
        (computed here by Kahn's algorithm over the port table, several times faster).  Kept until the structure changes, so the
        file reader's layout and the engine's plan share one computation.  Raises
        networkx.NetworkXUnfeasible if wires made with ``known_acyclic`` lied."""
        if self._generations is None or self._generations[0] != self.structure_version:
            levels = _generations(self._g._succ, self._ports)
            self._generations = (self.structure_version, levels)
        return self._generations[1]

    def new_id(self, prefix: str) -> str:
        """The first of ``prefix``, ``prefix1``, ``prefix2``… not taken (``prefix``
        itself only if it is not an op's name: quick-add of ``mul`` makes ``mul1``)."""
        # One allocator while ids are only added (it remembers, per stem, the first
        # number worth trying): quick-adding n nodes costs O(n), not O(n²).
        cached = self._new_ids
        if cached is None or cached[0] != self._ids_freed:
            cached = self._new_ids = (self._ids_freed, self.id_allocator())
        return cached[1].fresh(prefix, avoid=ops.OPS, reserve=False)

    def id_allocator(self, reserved: Iterable[str] = ()) -> IdAllocator:
        """An allocator of ids free in this graph (read live) and not in ``reserved``;
        use one for a batch of ids (paste, a program) so the batch costs O(n)."""
        return IdAllocator(lambda i: i in self._g or i in self.groups, reserved)

    def node_index(self, node_id: str) -> int:
        """The position of ``node_id`` in the node order (``node_ids()``)."""
        self.node(node_id)
        return list(self._nodes).index(node_id)

    # ------------------------------------------------------------- checks

    def check_connect(self, src: str, dst: str, port: int) -> None:
        """Raise the error :meth:`connect` would raise, changing nothing."""
        self.node(src)
        spec = self.node(dst).spec
        if isinstance(port, bool) or not isinstance(port, int):
            raise PortRangeError("a port must be an integer")
        if not 0 <= port < spec.arity:
            if spec.arity:
                raise PortRangeError(f'node "{dst}" ({spec.name}) has no input port {port}; '
                                     f'{spec.name} takes {ops.ports_text(spec)}')
            raise PortRangeError(f'node "{dst}" ({spec.name}) has no input ports')
        taken = self._ports.get((dst, port))
        if taken is not None:
            raise PortTakenError(f'port {spec.ports[port]} of "{dst}" is already fed by "{taken}"')
        if src == dst:
            raise CycleError(f'connecting "{src}" to itself would make a cycle', [src])
        if nx.has_path(self._g, dst, src):
            loop = nx.shortest_path(self._g, dst, src)
            names = " → ".join(loop + [dst])
            raise CycleError(f"that wire would make a cycle: {names}", loop)

    # ---------------------------------------------------------- mutations

    def add_node(self, node_id: str, op: str, *, value: Any = None, label: str | None = None,
                 trainable: bool = False, attrs: dict | None = None,
                 pos: Iterable[float] | None = None, extra: dict | None = None,
                 index: int | None = None) -> Node:
        """Add a node at the end of the node order, or at position ``index``."""
        check_id(node_id)
        if node_id in self._g:
            raise DuplicateIdError(f'a node "{node_id}" exists already')
        if node_id in self.groups:
            raise DuplicateIdError(f'"{node_id}" is already a group id')
        if op not in ops.OPS:
            raise UnknownOpError(f'unknown op "{op}"')
        spec = ops.OPS[op]
        if spec.is_leaf:
            value = normalize_value(value)
        elif value is not None:
            raise BadValueError(f"only input and const nodes hold a value, not {op}")
        if trainable and op != "input":
            raise BadValueError("only input nodes can be trainable")
        node = Node(node_id, op, label or None, value, bool(trainable), check_attrs(spec, attrs),
                    _pos(pos), dict(extra) if extra else EMPTY)
        self._g.add_node(node_id)
        self._nodes[node_id] = node
        placed = index is not None and index < len(self._nodes) - 1
        if placed:
            self._place_nodes([(max(index, 0), node_id)])
        self._structure_changed(change=None if placed else ("node", node_id))
        self.node_added.emit(node_id)
        return node

    def remove_node(self, node_id: str) -> list[Edge]:
        """Remove a node and its wires; returns the wires removed.  (To put it back
        where it was, remove it with :meth:`remove` and use :meth:`restore`.)"""
        self.node(node_id)
        removed = [Edge(u, v, k) for u, v, k in self._g.in_edges(node_id, keys=True)]
        removed += [Edge(u, v, k) for u, v, k in self._g.out_edges(node_id, keys=True)]
        for edge in removed:
            self.disconnect(edge)
        if self._output == node_id:
            self.set_output(None)
        for group in self.groups.values():
            if node_id in group.nodes:
                group.nodes.remove(node_id)
        self._g.remove_node(node_id)
        del self._nodes[node_id]
        self._ids_freed += 1
        self._structure_changed(change=("node", node_id))
        self.node_removed.emit(node_id)
        return removed

    def remove(self, node_ids: Iterable[str] = (), edges: Iterable[Edge] = ()) -> Removal:
        """Remove wires, then nodes with their wires; returns what went and where it
        was, for :meth:`restore`.  Checked first: an unknown node or wire changes
        nothing.  Announced as :meth:`disconnect` and :meth:`remove_node` do."""
        node_ids = list(dict.fromkeys(node_ids))
        edges = list(dict.fromkeys(Edge(*e) for e in edges))
        for node_id in node_ids:
            self.node(node_id)
        for edge in edges:
            if not self.has_edge(edge):
                raise UnknownNodeError(f'there is no wire from "{edge.src}" into port '
                                       f'{edge.port} of "{edge.dst}"')
        succ, pred = self._g._succ, self._g._pred
        wires = dict.fromkeys(edges)
        for node_id in node_ids:
            for src, keys in pred[node_id].items():
                wires.update(dict.fromkeys(Edge(src, node_id, k) for k in keys))
            for dst, keys in succ[node_id].items():
                wires.update(dict.fromkeys(Edge(node_id, dst, k) for k in keys))
        touched = dict.fromkeys(node_ids)
        for edge in wires:
            touched.update(((edge.src, None), (edge.dst, None)))
        gone = set(node_ids)
        node_pos = _positions(self._nodes, node_ids)
        port_pos = _positions(self._ports, [(e.dst, e.port) for e in wires])
        removal = Removal(
            nodes=sorted(((node_pos[n], self._nodes[n]) for n in node_ids), key=_first),
            edges=sorted(((port_pos[(e.dst, e.port)], e, self.edge_extra.get(e))
                          for e in wires), key=_first),
            around={a: ([(v, list(keys)) for v, keys in succ[a].items()], list(pred[a]))
                    for a in touched},
            output=self._output if self._output in gone else None,
            groups=[(g.id, g.nodes.index(n), n) for g in self.groups.values()
                    for n in g.nodes if n in gone])
        for edge in edges:
            self.disconnect(edge)
        for node_id in node_ids:
            self.remove_node(node_id)
        return removal

    def restore(self, removal: Removal) -> None:
        """Put back what :meth:`remove` took, in place: each node at its position in
        the node order, each wire at its position in ``edges()`` and among its
        nodes' neighbours, with its unknown keys, and the output mark.  Meant for
        undo, on the graph as it was just after the removal; refused with a typed
        error (nothing changed) if ids, ports or acyclicity no longer allow it."""
        g = self._g
        new_ids = {node.id for _, node in removal.nodes}
        for _, node in removal.nodes:
            if node.id in g:
                raise DuplicateIdError(f'a node "{node.id}" exists already')
        for _, edge, _ in removal.edges:
            for end in (edge.src, edge.dst):
                if end not in g and end not in new_ids:
                    raise UnknownNodeError(f'there is no node "{end}"')
            taken = self._ports.get((edge.dst, edge.port))
            if taken is not None:
                raise PortTakenError(f'port {edge.port} of "{edge.dst}" is already fed by '
                                     f'"{taken}"')
        for _, node in removal.nodes:
            g.add_node(node.id)
            self._nodes[node.id] = node
        made: list[Edge] = []
        for _, edge, _ in removal.edges:
            # As connect() checks: cheap while a restored node has few wires yet.
            if nx.has_path(g, edge.dst, edge.src):
                loop = nx.shortest_path(g, edge.dst, edge.src)
                for e in made:
                    g.remove_edge(e.src, e.dst, key=e.port)
                    del self._ports[(e.dst, e.port)]
                for _, node in removal.nodes:
                    g.remove_node(node.id)
                    del self._nodes[node.id]
                self._ids_freed += 1
                raise CycleError("putting the wires back would make a cycle: "
                                 + " → ".join(loop + [edge.dst]), loop)
            g.add_edge(edge.src, edge.dst, key=edge.port)
            self._ports[(edge.dst, edge.port)] = edge.src
            made.append(edge)
        self._place_nodes([(i, node.id) for i, node in removal.nodes])
        _place(self._ports, [(i, (e.dst, e.port)) for i, e, _ in removal.edges])
        succ, pred = g._succ, g._pred
        for a, (successors, predecessors) in removal.around.items():
            if a not in g:
                continue
            _reorder(succ[a], [v for v, _ in successors])
            for v, keys in successors:
                if v in succ[a]:
                    g.order_keys(a, v, keys)        # also pred[v][a]
            _reorder(pred[a], predecessors)
        for _, edge, extra in removal.edges:
            if extra is not None:
                self.edge_extra[edge] = extra
        if removal.output is not None:
            self._output = removal.output
        for group_id, index, node_id in sorted(removal.groups, key=lambda t: t[1]):
            if group_id in self.groups:
                self.groups[group_id].nodes.insert(index, node_id)
        self._structure_changed()
        for _, node in removal.nodes:
            self.node_added.emit(node.id)
        for _, edge, _ in removal.edges:
            self.edge_added.emit(edge)
        if removal.output is not None:
            self.output_changed.emit(removal.output)

    def connect(self, src: str, dst: str, port: int) -> Edge:
        self.check_connect(src, dst, port)
        edge = Edge(src, dst, port)
        self._g.add_edge(src, dst, key=port)
        self._ports[(dst, port)] = src
        self._structure_changed(change=("wire", edge))
        self.edge_added.emit(edge)
        return edge

    def connect_many(self, edges: Iterable[tuple[str, str, int]],
                     known_acyclic: bool = False) -> list[Edge]:
        """Make many wires at once (opening a file, pasting): each is checked as by
        :meth:`connect`, but cycles are looked for once at the end, so this is linear
        in the size of the graph.  All or nothing: a refusal changes nothing.
        ``known_acyclic`` skips that search for callers that have just done it (the
        file reader, which names the loop in the file's own terms)."""
        made: list[Edge] = []
        try:
            for src, dst, port in edges:
                spec = self.node(dst).spec
                self.node(src)
                if isinstance(port, bool) or not isinstance(port, int) or \
                        not 0 <= port < spec.arity or (dst, port) in self._ports:
                    self.check_connect(src, dst, port)      # raises the precise error
                if src == dst:
                    raise CycleError(f'connecting "{src}" to itself would make a cycle', [src])
                self._g.add_edge(src, dst, key=port)
                self._ports[(dst, port)] = src
                made.append(Edge(src, dst, port))
            if made and not known_acyclic and not nx.is_directed_acyclic_graph(self._g):
                loop = [u for u, _, _ in nx.find_cycle(self._g)]
                names = " → ".join(loop + [loop[0]])
                raise CycleError(f"the wires make a cycle: {names}", loop)
        except Exception:
            for edge in made:
                self._g.remove_edge(edge.src, edge.dst, key=edge.port)
                del self._ports[(edge.dst, edge.port)]
            raise
        if made:
            self._structure_changed()
        for edge in made:
            self.edge_added.emit(edge)
        return made

    def add_read(self, node: Node) -> None:
        """Append a node the file reader has checked and built (no checks, no
        copies, no events: the graph is not shown to anyone until it is read)."""
        self._g.add_node(node.id)
        self._nodes[node.id] = node

    def connect_read(self, src: str, dst: str, port: int) -> None:
        """Append a wire the file reader has checked, except for loops (it looks
        for them once, at the end, with :meth:`generations`); no events."""
        self._g.add_edge(src, dst, key=port)
        self._ports[(dst, port)] = src

    def finish_read(self) -> None:
        """After :meth:`add_read` and :meth:`connect_read`: a new structure."""
        self._structure_changed()

    def disconnect(self, edge: Edge) -> None:
        if not self.has_edge(edge):
            raise UnknownNodeError(f'there is no wire from "{edge.src}" into port {edge.port} '
                                   f'of "{edge.dst}"')
        self._g.remove_edge(edge.src, edge.dst, key=edge.port)
        del self._ports[(edge.dst, edge.port)]
        self.edge_extra.pop(edge, None)
        self._structure_changed(change=("wire", edge))
        self.edge_removed.emit(edge)

    def set_value(self, node_id: str, value: Any) -> None:
        node = self.node(node_id)
        if not node.spec.is_leaf:
            raise BadValueError(f'"{node_id}" is a {node.op} node; only input and const hold a value')
        new = normalize_value(value)
        self._note_kind(node.value, new)
        node.value = new
        self._changed(node_id, "value")

    def set_values(self, values: dict[str, Any]) -> None:
        """Set several leaf values at once: all are checked first (a bad one changes
        nothing), then each is set and announced with ``node_changed(id, "value")``."""
        checked = []
        for node_id, value in values.items():
            node = self.node(node_id)
            if not node.spec.is_leaf:
                raise BadValueError(f'"{node_id}" is a {node.op} node; only input and const '
                                    f'hold a value')
            # its own value again: already checked and of its own kind, kept as it is
            checked.append((node_id, node, None if value is node.value
                            else normalize_value(value)))
        for node_id, node, value in checked:
            if value is not None:
                self._note_kind(node.value, value)
                node.value = value
            self._changed(node_id, "value")

    def announce_values(self, node_ids: Iterable[str]) -> None:
        """``node_changed(id, "value")`` for leaves whose owner wrote their values
        straight into the nodes (a trainer's quiet steps: values of their own kind,
        already checked), as :meth:`set_values` announces a node's own value again;
        ids no longer in the graph are skipped."""
        nodes, leaves = self._nodes, ops.LEAVES
        for node_id in node_ids:
            node = nodes.get(node_id)
            if node is not None and node.op in leaves:
                self._changed(node_id, "value")

    def set_label(self, node_id: str, label: str | None) -> None:
        self.node(node_id).label = label or None
        self._changed(node_id, "label")

    def set_pos(self, node_id: str, pos: Iterable[float] | None) -> None:
        self.node(node_id).pos = _pos(pos)
        self._changed(node_id, "pos")

    def set_trainable(self, node_id: str, trainable: bool) -> None:
        node = self.node(node_id)
        if trainable and node.op != "input":
            raise BadValueError("only input nodes can be trainable")
        node.trainable = bool(trainable)
        self._changed(node_id, "trainable")

    def set_attrs(self, node_id: str, attrs: dict | None) -> None:
        node = self.node(node_id)
        node.attrs = check_attrs(node.spec, attrs)
        self._structure_changed(change=("attrs", node_id))
        self._changed(node_id, "attrs")

    def set_output(self, node_id: str | None) -> None:
        if node_id is not None:
            self.node(node_id)
        self._output = node_id
        self._structure_changed(same_wiring=True, change=("output",))
        self.output_changed.emit(node_id)

    def rename(self, old: str, new: str) -> None:
        """Give a node a new id; wires and the output follow."""
        self.node(old)
        check_id(new)
        if new == old:
            return
        if new in self._g:
            raise DuplicateIdError(f'a node "{new}" exists already')
        if new in self.groups:
            raise DuplicateIdError(f'"{new}" is already a group id')
        # In place: the node keeps its position in every order (relabel_nodes
        # would move it to the end, and so change the forward order).
        g = self._g
        for src in g._pred[old]:
            _rekey(g._succ[src], old, new)
        for dst in g._succ[old]:
            _rekey(g._pred[dst], old, new)
        for d in (g._node, g._succ, g._pred):
            _rekey(d, old, new)
        getattr(nx, "_clear_cache", lambda _g: None)(g)     # networkx ≥ 3.3 caches conversions
        node = self._nodes[old]
        node.id = new
        _rekey(self._nodes, old, new)
        self._ports = {(new if d == old else d, p): (new if s == old else s)
                       for (d, p), s in self._ports.items()}
        self.edge_extra = {Edge(new if e.src == old else e.src, new if e.dst == old else e.dst,
                                e.port): extra for e, extra in self.edge_extra.items()}
        if self._output == old:
            self._output = new
        for group in self.groups.values():
            group.nodes = [new if n == old else n for n in group.nodes]
        if self.kept_output == old:
            self.kept_output = new
        if self.data is not None and old in self.data.bind:
            _rekey(self.data.bind, old, new)        # the data set feeds it under its new id
        self._ids_freed += 1
        self._structure_changed()
        self.node_renamed.emit(old, new)

    def clear(self) -> None:
        for node_id in list(self._g.nodes):
            self.remove_node(node_id)
        self.groups = {}
        self.set_output(None)

    def copy(self) -> "Graph":
        """An independent copy without subscribers, in the same order throughout."""
        other = Graph()
        with gc_paused():           # many small objects, no cyclic garbage: linear
            other._copy_content(self)
        return other

    def assign(self, source: "Graph") -> None:
        """Make this graph a copy of ``source`` (replace the graph, and its undo):
        nodes, wires, output, title, description and unknown keys, in ``source``'s
        order.  Announced as a :meth:`clear` followed by each node, each wire
        and the output being added."""
        self.clear()
        with gc_paused():
            self._copy_content(source)
        self._structure_changed()
        for node_id in self._nodes:
            self.node_added.emit(node_id)
        for edge in self.edges():
            self.edge_added.emit(edge)
        self.output_changed.emit(self._output)
        self.groups_changed.emit()

    # ----------------------------------------------------------- internal

    def _copy_content(self, source: "Graph") -> None:
        """Copy ``source`` into this empty graph, orders included (no events)."""
        g = self._g
        g.add_nodes_from(source._nodes)
        self._nodes.update((n, _copy_node(node)) for n, node in source._nodes.items())
        for u, nbrs in source._g._succ.items():
            for v, keys in nbrs.items():
                for k in keys:
                    g.add_edge(u, v, key=k)
        for v, preds in source._g._pred.items():
            _reorder(g._pred[v], list(preds))
        self._ports = dict(source._ports)
        self._output = source._output
        self.kept_output = source.kept_output
        self.title, self.description = source.title, source.description
        self.answer = source.answer
        self.extra = copy.deepcopy(source.extra)
        self.edge_extra = copy.deepcopy(source.edge_extra)
        self.data = source.data.copy() if source.data is not None else None
        self.groups = copy.deepcopy(source.groups)

    def _place_nodes(self, entries: list[tuple[int, str]]) -> None:
        """Move nodes just added (at the end) to their positions in the node order."""
        g = self._g
        for d in (self._nodes, g._node, g._succ, g._pred):
            _place(d, entries)

    def _structure_changed(self, same_wiring: bool = False,
                           change: tuple | None = None) -> None:
        """``same_wiring``: the nodes and wires are as they were (the output changed),
        so the generations kept stay valid (a file read orders its graph once).
        ``change``: what changed, for :meth:`structure_changes` (None: not said)."""
        kept = self._generations
        self.structure_version += 1
        self.version += 1
        self._log_change(change)
        if same_wiring and kept is not None and kept[0] == self.structure_version - 1:
            self._generations = (self.structure_version, kept[1])

    def _log_change(self, change: tuple | None) -> None:
        log = self._change_log
        log.append((self.structure_version, change))
        if len(log) > _CHANGE_LOG:
            del log[:len(log) - _CHANGE_LOG]

    def structure_changes(self, since: int) -> list[tuple] | None:
        """The structural changes after version ``since``, oldest first:
        ``("node", id)`` (added or removed), ``("wire", edge)`` (made or removed),
        ``("attrs", id)``, ``("output",)``; None when one of them is not known
        (a rename, a restore, a file read, a value turning into an array…) or the
        log no longer reaches back that far.  A compiled plan uses it to update
        itself instead of compiling again (:mod:`chainrule.core.plan_update`)."""
        log = self._change_log
        if since >= self.structure_version:
            return []
        if not log or log[0][0] > since + 1:
            return None
        changes = [change for version, change in log if version > since]
        # a version bumped without a word (code that bumps it directly): not known
        if len(changes) != self.structure_version - since or None in changes:
            return None
        return changes

    def _note_kind(self, old: Any, new: Any) -> None:
        """A scalar becoming an array (or back) changes how the graph is evaluated:
        the engine compiles float and numpy code paths per node."""
        if isinstance(old, np.ndarray) != isinstance(new, np.ndarray):
            self.structure_version += 1
            self._log_change(None)

    def _changed(self, node_id: str, what: str) -> None:
        self.version += 1
        self.node_changed.emit(node_id, what)


_CHANGE_LOG = 64     # structural changes remembered (beyond them a plan is compiled afresh)


def _pos(pos: Iterable[float] | None) -> tuple[float, float] | None:
    if pos is None:
        return None
    x, y = pos
    return (float(x), float(y))


def _copy_node(node: Node) -> Node:
    """``copy.deepcopy(node)``, many times faster (copies, undo of a replace): the
    constructor, where ``copy.copy`` of a slotted dataclass goes through
    ``__reduce_ex__`` (4 of the 6 µs a node cost ``Graph.copy``)."""
    value = node.value
    return Node(node.id, node.op, node.label,
                value.copy() if isinstance(value, np.ndarray) else value, node.trainable,
                copy.deepcopy(node.attrs) if node.attrs else EMPTY, node.pos,
                copy.deepcopy(node.extra) if node.extra else EMPTY)


def _positions(d: dict, keys: list) -> dict:
    """The index of each of ``keys`` in ``d``'s order: a few by list.index (which
    scans at C speed), many in one pass."""
    if len(keys) <= 8:
        order = list(d) if keys else []
        return {k: order.index(k) for k in keys}
    wanted = set(keys)
    return {k: i for i, k in enumerate(d) if k in wanted}


def _first(item: tuple) -> Any:
    return item[0]


def _place(d: dict, entries: list[tuple[int, Any]]) -> None:
    """Move the keys of ``entries`` (index, key) to those indices of ``d``, keeping
    the order of the other keys: one pass, and nothing to do for keys that
    belong at the end.  Edits ``d`` in place (networkx views hold it)."""
    if not entries:
        return
    entries = sorted(entries, key=_first)
    moved = {key: d.pop(key) for _, key in entries}
    if entries[0][0] >= len(d):
        d.update(moved)
        return
    items = list(d.items())
    d.clear()
    j = 0
    for index, key in entries:
        while j < len(items) and len(d) < index:
            d[items[j][0]] = items[j][1]
            j += 1
        d[key] = moved[key]
    d.update(items[j:])


def _generations(succ: dict, ports: dict) -> tuple[tuple[str, ...], ...]:
    """Kahn's algorithm, level by level, as ``networkx.topological_generations``
    walks it: a level's nodes in order, each one's consumers in wire order, a
    consumer joining the next level when its last input has been seen."""
    waiting: dict[str, int] = {}
    for dst, _port in ports:
        waiting[dst] = waiting.get(dst, 0) + 1
    level = [n for n in succ if n not in waiting]
    levels = []
    while level:
        levels.append(tuple(level))
        nxt = []
        for node in level:
            for child, keys in succ[node].items():
                left = waiting[child] - len(keys)
                if left:
                    waiting[child] = left
                else:
                    del waiting[child]
                    nxt.append(child)
        level = nxt
    if waiting:
        raise nx.NetworkXUnfeasible("Graph contains a cycle or graph changed during iteration")
    return tuple(levels)


def _reorder(d: dict, keys: list) -> None:
    """Put the keys of ``d`` in the order of ``keys`` (others after them), in place."""
    if len(d) < 2 or list(d) == keys:
        return
    items = [(k, d[k]) for k in keys if k in d]
    if len(items) != len(d):
        listed = set(keys)
        items += [(k, v) for k, v in d.items() if k not in listed]
    d.clear()
    d.update(items)


def _rekey(d: dict, old: Any, new: Any) -> None:
    """Rename key ``old`` of ``d`` to ``new`` at the same position, in place."""
    if old not in d:
        return
    items = [((new if k == old else k), v) for k, v in d.items()]
    d.clear()
    d.update(items)
