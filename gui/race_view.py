"""The optimizer race: up to four optimizers train the same graph from the same start.

Each row picks an optimizer and its learning rate; Run trains a copy of the
graph per row (:mod:`chainrule.core.race`: the same starting values, the same
minibatches) in chunks on a timer, so the window stays live, and draws their
losses on one plot.  The graph in the editor is not changed.  When the loss
surface has two numbers chosen, each entrant's path along them is handed to
it (``surface.set_race_paths``).
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QLocale, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout,
                               QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from chainrule.core import race
from chainrule.core.optimizers import make_optimizer
from chainrule.core.update_text import NAMES
from chainrule.gui.plots import make_plot

COLORS = ("#c62828", "#0b5cad", "#2da44e", "#8250df")
DEFAULTS = (("sgd", 0.1), ("momentum", 0.1), ("adam", 0.01), ("rmsprop", 0.01))
CHUNK_SECONDS = 0.04


class RaceView(QWidget):
    """Four rows (on, optimizer, α), steps, Run/Cancel, and the losses on one plot."""

    def __init__(self, document, surface=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.surface = document, surface
        self.entrants: list[race.Entrant] = []
        self._left = 0
        self.rows = []
        grid = QGridLayout()
        for k, (name, lr) in enumerate(DEFAULTS):
            on = QCheckBox()
            on.setChecked(k < 3)
            combo = QComboBox()
            for key, text in NAMES.items():
                combo.addItem(text, key)
            combo.setCurrentIndex(combo.findData(name))
            spin = QDoubleSpinBox()
            spin.setLocale(QLocale.c())
            spin.setDecimals(6)
            spin.setRange(1e-6, 100.0)
            spin.setValue(lr)
            swatch = QLabel("■")
            swatch.setStyleSheet(f"color: {COLORS[k]}")
            for j, w in enumerate((swatch, on, combo, QLabel("α"), spin)):
                grid.addWidget(w, k, j)
            self.rows.append((on, combo, spin))
        self.steps = QSpinBox()
        self.steps.setObjectName("raceSteps")
        self.steps.setRange(1, 100_000)
        self.steps.setValue(300)
        self.run_button = QPushButton("Race")
        self.run_button.setObjectName("raceRun")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Steps"))
        bar.addWidget(self.steps)
        bar.addWidget(self.run_button)
        bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        self.plot = self._make_plot()
        layout.addWidget(self.plot, 1)
        self.run_button.clicked.connect(lambda: self.start())
        self.cancel_button.clicked.connect(self.cancel)
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._chunk)
        document.graph_replaced.connect(self.cancel)

    def _make_plot(self):
        import pyqtgraph as pg
        plot, item = make_plot("racePlot", 200, "step", "loss", grid=True, log_y=True)
        self.legend = item.addLegend(offset=(-10, 10), labelTextColor="#24292f")
        self.curves = [item.plot([], [], pen=pg.mkPen(c, width=2)) for c in COLORS]
        return plot

    def set_entrants(self, specs: list[tuple[str, float]]) -> None:
        """Choose the rows: [(optimizer name, α), ...] (at most four)."""
        for k, (on, combo, spin) in enumerate(self.rows):
            on.setChecked(k < len(specs))
            if k < len(specs):
                combo.setCurrentIndex(combo.findData(specs[k][0]))
                spin.setValue(specs[k][1])

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self, steps: int | None = None) -> bool:
        if self.running:
            return False
        chosen = [(combo.currentData(), spin.value()) for on, combo, spin in self.rows
                  if on.isChecked()]
        if not chosen:
            self.status.setText("Tick at least one optimizer.")
            return False
        graph = self.document.graph
        if not any(n.trainable for n in graph.nodes()):
            self.status.setText("Nothing to train: mark inputs as trainable.")
            return False
        entrants = [(f"{NAMES[name]} α={lr:g}", make_optimizer(name, lr)) for name, lr in chosen]
        trace = self.surface.choice if self.surface is not None else None
        if trace is not None and trace[0] == trace[1]:
            trace = None
        self.trace = trace
        self.entrants = race.start(graph, entrants, trace)
        self._left = int(self.steps.value() if steps is None else steps)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Racing {len(entrants)} optimizers for {self._left:,} steps…")
        self._timer.start()
        return True

    def cancel(self) -> None:
        if self.running:
            self._finish("Cancelled.")

    def _chunk(self) -> None:
        deadline = time.perf_counter() + CHUNK_SECONDS
        while self._left > 0 and time.perf_counter() < deadline:
            n = min(self._left, 10)
            race.advance(self.entrants, n)
            self._left -= n
            if all(e.stopped for e in self.entrants):
                self._left = 0
        self.redraw()
        if self._left <= 0:
            self._finish(None)

    def _finish(self, message: str | None) -> None:
        self._timer.stop()
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if message is None:
            parts = [f"{e.name}: {e.losses[-1]:.4g}" + (" (stopped: diverged)" if e.stopped
                                                        else "")
                     for e in self.entrants if e.losses]
            message = "Final losses — " + "; ".join(parts)
        self.status.setText(message)
        self.redraw()

    def redraw(self) -> None:
        self.legend.clear()
        for k, curve in enumerate(self.curves):
            if k < len(self.entrants):
                e = self.entrants[k]
                y = np.asarray(e.losses, dtype=float)
                ok = np.isfinite(y) & (y > 0)
                curve.setData(np.arange(y.size)[ok], y[ok])
                self.legend.addItem(curve, e.name)
            else:
                curve.setData([], [])
        if self.surface is not None and self.trace is not None and \
                self.surface.choice == self.trace:
            self.surface.set_race_paths({e.name: e.path for e in self.entrants})
