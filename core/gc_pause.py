"""Pausing Python's cyclic garbage collector during bulk work.

Evaluating or loading a large graph allocates many small containers; the
collector would walk the whole (large, long-lived) graph again and again while
that happens.  Nothing made in these passes is cyclic garbage, so it can wait.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
