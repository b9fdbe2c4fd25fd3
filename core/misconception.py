"""The most common bug of hand-written backprop: overwriting instead of adding at forks.

Why this module exists: a learner understands the fan-out rule best by
seeing what goes wrong without it.  A program that writes ``grads[a] = ga``
where it should write ``grads[a] += ga`` keeps only the *last* contribution
that reaches a node with several outgoing wires, and every node upstream of
that fork then inherits the wrong number.

This is not a second engine: it is :func:`chainrule.core.engine.backward` itself, run
on the values of a real forward pass with the fan-out rule
:func:`chainrule.core.engine.OVERWRITE` instead of the sum, so it walks the same
compiled plan (in the same reverse topological order, port 0 before port 1)
and calls the ops' own vector-Jacobian products.  Where a node feeds only one
wire both rules agree, so the differences are exactly the forks and what lies
upstream of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .engine import OVERWRITE, Evaluation, backward
from .errors import EvaluationError
from .graph import Edge, Graph


@dataclass
class OverwritePass:
    """The buggy backward pass: node gradients, wire gradients, and who won at each fork."""

    grads: dict[str, Any] = field(default_factory=dict)
    edge_grads: dict[Edge, Any] = field(default_factory=dict)
    kept: dict[str, Edge] = field(default_factory=dict)        # the wire written last
    lost: dict[str, list[Edge]] = field(default_factory=dict)  # wires overwritten before it


def overwrite_pass(evaluation: Evaluation) -> OverwritePass:
    """Run the backward pass with ``=`` instead of ``+=`` on an evaluation's values."""
    if evaluation.error is not None:
        raise EvaluationError(evaluation.error)
    plan = evaluation.plan
    order = plan.order
    wrong = Evaluation(plan, evaluation.values)
    backward(wrong, accumulate=OVERWRITE)
    result = OverwritePass()
    # The wires in the order the loop wrote them: the last one into a node is kept.
    for step in plan.backward_steps:
        i = step.node
        for port, j in enumerate((step.a, step.b)):
            if j < 0:
                continue
            edge = Edge(order[j], order[i], port)
            src = order[j]
            if src in result.kept:
                result.lost.setdefault(src, []).append(result.kept[src])
            result.kept[src] = edge
            result.edge_grads[edge] = wrong.edge_grad(edge)
    result.grads = {order[i]: wrong.grads[i] for i, r in enumerate(plan.reaching) if r}
    return result


def overwrite_gradients(evaluation: Evaluation) -> dict[str, Any]:
    """Node id → the gradient a program that assigns instead of accumulating computes
    (only nodes that reach the output, as in the real pass)."""
    return overwrite_pass(evaluation).grads


def wrong_nodes(evaluation: Evaluation, overwritten: dict[str, Any] | None = None) -> list[str]:
    """Ids whose overwritten gradient differs from the right one, in the plan's order."""
    if overwritten is None:
        overwritten = overwrite_gradients(evaluation)
    return [n for n in evaluation.plan.order if n in overwritten
            and not np.array_equal(overwritten[n], evaluation.grad(n), equal_nan=True)]


def fork_nodes(graph: Graph) -> list[str]:
    """Nodes with more than one outgoing wire into nodes that reach the output
    (``x * x`` counts: two wires), in the graph's node order."""
    output = graph.effective_output()
    if output is None:
        return []
    reaching = nx.ancestors(graph.nx, output) | {output}
    return [n for n in graph.node_ids()
            if sum(1 for e in graph.out_edges(n) if e.dst in reaching) > 1]


# ================================================================ the library
#
# The mistakes learners really make in a hand-written backward pass, each the
# engine's own backward loop with one rule changed (``vjp_rule``: one kind of
# node sends back something else), on the graphs where it matters.

@dataclass(frozen=True)
class Misconception:
    """One mistake: what a program with it computes, said in a sentence."""

    key: str
    title: str
    explanation: str          # what the wrong program does, and the right rule
    demo: str                 # the demo where it shows
    rule: Any = None          # rule(graph) → vjp_rule(node, vjp) for engine.backward

    def gradients(self, graph: Graph, evaluation: Evaluation) -> dict[str, Any]:
        """Node id → the gradient the program with this mistake computes."""
        if self.key == "overwrite":
            return overwrite_gradients(evaluation)
        if self.key == "not_zeroed":
            return unzeroed_training(graph, steps=3)[-1].used
        return wrong_pass(evaluation, self.rule(graph))


def wrong_pass(evaluation: Evaluation, rule) -> dict[str, Any]:
    """The backward pass on ``evaluation``'s values with ``rule`` (see engine.backward)."""
    if evaluation.error is not None:
        raise EvaluationError(evaluation.error)
    plan = evaluation.plan
    wrong = Evaluation(plan, evaluation.values)
    backward(wrong, vjp_rule=rule)
    return {plan.order[i]: wrong.grads[i] for i, r in enumerate(plan.reaching) if r}


def _value_for_gradient(graph: Graph):
    """At the output's gate: its own value sent back where its local derivative times
    the upstream 1 belongs (grad_x0 = w0 * activation)."""
    output = graph.effective_output()

    def rule(node, vjp):
        if node.id != output:
            return None
        return lambda g, out, *xs: (out,) * len(xs) if len(xs) > 1 else out
    return rule


def _everywhere(rule):
    """A rule that does not depend on the graph."""
    return lambda graph: rule


