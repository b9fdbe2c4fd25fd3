"""The Modes dock: forward mode against reverse mode on the open graph.

For d(output)/d(every input) it shows how many passes and multiplications
each mode needs, the time both took when they were really run
(:func:`chainrule.core.modes.compare_modes`), whether forward mode's tangents
reproduce every gradient, and one sentence that answers "why backward?" for
this graph.  It runs when it comes on screen (its tab to the front) and when
another graph is opened while it is on screen, and again with "Run both";
after an edit it says the numbers are from before.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from chainrule.core.errors import ChainruleError
from chainrule.core.modes import ModesReport, compare_modes

HEADERS = ("mode", "passes", "multiplications", "time")


def wrapped_label(name: str) -> QLabel:
    """A plain-text label that wraps, named for tests and style sheets."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _count(n: int) -> str:
    return f"{n:,}"


def _seconds(s: float | None) -> str:
    if s is None:
        return "not run"
    return f"{s * 1000:.1f} ms" if s < 10 else f"{s:.1f} s"


def _elements(n: int) -> str:
    return f"{_count(n)} element{'s' * (n != 1)}"


def verdict(report: ModesReport) -> str:
    """The answer to "why backward?" for this graph, in one or two sentences."""
    n_in, n_out = report.input_elements, report.output_elements
    if n_in == n_out:
        return (f"As many inputs as outputs ({_count(n_in)}): both modes need the same number "
                "of passes here.")
    if n_in > n_out:
        ratio = n_in / n_out
        return (f"Many inputs, few outputs: reverse mode (backpropagation) needs {ratio:,.0f}× "
                "fewer passes. A loss is one number of millions of parameters — that is why "
                "training runs backward.")
    ratio = n_out / n_in
    return (f"Few inputs, many outputs: forward mode needs {ratio:,.0f}× fewer passes. "
            "Reverse mode wins only when the outputs are fewer than the inputs, as for a loss.")


class ModesPanel(QWidget):
    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.report: ModesReport | None = None
        self._stale = True
        layout = QVBoxLayout(self)
        self.summary = wrapped_label("modesSummary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(2, len(HEADERS))
        self.table.setObjectName("modesTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(96)
        layout.addWidget(self.table)
        self.check = wrapped_label("modesCheck")
        layout.addWidget(self.check)
        self.why = wrapped_label("modesWhy")
        layout.addWidget(self.why)
        self.run_button = QPushButton("Run both")
        self.run_button.setObjectName("modesRun")
        self.run_button.setToolTip("Run forward mode (one pass per input element) and reverse "
                                   "mode (one pass per output element) on this graph")
        self.run_button.clicked.connect(self.run)
        layout.addWidget(self.run_button)
        layout.addStretch(1)
        document.graph_replaced.connect(self._graph_replaced)
        for signal in (document.node_added, document.node_removed, document.edge_added,
                       document.edge_removed, document.output_changed, document.node_changed):
            signal.connect(self._edited)

    # ------------------------------------------------------------ running

    def showEvent(self, event) -> None:              # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale and self.on_screen():
            self.run()

    def on_screen(self) -> bool:
        """Shown and not behind another dock's tab: a tabbed-away dock is still "visible"
        to Qt, and both modes on a big graph take seconds nobody asked for."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def dock_shown(self, visible: bool) -> None:
        """The dock's tab came to the front (or the dock was shown): run when stale."""
        if visible and self._stale:
            self.run()

    def _graph_replaced(self) -> None:
        self._stale = True
        if self.on_screen():
            self.run()

    def _edited(self, *_args) -> None:
        if self.report is not None and not self._stale:
            self._stale = True
            self.check.setText(self.check.text() + "\nThe graph changed since: Run both again.")

    def run(self) -> ModesReport | None:
        self._stale = False
        try:
            report = compare_modes(self.document.graph)
        except ChainruleError as exc:
            self.report = None
            self.summary.setText(f"Nothing to compare: {exc}.")
            self.table.clearContents()
            self.check.setText("")
            self.why.setText("")
            return None
        self.report = report
        self._show(report)
        return report

    def _show(self, r: ModesReport) -> None:
        names = ", ".join(r.inputs[:6]) + ("…" if len(r.inputs) > 6 else "")
        self.summary.setText(
            f"d{r.output}/d(every input): {_elements(r.input_elements)} of input "
            f"({names or 'none'}), {_elements(r.output_elements)} of output {r.output}. "
            "Forward mode: one pass per input element; reverse mode: one pass per output "
            "element (both after the one forward pass for the values).")
        rows = (("forward (tangents)", r.forward), ("reverse (backprop)", r.reverse))
        for k, (name, run) in enumerate(rows):
            for c, text in enumerate((name, _count(run.passes), _count(run.multiplications),
                                      _seconds(run.seconds))):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(k, c, item)
        n = r.input_elements * r.output_elements
        if r.input_elements == 0:
            self.check.setText("The graph has no input node: there is nothing to take the "
                               "derivative with respect to (consts are fixed numbers).")
        elif not r.ran:
            self.check.setText("Too many passes to run here; the counts are what each mode "
                               "would need.")
        elif r.agree:
            self.check.setText(f"✓ Forward mode's tangents reproduce all {_count(n)} "
                               f"derivative{'s' * (n != 1)} reverse mode found (largest "
                               f"difference {r.largest_difference:.1e}).")
        else:
            self.check.setText(f"✗ The two modes disagree by up to {r.largest_difference:.3g}.")
        self.why.setText(verdict(r))
