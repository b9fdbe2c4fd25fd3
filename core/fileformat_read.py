"""Reading ``.cgraph`` files (``graph-format.md``, version 1): checks, then the graph.

Reading has two phases.  First the JSON is parsed and every record is checked
as plain data, in the order of the file; the first problem found is raised as
a :class:`~chainrule.core.errors.FileFormatError` whose ``where`` names the place
(``nodes[2].op``, ``edges[3].port``, ``line 3, column 5``).  Only a file that
passed every check is turned into a :class:`~chainrule.core.graph.Graph`, so a refused
file never yields a partial graph, and nothing but ``FileFormatError`` is
raised for a bad file (``load`` also raises ``OSError`` when the file cannot
be read at all).

What the reader accepts beyond the letter of the spec:

* a UTF-8 byte order mark at the start is skipped (RFC 8259 allows that);
* an optional key whose value is ``null`` counts as absent;
* unknown keys at the top level, on nodes and on edges are kept and written
  back on save, in their order, whatever their depth or size: a value nested
  more than :data:`~chainrule.core.fileformat_checks.MAX_UNKNOWN_DEPTH` levels
  deep, or an integer of more than 4,000 digits, is kept as its JSON text
  (:mod:`chainrule.core.rawjson`).

The checks every record shares are in :mod:`chainrule.core.fileformat_checks`,
the groups' in :mod:`chainrule.core.fileformat_groups`.

The entry points that take a file or its text, and check its size first
(``load``, ``loads``), are in :mod:`chainrule.core.fileformat`.  The keys of the spec's
tables are defined here; the writer (:mod:`chainrule.core.fileformat_write`) writes
them in this order.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from . import ops, rawjson
from .errors import FileFormatError, GraphError
from .compact import EMPTY
from .fileformat_checks import (is_int, keep_practical, kind,
                                optional_bool, optional_str, position, record_id, show, unknown)
from .fileformat_groups import validate_groups
from .graph import Edge, Graph, Node, check_attrs
from .groups import Group
from .values import MAX_GRAPH_ELEMENTS, MAX_VALUE_DIMS, normalize_value
from .layout import layered_positions

FORMAT = "chainrule"
VERSION = 1
#: The learner's own backward pass (``answer``) is a program: the program's limit.
MAX_ANSWER_CHARS = 256 * 1024

#: ``data`` (a data set, :mod:`chainrule.core.datasets`) is this reader's own key beyond the
#: spec's table; older readers keep it as an unknown key.
TOP_KEYS = ("format", "version", "title", "description", "output", "nodes", "edges", "groups",
            "answer", "data")
NODE_KEYS = ("id", "op", "label", "value", "trainable", "attrs", "pos")
EDGE_KEYS = ("from", "to", "port")

_BOM = "\ufeff"


# ------------------------------------------------------------- JSON parsing

def _parse_json(text: str) -> Any:
    if text.startswith(_BOM):
        text = text[1:]
    if not text.strip():
        raise FileFormatError("", "the file is empty (a graph file is a JSON object)")
    try:
        return rawjson.loads(text, parse_constant=_refuse_constant)
    except rawjson.DeepJSONError as e:
        line = text.count("\n", 0, e.pos) + 1
        col = e.pos - (text.rfind("\n", 0, e.pos) + 1) + 1
        raise FileFormatError(f"line {line}, column {col}",
                              f"not valid JSON ({e.msg})") from None
    except _Constant as c:
        line, col = _find_constant(text, c.token)
        raise FileFormatError(f"line {line}, column {col}",
                              f"not valid JSON ({c.token} is not a number JSON allows; "
                              f"numbers must be finite)") from None
    except json.JSONDecodeError as e:
        raise FileFormatError(f"line {e.lineno}, column {e.colno}",
                              f"not valid JSON ({e.msg})") from None
    except RecursionError:
        raise FileFormatError("", "not valid JSON for Chainrule (lists and objects are "
                                  "nested too deeply)") from None
    except ValueError as e:   # e.g. an integer with more digits than Python converts
        reason = ("a number has too many digits" if "digits" in str(e) else str(e))
        raise FileFormatError("", f"not valid JSON for Chainrule ({reason})") from None


class _Constant(Exception):
    def __init__(self, token: str):
        super().__init__(token)
        self.token = token


def _refuse_constant(token: str) -> Any:
    raise _Constant(token)


_STRING_OR_CONSTANT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(-?Infinity|NaN)', re.S)


def _find_constant(text: str, token: str) -> tuple[int, int]:
    """Line and column (1-based) of the first NaN/Infinity token outside a string."""
    for m in _STRING_OR_CONSTANT.finditer(text):
        if m.group(1) is not None:
            pos = m.start(1)
            line = text.count("\n", 0, pos) + 1
            return line, pos - (text.rfind("\n", 0, pos) + 1) + 1
    return 1, 1   # not reached: the parser saw the token


# ------------------------------------------------------ phase 1: validation

@dataclass
class _Records:
    """The checked document: the graph's nodes and wires are already in ``graph``."""
    graph: Graph
    title: str = ""
    description: str = ""
    answer: str = ""
    output: str | None = None
    groups: list[Group] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    data: Any = None
    edge_extra: list[tuple[Edge, dict]] = field(default_factory=list)
    loops: bool = False                 # a wire from a node to itself was read
    numbers: int = 0                    # how many numbers the values hold so far

    def add_node(self, i: int, raw: Any) -> None:
        """Check ``nodes[i]`` and append it to the graph."""
        graph = self.graph
        node = _validate_node(i, raw)
        self.numbers += node.value.size if hasattr(node.value, "size") else 1
        if self.numbers > MAX_GRAPH_ELEMENTS:
            raise FileFormatError(f"nodes[{i}].value", f"the values hold more than "
                                                       f"{MAX_GRAPH_ELEMENTS:,} numbers in all; "
                                                       f"that is the limit for one graph")
        if node.id in graph:
            raise FileFormatError(f"nodes[{i}].id", f'duplicate id "{node.id}" '
                                                    f'(also nodes[{graph.node_index(node.id)}])')
        graph.add_read(node)

    def add_edge(self, i: int, raw: Any) -> None:
        """Check ``edges[i]`` (its ends among the nodes read) and wire it."""
        graph = self.graph
        src, dst, port, extra = _validate_edge(i, raw, graph._nodes)
        taken = graph.source(dst, port)
        if taken is not None:
            index = graph.edges().index(Edge(taken, dst, port))
            raise FileFormatError(f"edges[{i}]", f'port {port} of "{dst}" is already '
                                                 f'fed by "{taken}" (edges[{index}])')
        graph.connect_read(src, dst, port)
        self.loops = self.loops or src == dst
        if extra:
            self.edge_extra.append((Edge(src, dst, port), extra))


