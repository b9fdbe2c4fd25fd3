"""The Train panel: gradient descent on the graph's trainable inputs, with a live loss plot.

The mathematics is :class:`chainrule.core.training.Trainer`'s (one update
``w := w − α·∂L/∂w`` of every parameter per step, on the document's own
compiled plan); this panel only drives it and shows it:

* **Step** — one update, one undo step.
* **Run N steps** — in chunks of about :data:`CHUNK_SECONDS` on a timer, so the
  event loop turns between chunks: the canvas relabels, the progress bar
  moves, Cancel works, the window can be panned and zoomed.  The Trainer
  updates the values quietly inside a chunk and announces them once at its
  end, so the canvas labels follow the parameters at the chunk rate.
  The run is one undo step: its command is pushed when the run starts and
  kept up to date after every chunk, so the undo stack describes the graph
  at every moment; any other change of the stack (an undo, an edit) stops
  the run where it is.
* **Reset** — the parameters back to their values before training (an undo
  step too), the plot cleared, the optimizer's state forgotten.

The update rule is chosen in the panel (:mod:`chainrule.gui.optimizer_settings`:
SGD, momentum, RMSprop, Adam, PyTorch's); changing it or its settings starts
its state afresh.  Every undo command of a Step, a Run or a Reset carries
the optimizer's state (and the data set's batch position and epoch losses)
before and after, so undo puts those back with the values.  With a data set
bound (``graph.data``), a run can be counted in epochs, and the losses of
each epoch on the training and the held-out rows are plotted below the
step plot.

"Before training" means before the first step since the panel was last
reset (or the graph opened): a learner who edits a weight by hand after a
Reset and trains again gets that weight back on the next Reset.

The plot is redrawn at most every :data:`PLOT_INTERVAL_MS` ms — training
speed never waits for the plot.  During a run the views are refreshed in
turns, one part per turn of the event loop and at most every
:data:`DISPLAY_SPACING` seconds: the canvas (values announced, labels, the
optimizer's badges), then the loss plots, then the pictures (``frame``: the
decision regions).  A part that is due gets a turn of its own (no training
in it), so no turn pays for a whole repaint nor for a chunk and a part back to
back: a key press waits for one of them, and most of the time goes to training.
"""
from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QSizePolicy, QSpinBox, QVBoxLayout,
                               QWidget)

from chainrule.core.formatting import format_number
from chainrule.core.training import Trainer, TrainingError, parameters, total_loss
from chainrule.gui import theme
from chainrule.gui.optimizer_settings import OptimizerSettings
from chainrule.gui.plots import make_plot
from chainrule.gui.train_commands import SetParameters

#: Training time per chunk of a run, between two turns of the event loop.
CHUNK_SECONDS = 0.04
#: The plot is redrawn at most this often during a run (20 times a second).
PLOT_INTERVAL_MS = 50
FEW_POINTS = 30                 # up to this many losses are drawn as dots as well
#: During a run, one part of the views is refreshed at most this often (see above).
DISPLAY_SPACING = 0.1
#: Learning rates the spin box steps through: 1, 2, 5 × 10ᵏ.
LR_MANTISSAS = (1.0, 2.0, 5.0)
LR_MIN, LR_MAX = 1e-6, 100.0
DEFAULT_LR = 0.05
DEFAULT_STEPS = 200
MAX_STEPS = 1_000_000

NO_PARAMETERS = ("Nothing to train: mark inputs as trainable in the inspector "
                 "(select an input and tick “Trainable”).")


def lr_ladder() -> list[float]:
    """Every learning rate of the 1-2-5 ladder between LR_MIN and LR_MAX."""
    values = []
    for k in range(-6, 3):
        for m in LR_MANTISSAS:
            v = float(f"{m}e{k}")
            if LR_MIN <= v <= LR_MAX:
                values.append(v)
    return values


