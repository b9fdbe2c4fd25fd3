"""Who gets ← → and Space: the stepper's actions or the canvas.

The step-through's keys are window shortcuts (they must work wherever the
focus is, and with the menu bar hidden in presentation mode), but the
canvas already reads the same keys: ← → nudge the selected cards, Space
held down pans.  Qt asks the focused widget first (a ``ShortcutOverride``
event); accepting it gives the key to the widget instead of the shortcut.
This filter answers that question:

* ← → go to the canvas (nudge) only when cards are selected *and* no
  step-through is under way; during a step-through they always step —
  a teacher who clicked a card to read its chain rule and then presses →
  expects the next step, not a moved card.  Shift+arrows (fine nudge) are
  not shortcuts and always nudge.
* Space always goes to the canvas, which pans while it is held; a *tap* —
  released without a mouse press in between — then triggers Play/Pause.
* Lists and trees (palette, undo history) keep their own arrow, Home/End
  and Space keys while they have the focus.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView

ARROWS = (Qt.Key.Key_Left, Qt.Key.Key_Right)
LIST_KEYS = ARROWS + (Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Space)


class StepKeyPolicy(QObject):
    """Installed on the canvas (and its viewport) and on the window's item views."""

    def __init__(self, canvas, controller, play_action, parent: QObject | None = None):
        super().__init__(parent)
        self.canvas = canvas
        self.controller = controller
        self.play_action = play_action
        #: While True the arrows always step (presentation mode).
        self.stepping_only = False
        self._space_down = False
        self._space_used = False
        canvas.installEventFilter(self)
        canvas.viewport().installEventFilter(self)

    def watch(self, view: QAbstractItemView) -> None:
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.canvas:
            if kind == QEvent.Type.ShortcutOverride and not event.modifiers():
                if event.key() == Qt.Key.Key_Space or (event.key() in ARROWS and
                                                       self._canvas_nudges()):
                    event.accept()
                    return True
            elif kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Space:
                if not event.isAutoRepeat():
                    self._space_down, self._space_used = True, False
            elif kind == QEvent.Type.KeyRelease and event.key() == Qt.Key.Key_Space:
                if not event.isAutoRepeat() and self._space_down:
                    self._space_down = False
                    if not self._space_used and self.play_action.isEnabled():
                        self.play_action.trigger()
            elif kind == QEvent.Type.FocusOut:
                self._space_down = False
        elif kind == QEvent.Type.MouseButtonPress and self._space_down:
            self._space_used = True          # Space + drag: a pan, not a tap
        elif kind == QEvent.Type.ShortcutOverride and isinstance(watched, QAbstractItemView):
            if event.key() in LIST_KEYS and not event.modifiers():
                event.accept()
                return True
        return False

    def _canvas_nudges(self) -> bool:
        return (not self.stepping_only and not self.controller.active
                and bool(self.canvas.selected_nodes()))
