"""Export to Python: the script of every demo prints exactly what the app computes."""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import pathlib
import stat
import string
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from chainrule.core import ops
from chainrule.core.cli import eval_json, main
from chainrule.core.engine import Plan, backward, evaluate, forward
from chainrule.core.errors import EvaluationError
from chainrule.core.export_python import _TEMPLATES, export_python
from chainrule.core.fileformat import load
from chainrule.core.graph import Graph
from chainrule.core.program import parse_program
from exported_scripts import imported_modules, run_script, same

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEMOS = ROOT / "resources" / "demos"
INDEX = json.loads((DEMOS / "index.json").read_text())


def exec_script(text):
    """Run a script in this process (for many generated graphs) and parse what it prints."""
    out = io.StringIO()
    with np.errstate(), contextlib.redirect_stdout(out):
        namespace = {"__name__": "exported"}
        exec(compile(text, "exported.py", "exec"), namespace)
        namespace["main"]()
    return json.loads(out.getvalue())


@pytest.mark.parametrize("name", INDEX["demos"])
def test_every_demo_script_prints_what_the_app_computes(tmp_path, name):
    graph = load(DEMOS / name)
    script = tmp_path / "exported.py"
    assert main(["export", str(DEMOS / name), "-o", str(script)]) == 0
    got = run_script(script, tmp_path)
    same(got, eval_json(graph, evaluate(graph)))


def test_the_templates_cover_every_op_with_one_vjp_per_port():
    assert set(_TEMPLATES) == set(ops.OPS)
    for name, (forward, vjps) in _TEMPLATES.items():
        op = ops.OPS[name]
        assert len(vjps) == op.arity, name
        fields = {p for p in op.ports} | {"g", "out", "value"} | {s.name for s in op.settings}
        for template in [forward, *vjps]:
            used = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            assert used <= fields, (name, used - fields)


def test_the_script_imports_only_numpy_and_the_standard_library():
    text = export_python(load(DEMOS / "09-tensor-mlp.cgraph"))
    assert imported_modules(text) == {"json", "numpy"}


def test_forward_one_line_per_node_backward_one_line_per_wire():
    graph = load(DEMOS / "03-add-mul.cgraph")
    lines = export_python(graph).splitlines()
    assert "q = x + y  # add, 'q = x + y'" in lines
    assert "f = q * z  # mul" in lines
    assert "dq = df * z  # ∂f/∂q via f = ∂f/∂f · ∂f/∂q = ∂f/∂f · z" in lines
    assert "dx = dq  # ∂f/∂x via q = ∂f/∂q · ∂q/∂x = ∂f/∂q · 1" in lines
    assert lines[0] == "#!/usr/bin/env python3" and lines[1] == '"""f = (x + y) · z'


def test_forks_are_summed_in_the_engines_order():
    text = export_python(load(DEMOS / "05-two-layer.cgraph"))
    assert "dx2_m22 = dm22 * w22  # ∂J/∂x2 via m22 = ∂J/∂m22 · ∂m22/∂x2 = ∂J/∂m22 · w22" in text
    assert "\ndx2 = dx2_m22 + dx2_m12  # x2 feeds 2 wires: its gradient is the sum" in text
    text = export_python(parse_program("x = 3\nf = x * x").graph)
    assert "dx = dx_f_a + dx_f_b" in text


def test_broadcasting_is_undone_only_where_it_happened():
    text = export_python(load(DEMOS / "10-fit-two-layer.cgraph"))
    assert "dw11 = _unbroadcast(dm11 * x1, ())" in text
    assert "def _unbroadcast" in text
    scalar = export_python(load(DEMOS / "05-two-layer.cgraph"))
    assert "_unbroadcast" not in scalar and "_matmul" not in scalar


def test_conventions_are_said_in_the_comments():
    text = export_python(parse_program("x = 0\ny = 0\nf = relu(x) + max(x, y)").graph)
    assert "as in PyTorch" in text and "a tie sends half to each input" in text


