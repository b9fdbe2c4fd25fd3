"""The chain-rule panel: the current step (or the clicked node or wire) written out with numbers.

Every sentence and equation comes from :mod:`chainrule.core.explain`; this widget only
decides *which* explanation applies and lays it out so that it can be read
from the back of a classroom:

* a node or wire selected on the canvas → that item's own explanation
  (after a full pass, or as far as the step-through has got);
* otherwise, during a step-through → the step just taken, under a
  "Step k of n" header, with a hint at the turning points (forward pass
  complete, everything done);
* otherwise → how to start.

When the graph has trainable inputs the step-through ends with the **Update**
step: the optimizer's rule for every parameter with this step's numbers, the
optimizer from ``optimizer_provider`` (the Train panel's; None: plain SGD).  A
selected parameter after a full pass shows its own update the same way, from
``update_provider`` (set by the Train panel's optimizer view; None: none).

Layout: the title in a large sans-serif, the equations in a monospaced face
(columns of ``=`` line up, ``∂`` and ``·`` stay distinct), the kind of each
line ("local derivative", "chain rule") in a narrow muted column, trailing
remarks and the op's teaching note in a softer colour.  ``set_scale`` makes
everything larger for presentation mode.
"""
from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from chainrule.gui.safe_text import SafeTextBrowser

from chainrule.core.engine import BackwardStep
from chainrule.core.group_chain import gate_text
from chainrule.core.explain import (MINUS, Explanation, backward_text, edge_text, forward_text,
                          incoming_lines, label_names_id, LINE_KINDS, node_text, step_page)
from chainrule.core.formatting import format_value
from chainrule.core.graph import Edge
from chainrule.core.stepper import ForwardStep
from chainrule.core.update_text import update_lines
from chainrule.gui import theme

MONO = "'DejaVu Sans Mono', 'Cascadia Mono', Consolas, Menlo, 'Noto Sans Mono', monospace"
SANS = "'DejaVu Sans', 'Segoe UI', 'Helvetica Neue', Arial, sans-serif"
#: Line prefixes written by core.explain, and how the panel names them.
TAGS = LINE_KINDS


