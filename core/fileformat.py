"""Reading and writing ``.cgraph`` files (``graph-format.md``, version 1).

Reading has two phases.  First the JSON is parsed and every record is checked
as plain data, in the order of the file; the first problem found is raised as
a :class:`~core.errors.FileFormatError` whose ``where`` names the place
(``nodes[2].op``, ``edges[3].port``, ``line 3, column 5``).  Only a file that
passed every check is turned into a :class:`~core.graph.Graph`, so a refused
file never yields a partial graph, and nothing but ``FileFormatError`` is
raised for a bad file (``load`` also raises ``OSError`` when the file cannot
be read at all).

What the reader accepts beyond the letter of the spec:

* a UTF-8 byte order mark at the start is skipped (RFC 8259 allows that);
* an optional key whose value is ``null`` counts as absent;
* unknown keys at the top level, on nodes and on edges are kept and written
  back on save, in their order.  An unknown value nested more than
  :data:`MAX_UNKNOWN_DEPTH` levels deep is dropped (ignored) rather than kept.

Numbers.  Values and positions are float64.  The writer puts a whole number
whose magnitude is at most 2**53 as an integer (``-2``, not ``-2.0``); every
other number is written as Python's shortest round-tripping form (``0.1``,
``1e+300``, ``-0.0``), so a save followed by a load gives back exactly the same
bits.  Unknown keys are written back as they were read.

Order.  The writer's output depends only on the graph, not on the order it
was edited in: nodes level by level (``networkx.topological_generations``),
ids sorted within a level, edges by the position of
their ``to`` node in that order and then by port, keys in the order of the
spec's tables.  Each node and each edge takes one line, so a change to one
node is a one-line diff.  Text is UTF-8 without ASCII escaping and ends with
a newline.

Saving is atomic: the text goes to a temporary file in the target's folder,
is flushed to disk, and then replaces the target in one step, so a crash or a
full disk leaves the old file as it was.
"""
from __future__ import annotations

import copy
import difflib
import errno
import json
import math
import os
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from . import ops
from .errors import FileFormatError, GraphError
from .gc_pause import gc_paused
from .graph import MAX_ID_LENGTH, Edge, Graph, check_attrs, normalize_value

FORMAT = "chainrule"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNKNOWN_DEPTH = 100
MAX_VALUE_DIMS = 64          # numpy's limit on dimensions

LAYER_DX = 220
LAYER_DY = 110

TOP_KEYS = ("format", "version", "title", "description", "output", "nodes", "edges")
NODE_KEYS = ("id", "op", "label", "value", "trainable", "attrs", "pos")
EDGE_KEYS = ("from", "to", "port")

_EXACT_INT = 2 ** 53
_BOM = "\ufeff"


# ------------------------------------------------------------------ reading

def load(path: str | os.PathLike) -> Graph:
    """Read a ``.cgraph`` file; the size is checked before anything is read."""
    size = os.stat(path).st_size
    if size > MAX_FILE_BYTES:
        raise _too_large(size)
    with open(path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)      # the file may have grown since stat
    return loads(data)


