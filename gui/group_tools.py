"""The Groups menu: group, ungroup, collapse, rename, note, open full-screen,
Group by Layer, Check Equivalence and Expand to Scalars.

Every edit is one undo step (:mod:`chainrule.gui.group_commands`); the model's
rules and the checks are in :mod:`chainrule.core.groups`,
:mod:`chainrule.core.equivalence` and :mod:`chainrule.core.scalarize`.  Opening a
group full-screen (Enter) shows only its cards with a breadcrumb bar above the
canvas (``Graph › layer 1 › σ``); Escape goes back out one level.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QInputDialog, QLabel, QMainWindow, QMenu, QMessageBox)

from chainrule.core import equivalence, groups as gm
from chainrule.core.errors import GraphError
from chainrule.core.graph import Edge
from chainrule.core.scalarize import OPS as SCALAR_OPS, expand_to_scalars
from chainrule.gui.commands import AddNode, Connect, RemoveNodes, SetOutput
from chainrule.gui.group_commands import MakeGroup, MakeGroups, SetGroupField, Ungroup


class GroupTools(QObject):
    """Group actions on ``window`` (its canvas, document and scene)."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.doc = window.document
        self.canvas = window.canvas
        self.scene = self.canvas.graph_scene
        self.windows: list[QMainWindow] = []        # Expand to Scalars opens these
        self.last_check: equivalence.Comparison | None = None
        self.actions: dict[str, QAction] = {}
        for name, text, slot, tip in (
                ("group", "&Group", self.group_selection,
                 "Make the selected cards one gate (a group)"),
                ("ungroup", "&Ungroup", self.ungroup_selection,
                 "Dissolve the selected group: its cards stay where they are"),
                ("toggle_collapse", "&Collapse / Expand", self.toggle_selected,
                 "Show the selected group as one gate, or as its cards"),
                ("rename_group", "&Rename Group…", self.rename_selected,
                 "The name the gate shows"),
                ("group_note", "Group &Note…", self.note_selected,
                 "A teaching note shown for the gate"),
                ("open_group", "&Open Group", self.open_selected,
                 "Show only the selected group's cards (Enter); Escape goes back"),
                ("close_group", "Close Grou&p", self.close_group,
                 "Back out of the group opened full-screen (Escape)"),
                ("group_by_layer", "Group by &Layer", self.group_by_layer,
                 "One collapsed group per layer of the network"),
                ("check_equivalence", "Check &Equivalence…", self.check_selected,
                 "Is the selected group the same function as one op?"),
                ("expand_scalars", "Expand to &Scalars", self.expand_selected,
                 "Open the selected matmul, add, sum, mean or softmax as a graph with one "
                 "card per element")):
            self.actions[name] = window._action(name, text, slot, tip)
        a = self.actions
        menu = QMenu("&Groups", window)
        menu.setObjectName("groupsMenu")
        menu.addActions([a["group"], a["ungroup"], a["toggle_collapse"]])
        menu.addSeparator()
        menu.addActions([a["rename_group"], a["group_note"]])
        menu.addSeparator()
        menu.addActions([a["open_group"], a["close_group"]])
        menu.addSeparator()
        menu.addActions([a["group_by_layer"], a["check_equivalence"], a["expand_scalars"]])
        self.menu = menu
        window.menuBar().insertMenu(window.help_menu.menuAction(), menu)

        self.crumbs = QLabel(self.canvas)
        self.crumbs.setObjectName("groupBreadcrumbs")
        self.crumbs.setStyleSheet("background: #6d4fc2; color: white; padding: 4px 10px;"
                                  "border-radius: 4px; font-weight: bold;")
        self.crumbs.move(10, 10)
        self.crumbs.hide()
        self.scene.group_activated.connect(self.toggle)
        self.scene.gate_moved.connect(self._gate_moved)
        self.doc.groups_changed.connect(self._show_crumbs)
        self.doc.graph_replaced.connect(self._show_crumbs)
        self.canvas.installEventFilter(self)
        # the view re-announces the scene's selection (and stops with the scene)
        self.canvas.selection_changed_to.connect(self._selection_changed)

    # ------------------------------------------------------------ selection

    def _selection_changed(self, *_selection) -> None:
        panel = getattr(self.window.step_through, "panel", None)
        chosen = self.scene.groups.selected_groups()
        if panel is not None:
            panel.set_group(chosen[0] if len(chosen) == 1 else None)

    def selected_group(self) -> str | None:
        """The selected frame or gate, else the group of the selected cards."""
        chosen = self.scene.groups.selected_groups()
        if chosen:
            return chosen[0]
        owners = {gm.group_of(self.doc.graph, n) for n in self.canvas.selected_nodes()}
        return owners.pop() if len(owners) == 1 else None

    def _need_group(self, verb: str) -> str | None:
        gid = self.selected_group()
        if gid is None:
            self.doc.message.emit(f"Select a group (its frame or its gate) to {verb} it.")
        return gid

    # ------------------------------------------------------------ editing

    def group_selection(self, label: str | None = None) -> str | None:
        """Group the selected cards and groups; returns the new group's id."""
        graph = self.doc.graph
        groups = self.scene.groups.selected_groups()
        inside = {n for gid in groups for n in gm.members(graph, gid)}
        nodes = [n for n in self.canvas.selected_nodes() if n not in inside]
        if not nodes:
            self.doc.message.emit("Select the cards to group (a group holds at least one card).")
            return None
        parents = {gm.group_of(graph, n) for n in nodes} | \
            {graph.groups[g].parent for g in groups}
        if len(parents) != 1:
            self.doc.message.emit("Those cards are in different groups: select cards of one "
                                  "group (or none) to group them.")
            return None
        gid = gm.new_group_id(graph)
        group = gm.Group(gid, nodes, label=label, parent=parents.pop())
        self.doc.push(MakeGroup(self.doc, group, groups))
        return gid

    def ungroup_selection(self) -> None:
        gid = self._need_group("ungroup")
        if gid is not None:
            self.doc.push(Ungroup(self.doc, gid))

    def toggle(self, gid: str) -> None:
        group = self.doc.graph.groups.get(gid)
        if group is None:
            return
        verb = "Expand" if group.collapsed else "Collapse"
        self.doc.push(SetGroupField(self.doc, gid, "collapsed", not group.collapsed,
                                    f"{verb} {group.display}"))

    def toggle_selected(self) -> None:
        gid = self._need_group("collapse or expand")
        if gid is not None:
            self.toggle(gid)

    def rename(self, gid: str, label: str) -> None:
        self.doc.push(SetGroupField(self.doc, gid, "label", label.strip() or None,
                                    f"Rename group {gid}"))

    def rename_selected(self) -> None:
        gid = self._need_group("rename")
        if gid is None:
            return
        text, ok = QInputDialog.getText(self.window, "Rename Group", "Name of the gate:",
                                        text=self.doc.graph.groups[gid].display)
        if ok:
            self.rename(gid, text)

    def set_note(self, gid: str, note: str) -> None:
        self.doc.push(SetGroupField(self.doc, gid, "note", note.strip() or None,
                                    f"Note of group {gid}"))

    def note_selected(self) -> None:
        gid = self._need_group("write a note for")
        if gid is None:
            return
        text, ok = QInputDialog.getMultiLineText(self.window, "Group Note",
                                                 "What this gate does and why:",
                                                 self.doc.graph.groups[gid].note or "")
        if ok:
            self.set_note(gid, text)

    def _gate_moved(self, gid: str, pos) -> None:
        self.doc.push(SetGroupField(self.doc, gid, "pos", tuple(pos),
                                    f"Move {self.doc.graph.groups[gid].display}"))

    def group_by_layer(self) -> None:
        groups = gm.layer_groups(self.doc.graph)
        if not groups:
            self.doc.message.emit("Every card is in a group already.")
            return
        self.doc.push(MakeGroups(self.doc, groups))
        self.doc.message.emit(f"{len(groups)} layers, each one collapsed gate.")

    # ------------------------------------------------------ opening a group

    def open_group(self, gid: str) -> None:
        layer = self.scene.groups
        layer.focus = gid                        # a collapsed group opens to its inside
        layer.refresh()
        self._show_crumbs()
        self.canvas.fit_all(readable=True)

    def open_selected(self) -> None:
        gid = self._need_group("open")
        if gid is not None:
            self.open_group(gid)

    def close_group(self) -> bool:
        layer = self.scene.groups
        if layer.focus is None:
            return False
        layer.focus = self.doc.graph.groups[layer.focus].parent \
            if layer.focus in self.doc.graph.groups else None
        layer.refresh()
        self._show_crumbs()
        self.canvas.fit_all(readable=True)
        return True

    def breadcrumbs(self) -> list[str]:
        focus = self.scene.groups.focus
        graph = self.doc.graph
        if focus is None or focus not in graph.groups:
            return []
        chain = [focus, *gm.ancestors(graph, focus)]
        return ["Graph"] + [graph.groups[g].display for g in reversed(chain)]

    def _show_crumbs(self) -> None:
        crumbs = self.breadcrumbs()
        if crumbs:
            self.crumbs.setText("  ›  ".join(crumbs) + "      (Esc: back out)")
            self.crumbs.adjustSize()
            self.crumbs.show()
            self.crumbs.raise_()
        else:
            self.crumbs.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() == QEvent.ShortcutOverride and \
                event.key() in (Qt.Key_Return, Qt.Key_Enter) and not event.modifiers() and \
                self.scene.groups.selected_groups():
            event.accept()           # Enter on a selected group opens it (not Edit Node)
            return True
        if watched is self.canvas and event.type() == QEvent.KeyPress:
            key = event.key()
            if key in (Qt.Key_Return, Qt.Key_Enter) and not event.modifiers():
                gid = self.selected_group() if self.scene.groups.selected_groups() else None
                if gid is not None:
                    self.open_group(gid)
                    return True
            if key == Qt.Key_Escape and getattr(self.canvas, "_gesture", None) is None:
                if self.close_group():
                    return True
        return super().eventFilter(watched, event)

    # ---------------------------------------------------- fused equals staged

    def check(self, gid: str, other: str) -> equivalence.Comparison:
        self.last_check = equivalence.check_equivalent(self.doc.graph, gid, other)
        return self.last_check

    def check_selected(self) -> None:
        gid = self._need_group("check")
        if gid is None:
            return
        graph = self.doc.graph
        try:
            choices = equivalence.candidates(graph, gid)
        except GraphError as e:
            self.doc.message.emit(f"Cannot check {gid}: {e}.")
            return
        choices += [g for g in graph.groups if g != gid]
        if not choices:
            self.doc.message.emit(f"No op has the ports of {gid}.")
            return
        other, ok = QInputDialog.getItem(self.window, "Check Equivalence",
                                         f"Compare {graph.groups[gid].display} with:",
                                         choices, 0, False)
        if not ok:
            return
        try:
            result = self.check(gid, other)
        except GraphError as e:
            QMessageBox.warning(self.window, "Check Equivalence", str(e))
            return
        box = QMessageBox(self.window)
        box.setWindowTitle("Check Equivalence")
        box.setText(result.summary())
        replace = None
        if result.ok and other not in graph.groups:
            replace = box.addButton("Replace with the single gate", QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Close)
        box.exec()
        if replace is not None and box.clickedButton() is replace:
            self.replace_with_op(gid, other, result)

    def replace_with_op(self, gid: str, op: str, result: equivalence.Comparison) -> str:
        """Swap the group for one ``op`` card wired the same way: one undo step."""
        graph = self.doc.graph
        inner = gm.members(graph, gid)
        b = gm.boundary(graph, gid, inner)
        if len(b.outputs) != 1:
            raise GraphError("only a gate with one output can become one op")
        out = b.outputs[0]
        node_id = graph.id_allocator().fresh(op)
        pos = graph.groups[gid].pos or graph.node(out).pos
        ports = {src: k for k, (src, _name) in enumerate(result.ports)}
        leaving = list(b.out_edges)
        was_output = graph.output == out
        stack = self.doc.undo_stack
        stack.beginMacro(f"Replace {graph.groups[gid].display} with {op}")
        self.doc.push(Ungroup(self.doc, gid))
        self.doc.push(RemoveNodes(self.doc, inner))
        self.doc.push(AddNode(self.doc, node_id, op, pos=pos))
        for src, port in ports.items():
            self.doc.push(Connect(self.doc, Edge(src, node_id, port)))
        for e in leaving:
            self.doc.push(Connect(self.doc, Edge(node_id, e.dst, e.port)))
        if was_output:
            self.doc.push(SetOutput(self.doc, node_id))
        stack.endMacro()
        return node_id

    # ------------------------------------------------------ expand to scalars

    def expand(self, node_id: str) -> QMainWindow:
        """A new window on the scalar graph of ``node_id``."""
        expansion = expand_to_scalars(self.doc.graph, node_id, self.doc.evaluation)
        other = self.window.new_window()        # File ▸ New Window's, kept until closed
        other.document.set_graph(expansion.graph)
        self.windows.append(other)
        return other

    def expand_selected(self) -> None:
        nodes = self.canvas.selected_nodes()
        graph = self.doc.graph
        if len(nodes) != 1 or graph.node(nodes[0]).op not in SCALAR_OPS:
            self.doc.message.emit("Select one " + ", ".join(SCALAR_OPS) + " card to expand.")
            return
        try:
            self.expand(nodes[0])
        except GraphError as e:
            self.doc.message.emit(f"Cannot expand {nodes[0]}: {e}.")