class LearningRateSpinBox(QDoubleSpinBox):
    """α: typed freely, stepped along 1, 2, 5 × 10ᵏ (a log-ish scale), shown as 0.05."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setLocale(QLocale.c())
        self.setDecimals(6)
        self.setRange(LR_MIN, LR_MAX)
        self.setKeyboardTracking(False)
        self._ladder = lr_ladder()

    def stepBy(self, steps: int) -> None:
        value = self.value()
        ladder = self._ladder
        if steps > 0:
            above = [v for v in ladder if v > value * (1 + 1e-9)]
            index = min(len(above) - 1, steps - 1)
            if index >= 0:
                self.setValue(above[index])
        elif steps < 0:
            below = [v for v in ladder if v < value * (1 - 1e-9)]
            index = len(below) + steps
            if below:
                self.setValue(below[max(0, index)])

    def stepEnabled(self):
        flags = QDoubleSpinBox.StepEnabledFlag.StepNone
        if self.value() < LR_MAX:
            flags |= QDoubleSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > LR_MIN:
            flags |= QDoubleSpinBox.StepEnabledFlag.StepDownEnabled
        return flags

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"


class TrainPanel(QWidget):
    """Step, Run N steps, Cancel, Reset, and the loss-versus-step plot for one document."""

    #: A run started (True) or ended (False).
    running_changed = Signal(bool)
    #: The parameters or the optimizer's state changed (a step, a chunk of a run, a reset,
    #: an undo, another optimizer): the badges and the inspector re-read them.
    state_changed = Signal()
    #: Time to redraw the pictures of the current parameters (during a run: in turn with
    #: the canvas and the plots, see the module docstring; and at the end of the run).
    frame = Signal()

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.trainer: Trainer | None = None
        self._run: dict | None = None           # the run in progress, see run()
        self._plot_drawn = 0.0                  # perf_counter of the last redraw
        self._plotted_size = 0                  # losses in the last redraw
        self._log_mode = False
        self._note = ""                         # what the last action said
        self.last_rate: float | None = None     # steps per second of the last run
        #: Called after every step with the parameters' new values (the loss surface's path).
        self.step_listeners: list = []
        self._stage = 0                         # the next part of the views to refresh
        self._display_at = 0.0                  # perf_counter of the last part refreshed

        self.lr_spin = LearningRateSpinBox()
        self.lr_spin.setObjectName("learningRate")
        self.lr_spin.setValue(DEFAULT_LR)
        self.lr_spin.setToolTip("Learning rate α: each step moves every parameter by "
                                "−α·∂L/∂w. The arrows step through 1, 2, 5 × 10ᵏ; type any "
                                "value.")
        self.steps_spin = QSpinBox()
        self.steps_spin.setObjectName("runSteps")
        self.steps_spin.setRange(1, MAX_STEPS)
        self.steps_spin.setValue(DEFAULT_STEPS)
        self.steps_spin.setSingleStep(100)
        self.steps_spin.setGroupSeparatorShown(True)
        self.steps_spin.setToolTip("How many steps (or epochs) Run makes")
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("runUnit")
        self.unit_combo.addItems(["steps", "epochs"])
        self.unit_combo.setToolTip("Count the run in steps, or in epochs (passes over the "
                                   "training rows of the data set, one minibatch a step)")
        self.optimizer_box = OptimizerSettings()
        self.optimizer_box.changed.connect(self._optimizer_changed)
        self.step_button = QPushButton("Step")
        self.step_button.setObjectName("trainStep")
        self.step_button.setToolTip("One gradient-descent step: w := w − α·∂L/∂w for every "
                                    "trainable input (one undo step)")
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("trainRun")
        self.run_button.setToolTip("Run that many steps (one undo step); Cancel stops it")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("trainCancel")
        self.cancel_button.setEnabled(False)
        self.reset_button = QPushButton("Reset parameters")
        self.reset_button.setObjectName("trainReset")
        self.reset_button.setToolTip("Put every parameter back to its value before training")
        self.progress = QProgressBar()
        self.progress.setObjectName("trainProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")                  # "%v of %m steps" once a run starts
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setObjectName("trainStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_check = QCheckBox("log scale")
        self.log_check.setObjectName("trainLogScale")
        self.log_check.setChecked(True)
        self.log_check.toggled.connect(self._redraw_plot)

        form = QFormLayout()
        form.addRow(self.optimizer_box)
        form.addRow("Learning rate α", self.lr_spin)
        run_row = QHBoxLayout()
        run_row.addWidget(self.steps_spin, 1)
        run_row.addWidget(self.unit_combo)
        form.addRow("Run", run_row)
        buttons = QHBoxLayout()
        for b in (self.step_button, self.run_button, self.cancel_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.reset_button)
        layout.addWidget(self.status)
        self.plot = self._make_plot()
        theme.current.changed.connect(self._recolour)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.log_check)
        self.epoch_plot = self._make_epoch_plot()
        layout.addWidget(self.epoch_plot, 1)

        self.step_button.clicked.connect(self.step)
        self.run_button.clicked.connect(self._run_clicked)
        self.cancel_button.clicked.connect(self.cancel)
        self.reset_button.clicked.connect(self.reset)
        self._chunk_timer = QTimer(self)
        self._chunk_timer.setInterval(0)
        self._chunk_timer.timeout.connect(self._chunk)
        self._plot_timer = QTimer(self)
        self._plot_timer.setSingleShot(True)
        self._plot_timer.timeout.connect(self._redraw_plot)
        document.graph_replaced.connect(self._graph_replaced)
        document.undo_stack.indexChanged.connect(self._stack_moved)
        document.evaluated.connect(self._evaluated)
        self._graph_replaced()

    # ------------------------------------------------------------ plot

    def _make_plot(self):
        import pyqtgraph as pg
        plot = pg.PlotWidget(background=theme.hex_of("plot_background"))
        plot.setObjectName("lossPlot")
        plot.setMinimumHeight(160)
        plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        item = plot.getPlotItem()
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss")
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setMenuEnabled(False)
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        for axis in ("left", "bottom"):
            # No "(x1e+27)" scaling: on a log scale it shifted every tick label.
            item.getAxis(axis).enableAutoSIPrefix(False)
        self.curve = item.plot([], [])
        self._plot_item = item
        self._colour_plot(plot)
        return plot

    def _recolour(self) -> None:
        self._colour_plot(self.plot)

    def _colour_plot(self, plot) -> None:
        """The plot in the theme's colours (again when the theme changes)."""
        import pyqtgraph as pg
        plot.setBackground(theme.hex_of("plot_background"))
        for axis in ("left", "bottom"):
            self._plot_item.getAxis(axis).setTextPen(theme.hex_of("plot_text"))
            self._plot_item.getAxis(axis).setPen(theme.hex_of("plot_axis"))
        self.curve.setPen(pg.mkPen(theme.hex_of("plot_curve"), width=2))
        if self.curve.opts.get("symbol"):
            self.curve.setSymbolPen(self.curve.opts["pen"])
            self.curve.setSymbolBrush(self.curve.opts["pen"].color())
    def _make_epoch_plot(self):
        import pyqtgraph as pg
        plot, item = make_plot("epochPlot", 120, "epoch", "loss", grid=True)
        item.addLegend(offset=(-10, 10), labelTextColor="#24292f")
        self.train_curve = item.plot([], [], pen=pg.mkPen("#0b5cad", width=2),
                                     name="training rows")
        self.held_curve = item.plot([], [], pen=pg.mkPen("#e07b00", width=2),
                                    name="held-out rows")
        self._epochs_drawn = None
        plot.setVisible(False)
        return plot

    def _redraw_epochs(self) -> None:
        epochs = self.trainer.epochs if self.trainer is not None else []
        self.epoch_plot.setVisible(self.document.graph.data is not None)
        key = (len(epochs), epochs[-1] if epochs else None)
        if key == self._epochs_drawn:
            return                      # most redraws of a run end no epoch: nothing new
        self._epochs_drawn = key
        x = np.arange(1, len(epochs) + 1)
        self.train_curve.setData(x, np.array([e[1] for e in epochs], dtype=float))
        held = [(i, e[2]) for i, e in zip(x, epochs) if e[2] is not None]
        self.held_curve.setData(np.array([h[0] for h in held], dtype=float),
                                np.array([h[1] for h in held], dtype=float))

    def _request_plot(self) -> None:
        """Redraw now if the last redraw is old enough, else once the interval has passed."""
        wait_ms = PLOT_INTERVAL_MS - (time.perf_counter() - self._plot_drawn) * 1000
        if wait_ms <= 0:
            self._redraw_plot()
        elif not self._plot_timer.isActive():
            self._plot_timer.start(int(math.ceil(wait_ms)))

    def _redraw_plot(self, *_args) -> None:
        self._plot_drawn = time.perf_counter()
        self._redraw_epochs()
        history = self.trainer.history if self.trainer is not None else []
        y = np.asarray(history, dtype=float)
        shown = y[np.isfinite(y)]
        positive = shown.size == 0 or bool(np.all(shown > 0))
        self.log_check.setEnabled(positive)
        self.log_check.setToolTip("" if positive else
                                  "The loss is not positive everywhere: a log scale cannot show it")
        log = positive and self.log_check.isChecked()
        if log != self._log_mode:
            self._log_mode = log
            self.plot.getPlotItem().setLogMode(x=False, y=log)
        # A diverged run ends in inf or nan: those points are left out, not drawn
        # as a line to infinity, and an empty plot (after Reset) forgets its axes.
        finite = np.isfinite(y)
        # A few losses are drawn as dots too: one step is one point, which a line alone
        # does not show.
        few = int(finite.sum()) <= FEW_POINTS
        self.curve.setData(np.arange(y.size)[finite], y[finite],
                           symbol="o" if few else None, symbolSize=6,
                           symbolPen=self.curve.opts["pen"], symbolBrush=self.curve.opts["pen"].color())
        shrunk = y.size < self._plotted_size
        self._plotted_size = y.size
        if shrunk:
            # Steps were undone: the axes follow what is left, not the range they had.
            self.plot.getPlotItem().getViewBox().enableAutoRange()
        if not finite.any():
            view = self.plot.getPlotItem().getViewBox()
            view.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            view.enableAutoRange()

    @property
    def plotted_points(self) -> int:
        """How many losses the curve holds (what the last redraw drew)."""
        x, _ = self.curve.getData()
        return 0 if x is None else len(x)

    # ------------------------------------------------------------ state

    @property
    def running(self) -> bool:
        return self._run is not None

    def _ensure_trainer(self) -> Trainer:
        doc = self.document
        if self.trainer is None or self.trainer.graph is not doc.graph:
            self.trainer = Trainer(doc.graph, doc.evaluator,
                                   self.optimizer_box.make(self.lr_spin.value()))
            self.trainer.on_step = self._stepped
        return self.trainer

    def _stepped(self, new: dict) -> None:
        for listener in self.step_listeners:
            listener(new)

    def _optimizer_changed(self) -> None:
        """Another rule or setting: the next step starts the new optimizer's state afresh."""
        if self.trainer is not None:
            self.trainer.set_optimizer(self.optimizer_box.make(self.lr_spin.value()))
            self._say(f"Optimizer: {self.optimizer_box.describe()}; its state starts empty.")
        self.state_changed.emit()

    @property
    def optimizer(self):
        """The optimizer the next step uses (with its state), or None before any training."""
        return self.trainer.optimizer if self.trainer is not None else None

    def _graph_replaced(self) -> None:
        if self._run is not None:
            self._finish("The run stopped: another graph was opened.", keep_command=False)
        self.trainer = None
        self._note = ""
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self._redraw_plot()
        self._show_idle_status()

    def data_changed(self) -> None:
        """A new data set or new settings: the next step starts the batches afresh."""
        self._redraw_epochs()

    def _evaluated(self, _evaluation) -> None:
        if self._run is None:
            self._show_idle_status()

    def _show_idle_status(self) -> None:
        """The last action's note, then the loss now and how many parameters there are."""
        ev = self.document.evaluation
        params = parameters(self.document.graph)
        if not params:
            text = NO_PARAMETERS
        elif ev.error:
            text = f"No loss to lower: {ev.error}"
        else:
            steps = len(self.trainer.history) if self.trainer is not None else 0
            loss = total_loss(ev.value(ev.output))
            text = (f"{len(params)} parameter{'s' * (len(params) != 1)} · loss "
                    f"{ev.output} = {format_number(loss)}"
                    + (f" after {steps:,} step{'s' * (steps != 1)}" if steps else ""))
        self.status.setText(f"{self._note}\n{text}" if self._note else text)

    def _say(self, text: str) -> None:
        """A note that stays above the loss line until the next action, and in the status bar."""
        self._note = text
        self._show_idle_status()
        self.document.message.emit(text)

    def _check_parameters(self) -> bool:
        if not parameters(self.document.graph):
            self._say(NO_PARAMETERS)
            return False
        return True

    def _start_session(self, trainer: Trainer) -> None:
        """A first step since Reset (or opening): the values now are the ones to reset to."""
        if not trainer.history:
            trainer.rebase()

    # ------------------------------------------------------------ Step

    def step(self) -> bool:
        """One gradient-descent step (one undo step); False when it could not be made."""
        if self.running or not self._check_parameters():
            return False
        trainer = self._ensure_trainer()
        self._start_session(trainer)
        lr = self.lr_spin.value()
        before = self._parameter_values()
        state = trainer.state()
        try:
            loss = trainer.step(lr)
        except TrainingError as exc:
            self._say(f"Training stopped: {exc}.")
            return False
        self.document.push(SetParameters(
            self.document, before, self._parameter_values(),
            f"Training step ({self._rule_text(lr)})", applied=True,
            history=trainer.history, keep=len(trainer.history) - 1, after_tail=[loss],
            trainer=trainer, state_before=state, state_after=trainer.state()))
        self._request_plot()
        self.state_changed.emit()
        self._note = f"Step {len(trainer.history)}: the loss was {format_number(loss)} before it."
        self._show_idle_status()
        return True

    def _rule_text(self, lr: float) -> str:
        name = self.optimizer_box.name
        return f"α = {format_number(lr)}" if name == "sgd" else \
            f"{self.optimizer_box.describe()}, α = {format_number(lr)}"

    def _parameter_values(self) -> dict:
        """Copies of every trainable input's value now, and of the inputs the data set
        feeds (what a command must restore)."""
        graph = self.document.graph
        values = {}
        fed = [n for n in (graph.data.bind if graph.data is not None else ()) if n in graph]
        for p in parameters(graph) + fed:
            v = graph.node(p).value
            values[p] = v.copy() if isinstance(v, np.ndarray) else v
        return values

    # ------------------------------------------------------------ Run

    def run(self, n: int | None = None) -> bool:
        """Start a run of ``n`` steps (the spin box's number by default); it goes on in
        chunks on a timer.  False when it could not start."""
        if self.running or not self._check_parameters():
            return False
        trainer = self._ensure_trainer()
        if n is None:
            n = int(self.steps_spin.value())
            data = self.document.graph.data
            if self.unit_combo.currentText() == "epochs" and data is not None:
                n *= len(data.batches(0))
        n = int(n)
        self._start_session(trainer)
        lr = self.lr_spin.value()
        trainer.optimizer.lr = lr
        before = self._parameter_values()
        state = trainer.state()
        command = SetParameters(self.document, before, before, self._run_text(0, n, lr),
                                applied=True, history=trainer.history,
                                keep=len(trainer.history), trainer=trainer,
                                state_before=state, state_after=state)
        self.document.push(command)
        self._run = {"n": n, "done": 0, "lr": lr, "command": command,
                     "index": self.document.undo_stack.index(), "cancel": False,
                     "started": time.perf_counter(), "first_step": len(trainer.history)}
        self.progress.setRange(0, n)
        self.progress.setValue(0)
        self.progress.setFormat("%v of %m steps")
        self._set_running(True)
        self._note = ""
        self.status.setText(f"Running {n:,} steps with α = {format_number(lr)}…")
        self._chunk_timer.start()
        return True

    def _run_clicked(self) -> None:
        self.run()          # not connected directly: clicked(bool) would pass n = False

    def cancel(self) -> None:
        """Stop the run after the steps already made (they stay, as one undo step)."""
        if self._run is not None:
            self._finish(None)

    def _chunk(self) -> None:
        run = self._run
        if run is None:
            self._chunk_timer.stop()
            return
        if time.perf_counter() - self._display_at >= DISPLAY_SPACING:
            # A part of the views is due: it gets this turn of the event loop to itself,
            # so a key press never waits for training and a redraw back to back.
            self._display_part()
            return
        trainer = self.trainer
        deadline = time.perf_counter() + CHUNK_SECONDS
        left = run["n"] - run["done"]
        error = None
        try:
            losses = trainer.run(left, run["lr"], publish=False,
                                 should_stop=lambda: time.perf_counter() >= deadline)
        except TrainingError as exc:
            losses, error = exc.losses, exc
        run["done"] += len(losses)
        command = run["command"]
        command.update(self._parameter_values(), self._run_text(run["done"], run["n"], run["lr"]),
                       trainer.history[command.keep:], state_after=trainer.state())
        if error is not None:
            self._finish(f"Training stopped: {error}.")
        elif run["done"] >= run["n"]:
            self._finish(None)

    def _display_part(self) -> None:
        """Refresh the next part of the views (canvas, plots, pictures), in turn."""
        stage, self._stage = self._stage, (self._stage + 1) % 3
        if stage == 0:
            self._show_values()
        elif stage == 1:
            self._redraw_plot()
        else:
            self.frame.emit()
        self._display_at = time.perf_counter()

    def _show_values(self) -> None:
        """Announce the trained values and evaluate now (rather than on the document's
        zero timer, which the chunk timer would keep waiting): labels, badges, inspector."""
        if self.trainer is not None:
            self.trainer.publish()
        if self._run is not None:
            # QProgressBar.setValue repaints at once (when its text changes): once per
            # refresh of the canvas, not after every chunk.
            self.progress.setValue(self._run["done"])
        self.document.evaluate_now()
        self.state_changed.emit()

    def _run_text(self, done: int, n: int, lr: float) -> str:
        if done == n:
            return f"Train {n:,} steps ({self._rule_text(lr)})"
        return f"Train {done:,} of {n:,} steps ({self._rule_text(lr)})"

    def _stack_moved(self, index: int) -> None:
        run = self._run
        if run is None:
            self._request_plot()          # an undone step takes its loss off the plot
            if self.progress.value() and self.progress.maximum() > 1:
                # "200 of 200 steps" described the run; after an undo or redo it is history
                self.progress.setRange(0, 1)
                self.progress.setValue(0)
                self.progress.setFormat("")
            self._note = ""               # the last action's note no longer describes it
            if not self.document.evaluation_pending():
                # (else the evaluation the edit scheduled shows it, through _evaluated:
                # reading it here would evaluate at once, once per edit of a slider drag)
                self._show_idle_status()
            self.state_changed.emit()
        elif index != run["index"]:
            # An undo, a redo or an edit during the run: the run stops where it is;
            # its command already holds every step made.
            self._finish("The run stopped: the graph was changed while it ran.",
                         keep_command=True)

    def _finish(self, message: str | None, keep_command: bool = True) -> None:
        run, self._run = self._run, None
        self._chunk_timer.stop()
        self._set_running(False)
        seconds = time.perf_counter() - run["started"]
        done, n, lr = run["done"], run["n"], run["lr"]
        stack = self.document.undo_stack
        command = run["command"]
        if keep_command and done == 0 and stack.index() == run["index"]:
            # Nothing was trained: take the empty command back off the stack.
            command.setObsolete(True)
            stack.undo()
        self.last_rate = done / seconds if seconds > 0 and done else None
        self.progress.setValue(done)
        if keep_command and stack.index() == run["index"]:
            self._show_values()               # an undo already put other values back
        self.frame.emit()
        self._redraw_plot()
        rate = f" ({self.last_rate:,.0f} steps/s)" if self.last_rate else ""
        if message is None:
            cut = "" if done == n else f" (cancelled after {done:,} of {n:,})"
            history = self.trainer.history if self.trainer is not None else []
            loss = f"; loss {format_number(history[-1])} at the last step" if history else ""
            message = f"Trained {done:,} steps{cut} in {seconds:.2f} s{rate}{loss}."
        self._say(message)
        self.running_changed.emit(False)

    def _set_running(self, running: bool) -> None:
        for w in (self.step_button, self.run_button, self.reset_button, self.lr_spin,
                  self.steps_spin, self.unit_combo, self.optimizer_box):
            w.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.running_changed.emit(True)

    # ------------------------------------------------------------ Reset

    def reset(self) -> bool:
        """The parameters back to their values before training (one undo step)."""
        if self.running:
            return False
        trainer = self.trainer
        if trainer is None or trainer.graph is not self.document.graph:
            self._say("Nothing to reset: the parameters have not been trained yet.")
            return False
        start = {k: v for k, v in trainer.snapshot().items() if k in self.document.graph}
        now = {k: self.document.graph.node(k).value for k in start}
        changed = any(not np.array_equal(now[k], start[k]) for k in start)
        history = list(trainer.history)
        state = trainer.state()
        had_state = bool(trainer.optimizer.state)
        trainer.reset()
        changed = changed or had_state
        if changed:
            self.document.push(SetParameters(self.document, now, start, "Reset parameters",
                                             applied=True, history=trainer.history,
                                             before_tail=history, trainer=trainer,
                                             state_before=state, state_after=trainer.state()))
        self.state_changed.emit()
        self._redraw_plot()
        self.progress.setValue(0)
        self.progress.setFormat("")           # the last run's "n of N" no longer applies
        if changed:
            self._say("Reset: the parameters are back to their values before training.")
        else:
            self._note = ""
            self._show_idle_status()
        return changed
