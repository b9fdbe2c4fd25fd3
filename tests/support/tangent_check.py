"""One helper checks an op's tangent rule (forward mode) through the table and the engine.

:func:`ours` builds a one-op graph, runs the forward pass and the forward-mode
pass with the given seeds; :func:`theirs` asks ``torch.autograd.forward_ad``
for the same tangent; :func:`finite_difference` moves every input along its
tangent.  :func:`check_tangent` compares all three (finite differences only at
smooth points) and returns what disagrees, so a parametrised test can list
every failure at once.
"""
from __future__ import annotations

import numpy as np

from chainrule.core import forward_mode, ops
from chainrule.core.engine import evaluate
from chainrule.core.graph import Graph


def one_op_graph(op: str, inputs, attrs=None) -> Graph:
    g = Graph()
    for k, v in enumerate(inputs):
        g.add_node(f"in{k}", "const", value=0.0)
        g.node(f"in{k}").value = v            # inf/nan leaves too
    g.add_node("out", op, attrs=dict(attrs or {}))
    for k in range(len(inputs)):
        g.connect(f"in{k}", "out", k)
    return g


def ours(op: str, inputs, tangents, attrs=None):
    """The output's tangent along ``tangents`` (None: that input is not seeded)."""
    ev = evaluate(one_op_graph(op, inputs, attrs))
    seeds = {f"in{k}": t for k, t in enumerate(tangents) if t is not None}
    forward_mode.tangents(ev, seeds)
    return forward_mode.tangent(ev, "out")


def theirs(torch, op: str, inputs, tangents, attrs=None, nondiff=()):
    """PyTorch's tangent: forward AD with every differentiable input a dual number
    (zero tangent where ``tangents`` has None), the others plain tensors."""
    import torch.autograd.forward_ad as fwAD

    from op_cases import torch_function
    fn = torch_function(torch, op)
    with fwAD.dual_level():
        args = []
        for k, v in enumerate(inputs):
            x = torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64)
            if k not in nondiff:
                t = np.zeros(np.shape(v)) if tangents[k] is None else tangents[k]
                x = fwAD.make_dual(x, torch.tensor(np.broadcast_to(t, np.shape(v)).copy(),
                                                   dtype=torch.float64))
            args.append(x)
        out = fn(*args, **dict(attrs or {}))
        t = fwAD.unpack_dual(out).tangent
    return np.zeros(tuple(out.shape)) if t is None else t.numpy()


def finite_difference(op: str, inputs, tangents, attrs=None, h=1e-6):
    """(f(x + h·ẋ) − f(x − h·ẋ)) / 2h, every seeded input moved at once."""
    spec = ops.get(op)
    kw = spec.resolve(dict(attrs or {}))

    def at(s):
        args = [np.asarray(x, dtype=float) + (0 if t is None else s * np.asarray(t))
                for x, t in zip(inputs, tangents)]
        args = [float(a) if a.ndim == 0 else a for a in args]
        with np.errstate(all="ignore"):
            return np.asarray(spec.array(*args, **kw), dtype=float)
    return (at(h) - at(-h)) / (2 * h)


def same(a, b, rtol=1e-12, atol=1e-15) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b)) |
                       np.isclose(a, b, rtol=rtol, atol=atol)))


def random_tangents(inputs, nondiff=(), seed=0):
    rng = np.random.default_rng(seed)
    return [None if k in nondiff else
            (float(rng.normal()) if np.ndim(v) == 0 else rng.normal(size=np.shape(v)))
            for k, v in enumerate(inputs)]


def check_tangent(op: str, inputs, tangents, attrs=None, nondiff=(), smooth=True,
                  torch=None, fd_tol=1e-5) -> list[str]:
    """What disagrees: [] when our tangent equals PyTorch's (when ``torch`` is given)
    and, at a smooth point, the finite difference."""
    got = ours(op, inputs, tangents, attrs)
    problems = []
    if np.shape(got) != np.shape(evaluate(one_op_graph(op, inputs, attrs)).value("out")):
        problems.append(f"{op}{inputs}: the tangent's shape {np.shape(got)} is not the value's")
    if torch is not None:
        want = theirs(torch, op, inputs, tangents, attrs, nondiff)
        if not same(got, want):
            problems.append(f"{op} at {inputs} along {tangents}: ours {got}, torch {want}")
    if smooth:
        fd = finite_difference(op, inputs, tangents, attrs)
        if not np.allclose(got, fd, rtol=fd_tol, atol=fd_tol, equal_nan=True):
            problems.append(f"{op} at {inputs}: ours {got}, finite differences {fd}")
    return problems
