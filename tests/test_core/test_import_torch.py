"""Import from PyTorch: torch.fx traces a function into Chainrule's ops, exactly or not at all."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from chainrule.core.cli import main
from chainrule.core.engine import evaluate
from chainrule.core.fileformat import load

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEMOS = ROOT / "resources" / "demos"
INDEX = json.loads((DEMOS / "index.json").read_text())
REASON = "PyTorch is not installed (pip install chainrule[torch]): nothing to trace with"


def close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True))


@pytest.mark.parametrize("name", INDEX["demos"])
def test_demo_to_pytorch_and_back_gives_the_same_values_and_gradients(tmp_path, name):
    pytest.importorskip("torch", reason=REASON)
    script, back = tmp_path / "model.py", tmp_path / "back.cgraph"
    assert main(["export", str(DEMOS / name), "--torch", "-o", str(script)]) == 0
    assert main(["import", f"{script}:model", "-o", str(back)]) == 0
    graph, imported = load(DEMOS / name), load(back)
    ev, ev2 = evaluate(graph), evaluate(imported)
    assert ev2.output == ev.output
    assert set(imported.node_ids()) == set(graph.node_ids())   # ids come back from the lines
    for node in graph.nodes():
        assert close(ev2.value(node.id), ev.value(node.id)), node.id
        assert close(ev2.grad(node.id), ev.grad(node.id)), node.id
        assert imported.node(node.id).trainable == node.trainable, node.id
    assert len(imported.edges()) == len(graph.edges())


def write(tmp_path, source: str) -> pathlib.Path:
    path = tmp_path / "net.py"
    path.write_text(textwrap.dedent(source))
    return path


def test_a_hand_written_function_with_examples_on_the_command_line(tmp_path):
    torch = pytest.importorskip("torch", reason=REASON)
    path = write(tmp_path, """
        import torch
        import torch.nn.functional as F

        def loss(x, w, b, y):
            h = torch.tanh(x @ w + b)
            p = F.softmax(h, dim=-1)
            return F.mse_loss(p, y) + 0.5 * h.sum()
    """)
    out = tmp_path / "g.cgraph"
    assert main(["import", f"{path}:loss", "-o", str(out), "--example", "x=[[1, 2], [3, -1]]",
                 "--example", "w=[[0.5, -1], [2, 0.25]]", "--example", "b=[0.1, -0.2]",
                 "--example", "y=[[1, 0], [0, 1]]"]) == 0
    graph = load(out)
    assert {n.op for n in graph.nodes()} >= {"matmul", "tanh", "softmax", "mse", "sum", "const"}
    assert graph.node("h").op == "tanh" and graph.node("p").attrs == {"axis": -1}
    ev = evaluate(graph)
    ts = {k: torch.tensor(np.asarray(evaluate(graph).value(k)), requires_grad=True)
          for k in ("x", "w", "b", "y")}
    h = torch.tanh(ts["x"] @ ts["w"] + ts["b"])
    want = torch.nn.functional.mse_loss(torch.softmax(h, -1), ts["y"]) + 0.5 * h.sum()
    want.backward()
    assert close(ev.value(ev.output), want.item())
    for k, t in ts.items():
        assert close(ev.grad(k), t.grad.numpy()), k


def test_example_inputs_in_the_file_and_requires_grad_make_trainable_inputs(tmp_path):
    pytest.importorskip("torch", reason=REASON)
    path = write(tmp_path, """
        import torch

        def example_inputs():
            return {"w": torch.tensor([1.0, -2.0], requires_grad=True),
                    "x": torch.tensor([3.0, 4.0])}

        def model(w, x):
            return torch.sigmoid((w * x).sum())
    """)
    out = tmp_path / "g.cgraph"
    assert main(["import", str(path), "-o", str(out)]) == 0      # FUNCTION defaults to model
    graph = load(out)
    assert graph.node("w").trainable and not graph.node("x").trainable
    assert graph.node("x").value.tolist() == [3.0, 4.0]


@pytest.mark.parametrize("body,words", [
    ("    return torch.erf(x).sum()", ["net.py, line 5", "torch.erf", "not one of Chainrule's ops"]),
    ("    y = x * 2\n    return torch.cumsum(y, 0).sum()", ["line 6", "torch.cumsum"]),
    ("    return x.sort()[0].sum()", ["line 5", "Tensor.sort"]),
    ("    if x.sum() > 0:\n        return x.sum()\n    return -x.sum()",
     ["cannot trace", "line 5", "control flow"]),
    ("    return F.leaky_relu(x, 0.2, inplace=True).sum()", ["line 5", "inplace=True"]),
    ("    return x, x", ["must return one tensor"]),
])
def test_what_cannot_be_imported_is_refused_in_one_sentence_with_its_line(
        tmp_path, capsys, body, words):
    pytest.importorskip("torch", reason=REASON)
    path = write(tmp_path, "import torch\nimport torch.nn.functional as F\n\ndef f(x):\n"
                 + body + "\n")
    out = tmp_path / "g.cgraph"
    assert main(["import", f"{path}:f", "-o", str(out), "--example", "x=[1, -2, 3]"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chainrule: "), err
    for w in words:
        assert w in err, (w, err)
    assert not out.exists()


def test_missing_examples_and_functions_are_named(tmp_path, capsys):
    pytest.importorskip("torch", reason=REASON)
    path = write(tmp_path, "import torch\n\ndef f(x, w):\n    return (x * w).sum()\n")
    assert main(["import", f"{path}:f", "-o", str(tmp_path / "g.cgraph"),
                 "--example", "x=1"]) == 1
    assert "parameter w has no example value: give it with --example w=VALUE" in \
        capsys.readouterr().err
    assert main(["import", f"{path}:g", "-o", str(tmp_path / "g.cgraph")]) == 1
    assert "has no function g; it defines f" in capsys.readouterr().err
    assert main(["import", f"{path}:f", "-o", str(tmp_path / "g.cgraph"),
                 "--example", "z=1"]) == 1
    assert "the function has no parameter z" in capsys.readouterr().err


def test_a_file_that_fails_is_reported_with_its_line(tmp_path, capsys):
    path = write(tmp_path, "x = 1\nraise RuntimeError('boom')\n")
    assert main(["import", f"{path}:f", "-o", str(tmp_path / "g.cgraph")]) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "RuntimeError: boom" in err or "needs torch" in err


def test_without_torch_the_command_says_how_to_install_it(tmp_path):
    path = write(tmp_path, "def f(x):\n    return x\n")
    code = ("import sys; sys.modules['torch'] = None\n"
            "from chainrule.core.cli import main\n"
            f"sys.exit(main(['import', {str(path)!r} + ':f', '-o', 'g.cgraph', '--example', 'x=1']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == 1
    assert "needs torch, which is not installed: pip install chainrule[torch]" in result.stderr


def test_the_help_says_that_it_runs_the_file(capsys):
    assert main(["import", "--help"]) == 0
    text = capsys.readouterr().out
    assert "RUNS MODEL.py" in text and "never runs any code" in text


def test_opening_a_graph_never_loads_the_importer_or_torch(tmp_path):
    code = ("import sys\n"
            "from chainrule.core.cli import main\n"
            f"main(['eval', {str(DEMOS / '12-two-layer-net.cgraph')!r}, '--json'])\n"
            "from chainrule.core import fileformat\n"
            f"fileformat.load({str(DEMOS / '01-neuron.cgraph')!r})\n"
            "assert 'chainrule.core.import_torch' not in sys.modules\n"
            "assert 'torch' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
