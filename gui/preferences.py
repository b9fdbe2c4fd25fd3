"""Edit ▸ Preferences: theme, label colours, precision, autosave, presentation size, demo.

Every choice is stored at once through :class:`chainrule.gui.settings.Settings`
(QSettings) and applied live: the theme and label colours repaint the window
as they are picked, the precision relabels the canvas.
"""
from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QSpinBox,
                               QVBoxLayout, QLabel)

from chainrule.gui import theme
from chainrule.gui.files import list_demos
from chainrule.gui.settings import AUTOSAVE_RANGE, PRECISIONS, PRESENTATION_RANGE

THEME_TEXT = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
PAIR_TEXT = {"blue-orange": "Blue values, orange gradients (colour-blind safe)",
             "green-red": "Green values, red gradients (classic)"}


class PreferencesDialog(QDialog):
    """The choices, each written to the settings and applied as soon as it changes."""

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.window_ = window
        s = window.settings
        self.theme_box = self._combo("themeBox", THEME_TEXT, s.theme())
        self.pair_box = self._combo("pairBox", PAIR_TEXT, s.label_pair())
        self.precision_box = self._combo(
            "precisionBox", {d: f"{d} significant digits" for d in PRECISIONS}, window.digits)
        self.autosave_spin = QSpinBox()
        self.autosave_spin.setObjectName("autosaveSpin")
        self.autosave_spin.setRange(*AUTOSAVE_RANGE)
        self.autosave_spin.setSuffix(" s while editing goes on")
        self.autosave_spin.setValue(s.autosave_interval_s)
        self.presentation_spin = QSpinBox()
        self.presentation_spin.setObjectName("presentationSpin")
        self.presentation_spin.setRange(*PRESENTATION_RANGE)
        self.presentation_spin.setSingleStep(10)
        self.presentation_spin.setSuffix(" % of the usual size")
        self.presentation_spin.setValue(s.presentation_scale_pct())
        demos = {"": "The neuron (the usual default)"}
        demos.update({d.path.name: d.title for d in list_demos()})
        self.demo_box = self._combo("demoBox", demos, s.default_demo())

        form = QFormLayout()
        form.addRow("&Theme:", self.theme_box)
        form.addRow("&Label colours:", self.pair_box)
        form.addRow("&Numbers:", self.precision_box)
        form.addRow("&Autosave:", self.autosave_spin)
        form.addRow("&Presentation text:", self.presentation_spin)
        form.addRow("&Start with demo:", self.demo_box)
        note = QLabel("Gradients are also set apart by their place below the wire and a ∇.")
        note.setObjectName("hint")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.accept)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

        self.theme_box.currentIndexChanged.connect(self._theme_changed)
        self.pair_box.currentIndexChanged.connect(self._theme_changed)
        self.precision_box.currentIndexChanged.connect(
            lambda _i: window.set_precision(self.precision_box.currentData()))
        self.autosave_spin.valueChanged.connect(self._autosave_changed)
        self.presentation_spin.valueChanged.connect(s.set_presentation_scale_pct)
        self.demo_box.currentIndexChanged.connect(
            lambda _i: s.set_default_demo(self.demo_box.currentData()))

    @staticmethod
    def _combo(name: str, items: dict, chosen) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        for key, text in items.items():
            box.addItem(text, key)
        index = box.findData(chosen)
        box.setCurrentIndex(max(0, index))
        return box

    def _theme_changed(self, _index: int) -> None:
        s = self.window_.settings
        s.set_theme(self.theme_box.currentData())
        s.set_label_pair(self.pair_box.currentData())
        theme.apply(s.theme(), s.label_pair())

    def _autosave_changed(self, seconds: int) -> None:
        self.window_.settings.autosave_interval_s = seconds
