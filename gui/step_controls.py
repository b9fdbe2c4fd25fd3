"""The step controls: actions, the Step toolbar (with the scrubber and the speed) and the Step menu.

Every control calls the :class:`chainrule.gui.stepper_controller.StepperController`
and re-reads it on ``changed``; none keeps its own idea of the position.
Keys come from the one table in :mod:`chainrule.gui.shortcuts`.

The actions that have keys (→ ← Space Home End) are never disabled, even
when they have nothing to do (→ at the last step, an empty graph): a
disabled action gives its key back to the focused widget, and an arrow key
would then suddenly nudge the selected card.  They say in the status bar
why nothing happened instead.
"""
from __future__ import annotations

from bisect import bisect_right

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QMenu, QSlider, QStyle, QToolBar

from chainrule.gui.icons import set_standard_icon
from chainrule.gui.shortcuts import SHORTCUTS, key_text, keys_for
from chainrule.gui.stepper_controller import SPEEDS, StepperController

SP = QStyle.StandardPixmap


class StepControls(QObject):
    """Builds the step actions on ``window`` and keeps them in step with ``controller``."""

    def __init__(self, window: QMainWindow, controller: StepperController):
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.actions: dict[str, QAction] = {}
        c = controller
        self._action("step_reset", "&Reset", self.reset, "Clear every label: nothing computed yet",
                     SP.SP_MediaSkipBackward)
        self._action("step_next", "&Next Step", self.next_step,
                     "One step on, in the forward or the backward pass")
        self._action("step_back", "Step &Back", self.back, "Undo the last step",
                     SP.SP_ArrowBack)
        self._action("step_into", "Step &Into", c.step_into,
                     "One step of one node, inside a collapsed group too")
        self._action("step_forward", "Step &Forward", c.step_forward,
                     "Compute one more node of the forward pass", SP.SP_MediaSeekForward)
        self._action("forward_all", "Forward &All", c.forward_all,
                     "Finish the forward pass: every value")
        self._action("step_backward", "Step Back&ward", c.step_backward,
                     "Pass the gradient back through one more node", SP.SP_MediaSeekBackward)
        self._action("backward_all", "Backward A&ll", self.run_all,
                     "Run everything: every value and every gradient")
        self._action("play", "&Play", c.toggle_play, "Play the steps one after another",
                     SP.SP_MediaPlay)
        self._action("step_leave", "&Live Values", c.leave,
                     "End the step-through: the canvas shows the full pass and follows edits")

        self.speed_group = QActionGroup(self)
        self.speed_actions: list[QAction] = []
        for i, (text, _ms) in enumerate(SPEEDS):
            action = QAction(text, self, checkable=True)
            action.setObjectName(f"action_speed_{i}")
            action.triggered.connect(lambda _c=False, i=i: self.set_speed(i))
            self.speed_group.addAction(action)
            self.speed_actions.append(action)

        self.toolbar = self._build_toolbar()
        self.menu = self._build_menu()
        controller.changed.connect(self.update)
        controller.playing_changed.connect(self._playing_changed)
        self.set_speed(controller.speed)
        self.update()

    # ------------------------------------------------------------ building

    def _action(self, name: str, text: str, slot, tip: str, icon=None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(f"action_{name}")
        if name in SHORTCUTS:
            action.setShortcuts(keys_for(name))
            tip += f" ({key_text(name)})"
        action.setStatusTip(tip)
        action.setToolTip(tip)
        if icon is not None:
            set_standard_icon(action, self.window.style(), icon)
        action.triggered.connect(lambda _checked=False: slot())
        self.actions[name] = action
        self.window.addAction(action)     # keys work with the menu bar hidden (presentation)
        return action

    def _build_toolbar(self) -> QToolBar:
        a = self.actions
        bar = QToolBar("Step Through", self.window)
        bar.setObjectName("stepToolbar")
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setMovable(False)
        bar.addAction(a["step_reset"])
        bar.addSeparator()
        bar.addActions([a["step_forward"], a["forward_all"]])
        bar.addSeparator()
        bar.addActions([a["step_backward"], a["backward_all"]])
        bar.addSeparator()
        bar.addActions([a["step_back"], a["play"]])
        self.speed = QComboBox()
        self.speed.setObjectName("stepSpeed")
        self.speed.setToolTip("How fast Play steps")
        self.speed.addItems([text for text, _ms in SPEEDS])
        self.speed.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.speed.currentIndexChanged.connect(self.set_speed)
        bar.addWidget(self.speed)
        bar.addSeparator()
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setObjectName("stepScrubber")
        self.scrubber.setToolTip("Drag to jump to any step")
        self.scrubber.setMinimumWidth(160)
        self.scrubber.setMaximumWidth(320)
        self.scrubber.setPageStep(1)
        # Arrow keys belong to the stepper's actions, which do the same thing.
        self.scrubber.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.scrubber.valueChanged.connect(self._scrubbed)
        bar.addWidget(self.scrubber)
        self.position_label = QLabel()
        self.position_label.setTextFormat(Qt.TextFormat.PlainText)
        self.position_label.setObjectName("stepPosition")
        self.position_label.setMinimumWidth(110)
        self.position_label.setContentsMargins(8, 0, 8, 0)
        bar.addWidget(self.position_label)
        bar.addAction(a["step_leave"])
        return bar

    def _build_menu(self) -> QMenu:
        a = self.actions
        menu = QMenu("&Step", self.window)
        menu.setObjectName("stepMenu")
        menu.addActions([a["step_next"], a["step_into"], a["step_back"]])
        menu.addSeparator()
        menu.addActions([a["step_forward"], a["forward_all"], a["step_backward"],
                         a["backward_all"]])
        menu.addSeparator()
        menu.addActions([a["step_reset"], a["play"]])
        speed = menu.addMenu("Play &Speed")
        speed.addActions(self.speed_actions)
        menu.addSeparator()
        menu.addAction(a["step_leave"])
        return menu

    # ------------------------------------------------------------ slots

    def next_step(self) -> None:
        c = self.controller
        if c.active and c.position >= c.total:
            self.window.statusBar().showMessage(
                "That was the last step: Home starts again, Live Values ends the step-through.",
                5000)
            return
        c.step()

    def back(self) -> None:
        c = self.controller
        if not c.active or c.position == 0:
            self.window.statusBar().showMessage("Nothing to undo: no step has been taken.", 5000)
            return
        c.back()

    def reset(self) -> None:
        self.controller.reset()

    def run_all(self) -> None:
        self.controller.run_all()

    def set_speed(self, index: int) -> None:
        self.controller.set_speed(index)
        self.speed_actions[self.controller.speed].setChecked(True)
        if self.speed.currentIndex() != self.controller.speed:
            self.speed.setCurrentIndex(self.controller.speed)

    def _scrubbed(self, value: int) -> None:
        if self._updating:
            return
        if not self.controller.active and value == 0:
            return
        self.controller.jump_to_stop(value)

    _shown_playing: bool | None = None

    def _playing_changed(self, playing: bool) -> None:
        if playing == self._shown_playing:
            return              # (every evaluation updates the controls: no new icon then)
        self._shown_playing = playing
        play = self.actions["play"]
        play.setText("&Pause" if playing else "&Play")
        set_standard_icon(play, self.window.style(),
                          SP.SP_MediaPause if playing else SP.SP_MediaPlay)

    _updating = False

    def update(self) -> None:
        """Enable, label and position everything from the controller."""
        c, a = self.controller, self.actions
        has_nodes = bool(self.controller.document.graph.node_ids())
        total, k, n_fwd = c.total, c.position, c.n_forward
        backward = total - n_fwd
        a["step_forward"].setEnabled(has_nodes and k < n_fwd)
        a["forward_all"].setEnabled(has_nodes and k < n_fwd)
        a["step_backward"].setEnabled(has_nodes and backward > 0 and k < total)
        a["step_leave"].setEnabled(c.active)
        self._playing_changed(c.playing)
        stops = c.stops()
        done = bisect_right(stops, k)        # the scrubber moves over the stops
        self._updating = True
        try:
            self.scrubber.setMaximum(len(stops))
            self.scrubber.setValue(done)
            self.scrubber.setEnabled(total > 0)
        finally:
            self._updating = False
        if len(stops) == total:
            self.position_label.setText(f"step {k} of {total}" if c.active else
                                        f"live · {total} steps")
        else:                        # collapsed groups: one step each, as → takes them
            self.position_label.setText(f"step {done} of {len(stops)} ({k}/{total} inside)"
                                        if c.active else
                                        f"live · {len(stops)} steps ({total} inside)")
