"""Choosing the optimizer and its settings: the same names and defaults as ``chainrule train``.

A combo box (SGD, SGD with momentum, RMSprop, Adam) and the settings the
chosen rule uses — momentum; β1, β2; ε; weight decay — with the others
hidden.  :meth:`OptimizerSettings.make` builds the
:mod:`chainrule.core.optimizers` object with a learning rate given by the
caller (the Train panel keeps α in its own box, as before).
"""
from __future__ import annotations

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QWidget

from chainrule.core.optimizers import make_optimizer
from chainrule.core.update_text import NAMES

#: Which settings each optimizer shows (weight decay: all of them).
USES = {"sgd": (), "momentum": ("momentum",), "rmsprop": ("eps",),
        "adam": ("beta1", "beta2", "eps")}


def _spin(name: str, lo: float, hi: float, value: float, decimals: int, step: float,
          tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setObjectName(name)
    box.setLocale(QLocale.c())
    box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    return box


class OptimizerSettings(QWidget):
    """The optimizer combo and its settings; ``changed`` on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("optimizerChoice")
        for key, text in NAMES.items():
            self.combo.addItem(text, key)
        self.combo.setToolTip("The update rule: PyTorch's SGD, SGD(momentum), RMSprop or Adam, "
                              "in float64")
        self.spins = {
            "momentum": _spin("optMomentum", 0.0, 0.999, 0.9, 3, 0.05,
                              "μ: v := μ·v + ∂L/∂w, then w := w − α·v"),
            "beta1": _spin("optBeta1", 0.0, 0.999, 0.9, 3, 0.01,
                           "β1: how slowly Adam's mean of the gradients m forgets"),
            "beta2": _spin("optBeta2", 0.0, 0.99999, 0.999, 5, 0.001,
                           "β2: how slowly the mean of the squared gradients v forgets"),
            "eps": _spin("optEps", 0.0, 1.0, 1e-8, 10, 1e-8,
                         "ε: added to the root in the denominator so it is never 0"),
            "weight_decay": _spin("optWeightDecay", 0.0, 10.0, 0.0, 6, 1e-4,
                                  "Weight decay λ: the gradient becomes ∂L/∂w + λ·w"),
        }
        labels = {"momentum": "Momentum μ", "beta1": "β1", "beta2": "β2", "eps": "ε",
                  "weight_decay": "Weight decay"}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Optimizer", self.combo)
        self._rows = {}
        for key, box in self.spins.items():
            form.addRow(labels[key], box)
            self._rows[key] = form.labelForField(box)
            box.valueChanged.connect(self.changed)
        self.combo.currentIndexChanged.connect(self._show_rows)
        self.combo.currentIndexChanged.connect(self.changed)
        self._show_rows()

    @property
    def name(self) -> str:
        return self.combo.currentData()

    def set_name(self, name: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(name))

    def _show_rows(self, *_args) -> None:
        uses = USES[self.name]
        for key, box in self.spins.items():
            visible = key in uses or key == "weight_decay"
            box.setVisible(visible)
            self._rows[key].setVisible(visible)

    def make(self, lr: float):
        """The optimizer with these settings and learning rate ``lr`` (empty state)."""
        s = {k: box.value() for k, box in self.spins.items()}
        return make_optimizer(self.name, lr, momentum=s["momentum"],
                              betas=(s["beta1"], s["beta2"]), eps=s["eps"],
                              weight_decay=s["weight_decay"])

    def describe(self) -> str:
        """“Adam (β 0.9, 0.999, ε 1e-8)” for the undo text and the status line."""
        s = {k: box.value() for k, box in self.spins.items()}
        parts = {"sgd": [], "momentum": [f"μ {s['momentum']:g}"], "rmsprop": [f"ε {s['eps']:g}"],
                 "adam": [f"β {s['beta1']:g}, {s['beta2']:g}", f"ε {s['eps']:g}"]}[self.name]
        if s["weight_decay"]:
            parts.append(f"weight decay {s['weight_decay']:g}")
        return NAMES[self.name] + (f" ({', '.join(parts)})" if parts else "")
