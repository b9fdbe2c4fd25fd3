"""Sharing what most nodes hold alike, so a big graph costs little per node.

A graph read from a file has, per node, an empty ``attrs`` and ``extra`` and
networkx's empty attribute dicts for the node and for each wire.  One frozen
empty dict, :data:`EMPTY`, stands for all of them: it is a ``dict`` to every
reader, and writing into it raises ``TypeError`` instead of changing every
node at once (replace it with a new dict instead, as every edit here does).
"""
from __future__ import annotations

from typing import Any

import networkx as nx


class FrozenEmptyDict(dict):
    """An empty dict that stays empty (writing raises); copies are ordinary dicts."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("this empty dict is shared; assign a new dict instead")

    __setitem__ = __delitem__ = setdefault = pop = popitem = __ior__ = _refuse

    def update(self, *args: Any, **kwargs: Any) -> None:
        if kwargs or any(args):          # networkx updates with nothing: allowed
            self._refuse()

    def clear(self) -> None:
        pass

    def __copy__(self) -> dict:
        return {}

    def __deepcopy__(self, memo: dict) -> dict:
        return {}

    def __reduce__(self) -> tuple:
        return (dict, ())


EMPTY: dict = FrozenEmptyDict()


def _empty() -> dict:
    return EMPTY


class SharedAttrMultiDiGraph(nx.MultiDiGraph):
    """A ``networkx.MultiDiGraph`` whose node and edge attribute dicts are all
    :data:`EMPTY` (the model keeps its data on its own nodes, never in networkx)."""

    node_attr_dict_factory = staticmethod(_empty)
    edge_attr_dict_factory = staticmethod(_empty)
