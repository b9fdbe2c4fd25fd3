"""The .cgraph reader and writer against graph-format.md: the golden files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chainrule.core import fileformat as ff
from chainrule.core.engine import evaluate
from chainrule.core.graph import Edge
from fileformat_helpers import GOLDEN, assert_same_graph


DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_golden_add_mul_is_the_spec_example_byte_for_byte():
    """The format document kept in docs/ shows this very file as its whole-file example."""
    text = (DOCS / "graph-format.md").read_text(encoding="utf-8")
    example = text.split("## A whole file", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    assert (GOLDEN / "v1-add-mul.cgraph").read_text(encoding="utf-8") == example


def test_golden_add_mul_structure_and_gradients():
    g = ff.load(GOLDEN / "v1-add-mul.cgraph")
    assert g.node_ids() == ["x", "y", "z", "q", "f"]
    assert g.title == "f = (x + y) * z"
    assert g.description.startswith("The first example")
    assert g.output == "f"
    assert sorted(g.edges()) == sorted([Edge("x", "q", 0), Edge("y", "q", 1),
                                        Edge("q", "f", 0), Edge("z", "f", 1)])
    assert g.node("y").value == 5.0 and isinstance(g.node("y").value, float)
    assert g.node("f").pos == (400.0, 150.0)
    ev = evaluate(g)
    assert ev.error is None
    assert ev.value("f") == -12
    assert (ev.grad("x"), ev.grad("y"), ev.grad("z")) == (-4, -4, 3)


def test_golden_neuron_gradients():
    g = ff.load(GOLDEN / "v1-neuron.cgraph")
    assert g.output == "f"
    assert [n for n in g.node_ids() if g.node(n).trainable] == ["w0", "w1", "w2"]
    assert g.node("w2").label == "bias"
    assert all(node.pos is not None for node in g.nodes())
    ev = evaluate(g)
    assert ev.value("f") == pytest.approx(0.7310585786300049)
    expected = {"w0": -0.19661, "x0": 0.39322, "w1": -0.39322, "x1": -0.58984, "w2": 0.19661}
    for node_id, grad in expected.items():
        assert ev.grad(node_id) == pytest.approx(grad, abs=5e-6), node_id


def test_golden_unknown_keys_are_kept_and_the_graph_is_accepted():
    g = ff.load(GOLDEN / "v1-unknown-keys.cgraph")
    assert g.extra == {"generator": {"name": "hand-written", "revision": 3},
                       "x-comment": "written by hand; the reader keeps what it does not know"}
    assert g.node("a").extra == {"color": "#c04020"}
    assert g.node("b").extra == {"note": {"why": "a matrix", "tags": ["x", 1, None, True]}}
    assert g.node("loss").extra == {"σ": "ünïcode key"}
    assert g.node("s").attrs == {"axis": 0, "keepdims_hint": False}
    assert g.edge_extra == {Edge("a", "m", 0): {"style": "dashed"},
                            Edge("s", "m", 1): {"weight": 0.5,
                                                "meta": {"created": "2026-01-01"}}}
    assert g.missing_ports("half") == [1]            # an unconnected port is accepted
    assert g.node("m").pos is not None               # a node without pos was laid out
    np.testing.assert_array_equal(g.node("b").value, [[1, 2.5], [-0.125, 4]])
    ev = evaluate(g)
    assert ev.error is None                          # "half" does not reach the output
    assert ev.value("loss") == pytest.approx(3 * (0.875 + 6.5) / 2)
    assert ev.grad("half") is None
    assert [p.node for p in ev.problems] == ["half"]


@pytest.mark.parametrize("name", ["v1-add-mul", "v1-neuron", "v1-unknown-keys"])
def test_golden_save_matches_the_expected_file_and_is_stable(name, tmp_path):
    expected = (GOLDEN / f"{name}.expected.cgraph").read_bytes()
    g = ff.load(GOLDEN / f"{name}.cgraph")
    assert ff.dumps(g).encode("utf-8") == expected
    ff.save(g, tmp_path / "once.cgraph")
    assert (tmp_path / "once.cgraph").read_bytes() == expected
    again = ff.load(tmp_path / "once.cgraph")
    ff.save(again, tmp_path / "twice.cgraph")
    assert (tmp_path / "twice.cgraph").read_bytes() == expected
    assert_same_graph(g, again)
