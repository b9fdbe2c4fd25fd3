"""``chainrule explain`` and the LaTeX of the chain rule: the neuron's steps."""
from __future__ import annotations

from chainrule.core.cli import main
from chainrule.core.latex import align_block, align_line, text
from chainrule.resources import path as resource_path

NEURON = resource_path("demos") / "01-neuron.cgraph"


def explain(capsys, *args):
    assert main(["explain", str(NEURON), *args]) == 0
    return capsys.readouterr().out


def test_the_neurons_steps_as_latex(capsys):
    out = explain(capsys, "--latex")
    assert out.count(r"\begin{align*}") == 20 == out.count(r"\end{align*}")
    assert "% Step 6 of 20 · forward pass, node 6 of 10 — Forward: m0 (mul)\n\\begin{align*}\n" \
        r"m_{0} &= w_{0} \cdot x_{0} = 2 \cdot (-1) = -2" in out
    assert r"f &= \mathrm{sigmoid}(\mathrm{sum}) = \mathrm{sigmoid}(1) = 0.7311" in out
    step11 = explain(capsys, "--latex", "--step", "11")
    assert step11 == (
        "% Step 11 of 20 · backward pass, node 1 of 10 — Backward: f (sigmoid)\n"
        "\\begin{align*}\n"
        "\\partial f/\\partial f &= 1 \\quad\\text{(the output: the backward pass starts here)}"
        " \\\\\n"
        "\\partial f/\\partial \\mathrm{sum} &= \\sigma (\\mathrm{sum})(1 - \\sigma "
        "(\\mathrm{sum})) = 0.1966 \\tag*{local derivative} \\\\\n"
        "\\partial f/\\partial \\mathrm{sum} &= \\partial f/\\partial f \\cdot \\partial "
        "f/\\partial \\mathrm{sum} = 1 \\cdot 0.1966 = 0.1966 \\tag*{chain rule}\n"
        "\\end{align*}\n")
    step14 = explain(capsys, "--latex", "--step", "14")     # backward through m1 = w1 · x1
    assert r"\partial f/\partial w_{1} &= \partial f/\partial m_{1} \cdot \partial " \
        r"m_{1}/\partial w_{1} = 0.1966 \cdot (-2) = -0.3932 \tag*{chain rule}" in step14
    last = explain(capsys, "--latex", "--step", "20")
    assert r"\partial f/\partial w_{0} &= -0.1966 \quad\text{(from m0)}" in last


def test_plain_text_is_the_panels_lines(capsys):
    out = explain(capsys, "--step", "13")
    assert out.splitlines()[:2] == ["Step 13 of 20 · backward pass, node 3 of 10",
                                    "Backward: s0 (add)"]
    assert "  chain  ∂f/∂m0 = ∂f/∂s0 · ∂s0/∂m0 = 0.1966 · 1 = 0.1966" in out


def test_a_step_out_of_range_is_one_line(capsys):
    assert main(["explain", str(NEURON), "--step", "21"]) == 1
    assert "--step 21 is out of range: the step-through has steps 0 to 20" in \
        capsys.readouterr().err


def test_escaping_and_lines_without_an_equals_sign():
    assert align_line("(from s0)") == r"&\text{(from s0)}"
    assert text("a_b & 50%") == r"a\_b \& 50\%"
    assert align_block(["x = 1", ""]) == "\\begin{align*}\nx &= 1\n\\end{align*}"
