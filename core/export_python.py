"""Export a graph as a standalone Python script that needs only numpy.

Why: the point of the lab is that backpropagation is a short, ordinary
program.  The exported script is that program for one graph, written out:
the leaves as literals, the forward pass one line per node (in the engine's
order), the backward pass one line per wire with the chain rule in a comment,
the sums at forks spelled out (``dx = dx_q + dx_m``), and a ``main`` that
prints every value and gradient as the JSON object ``chainrule eval FILE
--json`` prints, so a test can check that the script computes what the app
shows.

How the numbers stay the same: every op's code comes from one table,
:data:`_TEMPLATES` (op name → forward template, one vjp template per port),
which mirrors the numpy implementations of :mod:`core.ops` (``array`` and
``array_vjp``) expression for expression, PyTorch conventions included (relu
and abs have derivative 0 at 0, a max/min tie splits the gradient, pow's
special cases).  Gradients are added up in the order the engine adds them
(the order of ``Plan.backward_steps``, port 0 before port 1), and summed back
to an input's shape with a copy of :func:`core.ops.unbroadcast` exactly where
broadcasting happened.  Scalars are ``np.float64`` so that 1/0 gives inf as in
the app (the app computes scalars with :mod:`math` and falls back to numpy
where that raises; the two agree to the last bit or within an ulp for exp,
log, sin, cos, tanh and pow).

``chainrule export FILE.cgraph -o OUT.py`` (``-o -`` for stdout) writes it.
"""
from __future__ import annotations

import builtins
import json
import keyword
import re
from typing import Any

import numpy as np

from . import ops
from .engine import Evaluation, Evaluator
from .errors import EvaluationError
from .graph import Graph

# op → (forward template, [vjp template for each port]).  Fields: the port names
# of the op ({a}, {b}, {x}, {base}, ...), {g} (the node's gradient), {out} (its
# value), {axis} (attrs.axis) and, for leaves, {value}.  Each template mirrors the
# op's ``array`` / ``array_vjp`` in core/ops.py; names starting with "_" are
# helpers from _HELPERS, emitted only when used.
_TEMPLATES: dict[str, tuple[str, list[str]]] = {
    "input": ("{value}", []),
    "const": ("{value}", []),
    "add": ("{a} + {b}", ["{g}", "{g}"]),
    "sub": ("{a} - {b}", ["{g}", "-{g}"]),
    "mul": ("{a} * {b}", ["{g} * {b}", "{g} * {a}"]),
    "div": ("{a} / {b}", ["{g} / {b}", "-{g} * (({a} / {b}) / {b})"]),
    "pow": ("np.power({base}, {exponent})",
            ["np.where({exponent} == 0, 0.0, "
             "{g} * ({exponent} * np.power({base}, {exponent} - 1)))",
             "np.where(({base} == 0) & ({exponent} >= 0), 0.0, {g} * ({out} * np.log({base})))"]),
    "max": ("np.maximum({a}, {b})",
            ["np.where({a} < {b}, 0.0, np.where({a} == {b}, {g} / 2, {g}))",
             "np.where({a} > {b}, 0.0, np.where({a} == {b}, {g} / 2, {g}))"]),
    "min": ("np.minimum({a}, {b})",
            ["np.where({a} > {b}, 0.0, np.where({a} == {b}, {g} / 2, {g}))",
             "np.where({a} < {b}, 0.0, np.where({a} == {b}, {g} / 2, {g}))"]),
    "matmul": ("{a} @ {b}", ["_matmul_grad_a({g}, {a}, {b})", "_matmul_grad_b({g}, {a}, {b})"]),
    "neg": ("-{x}", ["-{g}"]),
    "exp": ("np.exp({x})", ["{g} * {out}"]),
    "log": ("np.log({x})", ["{g} / {x}"]),
    "sin": ("np.sin({x})", ["{g} * np.cos({x})"]),
    "cos": ("np.cos({x})", ["{g} * -np.sin({x})"]),
    "tanh": ("np.tanh({x})", ["{g} * (1 - {out} * {out})"]),
    "sigmoid": ("1.0 / (1.0 + np.exp(-{x}))", ["{g} * (1 - {out}) * {out}"]),
    "relu": ("np.where({x} <= 0, 0.0, {x})", ["np.where({out} <= 0, 0.0, {g})"]),
    "abs": ("np.abs({x})", ["{g} * (({x} > 0) * 1.0 - ({x} < 0))"]),
    "sqrt": ("np.sqrt({x})", ["{g} / (2 * {out})"]),
    "square": ("np.square({x})", ["{g} * (2 * {x})"]),
    "reciprocal": ("np.reciprocal({x})", ["-{g} * ({out} * {out})"]),
    "sum": ("_sum({x}, {axis})", ["_sum_grad({g}, {x}, {axis})"]),
    "mean": ("_mean({x}, {axis})", ["_mean_grad({g}, {x}, {axis})"]),
    "mse": ("np.mean(({pred} - {target}) * ({pred} - {target}))",
            ["2.0 / np.size({pred} - {target}) * ({pred} - {target}) * {g}",
             "2.0 / np.size({pred} - {target}) * (-({pred} - {target})) * {g}"]),
}