def from_dict(obj: Any, where: str = "", consume: bool = False) -> Graph:
    """Build a graph from a parsed ``.cgraph`` document (a file, the clipboard).

    ``where`` prefixes every place in a refusal (``"clipboard"`` gives
    ``clipboard: nodes[0].id: ...``).  ``consume``: the caller hands the
    document over, and each node and wire record is dropped from it once
    read, so a big file's parsed JSON and its graph are not both held whole.
    """
    try:
        return _build(_validate(obj, consume))
    except FileFormatError as e:
        if not where:
            raise
        place = f"{where}: {e.where}" if e.where else where
        raise FileFormatError(place, e.reason) from None


def _validate(obj: Any, consume: bool = False) -> _Records:
    """Check the document in file order; nodes and wires go straight into the
    graph (a refusal drops it whole, so no partial graph is ever seen)."""
    rec = _Records(Graph())
    output = _check_top(obj)
    raws = obj["nodes"]
    for i, raw in enumerate(raws):
        rec.add_node(i, raw)
        if consume:
            raws[i] = None
    raws = obj["edges"]
    for i, raw in enumerate(raws):
        rec.add_edge(i, raw)
        if consume:
            raws[i] = None
    _check_rest(obj, rec, output)
    return rec


def _check_top(obj: Any) -> str | None:
    """The checks of the document before its nodes; returns the ``output`` given."""
    if not isinstance(obj, dict):
        raise FileFormatError("", f"a graph file holds one JSON object {{...}}, "
                                  f"not {kind(obj)}")
    if "format" not in obj:
        raise FileFormatError("format", 'missing; a Chainrule graph file has '
                                        '"format": "chainrule"')
    if obj["format"] != FORMAT:
        raise FileFormatError("format", f"this is not a Chainrule graph (format is "
                                        f"{show(obj['format'])}, not \"chainrule\")")
    if "version" not in obj:
        raise FileFormatError("version", f"missing; this page describes version {VERSION}")
    version = obj["version"]
    if not is_int(version):
        raise FileFormatError("version", f"must be an integer, not {show(version)}")
    if version > VERSION:
        raise FileFormatError("version", f"this file is version {show(version)}; "
                                         f"Chainrule reads version {VERSION}")
    if version < 1:
        raise FileFormatError("version", f"there is no version {show(version)}; "
                                         f"Chainrule reads version {VERSION}")
    for key in ("title", "description", "answer"):
        optional_str(obj, key, key)
    answer = obj.get("answer") or ""
    if len(answer) > MAX_ANSWER_CHARS:
        raise FileFormatError("answer", f"the answer is {len(answer):,} characters long; "
                                        f"the limit is {MAX_ANSWER_CHARS:,}")
    output = obj.get("output")
    if output is not None and not isinstance(output, str):
        raise FileFormatError("output", f"must be a node id (a string), not {show(output)}")
    for key in ("nodes", "edges"):
        if key not in obj:
            raise FileFormatError(key, f'missing; a graph file lists its {key}, possibly none: '
                                       f'"{key}": []')
        if not isinstance(obj[key], list):
            raise FileFormatError(key, f"must be a list of {key}, not {kind(obj[key])}")
    return output


