"""The chain rule written out with numbers, for the chain-rule panel.

For a forward step: ``q = x + y = −2 + 5 = 3``.  For a backward step: the
upstream gradient (written as the sum of the contributions of the outgoing
wires when the node fans out), then for each input the local derivative as a
formula and a number and the product ``∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1 = −4``,
and the op's teaching note.  Arrays show shapes instead of numbers.  All the
text comes from the op table (formulas, notes); nothing is computed here
that the engine did not compute, except the local derivative, which is the
op's own vector-Jacobian product with an upstream gradient of 1.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ops
from .engine import BackwardStep, Evaluation
from .formatting import format_shape, format_value
from .graph import Edge, Graph
from .stepper import ForwardStep, UpdateStep

MINUS = "−"
#: The prefixes that say what kind a line is ("local  ∂q/∂x = 1"), and their names.
LINE_KINDS = {"local": "local derivative", "chain": "chain rule", "value": "value",
              "gradient": "gradient", "update": "update step"}


@dataclass
class Explanation:
    title: str
    lines: list[str] = field(default_factory=list)
    note: str = ""

    def text(self) -> str:
        return "\n".join([self.title, *self.lines] + ([self.note] if self.note else []))


def num(value: Any, digits: int = 4) -> str:
    if isinstance(value, np.ndarray):
        return format_shape(value.shape)
    return format_value(value, digits, minus=MINUS)


def _factor(value: Any, digits: int) -> str:
    """A number as a factor after the first: negatives in parentheses."""
    text = num(value, digits)
    return f"({text})" if text.startswith(MINUS) else text


_SIMPLE = re.compile(r"^[A-Za-z_\u0370-\u03ff][\w\u0370-\u03ff′']{0,11}$")


def _name(graph: Graph, node_id: str) -> str:
    """The label when it is a short name (``w0``, ``σ``), else the id: ∂f/∂x must stay readable."""
    node = graph.node(node_id)
    return node.label if node.label and _SIMPLE.match(node.label) else node.id


def card_names(graph: Graph, node_ids) -> str:
    """'d is the card “y - t”' for those of ``node_ids`` that a sentence names by id
    while their card shows a longer label: the learner finds them on the canvas."""
    pairs = []
    for node_id in dict.fromkeys(node_ids):
        label = graph.node(node_id).label
        if label and _name(graph, node_id) != label and not label_names_id(label, node_id):
            pairs.append(f"{node_id} is the card “{label}”")
    return "; ".join(pairs)


def label_names_id(label: str, node_id: str) -> bool:
    """The card already shows the id: "w2 (bias)" for w2, not "prediction" for pred."""
    return re.match(re.escape(node_id) + r"(?!\w)", label) is not None


def _port_pattern(op: ops.Op) -> str:
    return r"(?<![A-Za-z_])(" + "|".join(re.escape(p) for p in op.ports) + r")(?![A-Za-z_])"


def _substitute(formula: str, op: ops.Op, texts: list[str]) -> str:
    """Put ``texts`` where the op's formula names its ports.

    A negative number gets parentheses unless it stands alone as a function
    argument or as the first operand (``−2 + 5``, ``max(−1, 2)``, ``(−1)²``).
    """
    if not op.ports:
        return formula
    mapping = dict(zip(op.ports, texts))

    def put(m: re.Match) -> str:
        text = mapping[m.group(1)]
        if not text.startswith(MINUS):
            return text
        before = formula[:m.start()].rstrip()
        after = formula[m.end():].lstrip()
        alone = (before.endswith(("(", ",")) and after.startswith((")", ","))) or \
            (before == "" and formula[m.end():m.end() + 1] == " ")
        return text if alone else f"({text})"
    return re.sub(_port_pattern(op), put, formula)


def _uses_ports(formula: str, op: ops.Op) -> bool:
    found = set(re.findall(_port_pattern(op), formula))
    return found == set(op.ports)


def _call(op: ops.Op, args: list[str]) -> str:
    if _uses_ports(op.formula, op):
        return _substitute(op.formula, op, args)
    return f"{op.name}({', '.join(args)})"


# ----------------------------------------------------------------- forward

def forward_text(step: ForwardStep, graph: Graph, digits: int = 4) -> Explanation:
    node = graph.node(step.node)
    op = node.spec
    name = _name(graph, step.node)
    if op.is_leaf:
        kind = "a value you set" if node.op == "input" else "a constant"
        extra = ", trainable" if node.trainable else ""
        lines = [f"{name} = {format_value(step.value, digits, minus=MINUS)}   ({kind}{extra})"]
        if step.tangent is not None:
            from .tangent_text import leaf_line
            lines.append(leaf_line(name, step.tangent, step.seeded, digits))
        return Explanation(f"Forward: {name} ({node.op})", lines)
    symbolic = _call(op, [_name(graph, e.src) for e, _ in step.inputs])
    numeric = _call(op, [num(v, digits) for _, v in step.inputs])
    result = format_value(step.value, digits, minus=MINUS)
    lines = [f"{name} = {symbolic} = {numeric} = {result}"]
    if step.tangent is not None:            # forward mode: the tangent rule too
        from .tangent_text import rule_with_numbers
        lines.append(rule_with_numbers(op, node.attrs, name,
                                       [_name(graph, e.src) for e, _ in step.inputs],
                                       [v for _, v in step.inputs], step.input_tangents,
                                       step.value, step.tangent, digits))
    return Explanation(f"Forward: {name} ({node.op})", lines)


# ---------------------------------------------------------------- backward

def local_derivative(op: ops.Op, out: Any, inputs: list[Any], port: int) -> Any:
    """∂out/∂input[port] at these values: the op's VJP with upstream 1 (scalars)."""
    with np.errstate(all="ignore"):
        result = op.array_vjp(1.0, out, *inputs)
    return result[port] if op.arity > 1 else result


