"""Export a graph as a standalone Python script that needs only numpy.

Why: the point of the lab is that backpropagation is a short, ordinary
program.  The exported script is that program for one graph, written out:
the leaves as literals, the forward pass one line per node (in the engine's
order), the backward pass one line per wire with the chain rule in a comment,
the sums at forks spelled out (``dx = dx_q + dx_m``), and a ``main`` that
prints every value and gradient as the JSON object ``chainrule eval FILE
--json`` prints, so a test can check that the script computes what the app
shows.

How the numbers stay the same: every op's code comes from its entry in the
op table (``Op.export``: forward template, one vjp template per port), which
mirrors the numpy implementations of :mod:`chainrule.core.ops` (``array`` and
``array_vjp``) expression for expression, PyTorch conventions included (relu
and abs have derivative 0 at 0, a max/min tie splits the gradient, pow's
special cases).  Gradients are added up in the order the engine adds them
(the order of ``Plan.backward_steps``, port 0 before port 1), and summed back
to an input's shape with a copy of :func:`chainrule.core.ops.unbroadcast` exactly where
broadcasting happened.  Scalars are ``np.float64`` so that 1/0 gives inf as in
the app (the app computes scalars with :mod:`math` and falls back to numpy
where that raises; the two agree to the last bit or within an ulp for exp,
log, sin, cos, tanh and pow).

With tangent seeds (``chainrule export ... --tangent ID=VALUE``) the script
also runs forward mode: one line per node after the forward pass, the
tangent rule in the comment (:mod:`chainrule.core.export_tangents`, from each
op's ``Template.tangent``), and ``main`` prints every node's ``tangent`` as
``chainrule eval FILE --json --tangent ...`` does.

``chainrule export FILE.cgraph -o OUT.py`` (``-o -`` for stdout) writes it.
"""
from __future__ import annotations

import builtins
import json
import keyword
import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from . import ops
from .engine import Evaluation, Evaluator
from .errors import EvaluationError
from .export_tangents import tangent_lines
from .graph import Graph

# The code of every op comes from its entry in the op table (``Op.export``, a
# :class:`chainrule.core.ops.Template`): forward and one gradient per port, the helpers they
# call, whether gradients are summed back over broadcast axes, and the convention
# said in the comment.  Only the summing-back helper is this module's own.
_UNBROADCAST = '''
def _unbroadcast(g, shape):
    """Sum g over the axes broadcasting added or stretched, back to an input's shape."""
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g
'''


def _helpers() -> dict[str, str]:
    """Every helper a script may need, in the order a script writes them: the
    summing-back one, then those of the ops in the table's order."""
    helpers = {"_unbroadcast": _UNBROADCAST}
    for op in ops.OPS.values():
        if op.export is not None:
            for name, code in op.export.helpers.items():
                helpers.setdefault(name, code)
    return helpers


