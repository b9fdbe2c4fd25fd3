"""Every op's tangent rule (forward mode) against finite differences and PyTorch forward AD.

All through the one helper (``tangent_check.check_tangent``) and the one table
of points (``op_cases``): ordinary inputs of every op, the scalar special
points where conventions matter (ties, 0, ±inf, nan), and every deep-learning
case, special points included.
"""
from __future__ import annotations

import itertools
import pathlib

import numpy as np
import pytest
from op_cases import DEEP_CASES, POINTS, SPECIAL, torch_function
from tangent_check import check_tangent, ours, random_tangents

from chainrule.core import forward_mode, ops
from chainrule.core.engine import evaluate
from chainrule.core.fileformat import load

TORCH_REASON = "PyTorch is not installed: the forward-AD comparisons need it"


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason=TORCH_REASON)


def test_every_op_has_a_tangent_rule_and_cases():
    ops_with_ports = {name for name, op in ops.OPS.items() if not op.is_leaf}
    assert {n for n in ops_with_ports if ops.get(n).array_jvp is None} == set()
    assert {n for n in ops_with_ports if ops.get(n).scalar is not None
            and ops.get(n).scalar_jvp is None} == set()
    assert ops_with_ports <= set(POINTS) | {case[0] for case in DEEP_CASES}


ORDINARY = [(op, args, k) for op, points in POINTS.items() for args in points
            for k in range(2)]


@pytest.mark.parametrize("op,inputs,seed", ORDINARY,
                         ids=[f"{op}-{i}" for i, (op, *_r) in enumerate(ORDINARY)])
def test_tangent_at_ordinary_points(torch, op, inputs, seed):
    tangents = random_tangents(inputs, seed=seed)
    if seed == 1 and len(inputs) == 2:
        tangents[1] = None                  # only one input seeded: the other's is 0
    # a negative base: ln(base) is nan, and PyTorch multiplies it by the zero tangent
    smooth = not (op == "pow" and np.any(np.asarray(inputs[0]) < 0))
    assert check_tangent(op, inputs, tangents, smooth=smooth, torch=torch) == []


@pytest.mark.parametrize("op", [n for n, o in ops.OPS.items()
                                if o.scalar is not None and n in POINTS])
def test_scalar_tangents_at_special_points_equal_pytorch(torch, op):
    arity = ops.get(op).arity
    seeds = [(0.75, -1.25), (1.0, 0.0), (0.0, 0.0)]
    failures = []
    for args in itertools.product(SPECIAL, repeat=arity):
        for ts in seeds:
            failures += check_tangent(op, list(args), list(ts[:arity]), smooth=False,
                                      torch=torch)
    assert failures == [], f"{len(failures)} disagree, e.g. " + "; ".join(failures[:4])


@pytest.mark.parametrize("op,inputs,kw,nondiff,smooth", DEEP_CASES,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(DEEP_CASES)])
def test_deep_op_tangents(torch, op, inputs, kw, nondiff, smooth):
    tangents = random_tangents(inputs, nondiff, seed=3)
    ref = None if op == "hinge" else torch        # PyTorch has no forward AD for it
    assert check_tangent(op, inputs, tangents, kw, nondiff, smooth, torch=ref) == []


def test_max_tie_sends_half_of_each_tangent():
    assert ours("max", [2.0, 2.0], [1.0, 3.0]) == 2.0
    assert ours("min", [2.0, 2.0], [1.0, 0.0]) == 0.5
    np.testing.assert_array_equal(ours("max", [np.array([1.0, 2.0]), 2.0], [1.0, 3.0]),
                                  [3.0, 2.0])


@pytest.mark.parametrize("op,x,expected", [("relu", 0.0, 0.0), ("abs", 0.0, 0.0),
                                           ("relu", -0.0, 0.0), ("abs", 3.0, 1.0)])
def test_tangent_conventions_at_zero(op, x, expected):
    assert ours(op, [x], [1.0]) == expected


def test_hinge_tangent_is_zero_at_a_margin_of_exactly_zero():
    s = np.array([[1.0, 0.0, 2.0]])       # s_1 − s_0 + 1 = 0: not a violator
    t = np.array([[0.0, 1.0, 0.0]])
    assert ours("hinge", [s, np.array([0.0])], [t, None]) == 0.0


DEMOS = sorted((pathlib.Path(__file__).resolve().parents[2] / "resources" / "demos")
               .glob("*.cgraph"))


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.stem)
def test_every_demos_tangents_equal_pytorch_forward_ad(torch, path):
    """Whole graphs, as ``eval --tangent`` computes them: a random seed on every input,
    every other leaf a dual number with tangent 0, each node through PyTorch's op."""
    import torch.autograd.forward_ad as fwAD

    graph = load(path)
    if any(n.op == "hinge" for n in graph.nodes()):
        pytest.skip("PyTorch has no forward AD for multi_margin_loss (hinge)")
    ev = evaluate(graph)
    rng = np.random.default_rng(11)
    seeds = {n.id: rng.normal(size=np.shape(n.value)) if np.ndim(n.value) else float(rng.normal())
             for n in graph.nodes() if n.op == "input"}
    forward_mode.tangents(ev, seeds)
    plan = ev.plan
    with fwAD.dual_level():
        duals = {}
        for node in plan.nodes:
            if node.spec.is_leaf:
                t = seeds.get(node.id, np.zeros(np.shape(node.value)))
                duals[node.id] = fwAD.make_dual(
                    torch.tensor(np.asarray(node.value, dtype=float), dtype=torch.float64),
                    torch.tensor(np.asarray(t, dtype=float), dtype=torch.float64))
                continue
            args = [duals[e.src] for e in sorted(graph.in_edges(node.id), key=lambda e: e.port)]
            kw = node.spec.resolve(node.attrs)
            duals[node.id] = torch_function(torch, node.op)(*args, **kw)
        for node in plan.nodes:
            want = fwAD.unpack_dual(duals[node.id]).tangent
            want = np.zeros(np.shape(ev.value(node.id))) if want is None else want.numpy()
            got = forward_mode.tangent(ev, node.id)
            assert np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True), node.id
