"""The chain-rule panel's backward lines of the deep-learning ops: as a course writes
them, with shapes, from the op table's own ``chain`` texts."""
from __future__ import annotations

import pytest

from chainrule.core import ops
from chainrule.core.engine import evaluate
from chainrule.core.explain import node_text
from chainrule.core.program import parse_program

CLASSIFIER = """\
X = [[1, 2], [0, 1], [2, 1], [1, 0]]
W = [[1, 0, -1], [0, 1, 1]]
t = [0, 2, 1, 2]
s = X @ W
p = softmax(s)
q = transpose(p)
r = reshape(q, shape=[2, 6])
k = r[0:1]
b = batchnorm(s)
n = layernorm(b)
L = cross_entropy(s, t) + sum(k) + sum(n * n)
"""

CONV = """\
X = [[[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 2], [1, 0, 1, 1]]]
W = [[[[1, 0], [0, -1]]], [[[0, 1], [1, 0]]]]
h = conv2d(X, W, stride=2)
L = sum(h * h)
"""


def chain_lines(program: str, node_id: str) -> list[str]:
    graph = parse_program(program).graph
    evaluation = evaluate(graph)
    assert evaluation.error is None
    return [line for line in node_text(evaluation, graph, node_id).lines
            if line.startswith("chain") or line.startswith("       ")]


def test_cross_entropy_softmax_minus_one_hot_with_the_shape():
    lines = chain_lines(CLASSIFIER, "cross_entropy1")
    assert lines == [
        "chain  ∂L/∂s = ∂L/∂cross_entropy1 · (softmax(s) − y) / N : (4×3), y = one-hot(t), "
        "N = 4 rows",
        "chain  ∂L/∂t = 0 : (4)   (class indices are not differentiable)"]


def test_cross_entropy_as_the_output():
    program = CLASSIFIER.split("p = ")[0] + "L = cross_entropy(s, t)\n"
    assert chain_lines(program, "L")[0] == \
        "chain  ∂L/∂s = (softmax(s) − y) / N : (4×3), y = one-hot(t), N = 4 rows"


def test_matmul_dx_is_dy_times_w_transposed():
    assert chain_lines(CLASSIFIER, "s") == [
        "chain  ∂L/∂X = ∂L/∂s @ Wᵀ : (4×2) = (4×3)·(3×2)",
        "chain  ∂L/∂W = Xᵀ @ ∂L/∂s : (2×3) = (2×4)·(4×3)"]


def test_softmax_and_the_shapes_ops():
    assert chain_lines(CLASSIFIER, "p") == [
        "chain  ∂L/∂s = p ⊙ (∂L/∂p − Σ(∂L/∂p ⊙ p)) : (4×3), p = softmax(s), Σ along axis -1"]
    assert chain_lines(CLASSIFIER, "q") == ["chain  ∂L/∂p = (∂L/∂q)ᵀ : (4×3) = (3×4)ᵀ"]
    assert chain_lines(CLASSIFIER, "r") == ["chain  ∂L/∂q = reshape(∂L/∂r, (3×4)) : (3×4) ← (2×6)"]
    assert chain_lines(CLASSIFIER, "k") == [
        "chain  ∂L/∂r = ∂L/∂k placed at r[0:1], 0 elsewhere : (2×6) ← (1×6)"]


def test_batchnorm_and_layernorm_sum_three_paths():
    bn = chain_lines(CLASSIFIER, "b")
    assert bn[0] == ("chain  ∂L/∂s = (∂L/∂b − mean ∂L/∂b − x̂ · mean(∂L/∂b ⊙ x̂)) / √(σ² + eps) "
                     ": (4×3), means over the batch (axis 0)")
    assert "three paths" in bn[1] and "μ" in bn[1] and "σ²" in bn[1]
    ln = chain_lines(CLASSIFIER, "n")
    assert ln[0].endswith(": (4×3), means over each row (the last axis)")
    assert ln[0].startswith("chain  ∂L/∂b = (∂L/∂n − mean ∂L/∂n")


def test_conv2d_dw_is_conv2d_of_x_and_dy():
    assert chain_lines(CONV, "h") == [
        "chain  ∂L/∂X = conv2d_full(∂L/∂h, flip(W)) : (1×4×4) = (2×2×2) ⋆ (2×1×2×2), "
        "stride 2, padding 0 (the kernels turned 180°)",
        "chain  ∂L/∂W = conv2d(X, ∂L/∂h) : (2×1×2×2) = (1×4×4) ⋆ (2×2×2), stride 2, "
        "padding 0, summed over the batch"]


@pytest.mark.parametrize("name", ["cross_entropy", "softmax", "conv2d", "batchnorm",
                                  "layernorm", "reshape", "transpose", "index", "log_softmax",
                                  "logsumexp", "amax", "bce", "bce_logits", "hinge",
                                  "maxpool2d", "avgpool2d", "concat", "embedding"])
def test_the_texts_live_in_the_op_table(name):
    assert ops.OPS[name].chain is not None
