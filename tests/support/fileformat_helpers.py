"""Shared by the tests of the .cgraph reader and writer (test_fileformat_*.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chainrule.core import fileformat as ff
from chainrule.core.errors import FileFormatError
from chainrule.core.graph import Graph

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def base_doc() -> dict:
    """The spec's whole-file example as data."""
    return {
        "format": "chainrule", "version": 1, "title": "f = (x + y) * z", "output": "f",
        "nodes": [
            {"id": "x", "op": "input", "value": -2, "pos": [0, 0]},
            {"id": "y", "op": "input", "value": 5, "pos": [0, 120]},
            {"id": "z", "op": "input", "value": -4, "pos": [0, 240]},
            {"id": "q", "op": "add", "pos": [200, 60]},
            {"id": "f", "op": "mul", "pos": [400, 150]},
        ],
        "edges": [
            {"from": "x", "to": "q", "port": 0},
            {"from": "y", "to": "q", "port": 1},
            {"from": "q", "to": "f", "port": 0},
            {"from": "z", "to": "f", "port": 1},
        ],
    }


def refusal(source) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        if isinstance(source, (str, bytes)):
            ff.loads(source)
        else:
            ff.from_dict(source)
    return info.value


def assert_same_graph(a: Graph, b: Graph) -> None:
    assert a.node_ids() == b.node_ids() or sorted(a.node_ids()) == sorted(b.node_ids())
    for node in a.nodes():
        other = b.node(node.id)
        assert (node.op, node.label, node.trainable, node.attrs, node.pos, node.extra) == \
               (other.op, other.label, other.trainable, other.attrs, other.pos, other.extra)
        if node.value is None:
            assert other.value is None
        else:
            assert type(node.value) is type(other.value)
            assert np.array_equal(node.value, other.value)
            assert np.array_equal(np.signbit(node.value), np.signbit(other.value))
    assert sorted(a.edges()) == sorted(b.edges())
    assert a.edge_extra == b.edge_extra
    assert a.output == b.output
    assert (a.title, a.description, a.extra) == (b.title, b.description, b.extra)
    assert {gid: (g.label, sorted(g.nodes), g.parent, g.collapsed, g.pos, g.note, g.extra)
            for gid, g in a.groups.items()} == \
           {gid: (g.label, sorted(g.nodes), g.parent, g.collapsed, g.pos, g.note, g.extra)
            for gid, g in b.groups.items()}