class ChainPanel(QWidget):
    """A read-only page that follows the step-through and the canvas selection."""

    #: The page changed (presentation mode makes room for it).
    page_changed = Signal()

    def __init__(self, document, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chainPanel")
        self.document = document
        self.controller = controller
        self.digits = 4
        self.scale = 1.0
        self.selected_node: str | None = None
        self.selected_edge: Edge | None = None
        self.selected_group: str | None = None
        self.browser = SafeTextBrowser()       # loads no resource a page names
        self.browser.setObjectName("chainText")
        self.browser.setOpenLinks(False)
        self._style_browser()
        theme.current.changed.connect(self._restyle)
        self.browser.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.browser.customContextMenuRequested.connect(self._context_menu)
        # Copy as LaTeX: the lines of the page shown, as an align* block for notes.
        self.copy_latex_action = QAction("Copy as LaTeX", self)
        self.copy_latex_action.setToolTip("Copy these equations as a LaTeX align* block")
        self.copy_latex_action.triggered.connect(self.copy_latex)
        self.copy_latex_button = QToolButton()
        self.copy_latex_button.setObjectName("copyLatex")
        self.copy_latex_button.setDefaultAction(self.copy_latex_action)
        self.copy_latex_button.setAutoRaise(True)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 4, 0)
        bar.addStretch(1)
        bar.addWidget(self.copy_latex_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.browser, 1)
        layout.addLayout(bar)
        self.explanation = Explanation("")
        # The controller also reports every evaluation while no step-through runs.
        controller.changed.connect(self.refresh)
        self._html = ""
        #: (evaluation, node ids, digits) → Explanations of the next update, or None.
        self.update_provider = None
        #: () → the optimizer the Update step writes (None: plain SGD).
        self.optimizer_provider = None
        self.refresh()

    # ------------------------------------------------------------ inputs

    def set_selection(self, nodes: list, edges: list) -> None:
        """The canvas selection: one node or one wire gets its own explanation."""
        self.selected_node = nodes[0] if len(nodes) == 1 and not edges else None
        self.selected_edge = Edge(*edges[0]) if len(edges) == 1 and not nodes else None
        self.refresh()

    def set_group(self, group_id: str | None) -> None:
        """A group's frame or gate selected alone: its page as one gate."""
        self.selected_group = group_id
        self.refresh()

    def set_precision(self, digits: int) -> None:
        self.digits = digits
        self.refresh()

    def _style_browser(self) -> None:
        self.browser.setStyleSheet("QTextBrowser { border: none; background: "
                                   f"{theme.hex_of('chain_background')}; }}")

    def _restyle(self) -> None:
        self._style_browser()
        self.refresh()

    def set_scale(self, scale: float) -> None:
        """1.0 normally; larger in presentation mode."""
        self.scale = scale
        self.refresh()

    def page_height(self) -> int:
        """The height the page needs at the panel's width, in pixels."""
        # at the width it has without a scroll bar: the width it will have once it fits
        document = self.browser.document().clone(self)
        frame = 2 * self.browser.frameWidth()
        document.setTextWidth(self.browser.width() - frame)
        height = int(document.size().height()) + frame + 4
        document.deleteLater()
        return height

    def text(self) -> str:
        """What the panel shows, as plain text (tests, accessibility)."""
        return self.browser.toPlainText()

    def latex(self) -> str:
        """The equations of the page shown as a LaTeX ``align*`` block."""
        from chainrule.core.latex import align_block
        return align_block(self.explanation.lines)

    def copy_latex(self) -> None:
        QGuiApplication.clipboard().setText(self.latex())
        self.document.message.emit("Copied the equations as LaTeX (an align* block).")

    def _context_menu(self, point) -> None:
        menu = self.browser.createStandardContextMenu(point)
        menu.addSeparator()
        menu.addAction(self.copy_latex_action)
        menu.exec(self.browser.mapToGlobal(point))
        menu.deleteLater()

    # ------------------------------------------------------------ choosing

    def refresh(self) -> None:
        graph = self.document.graph
        if self.selected_node is not None and self.selected_node not in graph:
            self.selected_node = None
        if self.selected_edge is not None and not graph.has_edge(self.selected_edge):
            self.selected_edge = None
        if self.selected_group is not None and self.selected_group not in graph.groups:
            self.selected_group = None
        header, hint, kind = "", "", "info"
        stepper = self.controller.stepper
        if self.selected_group is not None and self.selected_node is None and \
                self.selected_edge is None and (stepper is None or
                                                stepper.position >= stepper.total):
            evaluation = stepper.evaluation if stepper else self.document.evaluation
            explanation = gate_text(graph, evaluation, self.selected_group, self.digits)
            header, kind = "After the full pass", "item"
        elif self.selected_node is not None or self.selected_edge is not None:
            explanation, header = self._selected()
            kind = "item"
        elif self.controller.active:
            explanation, header, hint, kind = self._step()
        else:
            explanation = self._intro()
        self.explanation = explanation
        legend = names_legend(explanation, graph)
        page = render_html(explanation, header, hint, kind, self.scale, legend)
        if page != self._html:          # evaluations while training change nothing here
            self._html = page
            self.browser.setHtml(page)
            self.page_changed.emit()

    def _selected(self) -> tuple[Explanation, str]:
        c, graph, d = self.controller, self.document.graph, self.digits
        stepper = c.stepper
        if stepper is None or stepper.position >= stepper.total:
            evaluation = stepper.evaluation if stepper else self.document.evaluation
            header = "After the full pass" if stepper is None else "After the last step"
            if self.selected_node is not None:
                return self._with_updates(node_text(evaluation, graph, self.selected_node, d),
                                          evaluation, [self.selected_node]), header
            return edge_text(evaluation, graph, self.selected_edge, d), header
        stops = stepper.stops()           # a collapsed group is one step
        header = f"So far (step {stepper.stop_number()} of {len(stops)})"
        shown = stepper.steps[:stepper.position]
        if self.selected_node is not None:
            return self._node_so_far(self.selected_node, shown), header
        return self._edge_so_far(self.selected_edge, shown), header

    def _with_updates(self, explanation: Explanation, evaluation, ids) -> Explanation:
        """``explanation`` followed by the Update step of the parameters among ``ids``."""
        if self.update_provider is None or evaluation is None:
            return explanation
        updates = self.update_provider(evaluation, ids, self.digits)
        if not updates:
            return explanation
        more, note = update_lines(updates)
        lines = list(explanation.lines) + ["Update step: the optimizer moves each parameter"]
        note = " ".join(t for t in (explanation.note, note) if t)
        return Explanation(explanation.title, lines + more, note)

    def _node_so_far(self, node_id: str, shown) -> Explanation:
        graph, stepper, d = self.document.graph, self.controller.stepper, self.digits
        fwd = next((s for s in shown if isinstance(s, ForwardStep) and s.node == node_id), None)
        bwd = next((s for s in shown if isinstance(s, BackwardStep) and s.node == node_id), None)
        node = graph.node(node_id)
        result = Explanation(f"{node.display} ({node.op})")
        if fwd is not None:
            result.lines += forward_text(fwd, graph, d).lines
        if bwd is not None:
            text = backward_text(bwd, graph, stepper.evaluation, d)
            result.lines += text.lines
            result.note = text.note
        view = stepper.view()
        waiting = view.waiting_for.get(node_id)
        names = ", ".join(graph.node(n).display for n in waiting or [])
        if fwd is None:
            result.lines.append(f"not computed yet: waiting for values from {names}" if waiting
                                else "not computed yet: it is ready, one of the next steps")
        elif bwd is None and stepper.position > len(stepper.forward):
            result.lines.append(f"no gradient yet: waiting for gradients from {names}"
                                if waiting else "no gradient yet")
        if not result.note:
            result.note = node.spec.note
        return result

    def _edge_so_far(self, edge: Edge, shown) -> Explanation:
        graph, stepper, d = self.document.graph, self.controller.stepper, self.digits
        port = graph.node(edge.dst).spec.ports[edge.port]
        src, dst = graph.node(edge.src).display, graph.node(edge.dst).display
        result = Explanation(f"Wire {src} → {dst} (port {port})")
        fwd = next((s for s in shown if isinstance(s, ForwardStep) and s.node == edge.src), None)
        bwd = next((s for s in shown if isinstance(s, BackwardStep) and s.node == edge.dst), None)
        result.lines.append("value  " + (format_value(fwd.value, d, minus=MINUS)
                                         if fwd is not None else "not computed yet"))
        if bwd is not None:
            result.lines += incoming_lines(bwd, graph, stepper.evaluation, d).get(edge, [])
            result.note = graph.node(edge.dst).spec.note
        elif stepper.position > len(stepper.forward):
            result.lines.append(f"gradient  not yet: {dst} has not passed its gradient back")
        return result

    def _step(self) -> tuple[Explanation, str, str, str]:
        optimizer = self.optimizer_provider() if self.optimizer_provider else None
        return step_page(self.controller.stepper, self.digits, optimizer=optimizer)

    def _intro(self) -> Explanation:
        problem = self.controller.problem()
        lines = ["→  next step        ←  step back",
                 "Space  play / pause   Home  reset   End  run all",
                 "F11  presentation mode"]
        note = ("Step through the forward pass one node at a time, then the backward pass. "
                "Click a node or a wire to read how its value and gradient are computed.")
        if problem:
            note = problem + " " + note
        return Explanation("The chain rule, step by step", lines, note)