def test_ids_that_are_not_python_names(tmp_path):
    g = Graph()
    ids = ["x-1", "x_1", "class", "print", "np", "dx", "1st", "σ", "x 1", "json", "_json",
           "match", "x"]
    for k, node_id in enumerate(ids):
        g.add_node(node_id, "input", value=float(k + 1))
    acc = ids[0]
    for k, node_id in enumerate(ids[1:]):
        s = f"s{k}"
        g.add_node(s, "mul" if k % 2 else "add")
        g.connect(acc, s, 0)
        g.connect(node_id, s, 1)
        acc = s
    g.add_node("out put", "square", label='a "quoted" label\nwith a newline')
    g.connect(acc, "out put", 0)
    g.title = 'Odd """ title \\ with "quotes"'
    text = export_python(g)
    compile(text, "exported.py", "exec")
    script = tmp_path / "odd.py"
    script.write_text(text, encoding="utf-8")
    same(run_script(script, tmp_path), eval_json(g, evaluate(g)))


def test_non_finite_results_are_identical():
    program = "x = 0; y = -1; z = 800\nf = log(x) + sqrt(y) + exp(z) + reciprocal(x) + x / x"
    g = parse_program(program).graph
    got = exec_script(export_python(g))
    want = eval_json(g, evaluate(g))
    assert want["value"] == "nan"
    same(got, want)


def test_nodes_that_do_not_reach_the_output_have_no_gradient():
    g = parse_program("x = 2\nf = x * 3").graph
    g.add_node("side", "exp")
    g.connect("x", "side", 0)
    g.set_output("f")
    got = exec_script(export_python(g))
    assert got["nodes"]["side"]["grad"] is None and got["nodes"]["side"]["value"] == math.exp(2)
    same(got, eval_json(g, evaluate(g)))


def test_a_graph_that_cannot_be_evaluated_is_refused():
    g = Graph()
    g.add_node("x", "input", value=1.0)
    g.add_node("f", "mul")
    g.connect("x", "f", 0)
    with pytest.raises(EvaluationError, match="not connected"):
        export_python(g)


# ------------------------------------------------------------- random graphs, every op

VALUES = st.sampled_from([0.0, 1.0, -1.0, 2.0, -2.5, 0.5, 3.0, 1e-3, -0.75, 700.0])
UNARY = [name for name, op in ops.OPS.items() if op.arity == 1]
BINARY = [name for name, op in ops.OPS.items() if op.arity == 2]


@st.composite
def graphs(draw):
    g = Graph()
    n_leaves = draw(st.integers(1, 4))
    shapes = draw(st.sampled_from([[()], [(), (3,)], [(2, 3), (3,), ()], [(3,), (3, 1)],
                                   [(2, 2), (2,)]]))
    ids = []
    for k in range(n_leaves):
        shape = draw(st.sampled_from(shapes))
        if shape:
            value = np.array(draw(st.lists(VALUES, min_size=int(np.prod(shape)),
                                           max_size=int(np.prod(shape))))).reshape(shape)
        else:
            value = draw(VALUES)
        node_id = f"l{k}"
        g.add_node(node_id, draw(st.sampled_from(["input", "const"])), value=value)
        ids.append(node_id)
    for k in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(UNARY + BINARY))
        node_id = f"n{k}"
        attrs = None
        if op in ("sum", "mean"):
            attrs = {"axis": draw(st.sampled_from([None, 0, -1]))}
        g.add_node(node_id, op, attrs=attrs)
        for port in range(ops.OPS[op].arity):
            g.connect(draw(st.sampled_from(ids)), node_id, port)
        ids.append(node_id)
    g.set_output(ids[-1])
    return g


def numpy_path_evaluation(g: Graph):
    """The engine's pass with every node on its numpy functions (``Op.array``,
    ``Op.array_vjp``): what the script mirrors expression for expression.  The app's
    float path uses :mod:`math`, which may differ from numpy by an ulp in tanh, exp…,
    and a derivative such as 1 − tanh² can magnify that ulp: tanh(−6.9) differing in
    its last bit moved a gradient by 5e-11."""
    plan = Plan(g)
    plan.set_steps([s._replace(fast=s.numpy) for s in plan.forward_steps],
                   [s._replace(fast=s.numpy) if s.numpy is not None else s
                    for s in plan.backward_steps])
    with np.errstate(all="ignore"):     # numpy's functions on floats: quietly
        return backward(forward(plan)) if plan.output_error is None else forward(plan)


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_random_graphs_of_every_op_export_exactly(g):
    evaluation = evaluate(g)
    assume(not evaluation.problems and evaluation.error is None)
    reference = numpy_path_evaluation(g)
    same(exec_script(export_python(g, evaluation)), eval_json(g, reference), rel=1e-12)
    # and the app's float path is that same pass, but for an ulp of libm (magnified
    # at most by the local derivatives of these small graphs)
    same(eval_json(g, evaluation), eval_json(g, reference), rel=1e-6)


