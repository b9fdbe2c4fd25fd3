"""The Data panel: a data set for the graph, its plot, and the decision regions under it.

A learner's first network learns from samples, not from numbers typed into
a matrix.  The panel makes a data set (:mod:`chainrule.core.datasets`) three ways —
a toy 2-D generator with a seed and a noise setting, a CSV file (columns
chosen for the feature input and the label), points clicked on the plot —
binds it to two of the graph's inputs (the features, one row per sample; the
label, one number per sample), and sets how training cuts it: batch size,
shuffle seed, held-out fraction.  Each change is one undo step
(:class:`~chainrule.gui.train_commands.SetData`) and is saved in the file.

The plot shows the samples coloured by class, over the **decision regions**
of the current parameters (:func:`chainrule.core.regions.decision_regions`):
redrawn after every evaluation — during a run, after each chunk — at most
every :data:`REGION_INTERVAL_MS`, so the picture follows the screen, not the
steps.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from chainrule.core.datasets import GENERATORS, DataError, Dataset, read_csv
from chainrule.core.probe import Probe
from chainrule.core.regions import bounds, decision_regions
from chainrule.gui.plots import make_plot
from chainrule.gui.train_commands import SetData

#: The regions are recomputed at most this often (10 times a second).
REGION_INTERVAL_MS = 100
#: Pixels per side of the regions' image.
REGION_PIXELS = 64
CLASS_COLORS = ("#0b5cad", "#e07b00", "#2da44e", "#8250df")
REGION_COLORS = ((205, 224, 246), (250, 225, 196), (210, 240, 214), (228, 218, 248))


def _spin(name: str, top: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setObjectName(name)
    box.setRange(0, top)
    box.setToolTip(tip)
    return box


def leaf_ids(graph) -> list[str]:
    return [n.id for n in graph.nodes() if n.op in ("input", "const")]


class CsvImportDialog(QDialog):
    """Which columns feed the feature input, and which one is the label."""

    def __init__(self, columns: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import CSV")
        self.features = QListWidget()
        self.features.setObjectName("csvFeatures")
        for i, c in enumerate(columns):
            item = QListWidgetItem(c)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if i < len(columns) - 1
                               else Qt.CheckState.Unchecked)
            self.features.addItem(item)
        self.label = QComboBox()
        self.label.setObjectName("csvLabel")
        self.label.addItems(columns)
        self.label.setCurrentIndex(len(columns) - 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Columns that feed the features input (one row per sample):"))
        layout.addWidget(self.features)
        form = QFormLayout()
        form.addRow("Label column", self.label)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> tuple[list[str], str]:
        cols = [self.features.item(i).text() for i in range(self.features.count())
                if self.features.item(i).checkState() == Qt.CheckState.Checked]
        return cols, self.label.currentText()


class DataPanel(QWidget):
    """Generate, import or click a data set; bind it; see it with the decision regions."""

    #: The data set changed (a new one, a setting, an undo).
    data_changed = Signal()

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self._probe: Probe | None = None
        self._drawn = 0.0
        self.regions: np.ndarray | None = None     # the last image drawn (class per pixel)
        self.region_box = None
        self.redraw_count = 0                       # region redraws so far (the benchmark)
        self._following = True

        self.generator = QComboBox()
        self.generator.setObjectName("dataGenerator")
        self.generator.addItems(GENERATORS)
        self.generator.setCurrentText("moons")
        self.points = QSpinBox()
        self.points.setObjectName("dataPoints")
        self.points.setRange(2, 10_000)
        self.points.setValue(200)
        self.noise = QDoubleSpinBox()
        self.noise.setObjectName("dataNoise")
        self.noise.setLocale(QLocale.c())
        self.noise.setRange(0.0, 2.0)
        self.noise.setSingleStep(0.05)
        self.noise.setValue(0.1)
        self.seed = _spin("dataSeed", 2 ** 31 - 1, "The generator's seed: the same seed, the "
                                                   "same points")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("dataGenerate")
        self.generate_button.setToolTip("Make the toy data set (the same seed makes the same "
                                        "points) and bind it to the inputs below")
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setObjectName("dataImport")
        self.feature_node = QComboBox()
        self.feature_node.setObjectName("dataFeatureNode")
        self.feature_node.setToolTip("The input that gets the samples' features: a matrix, "
                                     "one row per sample")
        self.label_node = QComboBox()
        self.label_node.setObjectName("dataLabelNode")
        self.label_node.setToolTip("The input (or const) that gets the labels: one number per "
                                   "sample (class indices for cross_entropy)")
        self.batch = _spin("dataBatch", 100_000, "Rows per step (all: the whole training part "
                                                 "at once)")
        self.batch.setSpecialValueText("all")
        self.shuffle_seed = _spin("dataShuffleSeed", 2 ** 31 - 1,
                                  "Seed of the minibatch order and of the held-out pick")
        self.holdout = _spin("dataHoldout", 90, "Rows held out: never trained on, their loss "
                                                "plotted per epoch")
        self.holdout.setSuffix(" %")
        self.click_class = QComboBox()
        self.click_class.setObjectName("dataClickClass")
        self.click_class.addItems(["class 0", "class 1"])
        self.click_class.setToolTip("The class a click on the plot adds")
        self.status = QLabel()
        self.status.setObjectName("dataStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        form = QFormLayout()
        gen_row = QHBoxLayout()
        for w in (self.generator, self.points, self.noise, self.seed):
            gen_row.addWidget(w)
        form.addRow("Toy set", gen_row)
        form.addRow("", self._row(self.generate_button, self.import_button))
        form.addRow("Features →", self.feature_node)
        form.addRow("Label →", self.label_node)
        form.addRow("Batch size", self.batch)
        form.addRow("Shuffle seed", self.shuffle_seed)
        form.addRow("Held out", self.holdout)
        form.addRow("Click adds", self.click_class)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        self.plot = self._make_plot()
        layout.addWidget(self.plot, 1)

        self.generate_button.clicked.connect(self.generate)
        self.import_button.clicked.connect(lambda: self.import_csv())
        for box in (self.batch, self.shuffle_seed, self.holdout):
            box.editingFinished.connect(self._settings_edited)
        for combo in (self.feature_node, self.label_node):
            combo.activated.connect(self._settings_edited)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw_regions)
        document.graph_replaced.connect(self._graph_replaced)
        document.evaluated.connect(self._request_regions)
        for signal in (document.node_added, document.node_removed, document.node_renamed):
            signal.connect(self._fill_nodes)
        self._graph_replaced()

    @staticmethod
    def _row(*widgets) -> QHBoxLayout:
        row = QHBoxLayout()
        for w in widgets:
            row.addWidget(w)
        return row

    # ------------------------------------------------------------ plot

    def _make_plot(self):
        import pyqtgraph as pg
        plot, item = make_plot("dataPlot", 220, "x1", "x2")
        item.setAspectLocked(True)
        self.region_item = pg.ImageItem()
        self.region_item.setZValue(-10)
        item.addItem(self.region_item)
        self.scatters = []
        for color in CLASS_COLORS[:2]:
            scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("white", width=0.8),
                                         brush=pg.mkBrush(color))
            item.addItem(scatter)
            self.scatters.append(scatter)
        plot.scene().sigMouseClicked.connect(self._clicked)
        return plot

    def redraw_points(self) -> None:
        data = self.document.graph.data
        xy = self._xy(data)
        for k, scatter in enumerate(self.scatters):
            if xy is None:
                scatter.setData([], [])
                continue
            x, y, label = xy
            mask = label == k
            scatter.setData(x[mask], y[mask])

    def _xy(self, data):
        if data is None:
            return None
        feature, label = data.feature_node(), data.label_node()
        if feature is None or len(data.bind[feature]) < 2:
            return None
        c1, c2 = data.bind[feature][:2]
        lab = data.column(data.bind[label][0]) if label else np.zeros(len(data))
        return data.column(c1), data.column(c2), lab

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw_regions()

    def set_following(self, on: bool) -> None:
        """Redraw the regions after every evaluation (on), or only when told (a run's
        ``frame``: the Train panel spreads a run's repaints over its turns)."""
        self._following = on

    def _request_regions(self, *_args) -> None:
        if not self.isVisible() or not self._following:
            return                      # drawn when shown (showEvent) or told (frame)
        wait = REGION_INTERVAL_MS - (time.perf_counter() - self._drawn) * 1000
        if wait <= 0:
            self.redraw_regions()
        elif not self._timer.isActive():
            self._timer.start(int(wait) + 1)

    def frame(self) -> None:
        """A run's turn for the pictures: redraw the regions if they are on screen."""
        if self.isVisible():
            self.redraw_regions()

    def redraw_regions(self) -> None:
        """The classes the current parameters predict, as a picture under the points."""
        self._drawn = time.perf_counter()
        self.redraw_count += 1
        graph = self.document.graph
        if graph.data is None:
            self.region_item.clear()
            self.regions = None
            return
        if self._probe is None or self._probe.source is not graph:
            self._probe = Probe(graph)
        box = self.region_box = bounds(graph)
        image = decision_regions(graph, box, REGION_PIXELS, self._probe)
        self.regions = image
        if image is None:
            self.region_item.clear()
            return
        palette = np.array(REGION_COLORS, dtype=np.ubyte)
        rgb = palette[np.clip(image, 0, len(palette) - 1)]
        # ImageItem's first axis is x: transpose the (row = y, column = x) image
        self.region_item.setImage(np.transpose(rgb, (1, 0, 2)), autoLevels=False)
        from PySide6.QtCore import QRectF
        x0, x1, y0, y1 = box
        self.region_item.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        view = self.plot.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        self.add_point(point.x(), point.y(), self.click_class.currentIndex())

    # ------------------------------------------------------------ changes

    def _set(self, new: Dataset | None, text: str) -> None:
        doc = self.document
        doc.push(SetData(doc, doc.graph.data, new, text, on_change=self._data_changed))

    def _bind(self) -> dict[str, list[str]] | None:
        feature, label = self.feature_node.currentText(), self.label_node.currentText()
        if not feature or not label or feature == label:
            self._say("Choose two different inputs for the features and the label first.")
            return None
        return {feature: ["x1", "x2"], label: ["label"]}

    def generate(self) -> bool:
        bind = self._bind()
        if bind is None:
            return False
        try:
            data = Dataset.generated(self.generator.currentText(), self.points.value(),
                                     self.noise.value(), self.seed.value(), bind,
                                     **self._settings())
        except DataError as exc:
            self._say(str(exc))
            return False
        self._set(data, f"Generate {data.generator['name']} ({len(data)} points, "
                        f"seed {data.generator['seed']})")
        return True

    def import_csv(self, path: str | None = None, features: list[str] | None = None,
                   label: str | None = None) -> bool:
        """Read a CSV file; ask which columns feed what unless ``features``/``label`` given."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import CSV", "", "CSV (*.csv);;All (*)")
            if not path:
                return False
        name = Path(path).name
        try:
            size = Path(path).stat().st_size
            if size > 10 * 1024 * 1024:
                raise DataError(f"{name} has {size:,} bytes; at most 10,485,760 (10 MB) can "
                                f"be imported")
            text = Path(path).read_text(encoding="utf-8-sig")
            columns, rows = read_csv(text, name)
        except (OSError, UnicodeDecodeError) as exc:
            self._say(f"{name} cannot be read: {exc}")
            return False
        except DataError as exc:
            self._say(str(exc))
            return False
        if features is None or label is None:
            dialog = CsvImportDialog(columns, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            features, label = dialog.chosen()
        feature, target = self.feature_node.currentText(), self.label_node.currentText()
        if not features or feature == target or not feature or not target:
            self._say("Choose the feature columns and two different inputs to feed.")
            return False
        data = Dataset(columns, rows, {feature: list(features), target: [label]},
                       **self._settings())
        self._set(data, f"Import {name} ({len(data):,} rows)")
        return True

    def add_point(self, x1: float, x2: float, label: int) -> bool:
        data = self.document.graph.data
        if data is None:
            self._say("Generate or import a data set first; then clicks add points to it.")
            return False
        new = data.copy()
        try:
            new.add_point(x1, x2, label)
        except DataError as exc:
            self._say(str(exc))
            return False
        self._set(new, f"Add a point of class {label}")
        return True

    def _settings(self) -> dict:
        return {"batch_size": self.batch.value(), "seed": self.shuffle_seed.value(),
                "holdout": self.holdout.value() / 100}

    def _settings_edited(self, *_args) -> None:
        data = self.document.graph.data
        if data is None:
            return
        new = data.copy()
        for key, value in self._settings().items():
            setattr(new, key, value)
        feature, label = self.feature_node.currentText(), self.label_node.currentText()
        if feature and label and feature != label:
            # the same columns, fed to the inputs the combo boxes name now
            cols = (data.bind.get(data.feature_node() or "", []),
                    data.bind.get(data.label_node() or "", []))
            if cols[0] and cols[1]:
                new.bind = {feature: list(cols[0]), label: list(cols[1])}
        if new.to_json() != data.to_json():
            self._set(new, "Data settings")

    # ------------------------------------------------------------ showing

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.document.message.emit(text)

    def _fill_nodes(self, *_args) -> None:
        graph = self.document.graph
        data = graph.data
        ids = leaf_ids(graph)
        for combo, want in ((self.feature_node, data.feature_node() if data else None),
                            (self.label_node, data.label_node() if data else None)):
            current = want or combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(ids)
            if current in ids:
                combo.setCurrentText(current)
            combo.blockSignals(False)
        if data is None:
            guess = {"X": self.feature_node, "y": self.label_node}
            for node, combo in guess.items():
                if node in ids:
                    combo.setCurrentText(node)

    def _graph_replaced(self) -> None:
        self._probe = None
        self._data_changed()

    def _data_changed(self) -> None:
        data = self.document.graph.data
        self._fill_nodes()
        if data is not None:
            for box, value in ((self.batch, data.batch_size), (self.shuffle_seed, data.seed),
                               (self.holdout, round(data.holdout * 100))):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
            train, held = data.split()
            source = (f"{data.generator['name']} (seed {data.generator['seed']})"
                      if data.generator else "a table")
            binds = ", ".join(f"{', '.join(c)} → {n}" for n, c in data.bind.items())
            self.status.setText(f"{len(data):,} samples from {source}: {len(train):,} to train "
                                f"on, {len(held):,} held out; {binds}.")
        else:
            self.status.setText("No data set: generate a toy set or import a CSV file.")
        self.redraw_points()
        self.redraw_regions()
        self.data_changed.emit()
