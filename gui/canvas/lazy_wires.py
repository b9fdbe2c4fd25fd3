"""The scene's wires by edge, where a big graph's wire items are made on first use.

A wire item costs about 0.1 ms to make and place, most of opening a graph of
thousands of nodes; yet a graph that big opens fitted, far below the zoom
where wires are drawn one by one (``far_batch`` draws them all as lines), and
nobody touches most of them.  So building the scene of a big graph records
each plain wire as just its far-zoom line, and :class:`WireTable` makes the
item the first time anything asks for it: ``table[edge]`` or ``table.get``
(a step's highlight, a learning view's look, a wire drag), the pointer near
it (:meth:`near`: hover, click, rubber band, context menu), a zoom where
wires are drawn as items or labels are placed, an export
(:meth:`make_all`).  Iterating the keys, ``in`` and ``len`` make nothing;
``values()`` and ``items()`` make every wire (their callers want items).

The items made come out as they would have at build time: a waiting wire's
ends never move (a card that moves makes its wires first), and its labels
wait for the readable zoom as a big graph's always did, then are placed in
the graph's wire order.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
from PySide6.QtCore import QLineF, QRectF

from chainrule.core.graph import Edge

#: How far a waiting wire's curve and its hit band may reach beyond its two ends
#: (scene pixels): the Bézier's handles (at least 40 px, see routing.bezier), half
#: the hit band (wire_item.HIT_WIDTH), a little more.
_REACH_X, _REACH_Y = 52.0, 12.0


class WireTable:
    """Edge → WireItem for every wire of the scene; ``make(edge)`` makes a waiting one."""

    def __init__(self, make: Callable[[Edge], object]):
        self._make = make
        self._made: dict[Edge, object] = {}
        self._lazy: dict[Edge, tuple] = {}            # (x0, y0, x1, y1) of its line
        self._lines: list[QLineF] | None = None
        self._order: dict[Edge, None] | None = None     # every edge, while some wait
        self._index: tuple | None = None                 # (edges, alive, boxes) for near()
        self._slot: dict[Edge, int] = {}
        self._rank: dict[Edge, int] = {}      # in which order each wire came (renames keep it)
        self._count = 0

    # -------------------------------------------------------------- mapping

    def __len__(self) -> int:
        return len(self._made) + len(self._lazy)

    def __contains__(self, edge) -> bool:
        return edge in self._made or edge in self._lazy

    def __iter__(self) -> Iterator[Edge]:
        return iter(list(self._order if self._lazy else self._made))

    def keys(self):
        return list(self)

    def __getitem__(self, edge: Edge):
        item = self._made.get(edge)
        if item is None:
            if edge not in self._lazy:
                raise KeyError(edge)
            item = self._wake(edge)
        return item

    def get(self, edge: Edge, default=None):
        item = self._made.get(edge)
        if item is None and edge in self._lazy:
            item = self._wake(edge)
        return default if item is None else item

    def values(self):
        self.make_all()
        return self._made.values()

    def items(self):
        self.make_all()
        return self._made.items()

    # -------------------------------------------------------------- the scene's side

    def made(self) -> dict:
        """The items made so far (what draws, what the scene keeps up to date)."""
        return self._made

    def waiting(self) -> int:
        return len(self._lazy)

    def lazy_lines(self) -> list[QLineF]:
        """The far-zoom lines of the wires not made yet (the wire batch draws them)."""
        if self._lines is None:
            self._lines = [QLineF(*ends) for ends in self._lazy.values()]
        return list(self._lines)

    def rank(self, edge: Edge) -> int:
        """The how-manieth wire this one was to come (a rename keeps it)."""
        return self._rank.get(edge, -1)

    def add(self, edge: Edge, item) -> None:
        self._count_in(edge)
        self._made[edge] = item
        if self._order is not None:
            self._order[edge] = None

    def add_lazy(self, edge: Edge, line: tuple) -> None:
        """A wire whose item waits: only its far-zoom line (x0, y0, x1, y1) is known."""
        if self._order is None:
            self._order = dict.fromkeys(self._made)
        self._order[edge] = None
        self._count_in(edge)
        self._lazy[edge] = line
        self._index = None
        self._lines = None

    def discard(self, edge: Edge):
        """Forget a wire; its item, or None when it had none yet."""
        self._forget_lazy(edge)
        self._rank.pop(edge, None)
        if self._order is not None:
            self._order.pop(edge, None)
        return self._made.pop(edge, None)

    def rename(self, old: Edge, new: Edge):
        """The wire is now keyed ``new`` (moved to the end, as a re-keyed dict entry);
        its item, or None when it has none yet."""
        self._rank[new] = self._rank.pop(old, -1)
        if self._order is not None:
            self._order.pop(old, None)
            self._order[new] = None
        if old in self._lazy:
            self._lazy[new] = self._lazy.pop(old)
            slot = self._slot.pop(old, None)
            if slot is not None:
                self._slot[new] = slot
                self._index[0][slot] = new
            return None
        item = self._made.pop(old)
        self._made[new] = item
        return item

    def clear(self) -> None:
        self._made.clear()
        self._lazy.clear()
        self._order = None
        self._index = None
        self._lines = None
        self._slot.clear()
        self._rank.clear()
        self._count = 0

    def make_all(self) -> None:
        """Make every waiting wire, in the graph's wire order (which the made items then keep)."""
        if not self._lazy:
            return
        for edge in [e for e in self._order if e in self._lazy]:
            self._wake(edge)

    def near(self, rect: QRectF) -> None:
        """Make the waiting wires whose curve or hit band may meet ``rect`` (scene)."""
        if not self._lazy:
            return
        if self._index is None:
            self._build_index()
        edges, alive, box = self._index
        hit = alive & (box[2] >= rect.left()) & (box[0] <= rect.right()) & \
            (box[3] >= rect.top()) & (box[1] <= rect.bottom())
        for k in np.flatnonzero(hit):
            self._wake(edges[k])

    # -------------------------------------------------------------- inside

    def _wake(self, edge: Edge):
        self._forget_lazy(edge)
        item = self._make(edge)
        self._made[edge] = item
        if not self._lazy and self._order is not None:
            # every wire made: keep them in the graph's order, as if made at build
            made = self._made
            self._made = {e: made[e] for e in self._order if e in made}
            self._order = None
            self._index = None
            self._slot.clear()
        return item

    def _count_in(self, edge: Edge) -> None:
        self._rank[edge] = self._count
        self._count += 1

    def _forget_lazy(self, edge: Edge) -> None:
        if self._lazy.pop(edge, None) is not None:
            self._lines = None
            slot = self._slot.pop(edge, None)
            if slot is not None:
                self._index[1][slot] = False

    def _build_index(self) -> None:
        edges = list(self._lazy)
        ends = np.array(list(self._lazy.values()), dtype=float).reshape(-1, 4)
        x0, y0, x1, y1 = ends.T
        box = np.stack([np.minimum(x0, x1) - _REACH_X, np.minimum(y0, y1) - _REACH_Y,
                        np.maximum(x0, x1) + _REACH_X, np.maximum(y0, y1) + _REACH_Y])
        self._index = (edges, np.ones(len(edges), dtype=bool), box)
        self._slot = {e: k for k, e in enumerate(edges)}
