"""The graph model: nodes, wires and the rules for editing them.

The graph is a ``networkx.MultiDiGraph`` whose edge keys are input ports, so an
edge is the value ``Edge(src, dst, port)`` and ``x * x`` keeps its two wires.
Every edit is checked here and refused with a typed error (the graph is then
unchanged); every accepted edit is announced through an :class:`~core.events.Event`
so views can follow without the model knowing them.
"""
from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

import networkx as nx
import numpy as np

from . import ops
from .errors import (BadIdError, BadValueError, CycleError, DuplicateIdError, PortRangeError,
                     PortTakenError, UnknownNodeError, UnknownOpError)
from .events import Event

MAX_ID_LENGTH = 64
#: The most dimensions a value has (numpy's own limit).
MAX_VALUE_DIMS = 64
#: The most numbers in one value (2**24, 128 MiB as float64); a larger one is refused.
MAX_VALUE_ELEMENTS = 2 ** 24
#: The most numbers all the values of one graph file hold together.
MAX_GRAPH_ELEMENTS = 2 ** 24


class Edge(NamedTuple):
    """A wire: the output of ``src`` feeds input ``port`` of ``dst``."""

    src: str
    dst: str
    port: int


@dataclass
class Node:
    """What a file says about one node. Computed values live in an Evaluation, not here."""

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


def check_id(node_id: Any) -> str:
    if not isinstance(node_id, str) or not node_id:
        raise BadIdError("a node id must be a non-empty string")
    if len(node_id) > MAX_ID_LENGTH:
        raise BadIdError(f'node id "{node_id[:20]}…" is longer than {MAX_ID_LENGTH} characters')
    return node_id


def normalize_value(raw: Any) -> float | np.ndarray:
    """A finite number or a rectangular nested list of them, as float / float64 array."""
    if isinstance(raw, bool) or raw is None:
        raise BadValueError("value must be a number or a list of numbers")
    if getattr(raw, "is_number", lambda: False)():      # an integer too long to convert
        raise BadValueError("value must be finite (a number is too large for a float64)")
    if isinstance(raw, (int, float, np.integer, np.floating)):
        v = float(raw)
        if not math.isfinite(v):
            raise BadValueError("value must be finite (no nan or inf)")
        return v
    if isinstance(raw, np.ndarray):
        arr = raw
        if arr.size > MAX_VALUE_ELEMENTS:
            raise BadValueError(_too_many(arr.size))
    elif isinstance(raw, (list, tuple)):
        shape = _first_shape(raw)
        _check_nested(raw)
        if math.prod(shape) > MAX_VALUE_ELEMENTS:
            raise BadValueError(_too_many(math.prod(shape)))
        try:
            arr = np.array(raw, dtype=np.float64)
        except (ValueError, TypeError):
            raise BadValueError("value is a ragged list: every row must have the same length")
    else:
        raise BadValueError("value must be a number or a list of numbers")
    if arr.dtype.kind not in "fiu":
        raise BadValueError("value must contain only numbers")
    arr = np.array(arr, dtype=np.float64)
    if arr.ndim == 0:
        return normalize_value(float(arr))
    if arr.size == 0:
        raise BadValueError("value is an empty list")
    if not np.all(np.isfinite(arr)):
        raise BadValueError("value must be finite (no nan or inf)")
    return arr


def _first_shape(raw: list | tuple) -> list[int]:
    """The lengths along the first elements; refuses lists nested too deeply."""
    shape, item = [], raw
    while isinstance(item, (list, tuple)) or hasattr(item, "depth"):
        if hasattr(item, "depth"):       # deep lists kept as their text by the reader
            depth = len(shape) + item.depth()
            if depth > MAX_VALUE_DIMS:
                raise BadValueError(f"lists nested {depth:,} deep; a value has at most "
                                    f"{MAX_VALUE_DIMS} dimensions")
            break
        shape.append(len(item))
        if len(shape) > MAX_VALUE_DIMS:
            depth = len(shape)
            while isinstance(item, (list, tuple)) and item:
                item = item[0]
                depth += isinstance(item, (list, tuple))
            raise BadValueError(f"lists nested {depth:,} deep; a value has at most "
                                f"{MAX_VALUE_DIMS} dimensions")
        item = item[0] if item else None
    return shape


def _too_many(n: int) -> str:
    return f"value has {n:,} numbers; the limit is {MAX_VALUE_ELEMENTS:,} in one value"


def value_from_text(text: str) -> float | np.ndarray:
    """A value typed as text (``--set``, the inspector's list field): a number or a
    JSON list of numbers.  Raises :class:`BadValueError` with one clear sentence,
    never anything else (deep nesting is refused before the JSON parser recurses)."""
    text = text.strip()
    try:
        return normalize_value(float(text))
    except ValueError:
        pass
    depth = deepest = 0
    for ch in text:                      # strings cannot hold a value: brackets count as is
        if ch == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "]":
            depth -= 1
    if deepest > MAX_VALUE_DIMS:
        raise BadValueError(f"lists nested {deepest:,} deep; a value has at most "
                            f"{MAX_VALUE_DIMS} dimensions")
    try:
        data = json.loads(text, parse_constant=_not_finite)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, list):
        raise BadValueError("the value must be a number or a JSON list such as [1, 2]")
    return normalize_value(data)


