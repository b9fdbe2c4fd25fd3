"""TikZ of a circuit: one card per node, two labels per wire, ids escaped; compiles where TeX is."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from chainrule.core import palette
from chainrule.core.cli import main
from chainrule.core.export_tikz import export_tikz
from chainrule.core.fileformat import load
from chainrule.core.program import parse_program
from chainrule.core.stepper import Stepper
from chainrule.resources import path as resource_path

DEMOS = resource_path("demos")
NEURON = DEMOS / "01-neuron.cgraph"


def labels(text: str) -> list[tuple[str, str]]:
    """(value, gradient) of every wire, in order."""
    return re.findall(r"node\[pos=0\.5, crvaluelabel\] \{(.*?)\} "
                      r"node\[pos=0\.5, crgradlabel\] \{(.*?)\};", text)


def test_one_node_per_card_at_its_canvas_position_and_two_labels_per_wire():
    graph = load(NEURON)
    text = export_tikz(graph)
    cards = re.findall(r"\\node\[(crcard|croutputcard)[^\]]*\] \(n\d+\) at \(([-\d.]+), "
                       r"([-\d.]+)\)", text)
    assert len(cards) == len(graph.nodes())
    first = graph.nodes()[0]
    assert (float(cards[0][1]), float(cards[0][2])) == (first.pos[0] + 56, first.pos[1] + 32)
    assert [c[0] for c in cards].count("croutputcard") == 1
    wires = labels(text)
    assert len(wires) == len(graph.edges()) + 1            # and the output's own wire
    assert wires[0] == ("$2$", "$-0.1966$")                # w0 → m0: value 2, gradient −0.1966
    assert wires[-1] == ("$0.7311$", "$1$")


def test_the_colours_are_named_xcolor_colours_a_document_may_redefine():
    text = export_tikz(load(NEURON))
    assert f"\\providecolor{{crvalue}}{{HTML}}{{{palette.VALUE[1:].upper()}}}" in text
    assert f"\\providecolor{{crgrad}}{{HTML}}{{{palette.GRAD[1:].upper()}}}" in text
    assert text.index("\\providecolor") < text.index("\\begin{tikzpicture}")
    assert "text=crvalue" in text and "text=crgrad" in text


def test_ids_and_labels_are_escaped():
    graph = parse_program("a = 1\nb = 2\nf = a * b").graph
    graph.rename("a", "x_1")
    graph.node("b").label = "50% & $b$ #2 {~^} \\ σ"
    text = export_tikz(graph)
    assert r"\textbf{x\_1}" in text
    assert r"\textbf{50\% \& \$b\$ \#2 \{\textasciitilde{}\textasciicircum{}\} " \
        r"\textbackslash{} $\sigma$}" in text
    body = text[text.index(r"\begin{tikzpicture}"):]
    assert "x_1" not in body.replace(r"x\_1", "")


def test_step_k_shows_the_labels_as_they_stand_then():
    graph = load(NEURON)
    start = labels(export_tikz(graph, step=0))
    assert all(v == "" and g == "" for v, g in start)
    forward_done = len(Stepper(graph).forward)
    mid = labels(export_tikz(graph, step=forward_done))
    assert all(v and g == "" for v, g in mid)              # every value, no gradient yet
    assert "crcurrentcard" in export_tikz(graph, step=3)


def test_the_command_writes_the_file_and_refuses_a_step_out_of_range(tmp_path, capsys):
    out = tmp_path / "circuit.tex"
    assert main(["export", str(NEURON), "--tikz", "-o", str(out)]) == 0
    assert out.read_text().startswith("% Exported from Chainrule")
    assert main(["export", str(NEURON), "--tikz", "--step", "99", "-o", str(out)]) == 1
    assert "--step 99 is out of range: the step-through has steps 0 to 20" in \
        capsys.readouterr().err


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("step", [None, 14])
def test_the_picture_compiles_with_pdflatex(tmp_path, step):
    tex = tmp_path / "circuit.tex"
    tex.write_text(export_tikz(load(NEURON), step=step), encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             tex.name], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "circuit.pdf").exists()