def loads(text: str | bytes | bytearray | memoryview) -> Graph:
    """Parse the text of a ``.cgraph`` file (``str`` or UTF-8 ``bytes``)."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        if len(data) > MAX_FILE_BYTES:
            raise _too_large(len(data))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FileFormatError("", f"the file is not UTF-8 text (byte 0x{data[e.start]:02x} "
                                      f"at offset {e.start})") from None
    elif isinstance(text, str):
        if len(text) * 4 > MAX_FILE_BYTES:     # only then can the UTF-8 form be too large
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > MAX_FILE_BYTES:
                raise _too_large(size)
    else:
        raise TypeError(f"loads() takes str or bytes, not {type(text).__name__}")
    with gc_paused():
        return from_dict(_parse_json(text))


def _parse_json(text: str) -> Any:
    if text.startswith(_BOM):
        text = text[1:]
    if not text.strip():
        raise FileFormatError("", "the file is empty (a graph file is a JSON object)")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
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


def _too_large(size: int) -> FileFormatError:
    have, limit = _megabytes(size), _megabytes(MAX_FILE_BYTES)
    if have == limit:
        have, limit = f"{size:,} bytes", f"{MAX_FILE_BYTES:,} bytes"
    return FileFormatError("", f"the file is {have}; the limit is {limit}")


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    if mb == int(mb):
        return f"{int(mb)} MB"
    if mb >= 0.1:
        return f"{mb:.1f} MB"
    return f"{n:,} bytes"


# ------------------------------------------------------ phase 1: validation

@dataclass
class _NodeRecord:
    index: int
    id: str
    op: str
    label: str | None
    value: Any
    trainable: bool
    attrs: dict
    pos: tuple[float, float] | None
    extra: dict


@dataclass
class _EdgeRecord:
    index: int
    src: str
    dst: str
    port: int
    extra: dict


@dataclass
class _Records:
    title: str = ""
    description: str = ""
    output: str | None = None
    nodes: list[_NodeRecord] = field(default_factory=list)
    edges: list[_EdgeRecord] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def from_dict(obj: Any, where: str = "") -> Graph:
    """Build a graph from a parsed ``.cgraph`` document (a file, the clipboard).

    ``where`` prefixes every place in a refusal (``"clipboard"`` gives
    ``clipboard: nodes[0].id: ...``).
    """
    try:
        records = _validate(obj)
        return _build(records)
    except FileFormatError as e:
        if not where:
            raise
        place = f"{where}: {e.where}" if e.where else where
        raise FileFormatError(place, e.reason) from None


def _validate(obj: Any) -> _Records:
    if not isinstance(obj, dict):
        raise FileFormatError("", f"a graph file holds one JSON object {{...}}, "
                                  f"not {_kind(obj)}")
    rec = _Records()
    if "format" not in obj:
        raise FileFormatError("format", 'missing; a Chainrule graph file has '
                                        '"format": "chainrule"')
    if obj["format"] != FORMAT:
        raise FileFormatError("format", f"this is not a Chainrule graph (format is "
                                        f"{_show(obj['format'])}, not \"chainrule\")")
    if "version" not in obj:
        raise FileFormatError("version", f"missing; this page describes version {VERSION}")
    version = obj["version"]
    if not _is_int(version):
        raise FileFormatError("version", f"must be an integer, not {_show(version)}")
    if version > VERSION:
        raise FileFormatError("version", f"this file is version {_show(version)}; "
                                         f"Chainrule reads version {VERSION}")
    if version < 1:
        raise FileFormatError("version", f"there is no version {_show(version)}; "
                                         f"Chainrule reads version {VERSION}")
    rec.title = _optional_str(obj, "title", "title") or ""
    rec.description = _optional_str(obj, "description", "description") or ""
    output = obj.get("output")
    if output is not None and not isinstance(output, str):
        raise FileFormatError("output", f"must be a node id (a string), not {_show(output)}")

    for key in ("nodes", "edges"):
        if key not in obj:
            raise FileFormatError(key, f'missing; a graph file lists its {key}, possibly none: '
                                       f'"{key}": []')
        if not isinstance(obj[key], list):
            raise FileFormatError(key, f"must be a list of {key}, not {_kind(obj[key])}")

    first_index: dict[str, int] = {}
    for i, raw in enumerate(obj["nodes"]):
        node = _validate_node(i, raw)
        if node.id in first_index:
            raise FileFormatError(f"nodes[{i}].id", f'duplicate id "{node.id}" '
                                                    f'(also nodes[{first_index[node.id]}])')
        first_index[node.id] = i
        rec.nodes.append(node)

    by_id = {n.id: n for n in rec.nodes}
    fed_by: dict[tuple[str, int], int] = {}
    for i, raw in enumerate(obj["edges"]):
        edge = _validate_edge(i, raw, by_id)
        taken = fed_by.get((edge.dst, edge.port))
        if taken is not None:
            other = rec.edges[taken].src
            raise FileFormatError(f"edges[{i}]", f'port {edge.port} of "{edge.dst}" is already '
                                                 f'fed by "{other}" (edges[{taken}])')
        fed_by[(edge.dst, edge.port)] = i
        rec.edges.append(edge)

    if output is not None and output not in by_id:
        raise FileFormatError("output", f'there is no node "{output}"')
    rec.output = output
    _check_acyclic(rec)
    rec.extra = _unknown(obj, TOP_KEYS)
    return rec


def _validate_node(i: int, raw: Any) -> _NodeRecord:
    place = f"nodes[{i}]"
    if not isinstance(raw, dict):
        raise FileFormatError(place, f"a node must be an object {{...}}, not {_kind(raw)}")
    if "id" not in raw:
        raise FileFormatError(f"{place}.id", "missing; every node needs an id")
    node_id = raw["id"]
    if not isinstance(node_id, str):
        raise FileFormatError(f"{place}.id", f"must be a string, not {_show(node_id)}")
    if not node_id:
        raise FileFormatError(f"{place}.id", "is empty; an id needs at least one character")
    if len(node_id) > MAX_ID_LENGTH:
        raise FileFormatError(f"{place}.id", f'"{node_id[:20]}…" is longer than '
                                             f'{MAX_ID_LENGTH} characters')
    if "op" not in raw or raw["op"] is None:
        raise FileFormatError(f"{place}.op", f'missing; node "{node_id}" needs an op')
    op = raw["op"]
    if not isinstance(op, str):
        raise FileFormatError(f"{place}.op", f"must be an op name (a string), not {_show(op)}")
    if op not in ops.OPS:
        raise FileFormatError(f"{place}.op", _unknown_op(op))
    spec = ops.OPS[op]

    label = _optional_str(raw, "label", f"{place}.label")
    value = raw.get("value")
    if spec.is_leaf:
        if value is None:
            raise FileFormatError(f"{place}.value", f'missing; an {op} node needs a value'
                                  if op == "input" else f"missing; a {op} node needs a value")
        value = _value(value, f"{place}.value")
    elif value is not None:
        raise FileFormatError(f"{place}.value", f"only input and const nodes hold a value, "
                                                f"not {op}")

    trainable = raw.get("trainable")
    if trainable is None:
        trainable = False
    if not isinstance(trainable, bool):
        raise FileFormatError(f"{place}.trainable", f"must be true or false, not {_show(trainable)}")
    if trainable and op != "input":
        raise FileFormatError(f"{place}.trainable", f"only input nodes can be trainable, "
                                                    f"not {op}")

    attrs = raw.get("attrs")
    if attrs is None:
        attrs = {}
    if not isinstance(attrs, dict):
        raise FileFormatError(f"{place}.attrs", f"must be an object {{...}}, not {_kind(attrs)}")
    if spec.takes_axis and attrs.get("axis") is not None and not _is_int(attrs["axis"]):
        raise FileFormatError(f"{place}.attrs.axis", f"the axis of {op} must be an integer, "
                                                     f"not {_show(attrs['axis'])}")
    try:
        attrs = check_attrs(spec, _keep_practical(attrs))
    except GraphError as e:
        raise FileFormatError(f"{place}.attrs", str(e)) from None

    pos = raw.get("pos")
    if pos is not None:
        pos = _pos(pos, f"{place}.pos")

    return _NodeRecord(i, node_id, op, label or None, value, trainable, attrs, pos,
                       _unknown(raw, NODE_KEYS))


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


def _pos(raw: Any, place: str) -> tuple[float, float]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise FileFormatError(place, f"must be two numbers [x, y], not {_show(raw)}")
    out = []
    for v in raw:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise FileFormatError(place, f"must be two numbers [x, y], not {_show(raw)}")
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f):
            raise FileFormatError(place, "the coordinates must be finite numbers")
        out.append(f)
    return (out[0], out[1])


def _validate_edge(i: int, raw: Any, by_id: dict[str, _NodeRecord]) -> _EdgeRecord:
    place = f"edges[{i}]"
    if not isinstance(raw, dict):
        raise FileFormatError(place, f"an edge must be an object {{...}}, not {_kind(raw)}")
    ends = {}
    for key in ("from", "to"):
        if key not in raw:
            raise FileFormatError(f"{place}.{key}", f'missing; an edge names the node it comes '
                                                    f'{"from" if key == "from" else "to"}')
        node_id = raw[key]
        if not isinstance(node_id, str):
            raise FileFormatError(f"{place}.{key}", f"must be a node id (a string), "
                                                    f"not {_show(node_id)}")
        if node_id not in by_id:
            raise FileFormatError(f"{place}.{key}", f'there is no node "{node_id}"')
        ends[key] = node_id
    if "port" not in raw:
        raise FileFormatError(f"{place}.port", "missing; an edge names the input port it feeds")
    port = raw["port"]
    if not _is_int(port):
        raise FileFormatError(f"{place}.port", f"must be an integer, not {_show(port)}")
    dst = by_id[ends["to"]]
    spec = ops.OPS[dst.op]
    if not 0 <= port < spec.arity:
        if spec.arity:
            raise FileFormatError(f"{place}.port", f'node "{dst.id}" ({spec.name}) has no input '
                                                   f'port {port}; {spec.name} takes '
                                                   f'{ops.ports_text(spec)}')
        raise FileFormatError(f"{place}.port", f'node "{dst.id}" ({spec.name}) has no input '
                                               f'ports')
    return _EdgeRecord(i, ends["from"], ends["to"], port, _unknown(raw, EDGE_KEYS))


def _check_acyclic(rec: _Records) -> None:
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in rec.nodes)
    g.add_edges_from((e.src, e.dst) for e in rec.edges)
    if nx.is_directed_acyclic_graph(g):
        return
    loop = [u for u, _ in nx.find_cycle(g)]
    order = {n.id: n.index for n in rec.nodes}
    start = min(range(len(loop)), key=lambda k: order[loop[k]])
    loop = loop[start:] + loop[:start]
    raise FileFormatError("edges", "the wires make a cycle: " + " → ".join(loop + [loop[0]]))


def _unknown_op(op: str) -> str:
    close = difflib.get_close_matches(op.lower(), list(ops.OPS), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f'unknown op "{op}"{hint}'


def _optional_str(obj: dict, key: str, place: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise FileFormatError(place, f"must be a string, not {_show(value)}")
    return value


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _unknown(obj: dict, known: tuple[str, ...]) -> dict:
    return _keep_practical({k: v for k, v in obj.items() if k not in known})


def _keep_practical(obj: dict) -> dict:
    """``obj`` without the entries nested too deeply to keep (they are ignored)."""
    return {k: v for k, v in obj.items() if _depth(v) <= MAX_UNKNOWN_DEPTH}


def _depth(value: Any) -> int:
    """Nesting depth of lists and objects, without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, (list, dict)):
            d += 1
            if d > deepest:
                deepest = d
                if deepest > MAX_UNKNOWN_DEPTH:
                    return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, d) for c in children if isinstance(c, (list, dict)))
    return deepest


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return "a string"
    return "a number"