def _check_rest(obj: dict, rec: _Records, output: str | None) -> None:
    """The checks after the nodes and wires: output, groups, unknown keys, data."""
    rec.title = obj.get("title") or ""
    rec.description = obj.get("description") or ""
    rec.answer = obj.get("answer") or ""
    nodes = rec.graph._nodes
    if output is not None and output not in nodes:
        raise FileFormatError("output", f'there is no node "{output}"')
    rec.output = output
    rec.groups = validate_groups(obj.get("groups"), _NodeIndex(rec.graph))
    rec.extra = unknown(obj, TOP_KEYS)
    if obj.get("data") is not None:
        from .datasets import DataError, from_json
        try:
            rec.data = from_json(obj["data"], "data", nodes)
        except DataError as exc:
            raise FileFormatError("", str(exc)) from None


class _NodeIndex:
    """A node's place in the file, looked up in the graph being read (for messages)."""

    def __init__(self, graph: Graph):
        self._graph = graph

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._graph

    def __getitem__(self, node_id: str) -> int:
        return self._graph.node_index(node_id)


def _validate_node(i: int, raw: Any) -> Node:
    place = f"nodes[{i}]"
    node_id = record_id(raw, place, "node")
    if "op" not in raw or raw["op"] is None:
        raise FileFormatError(f"{place}.op", f'missing; node "{node_id}" needs an op')
    op = raw["op"]
    if not isinstance(op, str):
        raise FileFormatError(f"{place}.op", f"must be an op name (a string), not {show(op)}")
    if op not in ops.OPS:
        raise FileFormatError(f"{place}.op", _unknown_op(op))
    spec = ops.OPS[op]
    op = spec.name                    # one string for every node of this op

    label = optional_str(raw, "label", f"{place}.label")
    value = raw.get("value")
    if spec.is_leaf:
        if value is None:
            raise FileFormatError(f"{place}.value", f'missing; an {op} node needs a value'
                                  if op == "input" else f"missing; a {op} node needs a value")
        value = _value(value, f"{place}.value")
    elif value is not None:
        raise FileFormatError(f"{place}.value", f"only input and const nodes hold a value, "
                                                f"not {op}")

    trainable = optional_bool(raw, "trainable", place)
    if trainable and op != "input":
        raise FileFormatError(f"{place}.trainable", f"only input nodes can be trainable, "
                                                    f"not {op}")

    attrs = raw.get("attrs")
    if attrs is None:
        attrs = {}
    if not isinstance(attrs, dict):
        raise FileFormatError(f"{place}.attrs", f"must be an object {{...}}, not {kind(attrs)}")
    for setting in spec.settings:     # as the op table declares them
        given = attrs.get(setting.name)
        refusal = None if given is None else setting.refusal(op, given, show)
        if refusal is not None:
            raise FileFormatError(f"{place}.attrs.{setting.name}", refusal)
    try:
        attrs = check_attrs(spec, keep_practical(attrs))
    except GraphError as e:
        raise FileFormatError(f"{place}.attrs", str(e)) from None

    pos = raw.get("pos")
    if pos is not None:
        pos = position(pos, f"{place}.pos")

    return Node(node_id, op, label or None, value, trainable, attrs, pos,
                unknown(raw, NODE_KEYS) or EMPTY)


def _value(raw: Any, place: str) -> Any:
    depth, item = 0, raw
    while isinstance(item, list):
        depth += 1
        if depth > MAX_VALUE_DIMS:
            raise FileFormatError(place, f"lists nested more than {MAX_VALUE_DIMS} deep; "
                                         f"a value has at most {MAX_VALUE_DIMS} dimensions")
        item = item[0] if item else None
    try:
        return normalize_value(raw)
    except GraphError as e:
        raise FileFormatError(place, str(e)) from None
    except OverflowError:
        raise FileFormatError(place, "value must be finite (a number is too large for "
                                     "a float64)") from None