# Ops whose gradient into an input is summed back to that input's shape when
# broadcasting stretched it (core.ops wraps their vjps in ``unbroadcast``).
_BROADCASTING = {"add", "sub", "mul", "div", "pow", "max", "min", "mse"}

# The choices at non-differentiable points, said in the comment of the line.
_CONVENTIONS = {
    "relu": "0 where the input is ≤ 0, as in PyTorch",
    "abs": "0 at 0, as in PyTorch",
    "max": "a tie sends half to each input, as in PyTorch",
    "min": "a tie sends half to each input, as in PyTorch",
    "pow": "0 where the exponent is 0 (base) or the base is 0 (exponent), as in PyTorch",
}

_HELPERS: dict[str, str] = {
    "_unbroadcast": '''
def _unbroadcast(g, shape):
    """Sum g over the axes broadcasting added or stretched, back to an input's shape."""
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g
''',
    "_matmul_grad_a": '''
def _matmul_grad_a(g, a, b):
    """The gradient of a in a @ b: g @ b.T (vectors treated as a row and a column)."""
    a2 = a if a.ndim == 2 else a[None, :]
    b2 = b if b.ndim == 2 else b[:, None]
    g2 = np.reshape(g, (a2.shape[0], b2.shape[1]))
    return (g2 @ b2.T).reshape(a.shape)
''',
    "_matmul_grad_b": '''
def _matmul_grad_b(g, a, b):
    """The gradient of b in a @ b: a.T @ g (vectors treated as a row and a column)."""
    a2 = a if a.ndim == 2 else a[None, :]
    b2 = b if b.ndim == 2 else b[:, None]
    g2 = np.reshape(g, (a2.shape[0], b2.shape[1]))
    return (a2.T @ g2).reshape(b.shape)
''',
    "_sum": '''
def _sum(x, axis):
    """Sum of the elements (or along axis); a scalar is its own sum."""
    return x if np.ndim(x) == 0 else np.sum(x, axis=axis)
''',
    "_mean": '''
def _mean(x, axis):
    """Mean of the elements (or along axis); a scalar is its own mean."""
    return x if np.ndim(x) == 0 else np.mean(x, axis=axis)
''',
    "_sum_grad": '''
def _sum_grad(g, x, axis):
    """sum copies the upstream gradient to every element it added up."""
    if np.ndim(x) == 0:
        return g
    g = np.asarray(g, dtype=np.float64)
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, np.shape(x)).copy()
''',
    "_mean_grad": '''
def _mean_grad(g, x, axis):
    """mean copies the upstream gradient divided by n to each of its n elements."""
    if np.ndim(x) == 0:
        return g
    n = np.size(x) if axis is None else np.shape(x)[axis]
    g = np.asarray(g, dtype=np.float64)
    if axis is not None:
        g = np.expand_dims(g, axis)
    g = np.broadcast_to(g, np.shape(x))
    return g / n if n != 1 else g.copy()
''',
}

_JSON_HELPER = '''
def _json(value):
    """A value as JSON data: floats and nested lists; nan and inf as strings."""
    if value is None:
        return None
    a = np.asarray(value, dtype=np.float64)
    if a.ndim:
        return [_json(row) for row in a]
    x = float(a)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    return x
'''

_RESERVED = ({"np", "json", "main", "numpy"} | set(dir(builtins)) | set(_HELPERS) | {"_json"})


# ------------------------------------------------------------------ names

