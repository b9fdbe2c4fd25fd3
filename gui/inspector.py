"""The inspector: everything about the selected node or wire, editable where it makes sense.

It shows one of four pages: the graph (nothing selected), a node, a wire,
or a summary of a multiple selection.  Edits never touch the graph directly:
each one pushes an undo command on the document, and the page is redrawn
from the model when the document says something changed — so undo and redo
(or an edit made on the canvas) show up here the same way as an edit made
here.  Computed values and gradients are read from the document's current
evaluation when it announces one (``current_evaluation_changed``): the latest
:class:`~chainrule.core.engine.Evaluation`, or during a step-through only what its steps
have reached ("not reached yet" for the rest).

The value of an input or constant is edited in a
:class:`~chainrule.gui.value_editor.ValueEditor` (spin box and slider, table, list);
each value it reports is pushed here as a value command.  Consecutive value
edits of one node merge into one undo step, and the document coalesces
evaluations, so dragging the slider stays smooth.
"""
from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QScrollArea, QStackedWidget,
                               QVBoxLayout, QWidget)

from chainrule.core.errors import ChainruleError
from chainrule.core.formatting import format_value
from chainrule.core.graph import Edge, Node, check_id
from chainrule.core.stepper import NOT_YET
from chainrule.gui import theme
from chainrule.gui.commands import Rename, SetNodeField, SetOutput
from chainrule.gui.heatmap import HeatmapView
from chainrule.gui.op_settings import SettingsEditor
from chainrule.gui.safe_text import MARKDOWN_NO_HTML, SafeTextBrowser, plain_tooltip
from chainrule.gui.value_editor import (MAX_TEXT_FIELD, NumberTable, ValueEditor, blocked,
                                        fill_table, number_table)

VALUE, GRADIENT = "value", "grad"      # theme roles of the computed numbers


def _hex(role: str) -> str:
    return theme.hex_of(role)


def _section(title: str) -> QLabel:
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    return label


