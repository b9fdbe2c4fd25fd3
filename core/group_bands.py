"""Grouping a graph too big to draw, so the editor can open it.

The editor draws at most a set number of cards.  A bigger graph can still be
opened *grouped*: its groups are collapsed (each draws as one gate card), and
if that is not enough, the nodes in no group are cut into bands of
consecutive topological levels (leaves first, as the layout draws them), each
band a collapsed group labelled with its levels.  Bands follow whole levels,
so a band's gate reads left to right like the graph; about :data:`BANDS` of
them, so the picture is a readable chain of gates.  Grouping never changes a
value or a gradient (groups are only drawn and stepped as one).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .graph import Graph
from .groups import Group, hidden_by, membership

#: How many bands a graph is cut into (fewer when its levels are few and wide).
BANDS = 200


@dataclass(frozen=True)
class Grouping:
    """What :func:`group_to_fit` did, for the window's message."""

    collapsed: int          # groups of the file collapsed
    bands: int              # level bands made
    cards: int              # cards drawn afterwards (nodes shown and gates)

    def sentence(self) -> str:
        parts = []
        if self.collapsed:
            parts.append(f"its {self.collapsed:,} group{'s' * (self.collapsed != 1)} collapsed")
        if self.bands:
            parts.append(f"its levels cut into {self.bands:,} bands, each one collapsed gate")
        return f"Opened grouped ({' and '.join(parts)}): {self.cards:,} cards."


def cards_drawn(graph: Graph) -> int:
    """Cards the editor draws: nodes not hidden by a collapsed group, and one gate
    per outermost collapsed group."""
    hidden = hidden_by(graph)
    return len(graph) - len(hidden) + len(set(hidden.values()))


def group_to_fit(graph: Graph, max_cards: int) -> Grouping | None:
    """Collapse ``graph``'s groups, then band its free nodes, until at most
    ``max_cards`` cards are drawn; edits ``graph.groups`` in place (no events: the
    graph is not shown yet).  None (nothing changed) if it cannot fit."""
    collapsed = [g for g in graph.groups.values() if not g.collapsed]
    for g in collapsed:
        g.collapsed = True
    if cards_drawn(graph) <= max_cards:
        return Grouping(len(collapsed), 0, cards_drawn(graph))
    # every band has at least its share of nodes but the last: at most n + 1 bands
    room = max_cards - len(set(hidden_by(graph).values())) - 1
    bands = level_bands(graph, min(BANDS, room)) if room > 0 else []
    for band in bands:
        graph.groups[band.id] = band
    cards = cards_drawn(graph)
    if cards > max_cards or not bands:     # undo: it does not fit even so
        for band in bands:
            del graph.groups[band.id]
        for g in collapsed:
            g.collapsed = False
        return None
    return Grouping(len(collapsed), len(bands), cards)


def level_bands(graph: Graph, bands: int = BANDS) -> list[Group]:
    """Collapsed groups over the nodes in no group: consecutive whole levels, about
    ``len(free) / bands`` nodes each (nothing is added to ``graph.groups``).  An
    input or constant counts in the level of its first consumer, as a weight
    belongs to its layer (else every leaf would crowd the first band)."""
    owned = membership(graph)
    free = len(graph) - len(owned)
    size = max(1, math.ceil(free / max(bands, 1)))
    levels = _levels(graph)
    ids = graph.id_allocator()
    out: list[Group] = []
    members: list[str] = []
    first = 0
    for level, nodes in enumerate(levels):
        if not members:
            first = level
        members += (n for n in nodes if n not in owned)
        if len(members) >= size:
            out.append(_band(ids, members, first, level))
            members = []
    if members:
        out.append(_band(ids, members, first, len(levels) - 1))
    return out


def _levels(graph: Graph) -> list[list[str]]:
    """The topological generations, each leaf moved to its first consumer's."""
    generations = graph.generations()
    level = {n: k for k, generation in enumerate(generations) for n in generation}
    succ = graph.nx._succ
    out: list[list[str]] = [[] for _ in generations]
    for node in graph.nodes():
        k = level[node.id]
        if node.spec.is_leaf and succ[node.id]:
            k = min(level[c] for c in succ[node.id])
        out[k].append(node.id)
    return out


def _band(ids, members: list[str], first: int, last: int) -> Group:
    label = f"level {first + 1}" if first == last else f"levels {first + 1}–{last + 1}"
    return Group(ids.numbered("levels", sep="_", start=first + 1), members, label=label,
                 collapsed=True)
