"""Sharing what most nodes hold alike, so a big graph costs little per node.

A graph read from a file has, per node, an empty ``attrs`` and ``extra`` and
networkx's empty attribute dicts for the node and for each wire.  One frozen
empty dict, :data:`EMPTY`, stands for all of them: it is a ``dict`` to every
reader, and writing into it raises ``TypeError`` instead of changing every
node at once (replace it with a new dict instead, as every edit here does).

Likewise the key dict of each pair of wired nodes (networkx keeps, per pair,
``{port: attributes}``): the graph holds one frozen ``{0: EMPTY}`` for every
pair wired into port 0, one ``{0: EMPTY, 1: EMPTY}`` for ``x * x``, and so
on; adding or removing a wire replaces the pair's dict, never writes into it.
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


class _FrozenKeys(FrozenEmptyDict):
    """A pair's ``{port: EMPTY}`` dict, shared by every pair with the same ports."""

    __slots__ = ()

    clear = FrozenEmptyDict._refuse

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo: dict) -> dict:
        return {k: {} for k in self}

    def __reduce__(self) -> tuple:
        return (dict, (dict(self),))


_KEYS: dict[tuple, dict] = {}


def _keys(keys: tuple) -> dict:
    found = _KEYS.get(keys)
    if found is None:
        found = _KEYS[keys] = _FrozenKeys((k, EMPTY) for k in keys)
    return found


class SharedAttrMultiDiGraph(nx.MultiDiGraph):
    """A ``networkx.MultiDiGraph`` whose node and edge attribute dicts are all
    :data:`EMPTY` and whose key dicts are shared (the model keeps its data on its
    own nodes, never in networkx; wires carry no attributes)."""

    node_attr_dict_factory = staticmethod(_empty)
    edge_attr_dict_factory = staticmethod(_empty)

    def add_edge(self, u_for_edge: Any, v_for_edge: Any, key: Any = None, **attr: Any) -> Any:
        if attr:
            raise TypeError("wires carry no attributes here")
        u, v = u_for_edge, v_for_edge
        for n in (u, v):
            if n not in self._succ:
                if n is None:
                    raise ValueError("None cannot be a node")
                self._succ[n] = self.adjlist_inner_dict_factory()
                self._pred[n] = self.adjlist_inner_dict_factory()
                self._node[n] = EMPTY
        if key is None:
            key = self.new_edge_key(u, v)
        old = self._succ[u].get(v)
        keys = tuple(old) if old else ()
        if key not in keys:
            self._succ[u][v] = self._pred[v][u] = _keys(keys + (key,))
        nx._clear_cache(self)
        return key

    def remove_edge(self, u: Any, v: Any, key: Any = None) -> None:
        try:
            keys = list(self._succ[u][v])
        except KeyError:
            raise nx.NetworkXError(f"The edge {u}-{v} is not in the graph.") from None
        if key is None:
            keys.pop()
        elif key in keys:
            keys.remove(key)
        else:
            raise nx.NetworkXError(f"The edge {u}-{v} with key {key} is not in the graph.")
        if keys:
            self._succ[u][v] = self._pred[v][u] = _keys(tuple(keys))
        else:
            del self._succ[u][v]
            del self._pred[v][u]
        nx._clear_cache(self)

    def order_keys(self, u: Any, v: Any, keys: list) -> None:
        """Put the ports of the wires from ``u`` to ``v`` in the order of ``keys``."""
        old = self._succ[u][v]
        ordered = [k for k in keys if k in old]
        ordered += [k for k in old if k not in ordered]
        self._succ[u][v] = self._pred[v][u] = _keys(tuple(ordered))
