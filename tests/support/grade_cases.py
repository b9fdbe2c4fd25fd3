"""Graphs and planted answers for the grading tests: one scalar and one array case of
every verdict code (``cli.md``, "chainrule grade")."""
from __future__ import annotations

NEURON = ("w0 = 2; x0 = -1; w1 = -3; x1 = -2; w2 = -3\n"
          "product = w0*x0 + w1*x1 + w2; activation = sigmoid(product)")

#: f = x·y + x·z + x·w: x feeds three wires (scalars).
FORK = "x = 1.5; y = -2; z = 0.5; w = 3\nf = x*y + x*z + x*w"

#: a small tensor net: h = tanh(X @ W + b), L = sum(h*h) + sum(h) (h feeds three wires).
MLP = ("X = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.4], [1.0, -0.5, -1.2]]\n"
       "W = [[0.3, -0.6], [0.9, 0.2], [-0.4, 0.5]]\n"
       "b = [0.1, -0.2]\n"
       "z = X @ W + b\n"
       "h = tanh(z)\n"
       "L = sum(h * h) + sum(h)")

#: one tanh layer scored against a target: ∂L/∂h = Y.
LAYER = MLP.replace("L = sum(h * h) + sum(h)", "Y = [[1, 0], [0, 1], [1, 1], [0, 0]]\n"
                                               "L = sum(h * Y)")

MLP_RIGHT = ("grad_h = 2 * h + 1\n"
             "grad_z = grad_h * (1 - h ** 2)\n"
             "grad_b = sum(grad_z, axis=0)\n"
             "grad_W = X.T @ grad_z\n"
             "grad_X = grad_z @ W.T\n")

NEURON_RIGHT = ("grad_product = (1 - activation) * activation\n"
                "grad_w0 = x0 * grad_product; grad_x0 = w0 * grad_product\n"
                "grad_w1 = x1 * grad_product; grad_x1 = w1 * grad_product\n"
                "grad_w2 = grad_product\n")

#: (graph, answer, claimed name, expected code): every code on scalars and on arrays.
PLANTED = [
    # value_for_gradient
    (NEURON, "grad_x0 = w0 * activation", "grad_x0", "value_for_gradient"),
    (NEURON, "grad_w2 = 1 * activation", "grad_w2", "value_for_gradient"),
    (LAYER, "grad_z = h * (1 - h ** 2)", "grad_z", "value_for_gradient"),
    # missing_upstream
    (NEURON, "grad_x0 = w0", "grad_x0", "missing_upstream"),
    (MLP, "grad_z = 1 - h ** 2", "grad_z", "missing_upstream"),
    # sign
    (NEURON, "grad_product = (1 - activation) * activation\ngrad_x1 = -w1 * grad_product",
     "grad_x1", "sign"),
    (MLP, MLP_RIGHT.replace("grad_X = grad_z @ W.T", "grad_X = -(grad_z @ W.T)"),
     "grad_X", "sign"),
    # overwrite
    ("x = 1.5; y = -2\nf = x*y + x", "grad_x = y", "grad_x", "overwrite"),
    ("X = [[1.0, 2.0], [3.0, -1.0]]\nL = sum(X * X)", "grad_X = X", "grad_X", "overwrite"),
    # missing_path
    (FORK, "grad_x = y + z", "grad_x", "missing_path"),
    (MLP, "grad_h = 2 * h", "grad_h", "missing_path"),
    # shape
    (MLP, MLP_RIGHT.replace("grad_b = sum(grad_z, axis=0)", "grad_b = grad_z"), "grad_b",
     "shape"),
    (MLP, MLP_RIGHT.replace("grad_W = X.T @ grad_z", "grad_W = grad_z.T @ X"), "grad_W",
     "shape"),
    ("x = 2; y = 3\nf = x * y", "grad_x = [3, 3]", "grad_x", "shape"),
    # error
    (NEURON, "grad_x0 = w0 * grad_prodcut", "grad_x0", "error"),
    (MLP, MLP_RIGHT.replace("grad_W = X.T @ grad_z", "grad_W = X @ grad_z"), "grad_W",
     "error"),
    # coincidence: a formula right only at the numbers on the page, and a typed number
    ("x = 2\nf = x * x", "grad_x = x + 2", "grad_x", "coincidence"),
    (NEURON, "grad_w1 = -0.39322386648296376", "grad_w1", "coincidence"),
    ("X = [[1.0, 2.0], [3.0, -1.0]]\nL = sum(X * X)", "grad_X = [[2, 4], [6, -2]]", "grad_X",
     "coincidence"),
    # wrong
    (NEURON, "grad_x0 = 17", "grad_x0", "wrong"),
    (MLP, "grad_z = h", "grad_z", "wrong"),
    # missing: a required gradient not given
    (NEURON, "grad_x0 = w0 * (1 - activation) * activation", "grad_w1", "missing"),
    (MLP, "grad_X = 0 * X", "grad_W", "missing"),
    # ok
    (NEURON, NEURON_RIGHT, "grad_x0", "ok"),
    (MLP, MLP_RIGHT, "grad_W", "ok"),
]