def upstream_lines(step: BackwardStep, graph: Graph, output: str, digits: int) -> list[str]:
    L, n = _name(graph, output), _name(graph, step.node)
    if step.node == output:
        return [f"∂{L}/∂{L} = 1   (the output: the backward pass starts here)"]
    parts = [(e, g) for e, g in step.outgoing]
    if len(parts) == 1:
        e, g = parts[0]
        return [f"∂{L}/∂{n} = {num(step.grad, digits)}   (from {_name(graph, e.dst)})"]
    via = []
    dsts = [e.dst for e, _ in parts]
    for e, g in parts:
        where = _name(graph, e.dst)
        if dsts.count(e.dst) > 1:
            where += "." + graph.node(e.dst).spec.ports[e.port]
        via.append(f"{_factor(g, digits) if via else num(g, digits)} (via {where})")
    return [f"∂{L}/∂{n} = " + " + ".join(via) + f" = {num(step.grad, digits)}",
            f"{n} feeds {len(parts)} wires: its gradient is the sum of what each sends back"]


def backward_text(step: BackwardStep, graph: Graph, evaluation: Evaluation,
                  digits: int = 4) -> Explanation:
    node = graph.node(step.node)
    lines = upstream_lines(step, graph, evaluation.output, digits)
    for edge_lines in incoming_lines(step, graph, evaluation, digits).values():
        lines += edge_lines
    return Explanation(f"Backward: {node.display} ({node.op})", lines, node.spec.note)


def incoming_lines(step: BackwardStep, graph: Graph, evaluation: Evaluation,
                   digits: int = 4) -> dict[Edge, list[str]]:
    """For each incoming wire: the local derivative and the chain-rule product."""
    node = graph.node(step.node)
    op = node.spec
    if op.is_leaf:
        return {}
    L, n = _name(graph, evaluation.output), _name(graph, step.node)
    in_edges = graph.in_edges(step.node)
    inputs = [evaluation.edge_value(e) for e in in_edges]
    out = evaluation.value(step.node)
    names = [_name(graph, e.src) for e in in_edges]
    up = step.grad
    arrays = any(isinstance(v, np.ndarray) for v in inputs + [out, up])
    result = {}
    for edge, grad in step.incoming:
        s = _name(graph, edge.src)
        tag = f" (port {op.ports[edge.port]})" if names.count(s) > 1 else ""
        if arrays:
            first, *more = _array_chain(op, edge.port, L, n, names, up, grad, inputs,
                                        node.attrs).split("\n")
            result[edge] = [first + tag, *more]
            continue
        local = local_derivative(op, out, inputs, edge.port)
        formula = _substitute(op.local[edge.port], op, names)
        local_line = f"local  ∂{n}/∂{s} = {formula}"
        if formula != num(local, digits):
            local_line += f" = {num(local, digits)}"
        result[edge] = [local_line + tag,
                        f"chain  ∂{L}/∂{s} = ∂{L}/∂{n} · ∂{n}/∂{s} = "
                        f"{num(up, digits)} · {_factor(local, digits)} = {num(grad, digits)}" + tag]
    return result


