"""The circuit as a TikZ picture for lecture notes and exams (``export --tikz``).

Why: a teacher puts the circuit into a LaTeX document and wants it to look
like the app: cards where they stand on the canvas, each wire's value above
it in green and its gradient below it in red, at any step of the
step-through (``step``: the labels as they stand after K steps; the current
card outlined in orange, finished ones tinted green).  The colours are named
``xcolor`` colours (``crvalue``, ``crgrad`` …) given with ``\\providecolor``
at the start of the picture, so a document that defines them first restyles
the circuit; the file is a ``standalone`` document that compiles by itself
and can be ``\\input`` with the standalone package.  networkx's ``to_latex``
writes one label per edge, hence this small writer of our own.

Coordinates are the canvas's (y down), one canvas unit 0.02 cm, so a 112-wide
card is 2.24 cm.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import latex, palette
from .engine import evaluate
from .errors import EvaluationError
from .formatting import format_number
from .graph import Graph
from .layout import layered_positions
from .stepper import NOT_YET, Stepper

NODE_W, NODE_H = 112.0, 64.0        # the canvas card (gui/canvas/style.py)
STUB = 74.0                          # the output's short wire
UNIT_CM = 0.02

COLOURS = {"crvalue": palette.VALUE, "crgrad": palette.GRAD, "crwire": palette.WIRE,
           "crcard": palette.CARD, "crborder": palette.CARD_BORDER, "crtext": palette.TEXT,
           "crmuted": palette.TEXT_MUTED, "croutput": palette.OUTPUT_BORDER,
           "crdone": palette.STATE_DONE, "crcurrent": palette.STATE_CURRENT}

_STYLES = r"""    crcard/.style={draw=crborder, fill=crcard, rounded corners=3pt, line width=0.6pt,
      minimum width=2.24cm, minimum height=1.28cm, align=center, text=crtext,
      font=\sffamily\small, inner sep=2pt},
    croutputcard/.style={crcard, draw=croutput, line width=1.2pt},
    crdonecard/.style={fill=crdone},
    crcurrentcard/.style={draw=crcurrent, line width=1.6pt},
    crwire/.style={draw=crwire, line width=0.8pt},
    crvaluelabel/.style={above, sloped, text=crvalue, font=\sffamily\scriptsize\bfseries,
      inner sep=1.5pt},
    crgradlabel/.style={below, sloped, text=crgrad, font=\sffamily\scriptsize\bfseries,
      inner sep=1.5pt},
    crop/.style={text=crmuted, font=\sffamily\scriptsize}"""


class _Numbers:
    """value/grad/edge_value/edge_grad and the cards' states: of the full pass, or of
    the step-through after ``step`` steps (numbers not reached yet are NOT_YET)."""

    def __init__(self, graph: Graph, step: int | None):
        self.states: dict[str, str] = {}
        self.current: str | None = None
        if step is None:
            self.source: Any = evaluate(graph)
            return
        stepper = Stepper(graph)
        if not 0 <= step <= stepper.total:
            raise EvaluationError(f"--step {step} is out of range: the step-through has "
                                  f"steps 0 to {stepper.total}")
        stepper.jump(step)
        self.source = stepper.shown()
        view = stepper.view()
        self.states, self.current = view.states, view.current


def _label(value: Any) -> str:
    """A number as the wire shows it, in math mode; an array as its shape; "—" none."""
    if value is NOT_YET:
        return ""
    if value is None:
        return r"\textemdash{}"
    if isinstance(value, np.ndarray):
        return "$" + r"\times ".join(str(n) for n in value.shape) + "$" if value.ndim else \
            _label(float(value))
    return "$" + format_number(value, 4) + "$"


def export_tikz(graph: Graph, step: int | None = None) -> str:
    """The graph as a standalone LaTeX document with one tikzpicture (text)."""
    numbers = _Numbers(graph, step)
    ev = numbers.source
    placed = layered_positions(graph)
    pos = {n.id: tuple(n.pos) if n.pos is not None else placed[n.id] for n in graph.nodes()}
    name = {n.id: f"n{k}" for k, n in enumerate(graph.nodes())}
    output = graph.effective_output()
    lines = [
        "% Exported from Chainrule: " + latex.text(graph.title or "a graph"),
        r"\documentclass[tikz,border=6pt]{standalone}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{xcolor}",
        r"\begin{document}",
        "% The colours of the circuit: define these before \\input to restyle it.",
        *(f"\\providecolor{{{c}}}{{HTML}}{{{hexa[1:].upper()}}}" for c, hexa in COLOURS.items()),
        r"\begin{tikzpicture}[x=" + f"{UNIT_CM}cm, y=-{UNIT_CM}cm,",
        _STYLES + "]",
        "  % cards: one \\node each, at its canvas position",
    ]
    for node in graph.nodes():
        x, y = pos[node.id]
        styles = ["croutputcard" if node.id == output else "crcard"]
        state = numbers.states.get(node.id)
        if state == "done":
            styles.append("crdonecard")
        if node.id == numbers.current:
            styles.append("crcurrentcard")
        title = latex.text(node.label or node.id)
        text = (f"\\textbf{{{title}}}\\\\ {{\\color{{crmuted}}{latex.text(node.spec.symbol)}}}"
                f"\\\\ {{\\color{{crmuted}}\\footnotesize {latex.text(node.op)}}}")
        lines.append(f"  \\node[{', '.join(styles)}] ({name[node.id]}) at "
                     f"({x + NODE_W / 2:g}, {y + NODE_H / 2:g}) {{{text}}};")
    lines.append("  % wires: the value above, the gradient below")
    for edge in graph.edges():
        dst = graph.node(edge.dst)
        x, y = pos[edge.dst]
        port_y = y + NODE_H * (edge.port + 1) / (dst.spec.arity + 1)
        lines.append(f"  \\draw[crwire] ({name[edge.src]}.east) .. controls +(40, 0) and "
                     f"({x - 40:g}, {port_y:g}) .. ({x:g}, {port_y:g})"
                     f" node[pos=0.5, crvaluelabel] {{{_label(ev.edge_value(edge))}}}"
                     f" node[pos=0.5, crgradlabel] {{{_label(ev.edge_grad(edge))}}};")
    if output is not None and output in pos:
        x, y = pos[output]
        lines += ["  % the output's own wire: its value and its gradient (the seed)",
                  f"  \\draw[crwire, -latex] ({name[output]}.east) -- "
                  f"++({STUB:g}, 0) node[pos=0.5, crvaluelabel] {{{_label(ev.value(output))}}}"
                  f" node[pos=0.5, crgradlabel] {{{_label(ev.grad(output))}}};"]
    lines += [r"\end{tikzpicture}", r"\end{document}", ""]
    return "\n".join(lines)
