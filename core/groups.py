"""Groups: composite gates (``graph-format.md``, "Groups: composite gates").

A group is a set of nodes shown and stepped as one gate; it never changes a
value or a gradient.  The graph keeps its groups in ``Graph.groups`` (id →
:class:`Group`, in the order they were made); this module holds the model's
rules and the questions the views ask:

* membership: a node is directly inside at most one group, groups nest
  through ``parent`` (no loops), ids are unique among groups and nodes;
* the gate's ports (:func:`boundary`): its inputs are the distinct nodes
  outside the group whose wires enter it, in the order of the group's
  incoming wires, its outputs the inner nodes whose wires leave it (or that
  are the graph's output) — one port per value, as a teacher draws a gate:
  ``x`` feeding two inner cards is still one input ``x``;
* edits that undo exactly (:func:`add_group`, :func:`remove_group`,
  :func:`ungroup`, :func:`set_field`), each announced on ``graph.groups_changed``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable

from .errors import BadIdError, DuplicateIdError, GraphError, UnknownNodeError
from .graph import Edge, Graph, check_id

FIELDS = ("label", "collapsed", "pos", "note", "parent")


@dataclass
class Group:
    """What a file says about one group (``nodes``: the nodes directly inside)."""

    id: str
    nodes: list[str]
    label: str | None = None
    parent: str | None = None
    collapsed: bool = False
    pos: tuple[float, float] | None = None
    note: str | None = None
    extra: dict = field(default_factory=dict)   # unknown keys from a file, kept on save

    @property
    def display(self) -> str:
        return self.label or self.id


@dataclass(frozen=True)
class Boundary:
    """The ports of a group seen as one gate."""

    inputs: list[str]           # outside nodes feeding the group, first wire first
    in_edges: list[Edge]        # the wires entering it
    outputs: list[str]          # inner nodes whose value leaves it
    out_edges: list[Edge]       # the wires leaving it


def copy_groups(groups: dict[str, Group]) -> dict[str, Group]:
    return {gid: copy.deepcopy(g) for gid, g in groups.items()}


# ------------------------------------------------------------- questions

def group_of(graph: Graph, node_id: str) -> str | None:
    """The group ``node_id`` is directly inside, or None."""
    for g in graph.groups.values():
        if node_id in g.nodes:
            return g.id
    return None


def membership(graph: Graph) -> dict[str, str]:
    """node id → the group it is directly inside."""
    return {n: g.id for g in graph.groups.values() for n in g.nodes}


def children(graph: Graph, group_id: str | None) -> list[str]:
    """The groups directly inside ``group_id`` (None: the top level)."""
    return [g.id for g in graph.groups.values() if g.parent == group_id]


def ancestors(graph: Graph, group_id: str) -> list[str]:
    """``group_id``'s parent, its parent, … up to the top (no loops in a valid model)."""
    out: list[str] = []
    parent = graph.groups[group_id].parent
    while parent is not None and parent not in out:
        out.append(parent)
        parent = graph.groups[parent].parent
    return out


def descendants(graph: Graph, group_id: str) -> list[str]:
    """Every group inside ``group_id``, at any depth, parents first."""
    out, todo = [], [group_id]
    while todo:
        kids = children(graph, todo.pop(0))
        out += kids
        todo += kids
    return out


def members(graph: Graph, group_id: str) -> list[str]:
    """Every node inside ``group_id`` at any depth, in the graph's node order."""
    inside = {group_id, *descendants(graph, group_id)}
    chosen = {n for gid in inside for n in graph.groups[gid].nodes}
    return [n for n in graph.node_ids() if n in chosen]


def boundary(graph: Graph, group_id: str, inner: Iterable[str] | None = None) -> Boundary:
    """The gate's inputs and outputs (see the module's docstring)."""
    order = members(graph, group_id) if inner is None else list(inner)
    inside = set(order)
    pred, succ = graph.nx._pred, graph.nx._succ
    in_edges, out_edges = [], []
    inputs: dict[str, None] = {}
    outputs: dict[str, None] = {}
    for node_id in order:
        entering = sorted((Edge(src, node_id, port) for src, ports in pred[node_id].items()
                           if src not in inside for port in ports), key=lambda e: e.port)
        in_edges += entering
        for e in entering:
            inputs.setdefault(e.src)
    out_node = graph.effective_output()
    for node_id in order:
        leaving = [Edge(node_id, dst, port) for dst, ports in succ[node_id].items()
                   if dst not in inside for port in ports]
        out_edges += leaving
        if leaving or node_id == out_node:
            outputs.setdefault(node_id)
    return Boundary(list(inputs), in_edges, list(outputs), out_edges)


def visible_gate(graph: Graph, node_id: str) -> str | None:
    """The outermost collapsed group that hides ``node_id``, or None if it shows."""
    gid = group_of(graph, node_id)
    hidden = None
    while gid is not None:
        g = graph.groups[gid]
        if g.collapsed:
            hidden = gid
        gid = g.parent
    return hidden


def hidden_by(graph: Graph) -> dict[str, str]:
    """node id → the outermost collapsed group hiding it, for every hidden node."""
    owner = membership(graph)
    outer: dict[str, str | None] = {}

    def gate(gid: str | None) -> str | None:
        if gid is None:
            return None
        if gid not in outer:
            g = graph.groups[gid]
            above = gate(g.parent)
            outer[gid] = above if above is not None else (gid if g.collapsed else None)
        return outer[gid]
    return {n: h for n, gid in owner.items() if (h := gate(gid)) is not None}


# ----------------------------------------------------------------- edits