def _upstream_dropped(node, vjp):
    """Every gate sends back its local derivative alone, the upstream not multiplied in."""
    return lambda g, out, *xs: vjp(np.ones_like(out) if isinstance(out, np.ndarray) else 1.0,
                                   out, *xs)


def _relu_by_gradient(node, vjp):
    """ReLU lets the gradient through where the *gradient* is positive (g > 0), not where
    its input is."""
    if node.op != "relu":
        return None
    return lambda g, out, x: g * (np.asarray(g) > 0)


def _sigmoid_prime_on_gradient(node, vjp):
    """σ′ computed on the gradient: dh · (1 − dh) instead of dh · σ · (1 − σ)."""
    if node.op != "sigmoid":
        return None
    return lambda g, out, x: g * (1 - g)


def _bias_not_summed(node, vjp):
    """A broadcast addition sends the whole gradient to the smaller input (the bias),
    one row per sample, instead of its sum over the batch."""
    if node.op != "add":
        return None
    return lambda g, out, a, b: (g, g)


def _inverse_for_transpose(node, vjp):
    """matmul sends back g · B⁻¹ and A⁻¹ · g (the pseudo-inverse when not square)
    where g · Bᵀ and Aᵀ · g belong."""
    if node.op != "matmul":
        return None

    def wrong(g, out, a, b):
        a, b = np.atleast_2d(a), np.atleast_2d(b)
        return np.asarray(g) @ np.linalg.pinv(b), np.linalg.pinv(a) @ np.asarray(g)
    return wrong


LIBRARY: dict[str, Misconception] = {m.key: m for m in (
    Misconception("value_for_gradient", "Value instead of gradient",
                  "The output's value is used where the gradient arriving at its gate "
                  "belongs: grad_x0 = w0 · activation instead of w0 · ∂f/∂product.",
                  "01-neuron.cgraph", _value_for_gradient),
    Misconception("overwrite", "Overwrite instead of add at forks",
                  "grads[x] = g instead of grads[x] += g: at a fork only the contribution "
                  "written last survives.", "05-two-layer.cgraph"),
    Misconception("upstream_dropped", "Upstream gradient dropped",
                  "Each gate sends back its local derivative alone, without multiplying in "
                  "the gradient that arrives from downstream.", "04-linear-chain.cgraph",
                  _everywhere(_upstream_dropped)),
    Misconception("relu_by_gradient", "ReLU masked by the gradient",
                  "ReLU lets the gradient through where the gradient is positive "
                  "(g · (g > 0)) instead of where its input is (g · (x > 0)).",
                  "12-two-layer-net.cgraph", _everywhere(_relu_by_gradient)),
    Misconception("sigmoid_prime_on_gradient", "σ′ taken on the gradient",
                  "The sigmoid's derivative written with the gradient in place of the "
                  "value: dh · (1 − dh) instead of dh · σ · (1 − σ).", "06-staged.cgraph",
                  _everywhere(_sigmoid_prime_on_gradient)),
    Misconception("bias_not_summed", "Bias gradient not summed over the batch",
                  "The bias was broadcast over the rows of a batch; its gradient is the sum "
                  "over them, but the program hands back the whole matrix.",
                  "20-bias-not-summed.cgraph", _everywhere(_bias_not_summed)),
    Misconception("inverse_for_transpose", "W⁻¹ instead of Wᵀ",
                  "A matmul sends back g · B⁻¹ and A⁻¹ · g where g · Bᵀ and Aᵀ · g belong "
                  "(the transpose, not the inverse).", "09-tensor-mlp.cgraph",
                  _everywhere(_inverse_for_transpose)),
    Misconception("not_zeroed", "Gradients not zeroed between training steps",
                  "A training loop that never sets the gradients back to zero adds each "
                  "step's gradient to the last: the step it takes grows step after step.",
                  "10-fit-two-layer.cgraph"),
)}


def wrong_gradients(key: str, graph: Graph, evaluation: Evaluation) -> dict[str, Any]:
    """Node id → what a backward pass with misconception ``key`` computes."""
    return LIBRARY[key].gradients(graph, evaluation)


@dataclass
class TrainingStep:
    """One step of a training loop that forgets to zero the gradients."""

    loss: float
    right: dict[str, Any]        # this step's own gradients
    used: dict[str, Any]         # what the loop uses: the sum of every step's so far


def unzeroed_training(graph: Graph, steps: int = 3, lr: float = 0.01,
                      params: list[str] | None = None) -> list[TrainingStep]:
    """``steps`` steps of gradient descent whose gradients are never zeroed: each step
    adds its gradient to what is there and moves the parameters by the sum (on a copy)."""
    from .engine import Evaluator
    work = graph.copy()
    params = params or [n.id for n in work.nodes() if n.trainable]
    evaluator = Evaluator(work)
    total: dict[str, Any] = {}
    out = []
    for _ in range(steps):
        ev = evaluator.evaluate()
        if ev.error is not None:
            raise EvaluationError(ev.error)
        right = {p: ev.grad(p) for p in params if ev.grad(p) is not None}
        for p, g in right.items():
            total[p] = g if p not in total else total[p] + g
        out.append(TrainingStep(float(np.sum(ev.value(ev.output))), right, dict(total)))
        for p, g in total.items():
            work.set_value(p, work.node(p).value - lr * g)
    return out
