"""How a plan binds one node: shared by a fresh compilation (:class:`~chainrule.core.engine.Plan`)
and by an update (:mod:`chainrule.core.plan_update`), so both make the same entries."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Problem:
    """Why a node has no value: an unconnected port or an op that refused its inputs."""

    node: str
    message: str
    # "unwired": a port is not connected; "op": the op refused its inputs (shapes
    # that do not fit, an index out of range), said in the one sentence of message.
    kind: str = "op"


def bind(node, scalar_inputs: bool) -> tuple[Callable, Callable, Callable | None,
                                                Callable, bool]:
    """A node's functions as the plan binds them: (forward, its numpy function,
    vjp, numpy vjp, computes a float).  The float fast path only where every
    input is a float; the vjp is None where the gradient passes unchanged (the
    loop skips the call)."""
    spec = node.spec
    sf, sv, af, av = spec.bind(node.attrs) if spec.settings else \
        (spec.scalar, spec.scalar_vjp, spec.array, spec.array_vjp)
    # An op without a float path may make an array of scalars (reshape,
    # concat, index…): what it computes is not known to be a float.
    if sf is None or not scalar_inputs:
        return af, af, av, av, False
    return sf, af, (None if sv is not av and spec.identity_vjp else sv), av, True


def unwired(node, srcs: list) -> Problem:
    """The problem of a node with unconnected ports (``srcs``: each port's source or None)."""
    missing = [node.spec.ports[p] for p, s in enumerate(srcs) if s is None]
    what = "port" if len(missing) == 1 else "ports"
    return Problem(node.id, f'node "{node.id}" ({node.op}): {what} '
                   f'{", ".join(missing)} not connected', "unwired")