def check_group_id(graph: Graph, group_id: Any) -> str:
    try:
        check_id(group_id)
    except BadIdError as e:
        raise BadIdError(str(e).replace("a node id", "a group id")) from None
    if group_id in graph:
        raise DuplicateIdError(f'"{group_id}" is already a node id')
    if group_id in graph.groups:
        raise DuplicateIdError(f'a group "{group_id}" exists already')
    return group_id


def new_group_id(graph: Graph, stem: str = "group") -> str:
    return graph.id_allocator().numbered(stem, start=1)


def add_group(graph: Graph, group: Group, *, adopt: Iterable[str] = ()) -> None:
    """Add ``group``: its nodes leave the group they were directly in (which must be
    its parent), and the groups in ``adopt`` become its children."""
    check_group_id(graph, group.id)
    if not group.nodes:
        raise GraphError("a group holds at least one node")
    if group.parent is not None and group.parent not in graph.groups:
        raise UnknownNodeError(f'there is no group "{group.parent}"')
    owners = membership(graph)
    for n in group.nodes:
        graph.node(n)
        owner = owners.get(n)
        if owner is not None and owner != group.parent:
            raise GraphError(f'node "{n}" is in group "{owner}", not in "{group.parent}"')
    adopt = list(adopt)
    for gid in adopt:
        if graph.groups[gid].parent != group.parent:
            raise GraphError(f'group "{gid}" is not beside the new group')
    if group.parent is not None:
        parent = graph.groups[group.parent]
        taken = set(group.nodes)
        parent.nodes = [n for n in parent.nodes if n not in taken]
    graph.groups[group.id] = group
    for gid in adopt:
        graph.groups[gid].parent = group.id
    _changed(graph)


def ungroup(graph: Graph, group_id: str) -> dict[str, Any]:
    """Dissolve a group: its nodes and child groups go to its parent.  Returns what
    :func:`regroup` needs to undo it exactly."""
    g = graph.groups[group_id]
    order = list(graph.groups)
    kids = children(graph, group_id)
    parent_nodes = None
    if g.parent is not None:
        parent = graph.groups[g.parent]
        parent_nodes = list(parent.nodes)
        parent.nodes = parent.nodes + [n for n in g.nodes if n not in parent.nodes]
    for kid in kids:
        graph.groups[kid].parent = g.parent
    del graph.groups[group_id]
    _changed(graph)
    return {"group": g, "order": order, "kids": kids, "parent_nodes": parent_nodes}


def regroup(graph: Graph, undo: dict[str, Any]) -> None:
    """Undo :func:`ungroup`: the group back at its place in the order."""
    g = undo["group"]
    if undo["parent_nodes"] is not None:
        graph.groups[g.parent].nodes = list(undo["parent_nodes"])
    for kid in undo["kids"]:
        graph.groups[kid].parent = g.id
    graph.groups[g.id] = g
    order = [gid for gid in undo["order"] if gid in graph.groups]
    rest = [gid for gid in graph.groups if gid not in order]
    graph.groups = {gid: graph.groups[gid] for gid in order + rest}
    _changed(graph)


def remove_group(graph: Graph, group_id: str) -> None:
    """Undo :func:`add_group` (the nodes go back to the parent, children too)."""
    ungroup(graph, group_id)


def set_field(graph: Graph, group_id: str, name: str, value: Any) -> Any:
    """Set one of :data:`FIELDS`; returns the old value."""
    if name not in FIELDS:
        raise GraphError(f"a group has no field {name}")
    g = graph.groups[group_id]
    if name == "parent" and value is not None:
        if value not in graph.groups:
            raise UnknownNodeError(f'there is no group "{value}"')
        if value == group_id or group_id in ancestors(graph, value):
            raise GraphError(f'group "{value}" is inside "{group_id}"')
    if name == "pos" and value is not None:
        value = (float(value[0]), float(value[1]))
    old = getattr(g, name)
    setattr(g, name, value)
    _changed(graph)
    return old


def set_nodes(graph: Graph, group_id: str, nodes: list[str]) -> None:
    """Put back a group's node list as it was (undo)."""
    graph.groups[group_id].nodes = list(nodes)
    _changed(graph)


def rename_group(graph: Graph, old: str, new: str) -> None:
    if new == old:
        return
    check_group_id(graph, new)
    graph.groups = {(new if gid == old else gid): g for gid, g in graph.groups.items()}
    graph.groups[new].id = new
    for g in graph.groups.values():
        if g.parent == old:
            g.parent = new
    _changed(graph)


def writable(graph: Graph) -> list[Group]:
    """The groups as a file can hold them: a group left without nodes (its nodes
    deleted) is skipped and its children move up to the nearest group kept."""
    empty = {gid for gid, g in graph.groups.items() if not g.nodes}
    out = []
    for g in graph.groups.values():
        if g.id in empty:
            continue
        parent = g.parent
        while parent in empty:
            parent = graph.groups[parent].parent
        out.append(g if parent == g.parent else _with_parent(g, parent))
    return out


def _with_parent(g: Group, parent: str | None) -> Group:
    other = copy.copy(g)
    other.parent = parent
    return other


def _changed(graph: Graph) -> None:
    graph.version += 1
    graph.groups_changed.emit()


def layer_groups(graph: Graph, stem: str = "layer") -> list[Group]:
    """One group per layer of :func:`chainrule.core.layout.layers`, collapsed, over the
    nodes not in a group yet (nothing is added to :attr:`Graph.groups`)."""
    from .layout import layers
    owned = membership(graph)
    ids = graph.id_allocator()
    out = []
    for k, layer in enumerate(layers(graph), 1):
        free = [n for n in layer if n not in owned]
        if free:
            out.append(Group(ids.numbered(stem, start=k), free, label=f"layer {k}",
                             collapsed=True))
    return out