def _text(name: str, selectable: bool = False) -> QLabel:
    """A wrapping label styled by ``name`` (valueText, gradText, hint…)."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)      # its callers escape what they show
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class Inspector(QWidget):
    """Shows and edits the selection; follows the document."""

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.node_id: str | None = None
        self.edge: Edge | None = None
        self.selection: tuple[list[str], list[Edge]] = ([], [])
        self.digits = 4

        self.pages = QStackedWidget()
        self.graph_page = self._build_graph_page()
        self.node_page = self._build_node_page()
        self.edge_page = self._build_edge_page()
        self.many_page = self._build_many_page()
        for page in (self.graph_page, self.node_page, self.edge_page, self.many_page):
            self.pages.addWidget(page)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.pages)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        document.node_changed.connect(self._on_node_changed)
        document.node_renamed.connect(self._on_node_renamed)
        document.node_removed.connect(self._on_node_removed)
        document.edge_removed.connect(self._on_edge_removed)
        document.output_changed.connect(self._refresh_current)
        document.graph_replaced.connect(self.show_graph)
        document.current_evaluation_changed.connect(self._on_evaluated)
        theme.current.changed.connect(self._refresh_current)
        self.show_graph()

    @property
    def setting_rows(self):
        """Setting name → the widgets of that setting of the selected node's op."""
        return self.settings_editor.rows

    # ================================================================ pages

    def _build_graph_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.graph_title = QLabel()
        self.graph_title.setObjectName("inspectorTitle")
        self.graph_title.setWordWrap(True)
        self.graph_title.setTextFormat(Qt.TextFormat.PlainText)
        self.graph_output = QLabel()
        self.graph_output.setWordWrap(True)
        self.graph_output.setTextFormat(Qt.TextFormat.RichText)
        self.graph_counts = QLabel()
        self.graph_counts.setObjectName("hint")
        # Markdown from the file, rendered by a view that loads no image or
        # link it names (only the shipped resources): see gui.safe_text.
        self.graph_description = SafeTextBrowser()
        self.graph_description.setObjectName("graphDescription")
        self.graph_description.setFrameShape(QFrame.Shape.NoFrame)
        self.graph_description.setMinimumHeight(60)
        self._shown_description: str | None = None
        hint = QLabel("Select a node or a wire to inspect it.")
        hint.setObjectName("hint")
        layout.addWidget(self.graph_title)
        layout.addWidget(self.graph_output)
        layout.addWidget(self.graph_counts)
        layout.addWidget(self.graph_description)
        layout.addWidget(hint)
        layout.addStretch(1)
        return page

    def _build_node_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        self.node_title = QLabel()
        self.node_title.setObjectName("inspectorTitle")
        self.node_title.setTextFormat(Qt.TextFormat.RichText)    # escaped below
        outer.addWidget(self.node_title)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("idEdit")
        # No setMaxLength: a too-long id is refused with the reason, never cut short.
        self.id_edit.editingFinished.connect(self._commit_id)
        self.label_edit = QLineEdit()
        self.label_edit.setObjectName("labelEdit")
        self.label_edit.setMaxLength(MAX_TEXT_FIELD)    # not QLineEdit's 32,767: never cut
        self.label_edit.editingFinished.connect(self._commit_label)
        self.op_label = QLabel()
        self.op_label.setWordWrap(True)
        self.op_label.setTextFormat(Qt.TextFormat.RichText)
        form.addRow("Id", self.id_edit)
        form.addRow("Label", self.label_edit)
        form.addRow("Op", self.op_label)
        outer.addLayout(form)
        self.edit_message = QLabel()
        self.edit_message.setObjectName("errorText")
        self.edit_message.setWordWrap(True)
        self.edit_message.setTextFormat(Qt.TextFormat.PlainText)
        self.edit_message.hide()
        outer.addWidget(self.edit_message)

        # -- value of input / const
        self.value_box = QWidget()
        vbox = QVBoxLayout(self.value_box)
        vbox.setContentsMargins(0, 0, 0, 0)
        vbox.addWidget(_section("Value"))
        self.value_editor = ValueEditor(self._editing_node)
        self.value_editor.edited.connect(self._set_value)
        self.value_editor.refused.connect(self._refuse)
        self.value_editor.accepted.connect(self.edit_message.hide)
        vbox.addWidget(self.value_editor)
        # Its widgets by the names they had when they were built here.
        self.scalar_row = self.value_editor.scalar_row
        self.spin = self.value_editor.spin
        self.slider = self.value_editor.slider
        self.slider_range = self.value_editor.slider_range
        self.shape_label = self.value_editor.shape_label
        self.value_table = self.value_editor.value_table
        self.list_edit = self.value_editor.list_edit
        self.trainable = QCheckBox("Trainable (a gradient-descent step updates it)")
        self.trainable.setObjectName("trainableCheck")
        self.trainable.toggled.connect(self._commit_trainable)
        vbox.addWidget(self.trainable)
        outer.addWidget(self.value_box)

        # -- the op's settings (attrs), as the op table declares them
        self.settings_editor = SettingsEditor()
        self.settings_editor.edited.connect(self._commit_attrs)
        self.settings_editor.refused.connect(self._refuse)
        outer.addWidget(self.settings_editor)

        # -- output
        orow = QHBoxLayout()
        self.output_label = QLabel()
        self.output_label.setWordWrap(True)
        self.output_label.setTextFormat(Qt.TextFormat.PlainText)
        self.output_button = QPushButton("Set as output")
        self.output_button.setObjectName("setOutputButton")
        self.output_button.clicked.connect(self._set_output)
        orow.addWidget(self.output_label, 1)
        orow.addWidget(self.output_button)
        outer.addLayout(orow)

        # -- computed
        outer.addWidget(_section("Computed"))
        self.node_value = _text("valueText", selectable=True)
        self.node_value_table = number_table(read_only=True)
        self.node_grad = _text("gradText", selectable=True)
        self.node_grad_table = number_table(read_only=True)
        # An array is also shown as a heatmap (a vector: a strip), the number on hover.
        self.node_value_heat = HeatmapView()
        self.node_value_heat.setObjectName("valueHeatmap")
        self.node_grad_heat = HeatmapView()
        self.node_grad_heat.setObjectName("gradHeatmap")
        self._heat_of = {id(self.node_value_table): self.node_value_heat,
                         id(self.node_grad_table): self.node_grad_heat}
        outer.addWidget(self.node_value)
        outer.addWidget(self.node_value_heat)
        outer.addWidget(self.node_value_table)
        outer.addWidget(self.node_grad)
        outer.addWidget(self.node_grad_heat)
        outer.addWidget(self.node_grad_table)
        self.node_problems = _text("errorText")
        self.node_problems.setTextFormat(Qt.TextFormat.RichText)   # escaped: quotes stay quotes
        outer.addWidget(self.node_problems)
        # What other views know about the node (the gradient check): rich text from
        # the functions in note_providers, refreshed with the computed values.
        self.note_providers: list = []
        self.node_notes = _text("nodeNotes", selectable=True)
        self.node_notes.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.node_notes)
        outer.addStretch(1)
        return page

    def _build_edge_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        self.edge_title = _text("inspectorTitle")
        outer.addWidget(self.edge_title)
        form = QFormLayout()
        self.edge_from = QLabel()
        self.edge_to = QLabel()
        self.edge_port = QLabel()
        for label in (self.edge_from, self.edge_to, self.edge_port):
            label.setTextFormat(Qt.TextFormat.RichText)            # escaped below
        form.addRow("From", self.edge_from)
        form.addRow("To", self.edge_to)
        form.addRow("Port", self.edge_port)
        outer.addLayout(form)
        outer.addWidget(_section("Computed"))
        self.edge_value = _text("valueText")
        self.edge_value_table = number_table(read_only=True)
        self.edge_grad = _text("gradText")
        self.edge_grad_table = number_table(read_only=True)
        self.edge_note = _text("hint")
        self.edge_value_heat = HeatmapView()
        self.edge_grad_heat = HeatmapView()
        self._heat_of.update({id(self.edge_value_table): self.edge_value_heat,
                              id(self.edge_grad_table): self.edge_grad_heat})
        for w in (self.edge_value, self.edge_value_heat, self.edge_value_table, self.edge_grad,
                  self.edge_grad_heat, self.edge_grad_table, self.edge_note):
            outer.addWidget(w)
        outer.addStretch(1)
        return page

    def _build_many_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.many_label = QLabel()
        self.many_label.setWordWrap(True)
        self.many_label.setTextFormat(Qt.TextFormat.RichText)     # escaped below
        layout.addWidget(self.many_label)
        layout.addStretch(1)
        return page

    # ============================================================ showing

    def show_selection(self, nodes: list[str], edges: list) -> None:
        """What the canvas selected (its ``selection_changed_to`` signal)."""
        nodes = [n for n in nodes if n in self.document.graph]
        edges = [Edge(*e) for e in edges]
        self.selection = (nodes, edges)
        if len(nodes) == 1 and not edges:
            self.show_node(nodes[0])
        elif not nodes and len(edges) == 1:
            self.show_edge(edges[0])
        elif nodes or edges:
            self._show_many(nodes, edges)
        else:
            self.show_graph()

    def show_graph(self) -> None:
        self.node_id, self.edge = None, None
        self.pages.setCurrentWidget(self.graph_page)
        self._refresh_graph()

    def show_node(self, node_id: str) -> None:
        self.node_id, self.edge = node_id, None
        self.edit_message.hide()
        self.pages.setCurrentWidget(self.node_page)
        self.value_editor.recentre_slider()
        self._refresh_node()
        self._refresh_node_computed(self._evaluation())

    def show_edge(self, edge: Edge) -> None:
        self.node_id, self.edge = None, Edge(*edge)
        self.pages.setCurrentWidget(self.edge_page)
        self._refresh_edge(self._evaluation())

    def set_precision(self, digits: int) -> None:
        self.digits = digits
        self._refresh_current()

    def _show_many(self, nodes: list[str], edges: list[Edge]) -> None:
        self.node_id, self.edge = None, None
        self.pages.setCurrentWidget(self.many_page)
        parts = []
        if nodes:
            parts.append(f"{len(nodes)} node{'s' * (len(nodes) != 1)}: "
                         + ", ".join(escape(n) for n in nodes[:12])
                         + ("…" if len(nodes) > 12 else ""))
        if edges:
            parts.append(f"{len(edges)} wire{'s' * (len(edges) != 1)}")
        self.many_label.setText("<br>".join(parts) + f"<br><br><span style='color:{_hex('text_muted')}'>Select "
                                "one node or wire to see its values.</span>")

    # ========================================================= refreshing

    def _evaluation(self):
        return self.document.current_evaluation()

    def _refresh_current(self, *_args) -> None:
        if self.node_id is not None:
            self._refresh_node()
            self._refresh_node_computed(self._evaluation())
        elif self.edge is not None:
            self._refresh_edge(self._evaluation())
        elif self.pages.currentWidget() is self.graph_page:
            self._refresh_graph()

    def _refresh_graph(self) -> None:
        graph = self.document.graph
        self.graph_title.setText(graph.title if graph.title else "Untitled graph")
        evaluation = self._evaluation()
        out = graph.effective_output()
        if evaluation.error:
            text = f"<span style='color:{_hex('error_text')}'>{escape(evaluation.error)}</span>"
        elif out is not None:
            how = "" if graph.output else (
                " (kept while the graph has several ends; right-click a node ▸ Set as "
                "Output to choose another)" if graph.output_is_kept()
                else " (the only end of the graph)")
            value = evaluation.value(out)
            shown = (f"<span style='color:{_hex('text_muted')}'>not reached yet</span>" if value is NOT_YET
                     else f"<span style='color:{_hex(VALUE)}'>{escape(self._fmt(value))}</span>")
            text = f"Output <b>{escape(out)}</b>{how} = {shown}"
        else:
            text = ""
        self.graph_output.setText(text)
        n, e = len(graph), len(graph.edges())
        self.graph_counts.setText(f"{n} node{'s' * (n != 1)}, {e} wire{'s' * (e != 1)}")
        if self._shown_description != graph.description:
            self._shown_description = graph.description
            # Markdown without raw HTML: a tag in the description shows as written.
            self.graph_description.document().setMarkdown(graph.description or "",
                                                           MARKDOWN_NO_HTML)
            # A new text starts at its top (the cursor left at the end would scroll
            # the view there as soon as it is laid out).
            self.graph_description.moveCursor(QTextCursor.MoveOperation.Start)
            self.graph_description.verticalScrollBar().setValue(0)
        self.graph_description.setVisible(bool(graph.description))

    def _refresh_node(self) -> None:
        """The editable fields, from the model (signals blocked: this is not an edit)."""
        graph = self.document.graph
        if self.node_id not in graph:
            self.show_graph()
            return
        node = graph.node(self.node_id)
        op = node.spec
        self.node_title.setText(f"{escape(node.display)} <span style='color:{_hex('text_muted')}'>"
                                f"— {escape(op.name)}</span>")
        with blocked(self.id_edit, self.label_edit):
            if not self.id_edit.hasFocus():
                self.id_edit.setText(node.id)
            if not self.label_edit.hasFocus():
                label = node.label or ""
                # A label longer than the field holds is shown read-only, never cut.
                too_long = len(label) > self.label_edit.maxLength()
                self.label_edit.setReadOnly(too_long)
                self.label_edit.setText("" if too_long else label)
                self.label_edit.setPlaceholderText(
                    f"the label is {len(label):,} characters; the field edits labels of up "
                    f"to {self.label_edit.maxLength():,}" if too_long else node.id)
        derivs = "".join(f"<br>∂out/∂{escape(p)} = <code>{escape(d)}</code>"
                         for p, d in zip(op.ports, op.local))
        self.op_label.setText(f"<b>{escape(op.symbol)}</b> {escape(op.name)}: "
                              f"<code>{escape(op.formula)}</code>{derivs}")
        self.op_label.setToolTip(plain_tooltip(op.note))

        self.value_box.setVisible(op.is_leaf)
        if op.is_leaf:
            self.value_editor.show_value(node.value)
            self.trainable.setVisible(node.op == "input")
            with blocked(self.trainable):
                self.trainable.setChecked(node.trainable)

        self.settings_editor.show_node(op, node.attrs)
        self._refresh_output_line()

    def _refresh_output_line(self) -> None:
        """Whether the selected node is the output; follows wiring as well as choices."""
        graph, node_id = self.document.graph, self.node_id
        if node_id is None or node_id not in graph:
            return
        out = graph.effective_output()
        if out == node_id:
            self.output_label.setText(
                "This node is the output: the backward pass starts here with gradient 1."
                if graph.output else
                "The output, kept while the graph has several ends: the backward pass "
                "starts here with gradient 1 until you set another." if graph.output_is_kept()
                else "The output (the only end of the graph): the backward pass starts here "
                "with gradient 1.")
        elif out is not None:
            self.output_label.setText(f"Not the output (the output is {out}).")
        else:
            self.output_label.setText("Not the output.")
        self.output_button.setEnabled(graph.output != node_id)

    def _on_evaluated(self, evaluation) -> None:
        if self.node_id is not None:
            self._refresh_node_computed(evaluation)
        elif self.edge is not None:
            self._refresh_edge(evaluation)
        elif self.pages.currentWidget() is self.graph_page:
            self._refresh_graph()

    def _refresh_node_computed(self, evaluation) -> None:
        node_id = self.node_id
        if node_id is None or node_id not in self.document.graph:
            return
        try:
            value = evaluation.value(node_id)
            grad = evaluation.grad(node_id)
        except (KeyError, IndexError):           # an evaluation older than the node
            return
        self._refresh_output_line()      # wiring can make or unmake the output
        self._show_number(self.node_value, self.node_value_table, "value", value, VALUE)
        if self.document.graph.node(node_id).spec.is_leaf:
            self.node_value_table.hide()       # the editable table above shows it already
        if grad is None:
            why = evaluation.error or "this node does not reach the output"
            self.node_grad.setText(f"<b>gradient</b> ∂{escape(evaluation.output or 'out')}/∂"
                                   f"{escape(node_id)}: — <span style='color:{_hex('text_muted')}'>"
                                   f"({escape(why)})</span>")
            self.node_grad_table.hide()
            self.node_grad_heat.hide()
        else:
            self._show_number(self.node_grad, self.node_grad_table,
                              f"gradient ∂{evaluation.output}/∂{node_id}", grad, GRADIENT)
        notes = [p.message for p in evaluation.problems if p.node == node_id]
        for table in (evaluation.warnings, evaluation.grad_warnings):
            if node_id in table:
                notes.append(table[node_id])
        self.node_problems.setText("<br>".join(escape(n) for n in notes))
        self.node_problems.setVisible(bool(notes))
        self.refresh_notes()

    def refresh_notes(self) -> None:
        """Ask every note provider about the selected node again."""
        notes = [text for provider in self.note_providers
                 if self.node_id is not None and (text := provider(self.node_id))]
        self.node_notes.setText("<br>".join(notes))
        self.node_notes.setVisible(bool(notes))

    def _refresh_edge(self, evaluation) -> None:
        edge, graph = self.edge, self.document.graph
        if edge is None or not graph.has_edge(edge):
            self.show_graph()
            return
        src, dst = graph.node(edge.src), graph.node(edge.dst)
        port = dst.spec.ports[edge.port]
        self.edge_title.setText(f"Wire {escape(edge.src)} → {escape(edge.dst)}.{escape(port)}")
        self.edge_from.setText(f"{escape(src.display)} ({escape(src.op)})")
        self.edge_to.setText(f"{escape(dst.display)} ({escape(dst.op)})")
        self.edge_port.setText(f"{edge.port}: {escape(port)} of {escape(dst.spec.formula)}")
        try:
            value = evaluation.edge_value(edge)
            grad = evaluation.edge_grad(edge)
        except (KeyError, IndexError):
            return
        self._show_number(self.edge_value, self.edge_value_table, "value", value, VALUE)
        if grad is None:
            self.edge_grad.setText(f"<b>gradient</b>: — <span style='color:{_hex('text_muted')}'>(no backward "
                                   "pass reaches this wire)</span>")
            self.edge_grad_table.hide()
            self.edge_grad_heat.hide()
        else:
            self._show_number(self.edge_grad, self.edge_grad_table,
                              f"gradient sent back to {edge.src}", grad, GRADIENT)
        fan_out = len(graph.out_edges(edge.src))
        src_text = escape(edge.src)
        self.edge_note.setText(
            f"{src_text} feeds {fan_out} wires; its gradient is the sum of what they send back."
            if fan_out > 1 else f"This is the only wire out of {src_text}, so it carries "
            f"{src_text}'s whole gradient.")

    def _show_number(self, label: QLabel, table: NumberTable, what: str, value: Any,
                     colour: str) -> None:
        heat = self._heat_of.get(id(table))
        if value is NOT_YET:
            label.setText(f"<b>{escape(what)}</b>: <span style='color:{_hex('text_muted')}'>not reached yet "
                          f"in the step-through</span>")
            table.hide()
            if heat is not None:
                heat.hide()
            return
        if heat is not None:
            # a matrix or an image batch as a heatmap, a vector as a strip of colours
            shown = isinstance(value, np.ndarray) and value.ndim >= 1 and value.size > 0
            heat.setVisible(shown)
            if shown:
                heat.set_array(value, "gradient" if colour == GRADIENT else "value", self.digits)
        label.setText(f"<b>{escape(what)}</b>: <span style='color:{_hex(colour)}'>"
                      f"{escape(self._fmt(value))}</span>")
        is_table = isinstance(value, np.ndarray) and 1 <= value.ndim <= 2
        table.setVisible(is_table)
        if is_table:
            fill_table(table, value, self.digits)

    def _fmt(self, value: Any) -> str:
        return format_value(value, self.digits)

    # =============================================================== edits

    def _push(self, command) -> bool:
        try:
            self.document.push(command)
        except ChainruleError as exc:     # the model refused: it is unchanged, say why
            self._refuse(str(exc))
            return False
        return True

    def _refuse(self, text: str) -> None:
        self.edit_message.setText(text)
        self.edit_message.show()
        self.document.message.emit(text)

    def _commit_id(self) -> None:
        old = self.node_id
        if old is None or old not in self.document.graph:
            return
        new = self.id_edit.text().strip()
        if new == old:
            return
        try:
            check_id(new)
            if new in self.document.graph:
                raise ChainruleError(f'a node "{new}" exists already; the id stays "{old}"')
        except ChainruleError as exc:
            self.id_edit.setText(old)
            self._refuse(str(exc))
            return
        self.edit_message.hide()
        self.node_id = new          # follow the rename before the model announces it
        if not self._push(Rename(self.document, old, new)):
            self.node_id = old
            self.id_edit.setText(old)

    def _commit_label(self) -> None:
        node_id = self.node_id
        if node_id is None or node_id not in self.document.graph:
            return
        if self.label_edit.isReadOnly():
            return                         # a label too long for the field: not edited here
        text = self.label_edit.text().strip() or None
        if text != self.document.graph.node(node_id).label:
            self._push(SetNodeField(self.document, node_id, "label", text))

    def _editing_node(self) -> Node | None:
        """The node whose value the value editor shows (None: no node, or it is gone)."""
        if self.node_id is None or self.node_id not in self.document.graph:
            return None
        return self.document.graph.node(self.node_id)

    def _set_value(self, value: Any) -> None:
        node_id = self.node_id
        if node_id is None or node_id not in self.document.graph:
            return
        old = self.document.graph.node(node_id).value
        if not isinstance(value, np.ndarray) and not isinstance(old, np.ndarray) \
                and float(value) == float(old):
            return
        if isinstance(value, np.ndarray) and isinstance(old, np.ndarray) \
                and value.shape == old.shape and np.array_equal(value, old):
            return
        self._push(SetNodeField(self.document, node_id, "value", value))

    def _commit_trainable(self, checked: bool) -> None:
        if self.node_id is not None:
            self._push(SetNodeField(self.document, self.node_id, "trainable", checked))

    def _commit_attrs(self, attrs: dict) -> None:
        node_id = self.node_id
        if node_id is None or node_id not in self.document.graph:
            return
        if attrs != self.document.graph.node(node_id).attrs:
            self._push(SetNodeField(self.document, node_id, "attrs", attrs))

    def _set_output(self) -> None:
        if self.node_id is not None and self.document.graph.output != self.node_id:
            self._push(SetOutput(self.document, self.node_id))

    # ======================================================= model events

    def _on_node_changed(self, node_id: str, what: str) -> None:
        if node_id == self.node_id and what != "pos":
            self._refresh_node()
        elif self.pages.currentWidget() is self.graph_page:
            pass      # the graph page follows evaluations

    def _on_node_renamed(self, old: str, new: str) -> None:
        if self.node_id == old:
            self.node_id = new
            self._refresh_node()
        elif self.node_id == new:          # our own rename, already followed
            self._refresh_node()
        if self.edge is not None and old in (self.edge.src, self.edge.dst):
            self.edge = Edge(new if self.edge.src == old else self.edge.src,
                             new if self.edge.dst == old else self.edge.dst, self.edge.port)

    def _on_node_removed(self, node_id: str) -> None:
        if node_id == self.node_id:
            self.show_graph()

    def _on_edge_removed(self, edge) -> None:
        if self.edge is not None and Edge(*edge) == self.edge:
            self.show_graph()