class _Names:
    """Unique Python identifiers for node ids and the gradients derived from them."""

    def __init__(self) -> None:
        self.used: set[str] = set(_RESERVED)

    def take(self, wanted: str) -> str:
        name = wanted
        k = 2
        while name in self.used:
            name = f"{wanted}_{k}"
            k += 1
        self.used.add(name)
        return name


def _identifier(node_id: str) -> str:
    """``node_id`` as an ASCII identifier: other characters become ``_``."""
    name = re.sub(r"\W", "_", node_id, flags=re.ASCII)
    if not name or name[0].isdigit():
        name = "n_" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


# ---------------------------------------------------------------- literals

def _literal(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({_nested(value.tolist())}, dtype=np.float64)"
    return f"np.float64({float(value)!r})"


def _nested(item: Any) -> str:
    if isinstance(item, list):
        return "[" + ", ".join(_nested(x) for x in item) + "]"
    return repr(float(item))


def _local_text(op: ops.Op, port: int, names: list[str], g_name: str) -> str:
    """The op's local derivative for ``port`` (from the op table) in the script's names."""
    mapping = dict(zip(op.ports, names))
    mapping["g"] = g_name
    pattern = r"(?<![A-Za-z_])(" + "|".join(re.escape(p) for p in mapping) + r")(?![A-Za-z_])"
    return re.sub(pattern, lambda m: mapping[m.group(1)], op.local[port])


# ------------------------------------------------------------------ export

def export_python(graph: Graph, evaluation: Evaluation | None = None) -> str:
    """The graph as a standalone numpy script (text).  The graph must evaluate with
    no problems and have an output; otherwise :class:`EvaluationError`."""
    if evaluation is None:
        evaluation = Evaluator(graph).evaluate()
    if evaluation.problems:
        raise EvaluationError(evaluation.problems[0].message, evaluation.problems[0].node)
    if evaluation.error is not None:
        raise EvaluationError(evaluation.error)
    plan = evaluation.plan
    order, vals = plan.order, evaluation.values
    L_id = plan.output_id

    names = _Names()
    var = {n.id: names.take(_identifier(n.id)) for n in graph.nodes()}
    L = var[L_id]

    # How many contributions each node receives, in the order the engine adds them.
    reaching = plan.reaching
    contributions: dict[int, list[tuple[int, int]]] = {}
    for step in plan.backward_steps:
        for port, j in enumerate((step.a, step.b)):
            if j >= 0:
                contributions.setdefault(j, []).append((step.node, port))
    gvar = {order[i]: names.take("d" + var[order[i]]) for i in range(len(order)) if reaching[i]}
    edge_var: dict[tuple[int, int], str] = {}
    for j, contribs in contributions.items():
        if len(contribs) == 1:
            edge_var[contribs[0]] = gvar[order[j]]
            continue
        for i, port in contribs:
            twice = sum(1 for k, _ in contribs if k == i) > 1
            suffix = f"_{plan.nodes[i].spec.ports[port]}" if twice else ""
            edge_var[(i, port)] = names.take(f"d{var[order[j]]}_{var[order[i]]}{suffix}")

    used_helpers: set[str] = set()

    def fill(template: str, i: int, **extra: str) -> str:
        node = plan.nodes[i]
        fields = {p: var[order[j]] for p, j in zip(node.spec.ports, plan.inputs[i])}
        fields["out"] = var[order[i]]
        fields["axis"] = repr(node.attrs.get("axis"))
        fields.update(extra)
        code = template.format(**fields)
        used_helpers.update(h for h in _HELPERS if re.search(rf"\b{h}\(", code))
        return code

    # ---- leaves and forward pass
    leaf_lines, forward_lines = [], []
    for i, node in plan.leaves:
        leaf_lines.append(f"{var[node.id]} = {_literal(node.value)}  # {_describe(node)}")
    for step in plan.forward_steps:
        i = step.node
        node = plan.nodes[i]
        code = fill(_TEMPLATES[node.op][0], i)
        forward_lines.append(f"{var[node.id]} = {code}  # {_describe(node)}")

    # ---- backward pass
    seed = vals[plan.output]
    seed_code = f"np.ones_like({L})" if isinstance(seed, np.ndarray) else "np.float64(1.0)"
    backward_lines = [f"{gvar[L_id]} = {seed_code}  # ∂{L}/∂{L} = 1: the output seeds the pass"]
    for step in plan.backward_steps:
        i = step.node
        node = plan.nodes[i]
        n = var[node.id]
        contribs = contributions.get(i, [])
        if len(contribs) > 1:
            terms = " + ".join(edge_var[c] for c in contribs)
            backward_lines.append(f"{gvar[node.id]} = {terms}  # {n} feeds {len(contribs)} "
                                  f"wires: its gradient is the sum of what they send back")
        spec = node.spec
        in_names = [var[order[j]] for j in plan.inputs[i]]
        for port, j in enumerate(plan.inputs[i]):
            s = var[order[j]]
            code = fill(_TEMPLATES[node.op][1][port], i, g=gvar[node.id])
            if node.op in _BROADCASTING:
                shape = np.shape(vals[j])
                full = np.broadcast_shapes(*(np.shape(vals[k]) for k in plan.inputs[i]))
                if shape != full:
                    code = f"_unbroadcast({code}, {shape!r})"
                    used_helpers.add("_unbroadcast")
            local = _local_text(spec, port, in_names, f"∂{L}/∂{n}")
            if "∂" in local:
                chain = f"∂{L}/∂{s} via {n} = {local}"
            else:
                chain = (f"∂{L}/∂{s} via {n} = ∂{L}/∂{n} · ∂{n}/∂{s} = ∂{L}/∂{n} · "
                         + (local if re.fullmatch(r"[\w.−-]+", local) else f"({local})"))
            if node.op in _CONVENTIONS:
                chain += f"; {_CONVENTIONS[node.op]}"
            backward_lines.append(f"{edge_var[(i, port)]} = {code}  # {chain}")

    # ---- main: the same object as `chainrule eval FILE --json`
    def grad_of(node_id: str) -> str:
        return gvar.get(node_id, "None")

    node_rows = [f"        {_str(n.id)}: {{\"op\": {_str(n.op)}, \"value\": _json({var[n.id]}), "
                 f"\"grad\": _json({grad_of(n.id)})}}," for n in graph.nodes()]
    edge_rows = []
    for e in graph.edges():
        i = plan.index[e.dst]
        g = edge_var.get((i, e.port), "None") if reaching[i] else "None"
        edge_rows.append(f"        {{\"from\": {_str(e.src)}, \"to\": {_str(e.dst)}, "
                         f"\"port\": {e.port}, "
                         f"\"value\": _json({var[e.src]}), \"grad\": _json({g})}},")

    title = (graph.title or "A Chainrule graph").replace("\\", "\\\\").replace('"', '\\"')
    parts = [
        "#!/usr/bin/env python3",
        f'"""{title}',
        "",
        "Exported from Chainrule. The forward pass computes every node, one line",
        f"per node; the backward pass sends the gradient of the output {L} back, one",
        "line per wire, with the chain rule in the comment, and adds up the",
        "contributions where a node feeds several wires. Running the script prints",
        "every value and gradient as the JSON object of `chainrule eval FILE --json`.",
        "Needs only numpy.",
        '"""',
        "import json",
        "",
        "import numpy as np",
        "",
        "np.seterr(all=\"ignore\")  # inf and nan are results here, as in the app",
    ]
    for h in [*(h for h in _HELPERS if h in used_helpers), "_json"]:
        parts += ["", "", (_HELPERS.get(h) or _JSON_HELPER).strip("\n")]
    parts += ["", "", "# ---- leaves", *leaf_lines, "", "# ---- forward pass", *forward_lines,
              "", f"# ---- backward pass: the gradient of {L} with respect to every node",
              *backward_lines, "", "",
              "def main():",
              "    result = {",
              f"        \"output\": {_str(L_id)},",
              f"        \"value\": _json({L}),",
              "        \"nodes\": {",
              *["    " + row for row in node_rows],
              "        },",
              "        \"edges\": [",
              *["    " + row for row in edge_rows],
              "        ],",
              "    }",
              "    print(json.dumps(result, indent=2, allow_nan=False))",
              "",
              "",
              'if __name__ == "__main__":',
              "    main()"]
    return "\n".join(parts) + "\n"


def _str(text: str) -> str:
    """A string literal (JSON's syntax is valid Python for strings)."""
    return json.dumps(text, ensure_ascii=False)


def _describe(node) -> str:
    label = f", {node.label!r}" if node.label and node.label != node.id else ""
    extra = ", trainable" if node.trainable else ""
    axis = f", axis={node.attrs['axis']}" if node.attrs.get("axis") is not None else ""
    return f"{node.op}{axis}{label}{extra}"