def _show(v: Any) -> str:
    """A short JSON rendering of a value for a message."""
    if isinstance(v, (dict, list)):
        return _kind(v)
    if isinstance(v, float) and not math.isfinite(v):
        return "an infinite number" if not math.isnan(v) else "NaN"
    try:
        text = json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(v)
    return text if len(text) <= 40 else text[:39] + "…"


# --------------------------------------------------------- phase 2: build

def _build(rec: _Records) -> Graph:
    graph = Graph()
    graph.title, graph.description = rec.title, rec.description
    graph.extra = rec.extra
    for n in rec.nodes:
        try:
            graph.add_node(n.id, n.op, value=n.value, label=n.label, trainable=n.trainable,
                           attrs=n.attrs, pos=n.pos, extra=n.extra)
        except GraphError as e:          # not expected after validation; still a refusal
            raise FileFormatError(f"nodes[{n.index}]", str(e)) from None
    try:
        # _check_acyclic has refused loops already, naming them by the file's order
        graph.connect_many(((e.src, e.dst, e.port) for e in rec.edges), known_acyclic=True)
    except GraphError as err:            # not expected after validation; still a refusal
        raise FileFormatError("edges", str(err)) from None
    for e in rec.edges:
        if e.extra:
            graph.edge_extra[Edge(e.src, e.dst, e.port)] = e.extra
    if rec.output is not None:
        try:
            graph.set_output(rec.output)
        except GraphError as e:
            raise FileFormatError("output", str(e)) from None
    layout_missing(graph)
    return graph


