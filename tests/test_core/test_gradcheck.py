"""Gradient check: leaves and intermediate nodes, a deliberately wrong op, `chainrule check`."""
from __future__ import annotations

import dataclasses
import io
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from chainrule.core import ops
from chainrule.core.cli import main
from chainrule.core.engine import evaluate
from chainrule.core.errors import EvaluationError
from chainrule.core.fileformat import load
from chainrule.core.gradcheck import as_leaf, check_gradients, numerical_gradient, relative_error
from chainrule.core.program import parse_program

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEMOS = ROOT / "resources" / "demos"
INDEX = json.loads((DEMOS / "index.json").read_text())
ADD_MUL = DEMOS / "03-add-mul.cgraph"


def program(text):
    return parse_program(text).graph


def wrong_mul():
    """mul with the classic bug: each input gets its *own* value times upstream."""
    good = ops.OPS["mul"]
    return dataclasses.replace(good, scalar_vjp=lambda g, out, a, b: (g * a, g * b),
                               array_vjp=lambda g, out, a, b: (g * a, g * b))


@pytest.mark.parametrize("name", INDEX["demos"])
def test_every_node_of_every_demo_passes(name):
    g = load(DEMOS / name)
    rows = check_gradients(g, "all")
    assert [r.node for r in rows] == g.node_ids()
    assert all(r.ok for r in rows), [(r.node, r.rel_error) for r in rows if not r.ok]


def test_leaves_by_default():
    g = load(DEMOS / "05-two-layer.cgraph")
    expected = [n.id for n in g.nodes() if n.spec.is_leaf]
    assert [r.node for r in check_gradients(g)] == expected
    assert [r.node for r in check_gradients(g, "leaves")] == expected
    with pytest.raises(ValueError):
        check_gradients(g, "some")


def test_intermediate_nodes_are_nudged_where_they_are_computed():
    g = load(ADD_MUL)
    rows = {r.node: r for r in check_gradients(g, ["q", "f", "z"])}
    assert rows["q"].numeric == pytest.approx(-4, rel=1e-8) and rows["q"].analytic == -4
    assert rows["f"].numeric == pytest.approx(1, rel=1e-8) and rows["f"].analytic == 1
    assert rows["z"].numeric == pytest.approx(3, rel=1e-8)
    # the graph itself is untouched
    assert [e for e in g.in_edges("q")] and g.node("q").op == "add"


def test_as_leaf_cuts_the_inputs_and_keeps_the_output():
    g = load(ADD_MUL)
    cut = as_leaf(g, "q")
    assert cut.node("q").op == "const" and cut.node("q").value == 3
    assert cut.in_edges("q") == [] and cut.out_edges("q") == g.out_edges("q")
    # x and y now end nowhere, so the output must stay chosen explicitly
    assert cut.effective_output() == "f" and evaluate(cut).value("f") == -12
    assert as_leaf(g, "x", 7.0).node("x").value == 7.0 and g.node("x").value == -2


def test_fan_out_intermediate_node():
    g = program("x = 2\na = x + 1\nf = a * a")        # df/da = 2a = 6 through two wires
    assert numerical_gradient(g, "a") == pytest.approx(6, rel=1e-8)
    assert all(r.ok for r in check_gradients(g, "all"))


def test_array_intermediate_node():
    g = load(DEMOS / "09-tensor-mlp.cgraph")
    numeric = numerical_gradient(g, "h")
    np.testing.assert_allclose(numeric, evaluate(g).grad("h"), rtol=1e-6, atol=1e-9)


def test_node_that_does_not_reach_the_output_has_slope_zero():
    g = program("x = 2; y = 3\nf = x * 2")
    g.add_node("side", "neg")
    g.connect("y", "side", 0)
    g.set_output("f")
    rows = {r.node: r for r in check_gradients(g, "all")}
    assert rows["y"].analytic == 0 and rows["y"].numeric == 0 and rows["y"].ok
    assert rows["side"].ok


def test_nodes_without_a_finite_value_are_left_out_of_all_and_refused_by_name():
    g = program("x = 0\nr = log(x)\nf = x + 1")
    g.set_output("f")
    assert "r" not in [row.node for row in check_gradients(g, "all")]
    with pytest.raises(EvaluationError, match='"r" has no finite value'):
        check_gradients(g, ["r"])


def test_a_graph_without_an_output_is_refused():
    g = program("x = 1\ny = x + 1")
    g.add_node("z", "neg")
    g.connect("x", "z", 0)
    g.set_output(None)
    with pytest.raises(EvaluationError, match="choose the output"):
        check_gradients(g)


def test_a_deliberately_wrong_gradient_is_caught(monkeypatch):
    monkeypatch.setitem(ops.OPS, "mul", wrong_mul())
    g = load(ADD_MUL)
    rows = {r.node: r for r in check_gradients(g, "all")}
    # f = q·z: the bug sends q·1 to q and z·1 to z instead of swapping them
    assert rows["z"].analytic == -4 and rows["z"].numeric == pytest.approx(3)
    assert not rows["z"].ok and not rows["q"].ok and not rows["x"].ok
    assert rows["f"].ok                         # the seed itself is right
    assert rows["z"].rel_error == pytest.approx(7 / 4)


def test_the_wrong_gradient_is_caught_in_arrays_too(monkeypatch):
    monkeypatch.setitem(ops.OPS, "mul", wrong_mul())
    g = load(DEMOS / "10-fit-two-layer.cgraph")
    rows = check_gradients(g)
    assert not all(r.ok for r in rows)


# --------------------------------------------------------------------- chainrule check

