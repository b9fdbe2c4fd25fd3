"""Export a graph as a PyTorch program (float64), as a script or a notebook.

Why: where learners outgrow the lab they go to PyTorch, so the graph they
built should be the PyTorch program they would write: the leaves as tensors
(the trainable ones with ``requires_grad``), the forward pass one line per
node with the op's reference function of ``ops.md`` (``Template.torch`` in the
op table), and ``backward()``.  Running the script prints the JSON object of
``chainrule eval FILE --json``: every node's value and gradient, and each
wire's own contribution, read as a test harness reads it, through an identity
clone per wire (``wire(t, k)``), so the export checks the app against PyTorch.
``model`` is a function of the leaves, which ``chainrule import FILE:model``
traces back into the same graph (``example_inputs()`` gives the leaves).

``chainrule export FILE --torch -o model.py`` writes the script;
``--notebook`` writes the same as a Jupyter notebook (:func:`torch_notebook`),
one code cell per layer of the graph, Markdown cells with its description.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ops
from .engine import Evaluation
from .export_python import JSON_NUMBER, _describe, evaluated, _identifier, _Names, _nested, _str
from .graph import Graph

_PRELUDE = '''
import json
import warnings

import torch
import torch.nn.functional as F

# PyTorch warns where mse_loss broadcasts; the graph means it.
warnings.filterwarnings("ignore", "Using a target size")
'''

_WIRE = '''
values = {}     # every node's tensor by id, as model() last computed it
wires = None    # main() makes this a dict: each wire then is an identity clone


def wire(t, k):
    """What the graph's k-th wire carries: t itself, or (once main() has set wires)
    an identity clone of t whose gradient is this wire's own contribution to t's
    (one clone per wire, however often the op's code reads its input)."""
    if wires is None:
        return t
    if k not in wires or wires[k][0] is not t:
        c = t.clone()
        c.retain_grad()
        wires[k] = (t, c)
    return wires[k][1]
'''

_RESULT = '''
def _json(t):
    """A tensor as JSON data: floats and nested lists; nan and inf as strings."""
    if isinstance(t, torch.Tensor):
        t = t.detach().tolist()
    if t is None or isinstance(t, list):
        return None if t is None else [_json(x) for x in t]
    x = float(t)
''' + JSON_NUMBER + '''

def _grad(t, reaches):
    """A gradient as Chainrule shows it: none where the output is not reached, zeros
    where only integer inputs (class indices, ids) are on the way."""
    if not reaches:
        return None
    return t.grad if t.grad is not None else torch.zeros_like(t)


def result(nodes):
    """The JSON object of `chainrule eval FILE --json`."""
    return {
        "output": OUTPUT,
        "value": _json(nodes[OUTPUT]),
        "nodes": {n: {"op": OPS[n], "value": _json(t), "grad": _json(_grad(t, n in REACHES))}
                  for n, t in nodes.items()},
        "edges": [{"from": a, "to": b, "port": port, "value": _json(nodes[a]),
                   "grad": _json(_grad(wires[k][1], b in REACHES))}
                  for k, (a, b, port) in enumerate(EDGES)],
    }


def backward(out):
    """Keep every node's gradient (not only the leaves'), then run the chain rule
    back from out, seeded with ones (∂out/∂out = 1)."""
    for t in values.values():
        if t.requires_grad and not t.is_leaf:
            t.retain_grad()
    out.backward(torch.ones_like(out))
'''

_TANGENTS = '''
def tangents(p):
    """Forward mode (torch.autograd.forward_ad): every node's tangent along SEEDS, the
    leaves not seeded moving with tangent 0, as `chainrule eval --tangent` does."""
    global wires
    wires = None
    with fwAD.dual_level():
        model(**{k: fwAD.make_dual(t.detach(), SEEDS.get(k, torch.zeros_like(t)))
                 for k, t in p.items()})
        found = {n: fwAD.unpack_dual(t).tangent for n, t in values.items()}
        return {n: torch.zeros_like(values[n]) if t is None else t.clone()
                for n, t in found.items()}
'''

_RESERVED = {"torch", "F", "json", "warnings", "values", "wires", "wire", "result", "main",
             "model", "example_inputs", "backward", "OUTPUT", "OPS", "REACHES", "EDGES", "_json",
             "_grad", "_leaf", "fwAD", "SEEDS", "tangents"}


@dataclass
class TorchProgram:
    """The exported program in parts, so the script and the notebook share them."""

    title: str
    description: str
    setup: str                                   # imports, constants, helpers
    leaves: list[str]                            # `name = torch.tensor(...)` per leaf
    leaf_names: dict[str, str]                   # node id → Python name, leaves
    layers: list[tuple[list[str], list[str]]]    # (node ids, forward lines) per layer
    keep: str                                    # values.update({...}): every node by id
    output: str                                  # the output's Python name
    output_id: str


def _tensor(value: Any, trainable: bool) -> str:
    data = _nested(value.tolist()) if isinstance(value, np.ndarray) else repr(float(value))
    grad = ", requires_grad=True" if trainable else ""
    return f"torch.tensor({data}, dtype=torch.float64{grad})"


def torch_program(graph: Graph, evaluation: Evaluation | None = None,
                  tangents: dict[str, Any] | None = None) -> TorchProgram:
    """The graph as the parts of a PyTorch program.  The graph must evaluate with no
    problems and have an output; otherwise :class:`EvaluationError`.  ``tangents``
    (leaf id → seed): forward mode too, through ``torch.autograd.forward_ad``."""
    plan = evaluated(graph, evaluation).plan
    order = plan.order
    helpers: dict[str, str] = {}
    for op in ops.OPS.values():
        if op.export is not None:
            for name, code in op.export.torch_helpers.items():
                helpers.setdefault(name, code)
    names = _Names(_RESERVED | set(helpers))
    var = {n.id: names.take(_identifier(n.id)) for n in graph.nodes()}
    used: set[str] = set()

    edges = graph.edges()
    edge_index = {(e.dst, e.port): k for k, e in enumerate(edges)}
    leaves = [f"{var[n.id]} = {_tensor(n.value, n.trainable)}  # {_describe(n)}"
              for _, n in plan.leaves]
    level_of = {node_id: k for k, level in enumerate(graph.generations()) for node_id in level}
    layers: dict[int, tuple[list[str], list[str]]] = {}
    for step in plan.forward_steps:
        node = plan.nodes[step.node]
        fields = {p: f"wire({var[order[j]]}, {edge_index[(node.id, port)]})"
                  for port, (p, j) in enumerate(zip(node.spec.ports, plan.inputs[step.node]))}
        fields.update((k, repr(v)) for k, v in node.spec.resolve(node.attrs).items())
        code = node.spec.export.torch.format(**fields)
        used.update(h for h in helpers if re.search(rf"\b{h}\(", code))
        ids, lines = layers.setdefault(level_of[node.id], ([], []))
        ids.append(node.id)
        lines.append(f"{var[node.id]} = {code}  # {_describe(node)}")

    out = plan.output_id
    reaching = sorted(order[i] for i in range(len(order)) if plan.reaching[i])
    constants = [
        "",
        f"OUTPUT = {_str(out)}",
        "OPS = {" + ", ".join(f"{_str(n.id)}: {_str(n.op)}" for n in graph.nodes()) + "}",
        "# The nodes that reach the output; the others have no gradient (null).",
        "REACHES = {" + ", ".join(_str(n) for n in reaching) + "}",
        "EDGES = [" + ", ".join(f"({_str(e.src)}, {_str(e.dst)}, {e.port})" for e in edges)
        + "]",
    ]
    sources = [helpers[h].strip("\n") for h in helpers if h in used]
    sources += [_WIRE.strip("\n"), _RESULT.strip("\n")]
    prelude = _PRELUDE.strip("\n")
    if tangents is not None:
        prelude = prelude.replace("import torch.nn.functional as F",
                                  "import torch.autograd.forward_ad as fwAD\n"
                                  "import torch.nn.functional as F")
        seeds = ", ".join(f"{_str(var[n])}: {_tensor(np.asarray(t, dtype=float), False)}"
                          for n, t in tangents.items())
        constants += ["# Forward mode: the seeded tangents (dx/dt) by the leaves' names.",
                      "SEEDS = {" + seeds + "}"]
        sources.append(_TANGENTS.strip("\n"))
    setup = "\n".join([prelude, *constants]) + "\n\n\n" + "\n\n\n".join(sources)
    keep = ("values.update({" + ", ".join(f"{_str(n.id)}: {var[n.id]}" for n in graph.nodes())
            + "})")
    return TorchProgram(graph.title or "A Chainrule graph", graph.description or "", setup,
                        leaves, {n.id: var[n.id] for _, n in plan.leaves},
                        [layers[k] for k in sorted(layers)], keep, var[out], out)


def _leaf_dict(p: TorchProgram) -> str:
    return "{" + ", ".join(f"{_str(v)}: {v}" for v in p.leaf_names.values()) + "}"


def export_torch(graph: Graph, evaluation: Evaluation | None = None,
                 tangents: dict[str, Any] | None = None) -> str:
    """The graph as a runnable PyTorch script (text).

    ``model(...)`` is the forward pass, a function of the leaves that
    ``chainrule import FILE:model`` reads back; ``example_inputs()`` gives them.
    With ``tangents`` (leaf id → seed) the script also runs forward mode and prints
    every node's ``tangent``, as ``chainrule eval FILE --json --tangent ...``."""
    p = torch_program(graph, evaluation, tangents)
    title = p.title.replace("\\", "\\\\").replace('"', '\\"')
    args = ", ".join(p.leaf_names.values())
    body: list[str] = []
    for k, (ids, lines) in enumerate(p.layers):
        body += [f"    # layer {k + 1}: {', '.join(ids)}", *("    " + x for x in lines)]
    parts = [
        "#!/usr/bin/env python3",
        f'"""{title}',
        "",
        "Exported from Chainrule as a PyTorch program in float64: the leaves as tensors",
        "(trainable ones require gradients), the forward pass one line per node with",
        f"the op's PyTorch function, and backward() from the output {p.output}. Running",
        "it prints every value and gradient as the JSON object of",
        "`chainrule eval FILE --json`. Needs torch.",
        '"""',
        p.setup, "", "",
        "def example_inputs():",
        '    """The graph\'s leaves as float64 tensors; trainable inputs require gradients."""',
        *("    " + x for x in p.leaves),
        f"    return {_leaf_dict(p)}",
        "", "",
        f"def model({args}):",
        '    """The forward pass, one line per node, layer by layer; returns the output."""',
        *body,
        f"    {p.keep}",
        f"    return {p.output}",
        "", "",
        "def main():",
        '    """Every value and gradient, printed as `chainrule eval FILE --json` prints them."""',
        "    global wires",
        "    p = example_inputs()",
        "    # Every node's gradient is printed, not only the trainable leaves': here every",
        "    # leaf requires one, and each wire is an identity clone whose gradient is",
        "    # that wire's own contribution (a node's gradient is the sum over its wires).",
        "    for t in p.values():",
        "        t.requires_grad_(True)",
        "    wires = {}",
        "    out = model(**p)",
        "    backward(out)",
        "    printed = result(values)",
        *(["    for n, t in tangents(example_inputs()).items():   # forward mode",
           "        printed[\"nodes\"][n][\"tangent\"] = _json(t)"] if tangents is not None else []),
        "    print(json.dumps(printed, indent=2, allow_nan=False))",
        "", "",
        'if __name__ == "__main__":',
        "    main()",
    ]
    return "\n".join(parts) + "\n"


def torch_notebook(graph: Graph, evaluation: Evaluation | None = None) -> str:
    """The same program as a Jupyter notebook (JSON text, written with nbformat):
    Markdown with the graph's title and description, then a code cell per layer."""
    import nbformat
    from nbformat import v4

    p = torch_program(graph, evaluation)
    md, code = v4.new_markdown_cell, v4.new_code_cell
    intro = f"# {p.title}\n\n" + (p.description + "\n\n" if p.description else "")
    leaves = [*p.leaves, "",
              "# Every node's gradient, not only the trainable leaves': every leaf requires",
              "# one, and each wire is an identity clone (wire(t, k)) with its own gradient.",
              f"for _leaf in ({', '.join(p.leaf_names.values())},):",
              "    _leaf.requires_grad_(True)",
              "wires = {}"]
    cells = [
        md(intro + "Exported from Chainrule: the graph as a PyTorch program in float64, "
           "one cell per layer. The last cell prints every value and gradient as "
           "`chainrule eval FILE --json` does."),
        code(p.setup),
        md("## Leaves\n\nThe inputs and constants; trainable inputs require gradients."),
        code("\n".join(leaves)),
    ]
    for k, (ids, lines) in enumerate(p.layers):
        cells += [md(f"## Layer {k + 1}\n\n" + ", ".join(f"`{i}`" for i in ids)),
                  code("\n".join(lines))]
    cells += [md(f"## Backward pass\n\n`backward()` seeds the output `{p.output_id}` with "
                 "gradient 1 and sends it back through every node."),
              code(f"{p.keep}\nbackward({p.output})"),
              code("print(json.dumps(result(values), indent=2, allow_nan=False))")]
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    return nbformat.writes(nb)
