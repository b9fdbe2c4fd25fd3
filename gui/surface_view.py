"""The loss surface along two chosen parameters, with the optimizer's path drawn on it.

Pick two numbers of the trainable inputs (``w``, ``b``, ``W1[0,1]``); Draw
computes the loss over a grid around their current values
(:func:`chainrule.core.landscape.loss_surface`: each grid value a direct
evaluation, done in core) and shows it as a filled contour picture with
contour lines.  Training draws its path on it: the Train panel's steps as
they happen, and the paths of the optimizer race (one colour per entrant)
when the race ran on the same two numbers.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLocale, QRectF, Qt
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from chainrule.core.landscape import coordinate_name, coordinates, loss_surface
from chainrule.core.probe import Probe
from chainrule.gui.plots import make_plot

PATH_COLORS = ("#111111", "#c62828", "#0b5cad", "#2da44e", "#8250df")
LEVELS = 12


class SurfaceView(QWidget):
    """Two coordinate combos, span and grid size, the contour plot and the paths."""

    def __init__(self, document, train_panel, parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.train_panel = document, train_panel
        self.surface = None
        self.path: list[tuple[float, float]] = []
        self.race_paths: dict[str, list[tuple[float, float]]] = {}
        self._legend_names: list[str] = []
        self.a_box, self.b_box = QComboBox(), QComboBox()
        self.a_box.setObjectName("surfaceA")
        self.b_box.setObjectName("surfaceB")
        self.span = QDoubleSpinBox()
        self.span.setObjectName("surfaceSpan")
        self.span.setLocale(QLocale.c())
        self.span.setRange(0.01, 100.0)
        self.span.setValue(2.0)
        self.span.setToolTip("How far the grid reaches on each side of the current point")
        self.grid = QSpinBox()
        self.grid.setObjectName("surfaceGrid")
        self.grid.setRange(5, 101)
        self.grid.setValue(41)
        self.draw_button = QPushButton("Draw")
        self.draw_button.setObjectName("surfaceDraw")
        self.clear_button = QPushButton("Clear paths")
        self.status = QLabel()
        self.status.setWordWrap(True)
        form = QFormLayout()
        pair = QHBoxLayout()
        pair.addWidget(self.a_box)
        pair.addWidget(self.b_box)
        form.addRow("Along", pair)
        grid = QHBoxLayout()
        grid.addWidget(self.span)
        grid.addWidget(QLabel("grid"))
        grid.addWidget(self.grid)
        form.addRow("± span", grid)
        buttons = QHBoxLayout()
        buttons.addWidget(self.draw_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.plot = self._make_plot()
        layout.addWidget(self.plot, 1)
        self.draw_button.clicked.connect(self.draw)
        self.clear_button.clicked.connect(self.clear_paths)
        for box in (self.a_box, self.b_box):
            box.activated.connect(self.clear_paths)
        train_panel.step_listeners.append(self._stepped)
        train_panel.state_changed.connect(self._state_changed)
        document.graph_replaced.connect(self._graph_replaced)
        for signal in (document.node_added, document.node_removed, document.node_renamed):
            signal.connect(self._fill)
        document.node_changed.connect(self._node_changed)
        self._graph_replaced()

    def _make_plot(self):
        import pyqtgraph as pg
        plot, item = make_plot("surfacePlot", 220)
        self.image = pg.ImageItem()
        self.image.setZValue(-20)
        item.addItem(self.image)
        self.contours = []
        self.curves = []
        for k, color in enumerate(PATH_COLORS):
            curve = item.plot([], [], pen=pg.mkPen(color, width=2))
            self.curves.append(curve)
        self.legend = item.addLegend(offset=(-10, 10), labelTextColor="#24292f")
        return plot

    # ------------------------------------------------------------ choices

    @property
    def choice(self):
        a, b = self.a_box.currentData(), self.b_box.currentData()
        return (a, b) if a is not None and b is not None else None

    def set_choice(self, a, b) -> None:
        for box, c in ((self.a_box, a), (self.b_box, b)):
            i = box.findText(coordinate_name(c))
            if i >= 0:
                box.setCurrentIndex(i)

    def _fill(self, *_args) -> None:
        coords = coordinates(self.document.graph)
        names = [coordinate_name(c) for c in coords]
        for k, box in enumerate((self.a_box, self.b_box)):
            if [box.itemText(i) for i in range(box.count())] == names:
                continue
            current = box.currentText()
            box.blockSignals(True)
            box.clear()
            for c, name in zip(coords, names):
                box.addItem(name, c)
            i = box.findText(current)
            box.setCurrentIndex(i if i >= 0 else min(k, len(coords) - 1))
            box.blockSignals(False)

    def _node_changed(self, _node_id: str, what: str) -> None:
        if what != "value":             # a new value keeps the numbers (a shape change is rare)
            self._fill()

    def _graph_replaced(self) -> None:
        self._probe = Probe(self.document.graph)
        self.surface = None
        self._fill()
        self.clear_paths()
        self.image.clear()
        self._clear_contours()

    # ------------------------------------------------------------ drawing

    def draw(self) -> bool:
        choice = self.choice
        if choice is None or choice[0] == choice[1]:
            self.status.setText("Choose two different numbers of the parameters.")
            return False
        a, b = choice
        self._probe = Probe(self.document.graph) if self._probe.source is not \
            self.document.graph else self._probe
        surface = self.surface = loss_surface(self.document.graph, a, b, self.span.value(),
                                              self.grid.value(), probe=self._probe)
        z = surface.losses
        finite = np.isfinite(z)
        shown = np.where(finite, z, np.nanmax(np.where(finite, z, np.nan)) if finite.any() else 0)
        shown = np.log10(shown - shown.min() + 1e-3)     # the valleys matter more than peaks
        import pyqtgraph as pg
        self.image.setImage(shown.T, autoLevels=True)
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        xs, ys = surface.xs, surface.ys
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        self._clear_contours()
        lo, hi = float(shown.min()), float(shown.max())
        for level in np.linspace(lo, hi, LEVELS + 2)[1:-1]:
            iso = pg.IsocurveItem(data=shown.T, level=level, pen=pg.mkPen("#ffffff80", width=1))
            iso.setParentItem(self.image)
            iso.setZValue(5)
            self.contours.append(iso)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", coordinate_name(a))
        item.setLabel("left", coordinate_name(b))
        self.status.setText(f"Loss over a {len(xs)}×{len(ys)} grid; lowest "
                            f"{np.nanmin(np.where(finite, z, np.nan)):.4g}, here "
                            f"{z[len(ys) // 2, len(xs) // 2]:.4g}.")
        self.path = [self._point()]
        self._redraw_paths()
        return True

    def _clear_contours(self) -> None:
        for iso in self.contours:
            iso.setParentItem(None)
            if iso.scene() is not None:
                iso.scene().removeItem(iso)
        self.contours = []

    def _point(self):
        from chainrule.core.landscape import read
        choice = self.choice
        graph = self.document.graph
        if choice is None or any(c[0] not in graph for c in choice):
            return None
        return read(graph, choice[0]), read(graph, choice[1])

    def _stepped(self, new: dict) -> None:
        """After every training step (the Trainer's values): one more point of the path."""
        choice = self.choice
        if choice is None:
            return
        (pa, ia), (pb, ib) = choice
        if pa in new and pb in new:
            va, vb = new[pa], new[pb]
            self.path.append((float(va[ia]) if ia else float(va),
                              float(vb[ib]) if ib else float(vb)))

    def _state_changed(self) -> None:
        """After a chunk, a step, an undo: the path ends where the parameters are now."""
        here = self._point()
        if here is not None and (not self.path or self.path[-1] != here):
            trainer = self.train_panel.trainer
            if trainer is None or not trainer.history:
                self.path = [here]                 # a reset or an undo to the start
            else:
                self.path.append(here)
        self._redraw_paths()

    def set_race_paths(self, paths: dict[str, list[tuple[float, float]]]) -> None:
        self.race_paths = dict(paths)
        self._redraw_paths()

    def clear_paths(self, *_args) -> None:
        here = self._point()
        self.path = [here] if here is not None else []
        self.race_paths = {}
        self._redraw_paths()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._redraw_paths()

    def _redraw_paths(self) -> None:
        if not self.isVisible():
            return                      # drawn when shown (showEvent)
        lines = [("Train panel", self.path)] + list(self.race_paths.items())
        names = [name for name, pts in lines if pts]
        if names != self._legend_names:            # the legend is rebuilt only when it changes
            self.legend.clear()
        for k, curve in enumerate(self.curves):
            if k < len(lines) and lines[k][1]:
                name, pts = lines[k]
                arr = np.array(pts, dtype=float)
                curve.setData(arr[:, 0], arr[:, 1])
                if names != self._legend_names:
                    self.legend.addItem(curve, name)
            else:
                curve.setData([], [])
        self._legend_names = names
