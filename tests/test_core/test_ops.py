"""Every op of the table against central finite differences, and its conventions.

One helper builds a one-op graph (inputs → op → output) and compares the
backward pass with finite differences; the table of points below covers
ordinary points, negative numbers, broadcasting and the array ops.  The
conventions at non-differentiable points (relu and abs at 0, ties of max)
and the inf/nan results are checked against the values PyTorch gives.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule.core import ops
from chainrule.core.engine import Evaluator, evaluate
from chainrule.core.gradcheck import check_gradients
from chainrule.core.graph import Graph
from op_cases import M23, M32, POINTS, RNG, V2


def one_op_graph(op: str, *inputs, attrs=None) -> Graph:
    g = Graph()
    for k, value in enumerate(inputs):
        g.add_node(f"in{k}", "input", value=value)
    g.add_node("out", op, attrs=attrs)
    for k in range(len(inputs)):
        g.connect(f"in{k}", "out", k)
    return g


def assert_matches_finite_differences(op: str, *inputs, attrs=None, tol=1e-6):
    g = one_op_graph(op, *inputs, attrs=attrs)
    rows = check_gradients(g, tolerance=tol)
    bad = [(r.node, r.analytic, r.numeric, r.rel_error) for r in rows if not r.ok]
    assert not bad, f"{op}{inputs}: {bad}"
    # A one-op graph: each input's gradient is exactly what its wire carries.
    ev = evaluate(g)
    for k in range(len(inputs)):
        edge = g.in_edges("out")[k]
        np.testing.assert_array_equal(ev.edge_grad(edge), ev.grad(f"in{k}"))
        assert np.shape(ev.grad(f"in{k}")) == np.shape(inputs[k])


CASES = [(op, args) for op, points in POINTS.items() for args in points]

IMG = RNG.normal(size=(2, 2, 5, 5))
KER = RNG.normal(size=(3, 2, 3, 3))
P23 = np.abs(M23) / np.abs(M23).sum(axis=1, keepdims=True)      # rows of probabilities
#: The deep-learning ops, through the table and the engine: (inputs, attrs, the
#: ports that are differentiable — class indices and embedding ids are not).
DEEP_POINTS = {
    "transpose": [((M23,), None, (0,))],
    "reshape": [((M23,), {"shape": [3, -1]}, (0,))],
    "index": [((M23,), {"index": [[None, None, None], 1]}, (0,))],
    "concat": [((M23, M23 * 2), {"axis": 1}, (0, 1))],
    "embedding": [((M32, np.array([0.0, 2.0, 0.0])), None, (0,))],
    "leaky_relu": [((M23,), {"slope": 0.1}, (0,))],
    "gelu": [((M23,), None, (0,))],
    "amax": [((M23,), {"axis": 1}, (0,))],
    "logsumexp": [((M23,), {"axis": 0, "keepdims": True}, (0,))],
    "softmax": [((M23,), {"axis": 1}, (0,))],
    "log_softmax": [((M23,), None, (0,))],
    "cross_entropy": [((M23, np.array([2.0, 0.0])), None, (0,)), ((M23, P23), None, (0, 1))],
    "bce": [((P23 * 0.9 + 0.05, P23), None, (0, 1))],
    "bce_logits": [((M23, P23), None, (0, 1))],
    "hinge": [((M23, np.array([1.0, 2.0])), None, (0,))],
    "layernorm": [((M23,), None, (0,))],
    "batchnorm": [((RNG.normal(size=(4, 3)),), {"eps": 1e-3}, (0,))],
    "conv2d": [((IMG, KER), {"stride": 2, "padding": 1}, (0, 1))],
    "maxpool2d": [((IMG,), {"size": 2}, (0,))],
    "avgpool2d": [((IMG,), {"size": 3, "stride": 1}, (0,))],
}
DEEP_CASES = [(op, case) for op, cases in DEEP_POINTS.items() for case in cases]


def test_every_op_of_the_table_has_points():
    assert set(POINTS) | set(DEEP_POINTS) == {name for name, op in ops.OPS.items()
                                              if not op.is_leaf}


@pytest.mark.parametrize("op,case", DEEP_CASES,
                         ids=[f"{op}-{i}" for i, (op, _) in enumerate(DEEP_CASES)])
def test_deep_learning_op_in_a_graph_matches_finite_differences(op, case):
    """A random upstream gradient (all ones hides bugs: it makes the gradient of a
    normalisation exactly zero): the op's output is weighted, then summed."""
    inputs, attrs, smooth = case
    g = one_op_graph(op, *inputs, attrs=attrs)
    g.rename("out", "y")
    shape = np.shape(evaluate(g).value("y"))
    g.add_node("w", "const", value=RNG.normal(size=shape) if shape else 0.7)
    g.add_node("wy", "mul")
    g.add_node("out", "sum")
    g.connect("y", "wy", 0)
    g.connect("w", "wy", 1)
    g.connect("wy", "out", 0)
    g.set_output("out")
    ev = evaluate(g)
    assert ev.error is None and not ev.problems, (ev.error, ev.problems)
    rows = check_gradients(g, [f"in{k}" for k in smooth], tolerance=1e-6)
    bad = [(r.node, r.rel_error) for r in rows if not r.ok]
    assert not bad, f"{op}: {bad}"
    for k in set(range(len(inputs))) - set(smooth):       # indices get gradient 0
        assert not np.any(ev.grad(f"in{k}")), (op, k)


