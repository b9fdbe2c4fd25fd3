"""Pausing Python's cyclic garbage collector during bulk work.

Evaluating or loading a large graph allocates many small containers; the
collector would walk the whole (large, long-lived) graph again and again while
that happens.  Nothing made in these passes is cyclic garbage, so it can wait.
"""
from __future__ import annotations

import gc


class gc_paused:
    """``with gc_paused():`` the collector waits (nested uses leave it to the outermost).

    A class rather than a generator-based context manager: entering and leaving
    is two calls instead of six, and a small tensor pass enters it twice."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc) -> None:
        if self._was_enabled:
            gc.enable()


#: Graphs at least this big are frozen out of the collector's view once loaded.
FREEZE_AT = 5_000


def settle(graph_size: int) -> None:
    """After loading a big graph: move everything alive now out of the collector's
    view (``gc.freeze``), so a later full collection does not walk the whole graph
    again in the middle of an edit.  Objects frozen are still freed by reference
    counting; only cycles among them wait for ``gc.unfreeze``."""
    if graph_size >= FREEZE_AT:
        gc.freeze()
