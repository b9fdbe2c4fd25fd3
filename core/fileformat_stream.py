"""Reading a well-formed file record by record, without its whole parsed JSON.

Parsing a file of many small nodes into JSON data first costs about eight
times the file's size, on top of the graph built from it.  This reader walks
the top-level object itself and parses one node or wire at a time
(``json.JSONDecoder.raw_decode``), so each record becomes part of the graph
before the next one is parsed, and the peak is the text plus the graph.

It is only a faster route to the same graph: it takes files whose top-level
object lists ``nodes`` before ``edges``, has no key twice and is plain JSON
(what Chainrule writes).  On anything else — a refusal of any kind, a
syntax error, deep nesting, a long integer, a byte order mark — it returns
None and the file is read the usual way (:mod:`.fileformat_read`), which names
the problem exactly as always.
"""
from __future__ import annotations

import json
import re
from typing import Any

from .errors import FileFormatError
from .fileformat_read import _BOM, _Constant, _Records, _check_rest, _check_top, _refuse_constant
from .graph import Graph

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


class _Fallback(Exception):
    """Not a file this reader takes: read it the usual way."""


def read_records(text: str) -> _Records | None:
    """The checked records of ``text`` with the graph built, or None (see above)."""
    if text.startswith(_BOM):
        return None
    try:
        return _read(text)
    except (_Fallback, _Constant, FileFormatError, ValueError, RecursionError, IndexError):
        return None


def _read(text: str) -> _Records:
    rec = _Records(Graph())
    top: dict[str, Any] = {}
    space, decode = _SPACE.match, _DECODER.raw_decode
    i = space(text, 0).end()
    if text[i] != "{":
        raise _Fallback
    i = space(text, i + 1).end()
    if text[i] == "}":
        raise _Fallback                  # no nodes: nothing to gain
    while True:
        if text[i] != '"':
            raise _Fallback
        key, i = decode(text, i)
        if key in top:
            raise _Fallback              # the last one wins: leave that to json
        i = space(text, i).end()
        if text[i] != ":":
            raise _Fallback
        i = space(text, i + 1).end()
        if key in ("nodes", "edges") and text[i] == "[":
            if key == "edges" and "nodes" not in top:
                raise _Fallback          # wires before the nodes they join
            add = rec.add_node if key == "nodes" else rec.add_edge
            i = _records(text, i, add)
            top[key] = []
        else:
            top[key], i = decode(text, i)
        i = space(text, i).end()
        if text[i] == "}":
            break
        if text[i] != ",":
            raise _Fallback
        i = space(text, i + 1).end()
    if space(text, i + 1).end() != len(text):
        raise _Fallback                  # text after the object
    output = _check_top(top)
    _check_rest(top, rec, output)
    return rec


def _records(text: str, i: int, add) -> int:
    """Parse the list starting at ``text[i] == "["``, handing each item to ``add``
    as it is parsed; returns the index after the closing bracket."""
    space, decode = _SPACE.match, _DECODER.raw_decode
    i = space(text, i + 1).end()
    if text[i] == "]":
        return i + 1
    n = 0
    while True:
        item, i = decode(text, i)
        add(n, item)
        del item
        n += 1
        i = space(text, i).end()
        if text[i] == "]":
            return i + 1
        if text[i] != ",":
            raise _Fallback
        i = space(text, i + 1).end()