class _TemplateView(Mapping):
    """op name → (forward template, [gradient template per port]), read from the table."""

    def __getitem__(self, name: str) -> tuple[str, list[str]]:
        template = ops.OPS[name].export
        if template is None:
            raise KeyError(name)
        return template.forward, list(template.grads)

    def __iter__(self) -> Iterator[str]:
        return (name for name, op in ops.OPS.items() if op.export is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_TEMPLATES: Mapping[str, tuple[str, list[str]]] = _TemplateView()

#: The end of every exported script's ``_json``: a number, nan and inf as strings
#: (``x`` is the number as a float).
JSON_NUMBER = '''    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    return x
'''

_JSON_HELPER = '''
def _json(value):
    """A value as JSON data: floats and nested lists; nan and inf as strings."""
    if value is None:
        return None
    a = np.asarray(value, dtype=np.float64)
    if a.ndim:
        return [_json(row) for row in a]
    x = float(a)
''' + JSON_NUMBER

_RESERVED = ({"np", "json", "main", "numpy"} | set(dir(builtins)) | {"_json"})


# ------------------------------------------------------------------ names

class _Names:
    """Unique Python identifiers for node ids and the gradients derived from them."""

    def __init__(self, helpers) -> None:
        self.used: set[str] = set(_RESERVED) | set(helpers)

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

def evaluated(graph: Graph, evaluation: Evaluation | None = None) -> Evaluation:
    """A full pass of ``graph`` fit to export: no problem anywhere, an output;
    otherwise :class:`EvaluationError` (the first problem)."""
    if evaluation is None:
        evaluation = Evaluator(graph).evaluate()
    if evaluation.problems:
        raise EvaluationError(evaluation.problems[0].message, evaluation.problems[0].node)
    if evaluation.error is not None:
        raise EvaluationError(evaluation.error)
    return evaluation


def export_python(graph: Graph, evaluation: Evaluation | None = None,
                  tangents: Mapping[str, Any] | None = None) -> str:
    """The graph as a standalone numpy script (text).  The graph must evaluate with
    no problems and have an output; otherwise :class:`EvaluationError`.  With
    ``tangents`` (leaf id → seed) the script runs forward mode too."""
    evaluation = evaluated(graph, evaluation)
    plan = evaluation.plan
    order, vals = plan.order, evaluation.values
    L_id = plan.output_id

    helpers = _helpers()
    names = _Names(helpers)
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
        fields.update((k, repr(v)) for k, v in node.spec.resolve(node.attrs).items())
        fields.update(extra)
        code = template.format(**fields)
        used_helpers.update(h for h in helpers if re.search(rf"\b{h}\(", code))
        return code

    # ---- leaves and forward pass
    leaf_lines, forward_lines = [], []
    for i, node in plan.leaves:
        leaf_lines.append(f"{var[node.id]} = {_literal(node.value)}  # {_describe(node)}")
    for step in plan.forward_steps:
        i = step.node
        node = plan.nodes[i]
        code = fill(node.spec.export.forward, i)
        forward_lines.append(f"{var[node.id]} = {code}  # {_describe(node)}")

    # ---- forward mode
    tvar: dict[str, str] = {}
    tangent_code: list[str] = []
    if tangents is not None:
        def code_for(i: int, tv: Mapping[str, str]) -> str:
            node = plan.nodes[i]
            dots = {f"t_{p}": tv[order[j]] for p, j in zip(node.spec.ports, plan.inputs[i])}
            return fill(node.spec.export.tangent, i, **dots)
        tvar, tangent_code = tangent_lines(evaluation, var, names.take, tangents, _literal,
                                           code_for)

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
            code = fill(spec.export.grads[port], i, g=gvar[node.id])
            if spec.export.broadcasting:
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
            if spec.export.convention:
                chain += f"; {spec.export.convention}"
            backward_lines.append(f"{edge_var[(i, port)]} = {code}  # {chain}")

    # ---- main: the same object as `chainrule eval FILE --json`
    def grad_of(node_id: str) -> str:
        return gvar.get(node_id, "None")

    def tangent_of(node_id: str) -> str:
        return f", \"tangent\": _json({tvar[node_id]})" if tangents is not None else ""

    node_rows = [f"        {_str(n.id)}: {{\"op\": {_str(n.op)}, \"value\": _json({var[n.id]}), "
                 f"\"grad\": _json({grad_of(n.id)}){tangent_of(n.id)}}},"
                 for n in graph.nodes()]
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
    for h in [*(h for h in helpers if h in used_helpers), "_json"]:
        parts += ["", "", (helpers.get(h) or _JSON_HELPER).strip("\n")]
    if tangent_code:
        tangent_code = ["", "# ---- forward mode: the tangent of every node along the seeded "
                        "leaves (ẋ = dx/dt)", *tangent_code]
    parts += ["", "", "# ---- leaves", *leaf_lines, "", "# ---- forward pass", *forward_lines,
              *tangent_code,
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
    settings = "".join(f", {s.name}={node.attrs[s.name]}" for s in node.spec.settings
                       if node.attrs.get(s.name) is not None)
    return f"{node.op}{settings}{label}{extra}"
