"""Fresh node ids: the one place where new ids are made.

Paste, duplicate, quick-add and the program reader all need ids that are not
taken yet.  They get them from an :class:`IdAllocator`, which builds a
candidate as *stem + separator + number*, cuts the stem so that the whole
candidate fits in :data:`~chainrule.core.graph.MAX_ID_LENGTH` characters, and only then
checks it against the ids in use — so what it returns is always a valid,
free id (checking first and cutting afterwards could hand out an id that is
taken: two 64-character ids that differ only in their last characters).

The allocator remembers, per stem, the next number worth trying, and counts
the ids it hands out as taken: allocating *n* ids costs O(n) look-ups, not
O(n²).  That holds because the ids in use only grow while an allocator is
used; make a new one after ids have been freed.
"""
from __future__ import annotations

from typing import Callable, Container, Iterable

MAX_ID_LENGTH = 64


class IdAllocator:
    """Hands out ids not in ``taken`` (any container, read live), nor in
    ``reserved``, nor handed out before by this allocator."""

    def __init__(self, taken: Container[str] | Callable[[str], bool] = (),
                 reserved: Iterable[str] = ()):
        self._is_taken = taken if callable(taken) else taken.__contains__
        self._given: set[str] = set(reserved)
        self._next: dict[tuple[str, str], int] = {}

    def is_free(self, node_id: str) -> bool:
        return (bool(node_id) and len(node_id) <= MAX_ID_LENGTH
                and node_id not in self._given and not self._is_taken(node_id))

    def reserve(self, node_id: str) -> None:
        """Count ``node_id`` as taken from now on."""
        self._given.add(node_id)

    def numbered(self, stem: str, sep: str = "", start: int = 1, reserve: bool = True) -> str:
        """The first free ``stem{sep}{n}`` for n = start, start+1, … (the stem cut so
        that the id fits), reserved at once unless ``reserve`` is False (then the
        next call tries it first again: the caller may not use it)."""
        stem = stem or "n"
        key = (stem, sep)
        n = max(self._next.get(key, start), start)
        while True:
            suffix = f"{sep}{n}"
            candidate = stem[:MAX_ID_LENGTH - len(suffix)] + suffix
            n += 1
            if self.is_free(candidate):
                self._next[key] = n if reserve else n - 1
                if reserve:
                    self._given.add(candidate)
                return candidate

    def fresh(self, prefix: str, *, avoid: Container[str] = (), reserve: bool = True) -> str:
        """``prefix`` itself (cut to the limit) if it is free and not in ``avoid``,
        else the first free ``prefix1``, ``prefix2``… (quick-add: ``x``, ``add1``)."""
        prefix = prefix or "n"
        bare = prefix[:MAX_ID_LENGTH]
        if bare not in avoid and self.is_free(bare):
            if reserve:
                self._given.add(bare)
            return bare
        return self.numbered(prefix, reserve=reserve)

    def keep_or_renumber(self, node_id: str) -> str:
        """``node_id`` if it is free, else its stem (trailing digits dropped)
        numbered from 2 (paste, duplicate: ``x`` → ``x2``, ``w2`` → ``w3``)."""
        if self.is_free(node_id):
            self._given.add(node_id)
            return node_id
        stem = node_id.rstrip("0123456789") or node_id
        return self.numbered(stem, start=2)
