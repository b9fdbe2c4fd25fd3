"""Presentation mode (F11): the canvas and the chain-rule panel, full screen, in large type.

For teaching in front of a class: the window goes full screen, the menu
bar, toolbars, status bar and every dock except the chain-rule panel are
hidden, the panel's type grows, and the canvas zooms to fill the screen
(the wire labels grow with it — a larger label font would collide with the
cards, whose spacing is the graph's own).  Stepping is by keyboard only:
→ ← Space Home End, and the arrows always step.  F11 or Escape leaves and
puts back exactly the layout that was there before (docks, toolbars,
window state).
"""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar

from chainrule.gui.shortcuts import keys_for

#: Panel type size and the largest canvas zoom in presentation mode.
PANEL_SCALE = 1.6
MAX_ZOOM = 2.5
PANEL_SHARE = 0.3       # of the screen's height (bottom dock) or width (side dock)
PANEL_MAX_SHARE = 0.5   # the panel grows up to this to show a whole step's chain rule


class PresentationMode(QObject):
    """Enter and leave presentation mode on ``window``."""

    def __init__(self, window: QMainWindow, chain_dock: QDockWidget, panel, keys=None):
        super().__init__(window)
        self.window = window
        self.chain_dock = chain_dock
        self.panel = panel
        self.keys = keys                      # gui.step_keys.StepKeyPolicy or None
        self.active = False
        self._saved: tuple | None = None
        self._panel_size = 0                  # the bottom panel's height asked for
        self.action = QAction("&Presentation Mode", window, checkable=True)
        self.action.setObjectName("action_presentation")
        self.action.setShortcuts(keys_for("presentation"))
        self.action.setStatusTip("Full screen with large type: canvas and chain-rule panel "
                                 "only, step with the keys (F11 or Escape leaves)")
        self.action.toggled.connect(self._toggled)
        window.addAction(self.action)
        self.leave_action = QAction("Leave Presentation Mode", window)
        self.leave_action.setObjectName("action_leave_presentation")
        self.leave_action.setShortcuts(keys_for("leave_presentation"))
        # Disabled outside presentation: Escape then stays the canvas's own key.
        self.leave_action.setEnabled(False)
        self.leave_action.triggered.connect(self.leave)
        window.addAction(self.leave_action)
        # Leave before the window saves its layout on closing.
        window.installEventFilter(self)
        panel.page_changed.connect(self._make_room)

    def toggle(self) -> None:
        self.action.toggle()

    def enter(self) -> None:
        self.action.setChecked(True)

    def leave(self) -> None:
        self.action.setChecked(False)

    def _toggled(self, on: bool) -> None:
        if on and not self.active:
            self._enter()
        elif not on and self.active:
            self._leave()

    def _enter(self) -> None:
        w = self.window
        bars = [b for b in w.findChildren(QToolBar) if b.parent() is w]
        self._saved = (QByteArray(w.saveState()), w.windowState(), w.menuBar().isVisible(),
                       w.statusBar().isVisible(), [(b, b.isVisible()) for b in bars])
        self.active = True
        self.leave_action.setEnabled(True)
        for dock in w.findChildren(QDockWidget):
            if dock is not self.chain_dock and dock.parent() is w:
                dock.hide()
        for bar in bars:
            bar.hide()
        w.menuBar().hide()
        w.statusBar().hide()
        self.chain_dock.show()
        self.chain_dock.raise_()
        settings = getattr(w, "settings", None)
        self.panel.set_scale(settings.presentation_scale_pct() / 100 if settings is not None
                             else PANEL_SCALE)
        if self.keys is not None:
            self.keys.stepping_only = True
        w.showFullScreen()
        w.canvas.setFocus(Qt.FocusReason.OtherFocusReason)
        # The screen's size arrives with the next layouts: fit then (twice, for slow WMs).
        QTimer.singleShot(0, self._fit)
        QTimer.singleShot(250, self._fit)

    def _fit(self) -> None:
        if not self.active:
            return
        w = self.window
        orientation = (Qt.Orientation.Vertical if w.dockWidgetArea(self.chain_dock) in
                       (Qt.DockWidgetArea.BottomDockWidgetArea, Qt.DockWidgetArea.TopDockWidgetArea)
                       else Qt.Orientation.Horizontal)
        size = w.height() if orientation == Qt.Orientation.Vertical else w.width()
        if orientation == Qt.Orientation.Vertical:
            self._panel_size = 0
            self._make_room(refit=False, least=int(size * PANEL_SHARE))
        else:
            w.resizeDocks([self.chain_dock], [int(size * PANEL_SHARE)], orientation)
        self._fit_canvas()

    def _make_room(self, refit: bool = True, least: int = 0) -> None:
        """Grow a bottom panel (never shrink it: the graph would jump at every step) until
        the whole step shows, up to PANEL_MAX_SHARE of the screen; the keys cannot scroll.
        The size asked for is remembered: the dock takes it only at the next layout."""
        w = self.window
        if not self.active or w.dockWidgetArea(self.chain_dock) not in (
                Qt.DockWidgetArea.BottomDockWidgetArea, Qt.DockWidgetArea.TopDockWidgetArea):
            return
        chrome = self.chain_dock.height() - self.panel.height()     # the dock's title bar
        need = min(self.panel.page_height() + chrome, int(w.height() * PANEL_MAX_SHARE))
        target = max(least, need, self._panel_size)
        if target != self._panel_size:
            self._panel_size = target
            w.resizeDocks([self.chain_dock], [target], Qt.Orientation.Vertical)
            if refit:
                QTimer.singleShot(0, self._fit_canvas)      # once the layout has moved

    def _fit_canvas(self) -> None:
        w = self.window
        canvas = w.canvas
        rect = canvas.graph_scene.items_rect()
        if rect.isNull():
            return
        rect = rect.adjusted(-40, -50, 140, 50)      # room for the output's stub and tags
        view = canvas.viewport().rect()
        factor = min(view.width() / rect.width(), view.height() / rect.height())
        canvas.set_zoom(min(MAX_ZOOM, factor))
        canvas.centerOn(rect.center())

    def _leave(self) -> None:
        w = self.window
        state, window_state, menu, status, bars = self._saved
        self.active = False
        self.leave_action.setEnabled(False)
        if self.keys is not None:
            self.keys.stepping_only = False
        self.panel.set_scale(1.0)
        w.setWindowState(window_state)
        if not window_state & Qt.WindowState.WindowFullScreen:
            w.showNormal() if not window_state & Qt.WindowState.WindowMaximized \
                else w.showMaximized()
        w.menuBar().setVisible(menu)
        w.statusBar().setVisible(status)
        w.restoreState(state)
        for bar, visible in bars:
            bar.setVisible(visible)
        QTimer.singleShot(0, w.canvas.fit_all)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.active:
            self.leave()
        return False