def _validate_edge(i: int, raw: Any, by_id: dict[str, Node]) -> tuple[str, str, int, dict]:
    """(from, to, port, unknown keys), the ends being the nodes' own id strings."""
    if type(raw) is dict and len(raw) == 3:
        # the usual record, just "from", "to" and "port" and all of them fine: answered
        # without building the messages' places (a third of reading a big file's wires);
        # anything else takes the rules below (a new rule for wires goes in both:
        # test_plain_records compares the two answers)
        src, dst, port = raw.get("from"), raw.get("to"), raw.get("port")
        if type(src) is str and type(dst) is str and type(port) is int:
            a, b = by_id.get(src), by_id.get(dst)
            if a is not None and b is not None and 0 <= port < ops.OPS[b.op].arity:
                return a.id, b.id, port, {}
    place = f"edges[{i}]"
    if not isinstance(raw, dict):
        raise FileFormatError(place, f"an edge must be an object {{...}}, not {kind(raw)}")
    ends = {}
    for key in ("from", "to"):
        if key not in raw:
            raise FileFormatError(f"{place}.{key}", f'missing; an edge names the node it comes '
                                                    f'{"from" if key == "from" else "to"}')
        node_id = raw[key]
        if not isinstance(node_id, str):
            raise FileFormatError(f"{place}.{key}", f"must be a node id (a string), "
                                                    f"not {show(node_id)}")
        if node_id not in by_id:
            raise FileFormatError(f"{place}.{key}", f'there is no node "{node_id}"')
        ends[key] = by_id[node_id].id
    if "port" not in raw:
        raise FileFormatError(f"{place}.port", "missing; an edge names the input port it feeds")
    port = raw["port"]
    if not is_int(port):
        raise FileFormatError(f"{place}.port", f"must be an integer, not {show(port)}")
    dst = by_id[ends["to"]]
    spec = ops.OPS[dst.op]
    if not 0 <= port < spec.arity:
        if spec.arity:
            raise FileFormatError(f"{place}.port", f'node "{dst.id}" ({spec.name}) has no input '
                                                   f'port {port}; {spec.name} takes '
                                                   f'{ops.ports_text(spec)}')
        raise FileFormatError(f"{place}.port", f'node "{dst.id}" ({spec.name}) has no input '
                                               f'ports')
    return ends["from"], ends["to"], port, unknown(raw, EDGE_KEYS)


def _refuse_cycle(graph: Graph) -> None:
    """Name the loop the wires make, starting at the node listed first in the file."""
    g = nx.DiGraph()
    g.add_nodes_from(graph.node_ids())
    g.add_edges_from((e.src, e.dst) for e in graph.edges())
    loop = [u for u, _ in nx.find_cycle(g)]
    order = {node_id: i for i, node_id in enumerate(graph.node_ids())}
    start = min(range(len(loop)), key=lambda k: order[loop[k]])
    loop = loop[start:] + loop[:start]
    raise FileFormatError("edges", "the wires make a cycle: " + " → ".join(loop + [loop[0]]))


def _unknown_op(op: str) -> str:
    close = difflib.get_close_matches(op.lower(), list(ops.OPS), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f'unknown op "{op}"{hint}'


# --------------------------------------------------------- phase 2: build

def _build(rec: _Records) -> Graph:
    graph = rec.graph
    graph.title, graph.description = rec.title, rec.description
    graph.answer = rec.answer
    graph.extra = rec.extra
    graph.data = rec.data
    graph.finish_read()
    if rec.loops:                        # a wire from a node to itself
        _refuse_cycle(graph)
    try:
        graph.generations()              # kept by the graph for the layout and the engine
    except nx.NetworkXUnfeasible:
        _refuse_cycle(graph)
    graph.edge_extra.update(rec.edge_extra)
    if rec.output is not None:
        try:
            graph.set_output(rec.output)
        except GraphError as e:
            raise FileFormatError("output", str(e)) from None
    graph.groups = {g.id: g for g in rec.groups}
    layout_missing(graph)
    return graph


def layout_missing(graph: Graph) -> None:
    """Give every node without a position one, layer by layer.

    A node in topological generation *k* goes to x = 220·k; within a
    generation the nodes without a position are stacked 110 apart, in the
    order they were added.
    """
    missing = [node.id for node in graph.nodes() if node.pos is None]
    if not missing:
        return
    for node_id, pos in layered_positions(graph, missing).items():
        graph.node(node_id).pos = pos
