"""Expanding a tensor op into its scalar graph (core/scalarize.py): the scalar
graph's values and gradients equal the tensor node's, element by element."""
from __future__ import annotations

import numpy as np
import pytest

from chainrule.core import fileformat as ff
from chainrule.core.engine import evaluate
from chainrule.core.errors import GraphError
from chainrule.core.program import parse_program
from chainrule.core.scalarize import expand_to_scalars
from chainrule.core.stepper import Stepper

CASES = {
    "matmul": ("X = [[1.0, -2.0, 0.5], [0.3, 0.8, -1.1]]; W = [[0.2, -0.4], [1.5, 0.1], "
               "[-0.7, 0.9]]\nY = X @ W\nL = sum(tanh(Y) * [[1.0, 2.0], [-1.0, 0.5]])", "Y"),
    "matvec": ("A = [[1.0, 2.0], [3.0, -1.0]]; v = [0.5, -0.25]\nY = A @ v\nL = sum(exp(Y))",
               "Y"),
    "broadcast add": ("H = [[1.0, -2.0, 0.5], [0.3, 0.8, -1.1]]; b = [0.1, -0.2, 0.3]\n"
                      "Z = H + b\nL = sum(Z * Z)", "Z"),
    "sum axis 0": ("X = [[1.0, -2.0], [0.3, 0.8], [2.0, 1.0]]\nS = sum(X, axis=0)\n"
                   "L = sum(S * S)", "S"),
    "sum all": ("X = [[1.0, -2.0], [0.3, 0.8]]\nS = sum(X)\nL = S * S", "S"),
    "mean keepdims": ("X = [[1.0, -2.0], [0.3, 0.8], [2.0, 1.0]]\n"
                      "M = mean(X, axis=1, keepdims=True)\nL = sum(exp(M))", "M"),
    "softmax": ("s = [[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]\nP = softmax(s, axis=1)\n"
                "L = sum(P * [[1.0, 0.0, 2.0], [-1.0, 0.5, 0.0]])", "P"),
    "softmax axis 0": ("s = [[1.0, -2.0], [0.0, 3.0], [0.5, 0.5]]\nP = softmax(s, axis=0)\n"
                       "L = sum(P * P)", "P"),
}


@pytest.mark.parametrize("program, node", list(CASES.values()), ids=list(CASES))
def test_scalar_graph_values_and_gradients_equal_the_tensor_nodes(program, node):
    graph = parse_program(program).graph
    ev = evaluate(graph)
    expansion = expand_to_scalars(graph, node, ev)
    scalar = evaluate(expansion.graph)
    assert scalar.error is None
    out = np.vectorize(scalar.value, otypes=[float])(expansion.output)
    np.testing.assert_allclose(out, ev.value(node), rtol=1e-12, atol=1e-14)
    for e in graph.in_edges(node):
        cards = expansion.inputs[e.src]
        grads = np.vectorize(scalar.grad, otypes=[float])(cards)
        want = sum(ev.edge_grad(x) for x in graph.in_edges(node) if x.src == e.src)
        np.testing.assert_allclose(grads, want, rtol=1e-12, atol=1e-14)
    assert all(graph_node.op in ("input", "const", "add", "mul", "div", "sub", "exp")
               for graph_node in expansion.graph.nodes())


def test_the_bias_is_a_fork_whose_gradient_sums_over_the_batch():
    graph = parse_program(CASES["broadcast add"][0]).graph
    expansion = expand_to_scalars(graph, "Z")
    b0 = expansion.inputs["b"][0]
    assert len(expansion.graph.out_edges(b0)) == 2          # one per row of H


def test_dw_is_a_sum_over_the_batch_wire_by_wire():
    graph = parse_program(CASES["matmul"][0]).graph
    expansion = expand_to_scalars(graph, "Y")
    w = expansion.inputs["W"][1, 0]
    assert len(expansion.graph.out_edges(w)) == 2          # X has two rows
    assert all(expansion.graph.node(e.dst).op == "mul" for e in expansion.graph.out_edges(w))


def test_the_scalar_graph_is_a_real_graph(tmp_path):
    graph = parse_program(CASES["softmax"][0]).graph
    expansion = expand_to_scalars(graph, "P")
    ff.save(expansion.graph, tmp_path / "s.cgraph")
    again = ff.load(tmp_path / "s.cgraph")
    assert evaluate(again).value(expansion.loss) == pytest.approx(
        evaluate(expansion.graph).value(expansion.loss))
    assert Stepper(again).total > 0


@pytest.mark.parametrize("program, node, message", [
    ("x = [1.0, 2.0]\ny = exp(x)", "y", "only matmul, add, sum, mean, softmax"),
    ("X = " + str([[1.0] * 10] * 10) + "\nS = sum(X)", "S", "up to 64"),
])
def test_refusals_say_why(program, node, message):
    graph = parse_program(program).graph
    with pytest.raises(GraphError, match=message.replace("(", r"\(")):
        expand_to_scalars(graph, node)