@pytest.mark.parametrize("op,args", CASES, ids=[f"{op}-{i}" for i, (op, _) in enumerate(CASES)])
def test_op_gradient_matches_finite_differences(op, args):
    assert_matches_finite_differences(op, *args)


@pytest.mark.parametrize("op,axis", [("sum", 0), ("sum", 1), ("sum", -1),
                                     ("mean", 0), ("mean", 1), ("mean", -2)])
def test_reductions_along_an_axis(op, axis):
    assert_matches_finite_differences(op, M23, attrs={"axis": axis})
    ev = evaluate(one_op_graph(op, M23, attrs={"axis": axis}))
    expected = getattr(np, op)(M23, axis=axis)
    np.testing.assert_allclose(ev.value("out"), expected)


def test_scalar_and_array_paths_agree():
    """The fast float path and the numpy path give the same numbers."""
    for name, op in ops.OPS.items():
        if op.is_leaf or op.scalar is None:
            continue
        args = (0.7, -1.3)[:op.arity] if name not in ("log", "sqrt") else (0.7,)
        fast = op.scalar(*args)
        slow = op.array(*args)
        assert fast == pytest.approx(slow, rel=1e-15, abs=1e-300), name
        out = fast
        gf = op.scalar_vjp(1.3, out, *args)
        gs = op.array_vjp(1.3, out, *args)
        np.testing.assert_allclose(np.array(gf, dtype=float), np.array(gs, dtype=float),
                                   rtol=1e-15, err_msg=name)


def grads(op, *inputs):
    ev = evaluate(one_op_graph(op, *inputs))
    return [ev.grad(f"in{k}") for k in range(len(inputs))], ev


@pytest.mark.parametrize("op,inputs,expected", [
    ("relu", (0.0,), [0.0]),                      # derivative at 0 is 0
    ("abs", (0.0,), [0.0]),                       # sign(0) = 0
    ("max", (2.0, 2.0), [0.5, 0.5]),              # a tie splits the gradient
    ("min", (2.0, 2.0), [0.5, 0.5]),
    ("max", (3.0, 2.0), [1.0, 0.0]),              # routes all to the larger
    ("min", (3.0, 2.0), [0.0, 1.0]),
    ("pow", (2.0, 0.0), [0.0, math.log(2.0)]),    # base-gradient 0 where exponent = 0
    ("pow", (0.0, 2.0), [0.0, 0.0]),              # exponent-gradient 0 where base = 0, e >= 0
    ("sqrt", (0.0,), [math.inf]),                 # inf at 0
])
def test_conventions_at_special_points(op, inputs, expected):
    got, _ = grads(op, *inputs)
    assert got == expected


