"""Export with forward mode: the script of every demo prints the tangents the app computes."""
from __future__ import annotations

import contextlib
import io
import json
import pathlib

import numpy as np
import pytest

from chainrule.core import forward_mode
from chainrule.core.cli import eval_json, main
from chainrule.core.engine import evaluate
from chainrule.core.export_python import export_python
from chainrule.core.fileformat import load
from chainrule.core.program import parse_program

DEMOS = pathlib.Path(__file__).resolve().parents[2] / "resources" / "demos"


def seeds_for(graph, rng):
    """A random tangent on every input (the consts stay 0)."""
    return {n.id: (float(rng.normal()) if np.ndim(n.value) == 0 else rng.normal(size=n.value.shape))
            for n in graph.nodes() if n.op == "input"}


def close(got, want, where=""):
    if isinstance(want, dict):
        assert list(got) == list(want), where
        for k in want:
            close(got[k], want[k], f"{where}/{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for k, (a, b) in enumerate(zip(got, want)):
            close(a, b, f"{where}[{k}]")
    elif isinstance(want, float) and isinstance(got, float):
        assert np.isclose(got, want, rtol=1e-9, atol=1e-12), (where, got, want)
    else:
        assert got == want, (where, got, want)


@pytest.mark.parametrize("path", sorted(DEMOS.glob("*.cgraph")), ids=lambda p: p.stem)
def test_exported_tangents_equal_the_apps(path):
    graph = load(path)
    seeds = seeds_for(graph, np.random.default_rng(5))
    text = export_python(graph, tangents=seeds)
    assert "# ---- forward mode" in text
    namespace = {"__name__": "exported"}
    exec(compile(text, str(path), "exec"), namespace)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace["main"]()
    ev = evaluate(graph)
    forward_mode.tangents(ev, seeds)
    close(json.loads(out.getvalue()), eval_json(graph, ev))


def test_the_tangent_rule_is_in_the_comment():
    graph = parse_program("x = 2; y = 3; s = x + y; z = -4; f = s * z").graph
    script = export_python(graph, tangents={"x": 1.0})
    assert "t_s = t_x + t_y  # ṡ = ẋ + ẏ" in script
    assert "t_f = t_s * z + s * t_z  # ḟ = ṡ·z + s·ż" in script
    assert "t_x = np.float64(1.0)  # ẋ: seeded" in script
    assert "t_y = np.float64(0.0)  # ẏ = 0: not seeded" in script


def test_export_tangent_on_the_command_line(capsys):
    path = DEMOS / "01-neuron.cgraph"
    first = next(n.id for n in load(path).nodes() if n.op == "input")
    assert main(["export", str(path), "-o", "-", "--tangent", f"{first}=1"]) == 0
    script = capsys.readouterr().out
    assert f"t_{first} = np.float64(1.0)" in script and '"tangent": _json(' in script
    assert main(["export", str(path), "-o", "-", "--tangent", "nothere=1"]) == 1
    assert 'there is no node "nothere"' in capsys.readouterr().err


def test_export_without_tangent_has_no_forward_mode():
    graph = load(DEMOS / "03-add-mul.cgraph")
    assert "forward mode" not in export_python(graph) and "tangent" not in export_python(graph)
