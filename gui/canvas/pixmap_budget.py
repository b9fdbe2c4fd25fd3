"""The size of Qt's pixmap cache, fitted to the graph on the canvas.

Cards (and, zoomed out, wires) keep their picture as a pixmap in Qt's one
global cache (``QPixmapCache``), whose default limit is 10 MiB.  Past about
2,000 cards the pictures of a zoomed-out view no longer fit, each frame
evicts what the next one needs, and every item's Python ``paint()`` runs
again: a value edit on 10,000 nodes repainted several times slower than with
room for them all.  So the limit grows with the number of items, a few KiB each
(a zoomed-out card or wire is a small pixmap; one at reading zoom is larger,
but then few are on screen).  The limit is a ceiling, not memory taken: the
cache holds only the pictures drawn.
"""
from __future__ import annotations

from PySide6.QtGui import QPixmapCache

DEFAULT_KIB = 10 * 1024          # Qt's own default
PER_ITEM_KIB = 8                 # room per card or wire
CEILING_KIB = 512 * 1024


def limit_for(items: int) -> int:
    """The cache limit, in KiB, for a scene of ``items`` cards and wires."""
    return min(CEILING_KIB, max(DEFAULT_KIB, PER_ITEM_KIB * items))


def fit(items: int) -> None:
    """Raise the cache limit to what ``items`` need (never lowered while the program
    runs: another canvas may still show a big graph)."""
    wanted = limit_for(items)
    if wanted > QPixmapCache.cacheLimit():
        QPixmapCache.setCacheLimit(wanted)
