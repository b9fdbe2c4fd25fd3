"""The scene's cards and wires by key, where a big graph's items are made on first use.

A card item costs some 50 µs to make and add, a wire's about 0.1 ms to make and
place: most of opening a graph of thousands of nodes.  Yet a graph that big
opens fitted, far below the zoom where items draw themselves (``far_batch``
draws every card as a block and every wire as a line), and nobody touches most
of them.  So building the scene of a big graph records each card as its
position and each plain wire as its far-zoom line, and a table makes the item
the first time anything asks for it: ``table[key]`` or ``table.get`` (a
badge, a step's highlight, a learning view's look, a wire drag), the pointer
near it (:meth:`LazyTable.near` for wires, the scene's card grid for cards: hover,
click, rubber band, context menu), a
zoom where items draw themselves or labels are placed, an export
(:meth:`LazyTable.make_all`) — and, a slice at a time while the program is
idle, all the others (:meth:`LazyTable.make_some`), so that the first zoom in
finds them made.  Iterating the keys, ``in`` and ``len`` make
nothing; ``values()`` and ``items()`` make everything (their callers want
items).

An item made late comes out as it would have at build time: whatever look the
scene gives an item makes it first, a card that moves makes its wires, and a
waiting wire's labels wait for the readable zoom as a big graph's always did,
then are placed in the graph's wire order (:meth:`LazyTable.rank`).
"""
from __future__ import annotations

import time
from typing import Callable, Hashable, Iterator

import numpy as np
from PySide6.QtCore import QRectF

#: How far a waiting wire's curve and its hit band may reach beyond its two ends
#: (scene pixels): the Bézier's handles (at least 40 px, see routing.bezier), half
#: the hit band (wire_item.HIT_WIDTH), a little more.
_REACH_X, _REACH_Y = 52.0, 12.0
#: How far a card's room reaches round its position: its ports' discs, the badge
#: and the space above it, with a margin (node_item._PLAIN_RECT and more).
CARD_REACH = 40.0