def _array_chain(op: ops.Op, port: int, L: str, n: str, names: list[str], up: Any,
                 grad: Any, inputs: list[Any], attrs: dict | None = None) -> str:
    """The chain rule with shapes: ``∂L/∂x = ∂L/∂y ⊙ (local) : (2×3)``, or the op's
    own way of saying it (``Op.chain``: matmul's ``∂L/∂W = ∂L/∂Y @ Xᵀ``)."""
    if op.chain is not None:
        return op.chain(port, L, n, names, up, grad, inputs, attrs or {})
    s = names[port]
    shape = format_shape(np.shape(grad))
    up_shape = format_shape(np.shape(up))
    local = _substitute(op.local[port], op, names)
    text = f"chain  ∂{L}/∂{s} = ∂{L}/∂{n} ⊙ ({local}) : {shape}"
    if _summed_over_broadcast(up, grad, inputs):
        text += f", summed from {up_shape} over the broadcast axes"
    return text


def _summed_over_broadcast(up: Any, grad: Any, inputs: list[Any]) -> bool:
    """Whether an element-wise gate's input was stretched by broadcasting, so its
    gradient is the upstream one summed back to its shape.  Gates that change shapes
    their own way (conv2d, pooling, reshape, the losses) have inputs that need not
    broadcast together at all: they are not summed."""
    try:
        full = np.broadcast_shapes(*[np.shape(v) for v in inputs])
        full = np.broadcast_shapes(np.shape(up), full)
    except ValueError:
        return False
    return np.shape(grad) != full


# ------------------------------------------------- a node or wire after a pass

def forward_step_of(evaluation: Evaluation, graph: Graph, node_id: str) -> ForwardStep | None:
    value = evaluation.value(node_id)
    if value is None:
        return None
    ins = [(e, evaluation.edge_value(e)) for e in graph.in_edges(node_id)]
    tangents = getattr(evaluation, "tangents", None)     # forward mode
    if tangents is None:
        return ForwardStep(node_id, value, ins)
    index = evaluation.plan.index
    t = tangents[index[node_id]]
    return ForwardStep(node_id, value, ins, t, [tangents[index[e.src]] for e, _ in ins],
                       seeded=bool(np.any(np.asarray(t) != 0)))


def backward_step_of(evaluation: Evaluation, graph: Graph, node_id: str) -> BackwardStep | None:
    grad = evaluation.grad(node_id)
    if grad is None:
        return None
    incoming = [(e, evaluation.edge_grad(e)) for e in graph.in_edges(node_id)]
    outgoing = [(e, evaluation.edge_grad(e)) for e in graph.out_edges(node_id)
                if evaluation.grad(e.dst) is not None]
    return BackwardStep(node_id, grad, incoming, outgoing)


def node_text(evaluation: Evaluation, graph: Graph, node_id: str, digits: int = 4) -> Explanation:
    """Both passes at one node, for clicking it after a full pass."""
    node = graph.node(node_id)
    result = Explanation(f"{node.display} ({node.op})")
    fwd = forward_step_of(evaluation, graph, node_id)
    if fwd is not None:
        result.lines += forward_text(fwd, graph, digits).lines
    else:
        result.lines.append("no value: " + next((p.message for p in evaluation.problems
                                                  if p.node == node_id), "an input is missing"))
    bwd = backward_step_of(evaluation, graph, node_id)
    if bwd is not None:
        text = backward_text(bwd, graph, evaluation, digits)
        result.lines += text.lines
        result.note = text.note
    else:
        result.lines.append("no gradient: " + (evaluation.error or
                                               "this node does not reach the output"))
        result.note = node.spec.note
    return result


def edge_text(evaluation: Evaluation, graph: Graph, edge: Edge, digits: int = 4) -> Explanation:
    """One wire: the value it carries forward and the gradient it carries back."""
    src, dst = _name(graph, edge.src), _name(graph, edge.dst)
    port = graph.node(edge.dst).spec.ports[edge.port]
    result = Explanation(f"Wire {src} → {dst} (port {port})",
                         [f"value  {format_value(evaluation.edge_value(edge), digits, minus=MINUS)}"])
    tangents = getattr(evaluation, "tangents", None)       # forward mode
    if tangents is not None:
        from .tangent_text import dot
        t = tangents[evaluation.plan.index[edge.src]]
        result.lines.append(f"tangent  {dot(src)} = {format_value(t, digits, minus=MINUS)}")
    bwd = backward_step_of(evaluation, graph, edge.dst)
    if bwd is None:
        result.lines.append("gradient  — (no gradient reaches this wire)")
        return result
    result.lines += incoming_lines(bwd, graph, evaluation, digits).get(edge, [])
    result.note = graph.node(edge.dst).spec.note
    return result