def test_max_tie_in_arrays_splits_elementwise():
    got, _ = grads("max", np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0]))
    np.testing.assert_array_equal(got[0], [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(got[1], [0.5, 1.0, 0.0])


@pytest.mark.parametrize("op,inputs,value,warning", [
    ("div", (1.0, 0.0), math.inf, "division by zero"),
    ("div", (-1.0, 0.0), -math.inf, "division by zero"),
    ("div", (0.0, 0.0), math.nan, "division by zero"),
    ("log", (0.0,), -math.inf, "log of zero"),
    ("log", (-1.0,), math.nan, "log of a negative"),
    ("sqrt", (-4.0,), math.nan, "square root of a negative"),
    ("reciprocal", (0.0,), math.inf, "reciprocal of zero"),
    ("exp", (1000.0,), math.inf, "overflow"),
    ("pow", (-8.0, 1 / 3), math.nan, "fractional power"),
    ("pow", (0.0, -1.0), math.inf, "negative power"),
])
def test_ieee_results_never_raise_and_say_what_happened(op, inputs, value, warning):
    got, ev = grads(op, *inputs)
    out = ev.value("out")
    if math.isnan(value):
        assert math.isnan(out)
    else:
        assert out == value
    assert warning in ev.warnings["out"]


def test_ieee_results_in_arrays():
    _, ev = grads("div", np.array([1.0, -1.0, 2.0]), np.array([0.0, 0.0, 4.0]))
    np.testing.assert_array_equal(ev.value("out"), [math.inf, -math.inf, 0.5])
    assert "division by zero" in ev.warnings["out"]


def test_nan_propagates_with_a_warning_naming_its_source():
    g = Graph()
    g.add_node("a", "input", value=-1.0)
    g.add_node("l", "log")
    g.add_node("t", "tanh")
    g.connect("a", "l", 0)
    g.connect("l", "t", 0)
    ev = evaluate(g)
    assert math.isnan(ev.value("t"))
    assert "log of a negative" in ev.warnings["l"]
    assert "from its input l" in ev.warnings["t"]


def test_gradient_into_an_input_has_that_inputs_shape():
    got, _ = grads("add", M23, 2.0)
    assert isinstance(got[1], float) and got[1] == 6.0
    got, _ = grads("mul", M23, M23[:, :1])
    assert got[1].shape == (2, 1)
    np.testing.assert_allclose(got[1], M23.sum(axis=1, keepdims=True))


def test_matmul_shape_mismatch_is_a_clear_problem_not_a_crash():
    g = one_op_graph("matmul", M23, M23)
    ev = evaluate(g)
    assert ev.value("out") is None
    assert ev.problems[-1].message == ('node "out" (matmul): a is (2×3) and b is (2×3); '
                                       'the inner sizes 3 and 2 must match')
    assert ev.error.endswith(ev.problems[-1].message)


def test_broadcast_mismatch_is_a_clear_problem():
    ev = evaluate(one_op_graph("add", M23, V2))
    assert ev.value("out") is None
    assert "do not broadcast" in ev.error


def test_every_op_has_text_for_people():
    for name, op in ops.OPS.items():
        assert op.symbol and op.formula and op.note and op.group in ops.GROUPS, name
        assert len(op.local) == op.arity, name


def test_vjps_return_one_gradient_for_one_port_and_a_tuple_for_two():
    """The engine unpacks a two-port vjp into the gradients of its two wires and
    shows a one-port vjp's result as the wire's gradient: every vjp keeps to it."""
    for name, op in ops.OPS.items():
        if op.is_leaf:
            continue
        if name in DEEP_POINTS:
            inputs, attrs, _ = DEEP_POINTS[name][0]
            _, _, forward, vjp = op.bind(attrs or {})
            value = forward(*inputs)
            out = vjp(np.ones_like(value), value, *inputs)
            assert (type(out) is tuple and len(out) == 2) if op.arity == 2 else \
                type(out) is not tuple, name
            continue
        x = np.eye(2) + 1.0 if name == "matmul" else np.array([1.5, 2.0])
        calls = [(op.array_vjp, x)] + ([(op.scalar_vjp, 1.5)] if op.scalar_vjp else [])
        for vjp, v in calls:
            out = vjp(v, v, *(v,) * op.arity)
            if op.arity == 2:
                assert type(out) is tuple and len(out) == 2, name
            else:
                assert type(out) is not tuple, name


def test_an_op_that_makes_an_array_of_scalars_leaves_the_float_path():
    """reshape, concat and index have no float path: a graph of scalars through them
    holds arrays, and every later node must take the numpy path."""
    g = Graph()
    g.add_node("x", "input", value=2.0)
    g.add_node("r", "reshape", attrs={"shape": [1]})
    g.add_node("m", "mul")
    g.add_node("s", "sum")
    g.connect("x", "r", 0)
    g.connect("r", "m", 0)
    g.connect("x", "m", 1)
    g.connect("m", "s", 0)
    ev = evaluate(g)
    assert ev.error is None and not ev.problems
    assert ev.value("s") == 4.0 and ev.grad("x") == 4.0
    np.testing.assert_array_equal(ev.value("m"), [4.0])


@pytest.mark.parametrize("x", [-1.5, 2.0, 0.0, -0.0, 1e-320, -1e308, float("inf"),
                               float("-inf"), float("nan")])
def test_leaky_relu_on_floats_is_its_numpy_path_bit_for_bit(x):
    """Its float path keeps scalar graphs on the engine's float fast paths; the
    numbers are the numpy path's, signed zeros and nan included."""
    op = ops.OPS["leaky_relu"]
    fast, fast_vjp, _, slow_vjp = op.bind({"slope": 0.3})
    slow = op.bind({"slope": 0.3})[2]
    bits = np.float64
    assert np.array(fast(x), bits).tobytes() == np.array(slow(x), bits).tobytes()
    out = fast(x)
    assert np.array(fast_vjp(-0.7, out, x), bits).tobytes() == \
        np.array(slow_vjp(-0.7, out, x), bits).tobytes()
    if not math.isfinite(x):
        return                              # an input's value is finite
    g = Graph()
    g.add_node("x", "input", value=x)
    g.add_node("l", "leaky_relu", attrs={"slope": 0.3})
    g.connect("x", "l", 0)
    assert Evaluator(g).plan.all_scalar
