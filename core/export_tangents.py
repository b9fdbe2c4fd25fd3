"""The forward-mode lines of an exported script, for any target library.

Why a module of its own: the numpy script (:mod:`chainrule.core.export_python`)
writes them, and an exporter for another library can write the same lines
with its own code per op — the structure (one seed line per leaf, one line
per node in the engine's order, the tangent rule ``ṡ = ẋ + ẏ`` in the
comment) is decided once, here.  An exporter passes how it writes a value
(``literal``) and the code of one node's tangent (``code_for``).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from .engine import Evaluation
from .tangent_text import dot, rule


def tangent_lines(evaluation: Evaluation, var: Mapping[str, str], take: Callable[[str], str],
                  seeds: Mapping[str, Any], literal: Callable[[Any], str],
                  code_for: Callable[[int, Mapping[str, str]], str]
                  ) -> tuple[dict[str, str], list[str]]:
    """(tangent variable of every node id, the lines of the forward-mode pass).

    ``var``: each node id's variable; ``take(wanted)``: a fresh identifier;
    ``seeds``: leaf id → tangent (of the leaf's shape; others get zeros);
    ``literal(value)``: a value as code; ``code_for(i, tangent_vars)``: the code of
    the tangent of node ``i`` of the plan, given each node id's tangent variable.
    """
    plan = evaluation.plan
    order, vals = plan.order, evaluation.values
    tvar = {node_id: take("t_" + var[node_id]) for node_id in order}
    lines = []
    for i, node in plan.leaves:
        n = var[node.id]
        if node.id in seeds:
            lines.append(f"{tvar[node.id]} = {literal(seeds[node.id])}  # {dot(n)}: seeded")
        else:
            zero = np.zeros(np.shape(vals[i])) if np.ndim(vals[i]) else 0.0
            lines.append(f"{tvar[node.id]} = {literal(zero)}  # {dot(n)} = 0: not seeded")
    for i, node in enumerate(plan.nodes):
        if node.spec.is_leaf or vals[i] is None:
            continue
        ins = [order[j] for j in plan.inputs[i]]
        comment = rule(node.spec, var[node.id], [var[k] for k in ins],
                       [vals[j] for j in plan.inputs[i]])
        lines.append(f"{tvar[node.id]} = {code_for(i, tvar)}  # {comment}")
    return tvar, lines