def _not_finite(name: str):
    raise ValueError(f"{name} is not a finite number")


def _check_nested(raw: list | tuple) -> None:
    """Refuse ragged lists and non-numbers with a precise reason before numpy guesses."""
    stack = [raw]
    while stack:
        item = stack.pop()
        kinds = {isinstance(x, (list, tuple)) for x in item}
        if len(kinds) > 1:
            raise BadValueError("value is a ragged list: numbers and lists are mixed")
        if True in kinds:
            lengths = {len(x) for x in item}
            if len(lengths) > 1:
                raise BadValueError("value is a ragged list: every row must have the same length")
            stack.extend(item)
        else:
            for x in item:
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    if getattr(x, "is_number", lambda: False)():   # a huge integer
                        raise BadValueError("value must be finite (a number is too large "
                                            "for a float64)")
                    raise BadValueError("value must contain only numbers")


def value_to_json(value: Any) -> Any:
    """float → float (ints for whole numbers stay floats), array → nested lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def check_attrs(op: ops.Op, attrs: Any) -> dict:
    if attrs is None:
        return {}
    if not isinstance(attrs, dict):
        raise BadValueError("attrs must be an object")
    for setting in op.settings:       # as the op table declares them
        value = attrs.get(setting.name)
        need = None if value is None else setting.problem(value)
        if need is not None:
            raise BadValueError(f"attrs.{setting.name} of {op.name} must be {need}")
    return dict(attrs)


class Graph:
    """A computational graph being built, opened or evaluated."""

    def __init__(self) -> None:
        self._g = nx.MultiDiGraph()
        self._nodes: dict[str, Node] = {}     # the same nodes as _g, in _g's order
        self._ports: dict[tuple[str, int], str] = {}
        self._output: str | None = None
        self.title: str = ""
        self.description: str = ""
        self.extra: dict = {}           # unknown top-level keys of a file
        self.edge_extra: dict[Edge, dict] = {}   # unknown keys of a file's edges
        self.structure_version = 0      # bumps when nodes, wires or ops change
        self._generations: tuple[int, tuple] | None = None    # (structure_version, levels)
        self.version = 0                # bumps on every change
        self.node_added = Event()       # (node_id)
        self.node_removed = Event()     # (node_id)
        self.node_changed = Event()     # (node_id, field name)
        self.node_renamed = Event()     # (old_id, new_id)
        self.edge_added = Event()       # (Edge)
        self.edge_removed = Event()     # (Edge)
        self.output_changed = Event()   # (node_id | None)

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

    def edges(self) -> list[Edge]:
        """Every wire, in the order the wires were made (a file's order when loaded)."""
        return [Edge(src, dst, port) for (dst, port), src in self._ports.items()]

    def in_edges(self, node_id: str) -> list[Edge]:
        """Wires into ``node_id``, by port."""
        self.node(node_id)
        return sorted((Edge(u, v, k) for u, v, k in self._g.in_edges(node_id, keys=True)),
                      key=lambda e: e.port)

    def out_edges(self, node_id: str) -> list[Edge]:
        self.node(node_id)
        return [Edge(u, v, k) for u, v, k in self._g.out_edges(node_id, keys=True)]

    def has_edge(self, edge: Edge) -> bool:
        return self._ports.get((edge.dst, edge.port)) == edge.src

    def source(self, dst: str, port: int) -> str | None:
        return self._ports.get((dst, port))

    def missing_ports(self, node_id: str) -> list[int]:
        arity = self.node(node_id).spec.arity
        return [p for p in range(arity) if (node_id, p) not in self._ports]

    def sinks(self) -> list[str]:
        return [n for n in self._g.nodes if self._g.out_degree(n) == 0]

    @property
    def output(self) -> str | None:
        """The output chosen explicitly (the file's ``output``), or None."""
        return self._output

    def effective_output(self) -> str | None:
        """The explicit output, else the single sink, else None (must be chosen)."""
        if self._output is not None:
            return self._output
        sinks = self.sinks()
        return sinks[0] if len(sinks) == 1 else None

    def generations(self) -> tuple[tuple[str, ...], ...]:
        """The topological generations (networkx): sources first, every node one
        level after its deepest input.  Kept until the structure changes, so the
        file reader's layout and the engine's plan share one computation.  Raises
        networkx.NetworkXUnfeasible if wires made with ``known_acyclic`` lied."""
        if self._generations is None or self._generations[0] != self.structure_version:
            levels = tuple(tuple(level) for level in nx.topological_generations(self._g))
            self._generations = (self.structure_version, levels)
        return self._generations[1]

    def topological_order(self) -> list[str]:
        """A deterministic topological order: ties keep the order nodes were added."""
        rank = {n: i for i, n in enumerate(self._g.nodes)}
        return list(nx.lexicographical_topological_sort(self._g, key=rank.__getitem__))

    def new_id(self, prefix: str) -> str:
        """The first of ``prefix``, ``prefix1``, ``prefix2``… not taken."""
        base = (prefix or "n")[:MAX_ID_LENGTH - 6]
        if base not in self._g and base not in ops.OPS:
            return base
        i = 1
        while f"{base}{i}" in self._g:
            i += 1
        return f"{base}{i}"

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
                 pos: Iterable[float] | None = None, extra: dict | None = None) -> Node:
        check_id(node_id)
        if node_id in self._g:
            raise DuplicateIdError(f'a node "{node_id}" exists already')
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
                    _pos(pos), dict(extra or {}))
        self._g.add_node(node_id)
        self._nodes[node_id] = node
        self._structure_changed()
        self.node_added.emit(node_id)
        return node

    def remove_node(self, node_id: str) -> list[Edge]:
        """Remove a node and its wires; returns the wires removed (for undo)."""
        self.node(node_id)
        removed = [Edge(u, v, k) for u, v, k in self._g.in_edges(node_id, keys=True)]
        removed += [Edge(u, v, k) for u, v, k in self._g.out_edges(node_id, keys=True)]
        for edge in removed:
            self.disconnect(edge)
        if self._output == node_id:
            self.set_output(None)
        self._g.remove_node(node_id)
        del self._nodes[node_id]
        self._structure_changed()
        self.node_removed.emit(node_id)
        return removed

    def connect(self, src: str, dst: str, port: int) -> Edge:
        self.check_connect(src, dst, port)
        edge = Edge(src, dst, port)
        self._g.add_edge(src, dst, key=port)
        self._ports[(dst, port)] = src
        self._structure_changed()
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

    def disconnect(self, edge: Edge) -> None:
        if not self.has_edge(edge):
            raise UnknownNodeError(f'there is no wire from "{edge.src}" into port {edge.port} '
                                   f'of "{edge.dst}"')
        self._g.remove_edge(edge.src, edge.dst, key=edge.port)
        del self._ports[(edge.dst, edge.port)]
        self.edge_extra.pop(edge, None)
        self._structure_changed()
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
        checked = {}
        for node_id, value in values.items():
            node = self.node(node_id)
            if not node.spec.is_leaf:
                raise BadValueError(f'"{node_id}" is a {node.op} node; only input and const '
                                    f'hold a value')
            checked[node_id] = normalize_value(value)
        for node_id, value in checked.items():
            node = self.node(node_id)
            self._note_kind(node.value, value)
            node.value = value
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
        self._structure_changed()
        self._changed(node_id, "attrs")

    def set_output(self, node_id: str | None) -> None:
        if node_id is not None:
            self.node(node_id)
        self._output = node_id
        self._structure_changed()
        self.output_changed.emit(node_id)

    def rename(self, old: str, new: str) -> None:
        """Give a node a new id; wires and the output follow."""
        self.node(old)
        check_id(new)
        if new == old:
            return
        if new in self._g:
            raise DuplicateIdError(f'a node "{new}" exists already')
        nx.relabel_nodes(self._g, {old: new}, copy=False)
        node = self._nodes.pop(old)
        node.id = new
        self._nodes[new] = node
        self._ports = {(new if d == old else d, p): (new if s == old else s)
                       for (d, p), s in self._ports.items()}
        self.edge_extra = {Edge(new if e.src == old else e.src, new if e.dst == old else e.dst,
                                e.port): extra for e, extra in self.edge_extra.items()}
        if self._output == old:
            self._output = new
        self._structure_changed()
        self.node_renamed.emit(old, new)

    def clear(self) -> None:
        for node_id in list(self._g.nodes):
            self.remove_node(node_id)
        self.set_output(None)

    def copy(self) -> "Graph":
        """An independent copy without subscribers."""
        other = Graph()
        for node in self.nodes():
            other._g.add_node(node.id)
            other._nodes[node.id] = copy.deepcopy(node)
        for edge in self.edges():
            other._g.add_edge(edge.src, edge.dst, key=edge.port)
        other._ports = dict(self._ports)
        other._output = self._output
        other.title, other.description = self.title, self.description
        other.extra = copy.deepcopy(self.extra)
        other.edge_extra = copy.deepcopy(self.edge_extra)
        return other

    # ----------------------------------------------------------- internal

    def _structure_changed(self) -> None:
        self.structure_version += 1
        self.version += 1

    def _note_kind(self, old: Any, new: Any) -> None:
        """A scalar becoming an array (or back) changes how the graph is evaluated:
        the engine compiles float and numpy code paths per node."""
        if isinstance(old, np.ndarray) != isinstance(new, np.ndarray):
            self.structure_version += 1

    def _changed(self, node_id: str, what: str) -> None:
        self.version += 1
        self.node_changed.emit(node_id, what)


def _pos(pos: Iterable[float] | None) -> tuple[float, float] | None:
    if pos is None:
        return None
    x, y = pos
    return (float(x), float(y))
