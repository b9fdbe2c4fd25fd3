"""Forward mode in the editor, put into the main window in one place.

* **Learn ▸ Forward Mode** (a toggle, also on the toolbar): the document then
  carries each node's tangent on its evaluation
  (:meth:`chainrule.gui.document.Document.set_forward_mode`), every wire shows
  it as a third label above its value (``ṫ 1``, in the tangent colour), a
  legend over the canvas says which label is which, and the step-through's
  forward steps write the tangent rule with numbers.
* **The tangent seed** of the selected input or const, in the inspector
  (:mod:`chainrule.gui.tangent_seed`): none set, 1 on the selected input.
* **View ▸ Modes** (also in the Learn menu): the dock that compares forward
  and reverse mode on the open graph (:mod:`chainrule.gui.modes_panel`).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QMainWindow

from chainrule.gui.canvas import style
from chainrule.gui.modes_panel import ModesPanel
from chainrule.gui.tangent_seed import TangentSeedEditor

LEGEND = (f"<span style='color:{style.TANGENT.name()}'><b>ṫ tangent</b></span> (forward mode) · "
          f"<span style='color:{style.VALUE.name()}'><b>value</b></span> above the wire · "
          f"<span style='color:{style.GRAD.name()}'><b>gradient</b></span> below")


class ForwardModeTools(QObject):
    """The Forward Mode toggle, its legend and seeds, and the Modes dock of ``window``."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        doc, canvas = window.document, window.canvas
        self.document = doc

        self.legend = QLabel(LEGEND, canvas)
        self.legend.setObjectName("forwardLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setStyleSheet("background: rgba(255, 255, 255, 225); padding: 4px 8px; "
                                  "border: 1px solid #d0d7de; border-radius: 4px;")
        self.legend.adjustSize()
        self.legend.hide()
        canvas.installEventFilter(self)

        self.seed_editor = TangentSeedEditor(doc)
        box = window.inspector.value_box
        layout = box.parentWidget().layout()
        layout.insertWidget(layout.indexOf(box) + 1, self.seed_editor)
        canvas.selection_changed_to.connect(self._selection_changed)

        self.modes_panel = ModesPanel(doc)
        dock = window.add_dock("modes", "Modes", self.modes_panel,
                               Qt.DockWidgetArea.RightDockWidgetArea)
        window.tabifyDockWidget(window.docks["inspector"], dock)
        dock.visibilityChanged.connect(self.modes_panel.dock_shown)
        window.docks["inspector"].raise_()

        self.action = window._action(
            "forward_mode", "&Forward Mode", self._toggled,
            "Carry tangents forward too: each wire shows ṫ, the derivative of its value along "
            "the seeded inputs (set in the inspector; default 1 on the selected input)")
        self.action.setCheckable(True)
        self.action.setIconText("Forward ṫ")
        menu = getattr(getattr(window, "learning", None), "menu", None)
        if menu is not None:
            menu.addSeparator()
            menu.addActions([self.action, dock.toggleViewAction()])
        window.view_menu.addAction(dock.toggleViewAction())
        window.toolbar.addAction(self.action)
        doc.forward_mode_changed.connect(self._mode_changed)

    # ------------------------------------------------------------ behaviour

    def _toggled(self) -> None:
        self.document.set_forward_mode(self.action.isChecked())

    def set_enabled(self, on: bool) -> None:
        """Turn forward mode on or off as the menu item does."""
        self.action.setChecked(on)
        self._toggled()

    def _mode_changed(self) -> None:
        on = self.document.forward_mode
        if self.action.isChecked() != on:
            self.action.setChecked(on)
        self.legend.setVisible(on)
        if on:
            self._place_legend()
            self.legend.raise_()
            self.document.message.emit(
                "Forward mode: each wire also carries its tangent ṫ (blue, above the value), "
                "the derivative along the seeded inputs.")

    def _selection_changed(self, nodes: list, edges: list) -> None:
        node = nodes[0] if len(nodes) == 1 and not edges else None
        self.document.set_selected_leaf(node)
        self.seed_editor.show_node(node)

    def _place_legend(self) -> None:
        self.legend.adjustSize()
        self.legend.move(10, 10)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and self.legend.isVisible():
            self._place_legend()
        return False