def layout_missing(graph: Graph) -> None:
    """Give every node without a position one, layer by layer.

    A node in topological generation *k* goes to x = 220·k; within a
    generation the nodes without a position are stacked 110 apart, in the
    order they were added.
    """
    if all(node.pos is not None for node in graph.nodes()):
        return
    rank = {node_id: i for i, node_id in enumerate(graph.node_ids())}
    for k, generation in enumerate(nx.topological_generations(graph.nx)):
        missing = sorted((n for n in generation if graph.node(n).pos is None),
                         key=rank.__getitem__)
        for j, node_id in enumerate(missing):
            graph.node(node_id).pos = (float(LAYER_DX * k), float(LAYER_DY * j))


# ------------------------------------------------------------------ writing

def node_order(graph: Graph) -> list[str]:
    """The writer's node order: depends on the graph only, not on its edit history.

    Level by level (leaves first, each node after its inputs), ids sorted within
    a level — the order people write circuits in, as in the spec's example.
    """
    return [n for level in nx.topological_generations(graph.nx) for n in sorted(level)]


def to_dict(graph: Graph) -> dict:
    """The document a save writes, as plain JSON data with keys in the spec's order."""
    order = node_order(graph)
    position = {node_id: i for i, node_id in enumerate(order)}
    doc: dict = {"format": FORMAT, "version": VERSION}
    if graph.title:
        doc["title"] = graph.title
    if graph.description:
        doc["description"] = graph.description
    if graph.output is not None:
        doc["output"] = graph.output
    doc["nodes"] = [_node_dict(graph.node(node_id)) for node_id in order]
    edge_extra = graph.edge_extra
    edges = sorted(graph.edges(), key=lambda e: (position[e.dst], e.port))
    doc["edges"] = [_edge_dict(e, edge_extra.get(e)) for e in edges]
    _add_unknown(doc, graph.extra, TOP_KEYS)
    return doc


