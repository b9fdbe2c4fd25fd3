"""Compare a plan with a freshly compiled one, attribute by attribute."""
from __future__ import annotations

import functools

import numpy as np


def _fn(f):
    """A function's identity; one bound to a node's settings by what it binds."""
    if isinstance(f, functools.partial):
        return (f.func, f.args, repr(sorted(f.keywords.items())))
    return f


def _entries(entries):
    return [(i, _fn(f), _fn(g), a, b) for i, f, g, a, b in entries]


def plan_differences(plan, fresh) -> list[str]:
    """The names of the attributes where ``plan`` differs from ``fresh``."""
    pairs = {
        "order": (plan.order, fresh.order),
        "index": (plan.index, fresh.index),
        "nodes": ([n.id for n in plan.nodes], [n.id for n in fresh.nodes]),
        "inputs": (plan.inputs, fresh.inputs),
        "problems": (plan.problems, fresh.problems),
        "blocked": (plan.blocked, fresh.blocked),
        "output": ((plan.output_id, plan.output, plan.output_error),
                   (fresh.output_id, fresh.output, fresh.output_error)),
        "reaching": (plan.reaching, fresh.reaching),
        "leaves": ([(i, n.id) for i, n in plan.leaves], [(i, n.id) for i, n in fresh.leaves]),
        "leaf kinds": ((plan.leaf_scalar, plan.leaves_first, plan.all_scalar),
                       (fresh.leaf_scalar, fresh.leaves_first, fresh.all_scalar)),
        "forward": (_entries(plan.forward_loop), _entries(fresh.forward_loop)),
        "backward": (_entries(plan._backward_plain), _entries(fresh._backward_plain)),
        "chunks": ([len(c) for c in plan.backward_chunks], [len(c) for c in fresh.backward_chunks]),
        "named": ([tuple(e) for e in plan.backward_steps], [tuple(e) for e in plan._backward_plain]),
    }
    return [name for name, (a, b) in pairs.items() if a != b]


def same_bits(x, y) -> bool:
    """The same numbers bit for bit (-0.0 apart from 0.0), every nan taken as one:
    numpy's vector loops may give a nan another sign depending on where an array
    lies in memory, so two identical passes can differ there."""
    if x is None or y is None:
        return x is y
    ax, ay = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if ax.shape != ay.shape:
        return False
    nan = np.isnan(ax)
    return bool(np.array_equal(nan, np.isnan(ay))) and \
        ax[~nan].tobytes() == ay[~nan].tobytes()
