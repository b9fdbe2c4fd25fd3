"""The 1,000-node graph the editor benchmarks draw: 100 inputs, 8 layers of 100 binary
ops each reading two nearby nodes of the layer before, then an add tree to one output."""
from __future__ import annotations

import random

from chainrule.core.graph import Graph

LAYERS, WIDTH = 8, 100          # 100 + 800 + 99 adds = 999 nodes, 1,798 wires


def make_big_graph(seed: int = 1, layers: int = LAYERS, width: int = WIDTH) -> Graph:
    """Positions included, so drawing it needs no layout (``layers`` × ``width`` ops:
    the defaults give the 1,000-node graph; 10 × 500 about 6,000 nodes)."""
    LAYERS, WIDTH = layers, width
    rng = random.Random(seed)
    g = Graph()
    prev = []
    for i in range(WIDTH):
        node_id = f"x{i}"
        g.add_node(node_id, "input", value=rng.uniform(-1, 1), pos=(0, 110 * i))
        prev.append(node_id)
    for layer in range(1, LAYERS + 1):
        cur = []
        for i in range(WIDTH):
            node_id = f"n{layer}_{i}"
            op = rng.choice(["add", "mul", "sub", "max", "mul", "add"])
            g.add_node(node_id, op, pos=(220 * layer, 110 * i))
            a = prev[i]
            b = prev[min(WIDTH - 1, max(0, i + rng.choice([-2, -1, 1, 2])))]
            g.connect(a, node_id, 0)
            g.connect(b, node_id, 1)
            cur.append(node_id)
        # squash every other layer so the numbers stay readable
        prev = cur
    level = LAYERS + 1
    while len(prev) > 1:
        cur = []
        for j in range(0, len(prev) - 1, 2):
            node_id = f"s{level}_{j // 2}"
            y = (g.node(prev[j]).pos[1] + g.node(prev[j + 1]).pos[1]) / 2
            g.add_node(node_id, "add", pos=(220 * level, y))
            g.connect(prev[j], node_id, 0)
            g.connect(prev[j + 1], node_id, 1)
            cur.append(node_id)
        if len(prev) % 2:
            cur.append(prev[-1])
        prev = cur
        level += 1
    g.set_output(prev[0])
    return g