def _node_dict(node) -> dict:
    d: dict = {"id": node.id, "op": node.op}
    if node.label is not None:
        d["label"] = node.label
    if node.value is not None:
        d["value"] = number_to_json(node.value)
    if node.trainable:
        d["trainable"] = True
    if node.attrs:
        d["attrs"] = copy.deepcopy(node.attrs)
    if node.pos is not None:
        d["pos"] = [number_to_json(node.pos[0]), number_to_json(node.pos[1])]
    _add_unknown(d, node.extra, NODE_KEYS)
    return d


def _edge_dict(edge: Edge, extra: dict | None) -> dict:
    d: dict = {"from": edge.src, "to": edge.dst, "port": edge.port}
    _add_unknown(d, extra, EDGE_KEYS)
    return d


def _add_unknown(d: dict, extra: dict | None, known: tuple[str, ...]) -> None:
    for k, v in (extra or {}).items():
        if k not in known and k not in d:
            d[k] = copy.deepcopy(v)


def number_to_json(value: Any) -> Any:
    """A float or float64 array as JSON data: whole numbers up to 2**53 become ints."""
    if isinstance(value, np.ndarray):
        return _array_to_json(value)
    f = float(value)
    if f.is_integer() and abs(f) <= _EXACT_INT and not (f == 0 and math.copysign(1, f) < 0):
        return int(f)
    return f


def _array_to_json(arr: np.ndarray) -> Any:
    arr = np.asarray(arr, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        whole = ((arr == np.trunc(arr)) & (np.abs(arr) <= _EXACT_INT)
                 & ~((arr == 0) & np.signbit(arr)))
    if whole.all():
        return arr.astype(np.int64).tolist()
    if not whole.any():
        return arr.tolist()
    flat = arr.ravel().tolist()
    for i, v in zip(np.flatnonzero(whole.ravel()).tolist(),
                    arr.ravel()[whole.ravel()].astype(np.int64).tolist()):
        flat[i] = v
    mixed = np.empty(len(flat), dtype=object)
    mixed[:] = flat
    return mixed.reshape(arr.shape).tolist()


_SURROGATE = re.compile("[\ud800-\udfff]")
_STRING_OR_NONFINITE = _STRING_OR_CONSTANT
_NONFINITE_TEXT = {"Infinity": "1e999", "-Infinity": "-1e999", "NaN": "null"}


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=_json_default)
    if "Infinity" in text or "NaN" in text:
        # Unknown keys may hold numbers too large for a float64 (read from 1e999);
        # write them so the reader gets the same value back.  NaN cannot come from a
        # file; one set by a program is written as null.
        text = _STRING_OR_NONFINITE.sub(
            lambda m: _NONFINITE_TEXT[m.group(1)] if m.group(1) else m.group(0), text)
    return text


def _json_default(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (set, frozenset)):
        return sorted(v, key=repr)
    raise TypeError(f"{type(v).__name__} cannot be written to a graph file")


def dumps(graph: Graph) -> str:
    """The text of a ``.cgraph`` file for ``graph`` (ends with a newline)."""
    doc = to_dict(graph)
    lines = ["{"]
    items = list(doc.items())
    for n, (key, value) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        if key in ("nodes", "edges") and value:
            lines.append(f"  {_json(key)}: [")
            rows = [f"    {_json(item)}" for item in value]
            lines.append(",\n".join(rows))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {_json(key)}: {_json(value)}{comma}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    # A lone surrogate (from a "\ud800" escape in the file read) cannot be UTF-8:
    # write it as the escape it came from.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def save(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` to ``path`` atomically; on failure the old file is untouched."""
    data = dumps(graph).encode("utf-8")
    target = os.path.realpath(os.fspath(path))     # write through a symbolic link
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"cannot save: the folder {folder} does not "
                                              f"exist", os.fspath(path))
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    tmp, fd = _create_temp(folder, os.path.basename(target))
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.chmod(tmp, mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_folder(folder)


def _create_temp(folder: str, name: str) -> tuple[str, int]:
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "cannot create a temporary file to save into", folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable where the system allows it (best effort)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