def step_page(stepper, digits: int = 4, interactive: bool = True,
              optimizer=None) -> tuple[Explanation, str, str, str]:
    """(explanation, header, hint, kind) of the step ``stepper`` stands at.

    Shared with the exported frames (``interactive=False`` leaves out what
    only makes sense with a keyboard and a mouse).  ``optimizer`` writes the
    Update step (default: plain SGD).
    """
    graph = stepper.graph
    n_fwd, total, k = len(stepper.forward), stepper.total, stepper.position
    output = stepper.evaluation.output
    out = _name(graph, output) if output in graph else "the output"
    # collapsed groups are one step each pass: the schedule counts stops
    stops = stepper.stops() if getattr(stepper, "gates", None) else None
    if stops is not None and len(stops) == total:
        stops = None
    n_bwd = stepper.n_backward
    if stops is not None:
        k_shown, total = stepper.stop_number(k), len(stops)
        n_fwd_stops, n_bwd = stepper.stop_count()
    if k == 0:
        inside = "" if stops is None else \
            f" (a collapsed group is one step; {n_fwd} nodes in all)"
        inside_b = "" if stops is None else f" ({stepper.n_backward} nodes in all)"
        lines = [f"forward pass: {n_fwd if stops is None else n_fwd_stops} "
                 f"{'nodes' if stops is None else 'steps'}, each once its inputs have "
                 f"values{inside}",
                 f"backward pass: {n_bwd} {'nodes' if stops is None else 'steps'}, "
                 f"from {out} back to the inputs{inside_b}"]
        note = (f"The backward pass cannot run: {stepper.error}." if stepper.error else
                "Press → for the first step, End for all of them, Space to play."
                if interactive else "")
        return Explanation("Nothing computed yet", lines, note), f"Step 0 of {total}", "", "info"
    step = stepper.current
    gate = stepper.gate_at() if getattr(stepper, "gates", None) else None
    if gate is not None:                 # a collapsed group's one step: the gate's page
        from .group_chain import gate_backward_text, gate_forward_text   # (imports this)
    n_update = getattr(stepper, "n_update", 0)
    if isinstance(step, UpdateStep):
        from .update_text import update_step_text          # (imports this module)
        explanation = update_step_text(graph, stepper.evaluation, step.params, optimizer,
                                       digits)
        kind, phase = "update", "update step"
    elif isinstance(step, ForwardStep):
        explanation, kind = (forward_text(step, graph, digits) if gate is None else
                             gate_forward_text(graph, stepper.evaluation, gate, digits)), "forward"
        phase = (f"forward pass, node {k} of {n_fwd}" if stops is None else
                 f"forward pass, step {k_shown} of {n_fwd_stops}")
    else:
        explanation, kind = (backward_text(step, graph, stepper.evaluation, digits)
                             if gate is None else
                             gate_backward_text(graph, stepper.evaluation, gate, digits)), \
            "backward"
        phase = (f"backward pass, node {k - n_fwd} of {n_bwd}" if stops is None else
                 f"backward pass, step {k_shown - n_fwd_stops} of {n_bwd}")
    hint = ""
    if k == stepper.total:
        hint = "Done: every wire now shows the same numbers as the full pass."
        if n_update:
            hint += " The parameters keep their values until a training step moves them."
        if interactive:
            hint += " Click a node or a wire to read its chain rule; Home starts again."
    elif n_update and k == total - n_update:
        hint = ("Backward pass complete: every parameter has its gradient. "
                "Next: the Update step, what one training step does with them.")
    elif k == n_fwd:
        value = stepper.evaluation.value(output) if output is not None else None
        hint = (f"Forward pass complete: {out} = {format_value(value, digits, minus=MINUS)}. "
                f"Next: the backward pass starts at {out} with ∂{out}/∂{out} = 1."
                if stepper.n_backward else
                f"Forward pass complete. The backward pass cannot run: {stepper.error}.")
    shown = k if stops is None else k_shown
    return explanation, f"Step {shown} of {total} · {phase}", hint, kind
