"""The one layered layout: layer k at x = 220·k, stacked 110 apart in the order added."""
from __future__ import annotations

from chainrule.core.layout import LAYER_DX, LAYER_DY, layered_positions
from chainrule.core.program import parse_program


def test_layers_and_stacking_follow_generations_and_insertion_order():
    g = parse_program("x = -2; y = 5; z = -4\nq = x + y\nf = q * z").graph
    pos = layered_positions(g)
    assert pos["x"] == (0.0, 0.0) and pos["y"] == (0.0, LAYER_DY) and pos["z"] == (0.0, 2 * LAYER_DY)
    assert pos["q"] == (LAYER_DX, 0.0) and pos["f"] == (2 * LAYER_DX, 0.0)


def test_only_some_nodes_below_a_top():
    g = parse_program("x = 1; y = 2\nf = x * y").graph
    pos = layered_positions(g, only=["y", "f"], top=500.0)
    assert pos == {"y": (0.0, 500.0), "f": (LAYER_DX, 500.0)}
