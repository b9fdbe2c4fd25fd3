"""Reading the ``groups`` of a ``.cgraph`` file (the spec's section "Groups:
composite gates"): each group checked as plain data, then the nesting as a whole
(one group per node, parents that exist and make no loop).
"""
from __future__ import annotations

from typing import Any

from .errors import FileFormatError
from .fileformat_checks import kind, optional_bool, optional_str, position, record_id, show, unknown
from .groups import Group

GROUP_KEYS = ("id", "label", "nodes", "parent", "collapsed", "pos", "note")


def validate_groups(raw: Any, node_index: dict[str, int]) -> list[Group]:
    """The groups, checked as the spec's section "Groups: composite gates" says."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FileFormatError("groups", f"must be a list of groups, not {kind(raw)}")
    groups: list[Group] = []
    group_index: dict[str, int] = {}
    owner: dict[str, int] = {}            # node id → the group listing it
    for i, item in enumerate(raw):
        group = _validate_group(i, item, node_index, group_index)
        for k, node_id in enumerate(group.nodes):
            if node_id in owner:
                other = owner[node_id]
                raise FileFormatError(f"groups[{i}].nodes[{k}]",
                                      f'node "{node_id}" is already in group '
                                      f'"{groups[other].id}" (groups[{other}]); a node is '
                                      f'directly inside one group at most')
            owner[node_id] = i
        group_index[group.id] = i
        groups.append(group)
    for i, group in enumerate(groups):
        if group.parent is not None and group.parent not in group_index:
            what = " (that is a node, not a group)" if group.parent in node_index else ""
            raise FileFormatError(f"groups[{i}].parent", f'there is no group '
                                                         f'"{group.parent}"{what}')
    for i, group in enumerate(groups):
        seen = [group.id]
        parent = group.parent
        while parent is not None:
            if parent in seen:
                loop = seen[seen.index(parent):] + [parent]
                raise FileFormatError(f"groups[{i}].parent", "the parents make a loop: "
                                                             + " → ".join(loop))
            seen.append(parent)
            parent = groups[group_index[parent]].parent
    return groups


def _validate_group(i: int, raw: Any, node_index: dict[str, int],
                    group_index: dict[str, int]) -> Group:
    place = f"groups[{i}]"
    group_id = record_id(raw, place, "group")
    if group_id in node_index:
        raise FileFormatError(f"{place}.id", f'"{group_id}" is already the id of a node '
                                             f'(nodes[{node_index[group_id]}]); group and '
                                             f'node ids must differ')
    if group_id in group_index:
        raise FileFormatError(f"{place}.id", f'duplicate group id "{group_id}" '
                                             f'(also groups[{group_index[group_id]}])')
    label = optional_str(raw, "label", f"{place}.label")
    if "nodes" not in raw or raw["nodes"] is None:
        raise FileFormatError(f"{place}.nodes", f'missing; group "{group_id}" lists the nodes '
                                                f'inside it')
    listed = raw["nodes"]
    if not isinstance(listed, list):
        raise FileFormatError(f"{place}.nodes", f"must be a list of node ids, not "
                                                f"{kind(listed)}")
    if not listed:
        raise FileFormatError(f"{place}.nodes", f'is empty; group "{group_id}" must hold at '
                                                f'least one node')
    nodes: list[str] = []
    for k, node_id in enumerate(listed):
        if not isinstance(node_id, str):
            raise FileFormatError(f"{place}.nodes[{k}]", f"must be a node id (a string), "
                                                         f"not {show(node_id)}")
        if node_id not in node_index:
            raise FileFormatError(f"{place}.nodes[{k}]", f'there is no node "{node_id}"')
        if node_id in nodes:
            raise FileFormatError(f"{place}.nodes[{k}]",
                                  f'node "{node_id}" is listed twice in group "{group_id}"')
        nodes.append(node_id)
    parent = raw.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise FileFormatError(f"{place}.parent", f"must be a group id (a string), "
                                                 f"not {show(parent)}")
    collapsed = optional_bool(raw, "collapsed", place)
    pos = raw.get("pos")
    if pos is not None:
        pos = position(pos, f"{place}.pos")
    note = optional_str(raw, "note", f"{place}.note")
    return Group(group_id, nodes, label or None, parent, collapsed, pos, note or None,
                 unknown(raw, GROUP_KEYS))
