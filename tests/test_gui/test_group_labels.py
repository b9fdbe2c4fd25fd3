"""Wires crossing into a collapsed gate: a gate with many ports (a collapsed layer)
keeps its wires' labels in the middle instead of searching the fan for a free spot
once per wire; a small gate (demo 02's σ) still searches."""
from __future__ import annotations

from chainrule.core import groups as gm
from chainrule.core.program import parse_program
from chainrule.gui.canvas.group_items import CROWDED_PORTS
from chainrule.gui.canvas.view import CanvasView
from chainrule.gui.document import Document


def layered_mlp(width: int) -> str:
    lines = [f"x{i} = 0.{i + 1}" for i in range(3)]
    lines += [f"h{j} = tanh({' + '.join(f'0.{j % 9 + 1}*x{i}' for i in range(3))})"
              for j in range(width)]
    lines.append("L = " + " + ".join(f"h{j}" for j in range(width)))
    return "\n".join(lines)


def test_a_crowded_gates_wires_keep_the_middle_and_every_wire_is_placed(qtbot):
    width = CROWDED_PORTS + 4
    graph = parse_program(layered_mlp(width)).graph
    for group in gm.layer_groups(graph):
        gm.add_group(graph, group)
    doc = Document(graph)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    scene = view.graph_scene
    layers = scene.groups
    crossing = [e for e in graph.edges() if e.src in layers.hidden or e.dst in layers.hidden]
    assert crossing and set(scene.wires) == set(graph.edges())
    crowded = [gid for gid, gate in layers.gates.items()
               if len(gate.inputs) + len(gate.outputs) > CROWDED_PORTS]
    assert crowded
    for edge in crossing:
        wire = scene.wires[edge]
        if not wire.isVisible():
            continue
        start, end = wire.ends()
        if layers.hidden.get(edge.dst) in crowded:
            assert end == layers.in_anchor(edge)           # on the gate's port
            assert wire._t == 0.5
        if layers.hidden.get(edge.src) in crowded:
            assert start == layers.out_anchor(edge.src)


def test_a_small_gate_is_not_crowded(make_window):
    window = make_window("02-neuron-gates.cgraph")
    window.group_tools.toggle("sigma")
    scene = window.canvas.graph_scene
    layers = scene.groups
    edge = next(e for e in scene.graph.edges() if e.dst == "neg" and e.src == "s1")
    assert layers.in_anchor(edge) is not None
    assert not layers.crowded(None, layers.in_anchor(edge), edge)