def test_the_script_and_the_app_differ_only_by_an_ulp_of_tanh():
    """The case that showed it: tanh(log(tanh(0.001))), where 1 − tanh² cancels."""
    g = parse_program("x = 0.001\nf = tanh(log(tanh(x)))").graph
    app, script = evaluate(g), exec_script(export_python(g, evaluate(g)))
    same(script, eval_json(g, numpy_path_evaluation(g)), rel=1e-12)
    assert math.isclose(app.grad("x"), script["nodes"]["x"]["grad"], rel_tol=1e-9)


# ---------------------------------------------------------------------- chainrule export

def test_export_to_stdout(capsys):
    code = main(["export", str(DEMOS / "01-neuron.cgraph"), "-o", "-"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.startswith("#!/usr/bin/env python3") and "def main():" in out


def test_export_writes_an_executable_file(tmp_path):
    script = tmp_path / "neuron.py"
    assert main(["export", str(DEMOS / "01-neuron.cgraph"), "--output", str(script)]) == 0
    assert script.stat().st_mode & stat.S_IXUSR
    assert "sigmoid" in script.read_text(encoding="utf-8")


@pytest.mark.parametrize("args,code,message", [
    (["export", "GOOD"], 2, "required"),
    (["export", "nope.cgraph", "-o", "-"], 1, "cannot open nope.cgraph"),
    (["export", "OPEN", "-o", "-"], 1, "not connected"),
    (["export", "GOOD", "-o", "NODIR"], 1, "cannot open"),
])
def test_export_errors(tmp_path, capsys, args, code, message):
    open_port = tmp_path / "open.cgraph"
    open_port.write_text(json.dumps({
        "format": "chainrule", "version": 1, "output": "f",
        "nodes": [{"id": "x", "op": "input", "value": 1}, {"id": "f", "op": "mul"}],
        "edges": [{"from": "x", "to": "f", "port": 0}]}), encoding="utf-8")
    paths = {"OPEN": str(open_port), "GOOD": str(DEMOS / "03-add-mul.cgraph"),
             "NODIR": str(tmp_path / "no" / "such" / "dir.py")}
    got = main([paths.get(a, a) for a in args])
    out, err = capsys.readouterr()
    assert got == code and out == ""
    assert message in err and "Traceback" not in err
    if code == 1:
        assert len(err.splitlines()) == 1 and err.startswith("chainrule: ")


def test_export_as_a_real_process(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    script = tmp_path / "tensor.py"
    result = subprocess.run([sys.executable, "-m", "chainrule.core.cli", "export",
                             str(DEMOS / "09-tensor-mlp.cgraph"), "-o", str(script)],
                            capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    graph = load(DEMOS / "09-tensor-mlp.cgraph")
    same(run_script(script, tmp_path), eval_json(graph, evaluate(graph)))


def test_a_scalar_from_a_deep_learning_kernel_divides_by_zero_as_in_the_app():
    """transpose of 0 is 0; 0 / 0 in the script is nan (np.float64), not ZeroDivisionError
    (found by the random-graph property)."""
    g = Graph()
    g.add_node("l0", "input", value=0.0)
    g.add_node("n0", "transpose")
    g.add_node("n1", "div")
    g.connect("l0", "n0", 0)
    g.connect("n0", "n1", 0)
    g.connect("n0", "n1", 1)
    g.set_output("n1")
    evaluation = evaluate(g)
    same(exec_script(export_python(g, evaluation)), eval_json(g, evaluation), rel=1e-12)
