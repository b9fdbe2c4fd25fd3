"""Which cards and wire labels lie near a point, without asking Qt's scene index.

Placing a wire asks where the cards and the other wires' labels are (its label
goes where none is, a wire going back finds a lane around the cards).  Asking
``QGraphicsScene.items`` for that while a graph is being built cost Qt a walk
over every item per question — the index is rebuilt whenever the growing
scene rect changes, and over a fixed large rect its cells hold thousands of
items — which made building the scene quadratic (40 s for 1,200 nodes).  A
grid of fixed cells, kept by the scene as cards move and labels are placed,
answers the same questions in time proportional to what is near.
"""
from __future__ import annotations

import math
from typing import Hashable, Iterator

CELL = 256.0            # scene pixels: a few cards or labels per cell


class SpatialGrid:
    """Keys with a rectangle each (left, top, right, bottom, in floats: this runs per
    wire while a graph is built); :meth:`near` finds the keys whose rectangle may meet
    a query rectangle (a superset: the caller tests the exact shape)."""

    def __init__(self, cell: float = CELL):
        self._cell = cell
        self._cells: dict[tuple[int, int], set] = {}
        self._where: dict[Hashable, tuple[int, int, int, int]] = {}

    def __len__(self) -> int:
        return len(self._where)

    def _span(self, left: float, top: float, right: float,
              bottom: float) -> tuple[int, int, int, int]:
        c = self._cell
        return (math.floor(left / c), math.floor(top / c),
                math.floor(right / c), math.floor(bottom / c))

    def _cells_of(self, span: tuple[int, int, int, int]) -> Iterator[tuple[int, int]]:
        x0, y0, x1, y1 = span
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                yield x, y

    def put(self, key: Hashable, left: float, top: float, right: float,
            bottom: float) -> None:
        """Place ``key`` at this rectangle (moving it when it was elsewhere)."""
        span = self._span(left, top, right, bottom)
        old = self._where.get(key)
        if old == span:
            return
        if old is not None:
            self.drop(key)
        self._where[key] = span
        cells = self._cells
        for cell in self._cells_of(span):
            bucket = cells.get(cell)
            if bucket is None:
                bucket = cells[cell] = set()
            bucket.add(key)

    def drop(self, key: Hashable) -> None:
        span = self._where.pop(key, None)
        if span is None:
            return
        cells = self._cells
        for cell in self._cells_of(span):
            bucket = cells.get(cell)
            if bucket is not None:
                bucket.discard(key)
                if not bucket:
                    del cells[cell]

    def clear(self) -> None:
        self._cells.clear()
        self._where.clear()

    def near(self, left: float, top: float, right: float, bottom: float) -> set:
        """The keys placed in a cell this rectangle touches."""
        found: set = set()
        cells = self._cells
        x0, y0, x1, y1 = self._span(left, top, right, bottom)
        if (x1 - x0 + 1) * (y1 - y0 + 1) > 4 * len(cells):     # a huge rect: scan the cells
            for (x, y), bucket in cells.items():
                if x0 <= x <= x1 and y0 <= y <= y1:
                    found |= bucket
            return found
        for cell in self._cells_of((x0, y0, x1, y1)):
            bucket = cells.get(cell)
            if bucket:
                found |= bucket
        return found