def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_prints_a_table_and_exits_0(capsys):
    code, out, err = run(capsys, "check", ADD_MUL)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["node", "op", "analytic", "numeric", "rel.", "error"]
    rows = {line.split()[0]: line.split() for line in lines[1:4]}
    assert rows["x"][1:3] == ["input", "-4"] and rows["x"][-1] == "✓"
    assert lines[-1].startswith("3 of 3 gradients agree")


def test_check_all_nodes(capsys):
    code, out, _ = run(capsys, "check", ADD_MUL, "--nodes", "all")
    assert code == 0 and "5 of 5 gradients agree" in out


def test_check_json(capsys):
    code, out, _ = run(capsys, "check", ADD_MUL, "--json", "--nodes", "all", "--tolerance", "1e-6")
    assert code == 0
    data = json.loads(out)
    assert data["ok"] is True and data["output"] == "f" and data["tolerance"] == 1e-6
    assert [r["node"] for r in data["rows"]] == ["x", "y", "z", "q", "f"]
    z = data["rows"][2]
    assert z["op"] == "input" and z["analytic"] == 3 and z["ok"] is True
    assert z["numeric"] == pytest.approx(3) and z["rel_error"] < 1e-6


def test_check_mismatch_exits_1_with_one_line(monkeypatch, capsys):
    monkeypatch.setitem(ops.OPS, "mul", wrong_mul())
    code, out, err = run(capsys, "check", ADD_MUL)
    assert code == 1
    assert "✗" in out and "0 of 3 gradients agree" in out
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule: 3 of 3 gradients disagree")
    code, out, err = run(capsys, "check", ADD_MUL, "--json")
    assert code == 1 and json.loads(out)["ok"] is False


def test_check_ascii_fallback(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    from chainrule.core.cli.check_cmd import check_table
    graph = load(ADD_MUL)
    rows = check_gradients(graph)
    text = check_table(graph, rows, 1e-5, ascii=True)
    assert text.encode("ascii") and " ok" in text
    code = main(["check", str(ADD_MUL)])
    sys.stdout.seek(0)
    printed = sys.stdout.buffer.getvalue().decode("ascii")
    assert code == 0 and "ok" in printed and "✓" not in printed


@pytest.mark.parametrize("args,code,message", [
    (["check", "nope.cgraph"], 1, "cannot open nope.cgraph"),
    (["check", "BAD"], 1, "bad.cgraph: line 1, column 2: not valid JSON"),
    (["check", "OPEN"], 1, "not connected"),
    (["check", "GOOD", "--tolerance", "-1"], 2, "must be a positive number"),
    (["check", "GOOD", "--tolerance", "x"], 2, "is not a number"),
    (["check", "GOOD", "--nodes", "some"], 2, "invalid choice"),
    (["check"], 2, "required"),
])
def test_check_errors(tmp_path, capsys, args, code, message):
    bad = tmp_path / "bad.cgraph"
    bad.write_text("{", encoding="utf-8")
    open_port = tmp_path / "open.cgraph"
    open_port.write_text(json.dumps({
        "format": "chainrule", "version": 1, "output": "f",
        "nodes": [{"id": "x", "op": "input", "value": 1}, {"id": "f", "op": "mul"}],
        "edges": [{"from": "x", "to": "f", "port": 0}]}), encoding="utf-8")
    paths = {"BAD": bad, "OPEN": open_port, "GOOD": ADD_MUL}
    got, out, err = run(capsys, *[paths.get(a, a) for a in args])
    assert got == code and out == ""
    assert message in err and "Traceback" not in err
    if code == 1:
        assert len(err.splitlines()) == 1 and err.startswith("chainrule: ")


def test_check_as_a_real_process():
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    result = subprocess.run([sys.executable, "-m", "chainrule.core.cli", "check",
                             str(DEMOS / "05-two-layer.cgraph"), "--json"],
                            capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


def test_a_tiny_gradient_beside_a_large_output_is_judged_on_the_output_scale():
    """Central differences carry rounding noise of about eps·|f|/h: with f near 1e5, a
    gradient element of 3e-6 cannot be resolved better than ~1e-5 and must not fail."""
    g = parse_program("x = [1.0, 1.0]\nw = [100000.0, 0.000003]\nf = sum(w * x)").graph
    rows = {r.node: r for r in check_gradients(g)}
    assert rows["x"].ok, rows["x"]
    # a real mistake on that scale is still caught
    assert relative_error([1e5, 3e-6], [1e5 * (1 + 1e-4), 3e-6], floor=1e-4 * 1e5) > 1e-5


def test_class_indices_have_slope_zero_and_a_gradient_sent_into_them_is_caught():
    """Class indices may hold integers only: there is nothing either side to nudge to, the
    loss is piecewise constant in them, and their (zero) gradient is confirmed."""
    g = program("z = [[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]]\ny = [2, 0]\nL = cross_entropy(z, y)")
    rows = {r.node: r for r in check_gradients(g, "all")}
    assert all(r.ok for r in rows.values())
    np.testing.assert_array_equal(rows["y"].numeric, [0.0, 0.0])
    np.testing.assert_array_equal(rows["y"].analytic, [0.0, 0.0])
    # A wrong vjp that sends a gradient into the indices is caught.
    good = ops.OPS["cross_entropy"]
    bad_vjp = lambda g_, out, z, t: (good.array_vjp(g_, out, z, t)[0], np.ones(np.shape(t)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(ops.OPS, "cross_entropy", dataclasses.replace(good, array_vjp=bad_vjp))
        assert not {r.node: r for r in check_gradients(program(
            "z = [[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]]\ny = [2, 0]\nL = cross_entropy(z, y)"),
            "all")}["y"].ok
