"""Export to PyTorch: the script of every demo, run by torch, prints what the app computes."""
from __future__ import annotations

import json
import pathlib

import pytest

from chainrule.core.cli import eval_json, main
from chainrule.core.engine import evaluate
from chainrule.core.export_torch import export_torch
from chainrule.core.fileformat import load
from chainrule.core.program import parse_program
from exported_scripts import imported_modules, run_script, same

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEMOS = ROOT / "resources" / "demos"
INDEX = json.loads((DEMOS / "index.json").read_text())
TORCH_REASON = "PyTorch is not installed (pip install chainrule[torch]): the script cannot run"


@pytest.mark.parametrize("name", INDEX["demos"])
def test_every_demo_exported_to_pytorch_prints_eval_json(tmp_path, name):
    pytest.importorskip("torch", reason=TORCH_REASON)
    graph = load(DEMOS / name)
    script = tmp_path / "model.py"
    assert main(["export", str(DEMOS / name), "--torch", "-o", str(script)]) == 0
    same(run_script(script, tmp_path), eval_json(graph, evaluate(graph)))


def test_one_line_per_node_with_the_pytorch_function_of_ops_md():
    text = export_torch(load(DEMOS / "01-neuron.cgraph"))
    lines = text.splitlines()
    assert any(line.startswith("    f = torch.sigmoid(wire(") for line in lines), text
    assert "torch.float64" in text and ".backward(" in text
    assert imported_modules(text) == {"json", "warnings", "torch", "torch.nn.functional"}


def test_trainable_leaves_require_gradients_and_model_is_a_plain_function(tmp_path):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    graph = parse_program("w = 2\nx = 3\nf = w * x").graph
    graph.node("w").trainable = True
    text = export_torch(graph)
    assert "    w = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)" in text
    assert "    x = torch.tensor(3.0, dtype=torch.float64)  # input" in text
    namespace = {"__name__": "imported"}            # importing the script runs no pass
    exec(compile(text, "model.py", "exec"), namespace)
    leaves = namespace["example_inputs"]()
    f = namespace["model"](**leaves)
    f.backward()
    assert leaves["w"].grad.item() == 3.0 and leaves["x"].grad is None
    assert isinstance(f, torch.Tensor) and f.item() == 6.0


def test_a_wire_s_own_gradient_is_read_through_an_identity_clone(tmp_path):
    pytest.importorskip("torch", reason=TORCH_REASON)
    graph = parse_program("x = 3\nf = x * x").graph
    script = tmp_path / "m.py"
    script.write_text(export_torch(graph))
    got = run_script(script, tmp_path)
    assert [e["grad"] for e in got["edges"]] == [3.0, 3.0]
    assert got["nodes"]["x"]["grad"] == 6.0


def test_unusual_ids_become_identifiers(tmp_path):
    pytest.importorskip("torch", reason=TORCH_REASON)
    graph = parse_program("a = 1\nb = 2\nf = a + b").graph
    graph.rename("a", "x-1 é")
    graph.rename("b", "torch")
    graph.rename("f", "class")
    script = tmp_path / "m.py"
    script.write_text(export_torch(graph))
    same(run_script(script, tmp_path), eval_json(graph, evaluate(graph)))


def test_the_notebook_has_one_cell_per_layer_and_the_description(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    out = tmp_path / "m.ipynb"
    assert main(["export", str(DEMOS / "05-two-layer.cgraph"), "--notebook", "-o", str(out)]) == 0
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    graph = load(DEMOS / "05-two-layer.cgraph")
    layers = len(graph.generations()) - 1            # the leaves are their own cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 2 + layers + 2           # setup, leaves, one per layer, backward, report
    first = nb.cells[0]
    assert first.cell_type == "markdown" and graph.description.splitlines()[0] in first.source


def test_the_notebook_runs_cell_by_cell_to_the_same_json(tmp_path, capsys):
    pytest.importorskip("torch", reason=TORCH_REASON)
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    graph = load(DEMOS / "12-two-layer-net.cgraph")
    from chainrule.core.export_torch import torch_notebook
    nb = nbformat.reads(torch_notebook(graph), as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, "cell", "exec"), namespace)
    same(json.loads(capsys.readouterr().out), eval_json(graph, evaluate(graph)))


def test_a_graph_that_cannot_be_evaluated_is_refused_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.cgraph"
    bad.write_text('{"format": "chainrule", "version": 1, "nodes": ['
                   '{"id": "x", "op": "input", "value": 1}, {"id": "f", "op": "exp"}], '
                   '"edges": []}')
    assert main(["export", str(bad), "--torch", "-o", str(tmp_path / "m.py")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "port x not connected" in err


@pytest.mark.parametrize("name", ["01-neuron.cgraph", "09-tensor-mlp.cgraph",
                                  "11-softmax-classifier.cgraph", "14-batchnorm-two-ways.cgraph",
                                  "16-causal-attention.cgraph"])
def test_the_pytorch_script_with_tangents_prints_eval_tangent(tmp_path, name, capsys):
    """--tangent: the script runs torch.autograd.forward_ad and prints every node's
    tangent as `chainrule eval --json --tangent` does (the leaves not seeded at 0)."""
    pytest.importorskip("torch", reason=TORCH_REASON)
    graph = load(DEMOS / name)
    leaves = [n.id for n in graph.nodes() if n.op == "input" and n.id != "y"][:2]
    seeds = [f"{leaves[0]}=1"] + ([f"{leaves[1]}=-0.5"] if len(leaves) > 1 else [])
    flags = [a for s in seeds for a in ("--tangent", s)]
    assert main(["eval", str(DEMOS / name), "--json", *flags]) == 0
    want = json.loads(capsys.readouterr().out)
    script = tmp_path / "model.py"
    assert main(["export", str(DEMOS / name), "--torch", *flags, "-o", str(script)]) == 0
    assert "fwAD.make_dual" in script.read_text()
    got = run_script(script, tmp_path)
    for node_id, entry in want["nodes"].items():
        same(got["nodes"][node_id]["tangent"], entry["tangent"], f"/nodes/{node_id}/tangent",
             rel=1e-12)


def test_tangent_goes_with_a_python_script_only(tmp_path, capsys):
    code = main(["export", str(DEMOS / "01-neuron.cgraph"), "--tikz", "--tangent", "x0=1",
                 "-o", str(tmp_path / "c.tex")])
    assert code == 2 and "--tangent goes with the numpy or the PyTorch script" in \
        capsys.readouterr().err
