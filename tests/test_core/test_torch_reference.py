"""The reference semantics: every op against PyTorch float64, special points included.

Skipped where PyTorch is not installed (``make bench`` installs it).  Values
and gradients must agree to the last few bits, and inf/nan must appear in
the same places: that is the contract of ops.md.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from chainrule.core import ops
from chainrule.core.engine import evaluate
from chainrule.core.graph import Graph

torch = pytest.importorskip("torch")

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 0.5, 3.0, 1e-300, 800.0, -800.0, math.inf,
           -math.inf, math.nan]

TORCH = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": torch.pow, "max": torch.maximum, "min": torch.minimum,
    "neg": lambda x: -x, "exp": torch.exp, "log": torch.log, "sin": torch.sin,
    "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
    "abs": torch.abs, "sqrt": torch.sqrt, "square": torch.square,
    "reciprocal": torch.reciprocal, "sum": torch.sum, "mean": torch.mean,
    "mse": torch.nn.functional.mse_loss, "matmul": torch.matmul,
}


def ours(op, inputs):
    g = Graph()
    for k, v in enumerate(inputs):
        g.add_node(f"in{k}", "const", value=0.0)
        g.node(f"in{k}").value = v          # allow inf/nan leaves for the comparison
    g.add_node("out", op)
    for k in range(len(inputs)):
        g.connect(f"in{k}", "out", k)
    ev = evaluate(g)
    return ev.value("out"), [ev.grad(f"in{k}") for k in range(len(inputs))]


def theirs(op, inputs):
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
    out = TORCH[op](*ts)
    out.backward(torch.ones_like(out))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def same(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b)) |
                       np.isclose(a, b, rtol=1e-13, atol=0)))


def scalar_cases():
    for name, op in ops.OPS.items():
        if op.is_leaf or name == "matmul":
            continue
        for args in itertools.product(SPECIAL, repeat=op.arity):
            yield name, args


@pytest.mark.parametrize("op", [n for n in TORCH if n != "matmul"])
def test_scalars_at_special_points_equal_pytorch(op):
    failures = []
    for name, args in scalar_cases():
        if name != op:
            continue
        with np.errstate(all="ignore"):
            v, gs = ours(name, args)
        tv, tgs = theirs(name, args)
        if not same(v, tv) or not all(same(a, b) for a, b in zip(gs, tgs)):
            failures.append((args, v, tv.tolist(), gs, [t.tolist() for t in tgs]))
    assert not failures, f"{op}: {len(failures)} mismatches, e.g. {failures[:3]}"


ARRAY_CASES = [
    ("add", (np.arange(6.0).reshape(2, 3), np.array([1.0, -2.0, 0.5]))),
    ("mul", (np.arange(6.0).reshape(2, 3), np.array([[2.0], [-1.0]]))),
    ("div", (np.array([1.0, -1.0, 0.0, 2.0]), np.array([0.0, 0.0, 0.0, 4.0]))),
    ("max", (np.array([1.0, 2.0, np.nan]), np.array([1.0, 5.0, 0.0]))),
    ("mse", (np.arange(6.0).reshape(2, 3), np.array([0.5, 1.0, -1.0]))),
    ("mean", (np.arange(6.0).reshape(2, 3),)),
    ("sum", (np.arange(6.0).reshape(2, 3),)),
    ("pow", (np.array([-2.0, 0.0, 2.0, 0.0]), np.array([0.5, 0.0, -1.0, -1.0]))),
]


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("op,inputs", ARRAY_CASES, ids=[c[0] for c in ARRAY_CASES])
def test_arrays_with_broadcasting_equal_pytorch(op, inputs):
    with np.errstate(all="ignore"):
        v, gs = ours(op, inputs)
    tv, tgs = theirs(op, inputs)
    assert same(v, tv)
    for a, b in zip(gs, tgs):
        assert same(a, b), (a, b)


@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)),
                                    ((3,), (3,))])
def test_matmul_equals_pytorch(shapes):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    v, gs = ours("matmul", (a, b))
    tv, tgs = theirs("matmul", (a, b))
    assert same(v, tv)
    for x, y in zip(gs, tgs):
        assert same(x, y)


@pytest.mark.parametrize("op,axis", [("sum", 0), ("sum", 1), ("mean", 0), ("mean", -1)])
def test_reductions_along_an_axis_equal_pytorch(op, axis):
    x = np.arange(6.0).reshape(2, 3)
    g = Graph()
    g.add_node("x", "input", value=x)
    g.add_node("r", op, attrs={"axis": axis})
    g.add_node("s", "sum")
    g.connect("x", "r", 0)
    g.connect("r", "s", 0)
    ev = evaluate(g)
    t = torch.tensor(x, requires_grad=True)
    out = getattr(torch, op)(t, dim=axis)
    out.sum().backward()
    assert same(ev.value("r"), out.detach().numpy())
    assert same(ev.grad("x"), t.grad.numpy())


def test_a_negative_zero_gradient_stays_negative_as_in_pytorch():
    """A node's first gradient is taken as it comes, not added to 0.0 (which
    would turn −0.0 into 0.0): x·0 scaled by −1 gives x the gradient −0.0."""
    g = Graph()
    g.add_node("x", "input", value=2.0)
    g.add_node("zero", "const", value=0.0)
    g.add_node("minus", "const", value=-1.0)
    g.add_node("m", "mul")
    g.add_node("out", "mul")
    g.connect("x", "m", 0)
    g.connect("zero", "m", 1)
    g.connect("m", "out", 0)
    g.connect("minus", "out", 1)
    ours_grad = evaluate(g).grad("x")
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ((x * 0.0) * -1.0).backward()
    assert ours_grad == 0.0 and math.copysign(1, ours_grad) == -1.0
    assert bool(torch.signbit(x.grad)) is True
