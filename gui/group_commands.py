"""Undo commands for groups (composite gates): each group operation is one step.

Like :mod:`chainrule.gui.commands`, each calls only the model
(:mod:`chainrule.core.groups`) and undoes exactly what it did, so undoing
everything gives back the same file byte for byte.
"""
from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from chainrule.core import groups as gm


class MakeGroup(QUndoCommand):
    """Group nodes (and the groups beside them) into a new group."""

    def __init__(self, doc, group: gm.Group, adopt: list[str] = (), text: str | None = None):
        super().__init__(text or f"Group {group.display}")
        self.doc, self.group, self.adopt = doc, group, list(adopt)
        self._parent_nodes: list[str] | None = None

    def redo(self) -> None:
        graph = self.doc.graph
        parent = self.group.parent
        self._parent_nodes = list(graph.groups[parent].nodes) if parent is not None else None
        gm.add_group(graph, copy.deepcopy(self.group), adopt=self.adopt)

    def undo(self) -> None:
        graph = self.doc.graph
        gm.remove_group(graph, self.group.id)
        if self._parent_nodes is not None:      # the nodes back in their places
            gm.set_nodes(graph, self.group.parent, self._parent_nodes)


class MakeGroups(QUndoCommand):
    """Several new groups at once (Group by layer): one step."""

    def __init__(self, doc, groups: list[gm.Group], text: str = "Group by layer"):
        super().__init__(text)
        self.doc, self.groups = doc, list(groups)

    def redo(self) -> None:
        for g in self.groups:
            gm.add_group(self.doc.graph, copy.deepcopy(g))

    def undo(self) -> None:
        for g in reversed(self.groups):
            gm.remove_group(self.doc.graph, g.id)


class Ungroup(QUndoCommand):
    def __init__(self, doc, group_id: str):
        super().__init__(f"Ungroup {doc.graph.groups[group_id].display}")
        self.doc, self.group_id = doc, group_id
        self._undo: dict[str, Any] | None = None

    def redo(self) -> None:
        self._undo = gm.ungroup(self.doc.graph, self.group_id)

    def undo(self) -> None:
        gm.regroup(self.doc.graph, self._undo)


class SetGroupField(QUndoCommand):
    """Collapse or expand, rename (the label), a note, the gate's position."""

    def __init__(self, doc, group_id: str, name: str, value: Any, text: str | None = None):
        super().__init__(text or f"Set {name} of {group_id}")
        self.doc, self.group_id, self.name, self.value = doc, group_id, name, value
        self.old: Any = None

    def redo(self) -> None:
        self.old = gm.set_field(self.doc.graph, self.group_id, self.name, self.value)

    def undo(self) -> None:
        gm.set_field(self.doc.graph, self.group_id, self.name, self.old)