class LazyTable:
    """Key → item for every card (or wire) of the scene; ``make(key, record)`` makes a
    waiting one."""

    def __init__(self, make: Callable[[Hashable, tuple], object]):
        self._make = make
        self._made: dict = {}
        self._lazy: dict = {}                 # key → its record (what the batch draws)
        self._order: dict | None = None       # every key in order, while some wait
        self._index: tuple | None = None      # (keys, alive, boxes) for near()
        self._slot: dict = {}
        self._rank: dict = {}                 # in which order each key came (renames keep it)
        self._count = 0
        self._cursor: Iterator | None = None  # where make_some goes on

    # -------------------------------------------------------------- mapping

    def __len__(self) -> int:
        return len(self._made) + len(self._lazy)

    def __contains__(self, key) -> bool:
        return key in self._made or key in self._lazy

    def __iter__(self) -> Iterator:
        return iter(list(self._order if self._lazy else self._made))

    def keys(self):
        return list(self)

    def __getitem__(self, key):
        item = self._made.get(key)
        if item is None:
            if key not in self._lazy:
                raise KeyError(key)
            item = self._wake(key)
        return item

    def get(self, key, default=None):
        item = self._made.get(key)
        if item is None and key in self._lazy:
            item = self._wake(key)
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

    def record(self, key):
        """A waiting key's record, or None when it has its item (or is unknown)."""
        return self._lazy.get(key)

    def records(self) -> dict:
        """The waiting keys and their records (read only)."""
        return self._lazy

    def in_order(self) -> Iterator[tuple]:
        """(item, None) or (None, record) for every key, in the keys' order (the order
        a picture draws them in, so that overlapping strokes blend as they always did)."""
        made = self._made
        if not self._lazy:
            for item in made.values():
                yield item, None
            return
        lazy = self._lazy
        for key in self._order:
            item = made.get(key)
            yield (item, None) if item is not None else (None, lazy[key])

    def rank(self, key) -> int:
        """The how-manieth key this one was to come (a rename keeps it)."""
        return self._rank.get(key, -1)

    def next_rank(self) -> int:
        """The rank the next key added gets."""
        return self._count

    def add(self, key, item) -> None:
        self._count_in(key)
        self._made[key] = item
        if self._order is not None:
            self._order[key] = None

    def add_lazy(self, key, record: tuple) -> None:
        """A key whose item waits: only its record is known."""
        if self._order is None:
            self._order = dict.fromkeys(self._made)
        self._order[key] = None
        self._count_in(key)
        self._lazy[key] = record
        self._changed()

    def discard(self, key):
        """Forget a key; its item, or None when it had none yet."""
        self._forget_lazy(key)
        self._rank.pop(key, None)
        if self._order is not None:
            self._order.pop(key, None)
        item = self._made.pop(key, None)
        self._finish_if_all_made()
        return item

    def rename(self, old, new):
        """The key is now ``new`` (moved to the end, as a re-keyed dict entry); its
        item, or None when it has none yet."""
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
        self._slot.clear()
        self._rank.clear()
        self._count = 0
        self._changed()

    def make_all(self) -> None:
        """Make every waiting item, in the keys' order (which the made items then keep)."""
        if not self._lazy:
            return
        for key in [k for k in self._order if k in self._lazy]:
            self._wake(key)

    def make_some(self, deadline: float) -> None:
        """Make waiting items in the keys' order until ``time.perf_counter()`` passes
        ``deadline`` (idle time: the scene makes them a slice at a time)."""
        while self._lazy and time.perf_counter() < deadline:
            if self._cursor is None:
                self._cursor = iter(list(self._order))
            key = next(self._cursor, None)
            if key is None:
                self._cursor = None
            elif key in self._lazy:
                self._wake(key)

    def near(self, rect: QRectF) -> None:
        """Make the waiting items that may meet ``rect`` (scene coordinates)."""
        if not self._lazy:
            return
        if self._index is None:
            keys = list(self._lazy)
            boxes = self._boxes(np.array([r[:self._coords] for r in self._lazy.values()],
                                         dtype=float).reshape(-1, self._coords))
            self._index = (keys, np.ones(len(keys), dtype=bool), boxes)
            self._slot = {k: i for i, k in enumerate(keys)}
        keys, alive, box = self._index
        hit = alive & (box[2] >= rect.left()) & (box[0] <= rect.right()) & \
            (box[3] >= rect.top()) & (box[1] <= rect.bottom())
        for i in np.flatnonzero(hit):
            if keys[i] in self._lazy:
                self._wake(keys[i])

    # -------------------------------------------------------------- inside

    #: How many numbers lead each record (its place).
    _coords = 4

    def _boxes(self, places: np.ndarray) -> np.ndarray:
        """(left, top, right, bottom) rows, one column per record, that hold each item."""
        raise NotImplementedError

    def _changed(self) -> None:
        self._index = None
        self._cursor = None

    def _wake(self, key):
        record = self._lazy[key]
        self._forget_lazy(key)
        item = self._make(key, record)
        self._made[key] = item
        self._finish_if_all_made()
        return item

    def _count_in(self, key) -> None:
        self._rank[key] = self._count
        self._count += 1

    def _forget_lazy(self, key) -> None:
        if self._lazy.pop(key, None) is not None:
            slot = self._slot.pop(key, None)
            if slot is not None:
                self._index[1][slot] = False

    def _finish_if_all_made(self) -> None:
        """Once nothing waits (the last one made, or removed): the items in the keys'
        order, as if made at build."""
        if self._lazy or self._order is None:
            return
        made = self._made
        self._made = {k: made[k] for k in self._order if k in made}
        self._order = None
        self._changed()
        self._slot.clear()


class WireTable(LazyTable):
    """Edge → WireItem; a waiting wire's record is its far-zoom line (x0, y0, x1, y1)."""

    def _boxes(self, ends: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = ends.T
        return np.stack([np.minimum(x0, x1) - _REACH_X, np.minimum(y0, y1) - _REACH_Y,
                         np.maximum(x0, x1) + _REACH_X, np.maximum(y0, y1) + _REACH_Y])



class CardTable(LazyTable):
    """Node id → NodeItem; a waiting card's record is (x, y, its op): its top-left
    corner, and what its block's colour and ports come from.  The pointer finds the
    waiting cards near it through the scene's grid of cards (``_card_grid``, which
    holds every card, made or waiting), not through :meth:`LazyTable.near`."""