def names_legend(explanation: Explanation, graph) -> str:
    """"m23 is w23*x3, …" for the ids the equations use where the cards show a label."""
    text = "\n".join([explanation.title, *explanation.lines])
    pairs = []
    for node in graph.nodes():
        if node.label and not label_names_id(node.label, node.id) and \
                re.search(r"(?<![\w.])" + re.escape(node.id) + r"(?![\w])", text):
            pairs.append(f"{node.id} is {node.label}")
    return "on the canvas: " + ", ".join(pairs) if pairs else ""


# ----------------------------------------------------------------- html

def render_html(explanation: Explanation, header: str = "", hint: str = "",
                kind: str = "info", scale: float = 1.0, legend: str = "") -> str:
    """The explanation as a small HTML page (Qt's rich-text subset)."""
    def px(size: float) -> str:
        return f"{round(size * scale)}px"

    TEXT, MUTED, SOFT, HEAD = (theme.hex_of(r) for r in
                               ("chain_text", "chain_muted", "chain_soft", "chain_head"))
    accent = {"forward": theme.hex_of("value"), "backward": theme.hex_of("grad")}.get(kind, HEAD)
    parts = [f"<div style=\"font-family:{SANS}; color:{TEXT};\">"]
    if header:
        parts.append(f"<p style=\"font-size:{px(13)}; color:{MUTED}; margin:0 0 2px 0;\">"
                     f"{_e(header)}</p>")
    parts.append(f"<p style=\"font-size:{px(20)}; font-weight:600; color:{accent}; "
                 f"margin:0 0 {'2px' if legend else '8px'} 0;\">{_e(explanation.title)}</p>")
    if legend:
        parts.append(f"<p style=\"font-size:{px(13)}; color:{MUTED}; margin:0 0 8px 0;\">"
                     f"{_e(legend)}</p>")
    parts.append("<table cellspacing=\"0\" cellpadding=\"1\">")
    for line in explanation.lines:
        parts.append(_row(line, px, accent))
    parts.append("</table>")
    if hint:
        parts.append(f"<p style=\"font-size:{px(15)}; color:{HEAD}; margin:10px 0 0 0; "
                     f"font-weight:600;\">{_e(hint)}</p>")
    if explanation.note:
        parts.append(f"<p style=\"font-size:{px(14)}; color:{SOFT}; margin:12px 0 0 0;\">"
                     f"{_e(explanation.note)}</p>")
    parts.append("</div>")
    return "".join(parts)


def _row(line: str, px, accent: str) -> str:
    MUTED = theme.hex_of("chain_muted")
    tag = ""
    for prefix, name in TAGS.items():
        if line.startswith(prefix + "  "):
            tag, line = name, line[len(prefix):].strip()
            break
    comment = ""
    if "   (" in line:
        line, comment = line.split("   (", 1)
        comment = "(" + comment
    if " = " in line or tag:
        body = (f"<span style=\"font-family:{MONO}; font-size:{px(17)};\">{_e(line)}</span>")
    else:
        body = f"<span style=\"font-size:{px(15)}; color:{MUTED};\">{_e(line)}</span>"
    if comment:
        body += f"<br><span style=\"font-size:{px(13)}; color:{MUTED};\">{_e(comment)}</span>"
    tag_html = (f"<span style=\"font-size:{px(12)}; color:{accent};\">{_e(tag)}</span>"
                if tag else "")
    return (f"<tr><td style=\"padding-right:{px(8)}; vertical-align:top;\">{tag_html}</td>"
            f"<td>{body}</td></tr>")


def _e(text: str) -> str:
    return html.escape(text, quote=False)
