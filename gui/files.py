"""Opening, saving and remembering files; the demos.

:class:`FileController` owns every file gesture of the window (New, Open,
Open Recent, Open Demo, a dropped file, Save, Save As) and the rules they
share:

* "modified" is the undo stack not being clean; every gesture that would
  drop the current graph first asks :meth:`FileController.ask_unsaved`
  (Save / Discard / Cancel);
* a file the reader refuses shows one dialog with the reader's sentence
  (:meth:`FileController.show_error`) and leaves the current graph alone —
  the new graph replaces the old one only once it has been read whole;
* a demo opens as an untitled copy, so Save asks where to put it and the
  packaged demo is never overwritten;
* the open file is watched (:mod:`chainrule.gui.disk_watch`): a change by
  another program is announced (``disk_changed``), and Save over a file that
  changed since it was read asks first; a read-only file is replaced only
  when the user says so; a file open in another window of this process brings
  that window forward, one open in another Chainrule process is warned about.

The dialogs are methods of their own so tests can replace them.
"""
from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QMessageBox, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from chainrule import resources
from chainrule.core.errors import ChainruleError
from chainrule.core.fileformat import ReadOnlyFileError, regular_file_problem
from chainrule.core.graph import Graph
from chainrule.gui import windows
from chainrule.gui.disk_watch import CHANGED, DiskWatch, OpenLock
from chainrule.gui.safe_text import SafeTextBrowser, plain_message_box
from chainrule.gui.settings import MAX_RECENT, Settings

FILE_FILTER = "Chainrule graphs (*.cgraph)"
SUFFIX = ".cgraph"
DEMO_DIR = resources.DEMOS


# ------------------------------------------------------------------ demos

@dataclass(frozen=True)
class Demo:
    path: Path
    title: str
    description: str

    @property
    def name(self) -> str:
        return self.path.stem


def list_demos(directory: Path = DEMO_DIR) -> list[Demo]:
    """The packaged demos in the order of ``index.json``, with their titles."""
    index = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    demos = []
    for name in index["demos"]:
        path = directory / name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue        # a broken demo must not take the menu down; opening it will say why
        demos.append(Demo(path, str(data.get("title") or path.stem),
                          str(data.get("description") or "")))
    return demos


def default_demo(directory: Path = DEMO_DIR) -> Path:
    index = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    return directory / index["default"]


#: The most cards the editor draws; a larger graph is not drawn as it is (the
#: editor would run out of memory long before the reader does: about 5.6 GB at a
#: million nodes): the window offers to open it grouped, or the headless commands.
MAX_CARDS = 10_000
#: The most nodes a graph opened grouped may have: the scene still keeps an item
#: for every hidden card (about 8 KB each, and the time to make it), so five times
#: what it draws.
MAX_GROUPED_NODES = 50_000


class TooManyCards(ChainruleError):
    """A graph with more nodes than the editor draws; holds the graph read."""

    def __init__(self, message: str, graph: Graph | None = None, path: Path | None = None):
        super().__init__(message)
        self.graph, self.path = graph, path


def read_graph(path: Path | str) -> Graph:
    """Read a .cgraph file; raises ChainruleError or OSError with a readable message
    (:class:`TooManyCards`, holding the graph, when it is too big to draw)."""
    from chainrule.core import fileformat       # imported late: it is only needed once a file opens
    graph = fileformat.load(path)
    if len(graph) > MAX_CARDS:
        raise TooManyCards(f"the graph has {len(graph):,} nodes; the editor draws at most "
                           f"{MAX_CARDS:,} cards. Work with it without a window instead: "
                           f"chainrule eval, check or export {Path(path).name}",
                           graph, Path(path))
    return graph


def headless_commands(path: Path) -> str:
    """The commands that work on ``path`` without a window, one a line, to copy."""
    name = shlex.quote(str(path))
    return "\n".join([f"chainrule eval {name} --json",
                       f"chainrule check {name}",
                       f"chainrule export {name} -o model.py",
                       f"chainrule train {name} --steps 100"])


def write_graph(graph: Graph, path: Path | str, replace_read_only: bool = False) -> None:
    from chainrule.core import fileformat
    fileformat.save(graph, path, replace_read_only=replace_read_only)


def describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"{reason[:1].upper()}{reason[1:]}."


# --------------------------------------------------------------- recent

class RecentFiles:
    """The last files opened or saved, newest first, kept in the settings."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def paths(self) -> list[str]:
        return self.settings.recent_files()

    def add(self, path: Path | str) -> None:
        path = str(Path(path).resolve())
        paths = [p for p in self.paths() if p != path]
        self.settings.set_recent_files([path] + paths[:MAX_RECENT - 1])

    def remove(self, path: Path | str) -> None:
        path = str(path)
        self.settings.set_recent_files([p for p in self.paths() if p != path])

    def clear(self) -> None:
        self.settings.set_recent_files([])


# ------------------------------------------------------------ controller

class FileController(QObject):
    """The file gestures of one window over one document."""

    recent_changed = Signal()
    #: Where the current graph came from changed: (path or None, demo name or None).
    origin_changed = Signal(object, object)
    #: The open file changed on disk behind the window: disk_watch.CHANGED or MISSING.
    disk_changed = Signal(str)

    def __init__(self, document, settings: Settings, window: QWidget):
        super().__init__(window)
        self.document = document
        self.settings = settings
        self.window = window
        self.recent = RecentFiles(settings)
        self.demo_name: str | None = None      # set while the graph is an untitled demo copy
        self.disk = DiskWatch(self)
        self.disk.changed.connect(self.disk_changed)
        self.open_lock = OpenLock()
        self.grouping_note: str | None = None  # how a graph too big to draw was grouped
        self.headless_dialog: QDialog | None = None
        self.too_big: TooManyCards | None = None  # the command line's file, too big to draw

    # ---------------------------------------------- dialogs (patchable)

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel for the unsaved changes of the current graph."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to {self.display_name()}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText("Your changes are lost if you don't save them.")
        plain_message_box(box)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        return QMessageBox.StandardButton(box.exec())

    def _ask(self, title: str, text: str, detail: str, buttons: list[tuple[str, object]],
             default: int = 0) -> str | None:
        """A question with named buttons; returns the chosen name (None: closed)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.NoButton, self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(detail)
        plain_message_box(box)
        made = [(box.addButton(name, role), name) for name, role in buttons]
        box.setDefaultButton(made[default][0])
        box.exec()
        return dict(made).get(box.clickedButton())

    def ask_overwrite_changed(self, path: Path) -> bool:
        """Save over a file another program changed since it was read?"""
        R = QMessageBox.ButtonRole
        return self._ask("File changed on disk", f"{path.name} changed on disk since you "
                         "opened it. Save over it anyway?",
                         "Saving replaces the other program's version with yours.",
                         [("Save Anyway", R.DestructiveRole), ("Cancel", R.RejectRole)],
                         default=1) == "Save Anyway"

    def ask_read_only(self, path: Path, reason: str) -> str | None:
        """"Replace", "Save As" or None for a read-only file."""
        R = QMessageBox.ButtonRole
        answer = self._ask("Read-only file", f"{reason[:1].upper()}{reason[1:]}.",
                           "Replace it anyway (it stays read-only), or save under another "
                           "name?", [("Save As…", R.AcceptRole), ("Replace", R.DestructiveRole),
                                     ("Cancel", R.RejectRole)])
        return {"Save As…": "Save As", "Replace": "Replace"}.get(answer or "")

    def ask_reload_discarding(self) -> bool:
        R = QMessageBox.ButtonRole
        return self._ask("Reload from disk", f"Discard your unsaved changes and reload "
                         f"{self.display_name()} from disk?", "Your changes are lost.",
                         [("Discard and Reload", R.DestructiveRole), ("Cancel", R.RejectRole)],
                         default=1) == "Discard and Reload"

    def ask_open_elsewhere(self, path: Path, pid: int) -> bool:
        R = QMessageBox.ButtonRole
        return self._ask("Open in another window", f"{path.name} is already open in another "
                         f"Chainrule (process {pid}).",
                         "Editing it in both means one save overwrites the other.",
                         [("Open Anyway", R.AcceptRole), ("Cancel", R.RejectRole)],
                         default=1) == "Open Anyway"

    def ask_too_many(self, path: Path, graph: Graph, can_group: bool) -> str | None:
        """"Grouped", "Headless" or None (cancel) for a graph too big to draw."""
        R = QMessageBox.ButtonRole
        detail = (f"The editor draws at most {MAX_CARDS:,} cards. Open it grouped (its "
                  f"groups collapsed, and bands of levels made into collapsed gates), "
                  f"or work with it without a window." if can_group else
                  f"The editor draws at most {MAX_CARDS:,} cards, and opens graphs of at "
                  f"most {MAX_GROUPED_NODES:,} nodes grouped; work with it without a window.")
        buttons = ([("Open Grouped", R.AcceptRole)] if can_group else []) + \
            [("Headless Commands…", R.ActionRole), ("Cancel", R.RejectRole)]
        answer = self._ask("Graph too big to draw", f"{path.name} has {len(graph):,} nodes.",
                           detail, buttons)
        return {"Open Grouped": "Grouped", "Headless Commands…": "Headless"}.get(answer or "")

    def show_headless_commands(self, path: Path) -> None:
        """The headless commands for ``path`` in a read-only text field, with Copy."""
        dialog = QDialog(self.window)
        dialog.setWindowTitle("Work without a window")
        layout = QVBoxLayout(dialog)
        intro = QLabel(f"{path.name} is too big to draw. These commands work on it "
                       f"in a terminal:")
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        commands = QPlainTextEdit(headless_commands(path))
        commands.setObjectName("headlessCommands")
        commands.setReadOnly(True)
        commands.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        commands.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        metrics = commands.fontMetrics()
        widest = max(metrics.horizontalAdvance(line) for line in commands.toPlainText().splitlines())
        commands.setMinimumWidth(min(widest + 40, 960))      # longer paths scroll sideways
        lines = commands.document().blockCount() + 2         # room for that scroll bar
        commands.setFixedHeight(int(metrics.lineSpacing() * lines + 16))
        layout.addWidget(commands)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(
            commands.toPlainText()))
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        self.headless_dialog = dialog          # tests look at it
        dialog.exec()

    def show_error(self, title: str, text: str, detail: str = "") -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, title, text,
                          QMessageBox.StandardButton.Ok, self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)     # it quotes the file: data, not markup
        if detail:
            box.setInformativeText(detail)
            plain_message_box(box)
        box.exec()

    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open graph", self._start_dir(),
                                              FILE_FILTER)
        return path or None

    def ask_save_path(self) -> str | None:
        start = self._start_dir()
        suggestion = self.document.path.name if self.document.path else \
            (f"{self.demo_name}{SUFFIX}" if self.demo_name else f"untitled{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save graph as",
                                              str(Path(start) / suggestion), FILE_FILTER)
        if not path:
            return None
        return path if path.endswith(SUFFIX) else path + SUFFIX

    # ----------------------------------------------------------- names

    def display_name(self) -> str:
        if self.document.path is not None:
            return self.document.path.name
        if self.demo_name:
            return f"Untitled (demo: {self.demo_name})"
        return "Untitled"

    # ------------------------------------------------------- gestures

    def maybe_save(self) -> bool:
        """True when the current graph may be dropped (saved, discarded or unmodified)."""
        if not self.document.modified:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self._show(Graph(), None, None)
        self.document.message.emit("New graph: drag operations from the palette onto the canvas.")
        return True

    def open(self, path: Path | str | None = None, *, ask: bool = True) -> bool:
        """Open a file (asking for one when ``path`` is None). False if nothing changed.

        A file already open in another window of this process brings that window
        forward instead; one open in another Chainrule process asks first.
        """
        if path is not None and self._open_elsewhere(Path(path)):
            return False
        if ask and not self.maybe_save():
            return False
        if path is None:
            path = self.ask_open_path()
            if path is None or self._open_elsewhere(Path(path)):
                return False
        path = Path(path)
        graph = self._read_or_report(path)
        if graph is None:
            return False
        self.adopt(graph, path)
        return True

    def adopt(self, graph: Graph, path: Path | str) -> None:
        """Show a graph just read from ``path`` as that file's document."""
        path = Path(path)
        self._show(graph, path, None)
        self.recent.add(path)
        self.settings.set_last_directory(path.resolve().parent)
        self.recent_changed.emit()
        note, self.grouping_note = self.grouping_note, None
        self.document.message.emit(note or f"Opened {path.name}.")

    def _open_elsewhere(self, path: Path) -> bool:
        """True (and the other window brought forward, or the user declined) when
        ``path`` should not be opened here."""
        if self.document.path is not None and path.exists() and \
                self.document.path.resolve() == path.resolve():
            return False                   # this window's own file: open reads it again
        other = windows.window_with(path, besides=self.window)
        if other is not None:
            windows.bring_forward(other)
            other.document.message.emit(f"{path.name} is open in this window.")
            return True
        pid = OpenLock.holder(path)
        if pid is not None and pid != os.getpid():
            return not self.ask_open_elsewhere(path, pid)
        return False

    def restore(self, graph: Graph, path: str | None, demo: str | None) -> None:
        """Show recovered unsaved changes: the file as on disk (if it is still there)
        with the recovered graph over it as one undo step, so the window is modified
        and Undo shows what is on disk (or the demo it was a copy of)."""
        base = Graph()
        source = Path(path) if path else (DEMO_DIR / f"{demo}{SUFFIX}" if demo else None)
        if source is not None and source.is_file():
            try:
                base = read_graph(source)
            except (ChainruleError, OSError):
                base = Graph()
        self._show(base, Path(path) if path else None, None if path else demo)
        from chainrule.gui.commands import ReplaceContent
        self.document.push(ReplaceContent(self.document, graph, "Recover unsaved changes"))
        self.document.message.emit(f"Recovered the unsaved changes to {self.display_name()}; "
                                   "save to keep them.")

    def reload(self) -> bool:
        """Read the open file again (after another program changed it)."""
        path = self.document.path
        if path is None:
            return False
        if self.document.modified and not self.ask_reload_discarding():
            return False
        graph = self._read_or_report(path)
        if graph is None:
            return False
        self._show(graph, path, None)
        note, self.grouping_note = self.grouping_note, None
        self.document.message.emit(note or f"Reloaded {path.name} from disk.")
        return True

    def keep_mine(self) -> None:
        """Keep the graph in the window; the next Save still asks before overwriting."""
        self.document.message.emit(f"Kept your version; saving asks before it replaces "
                                   f"the one on disk.")

    def open_recent(self, path: str) -> bool:
        problem = regular_file_problem(path)
        if problem is not None and problem != "No such file or directory":
            # There, but not a file to read (a FIFO, a device, a folder): say so.
            self.show_error("Cannot open file", f"{Path(path).name} could not be opened.",
                            problem)
            return False
        if problem is not None:
            self.recent.remove(path)
            self.recent_changed.emit()
            self.document.message.emit(f"{Path(path).name} is no longer there "
                                       f"({path}); it was removed from Open Recent.")
            return False
        return self.open(path)

    def open_demo(self, path: Path | str, *, ask: bool = True) -> bool:
        """Open a demo as an untitled copy: saving it asks for a new place."""
        if ask and not self.maybe_save():
            return False
        path = Path(path)
        graph = self._read_or_report(path)
        if graph is None:
            return False
        self._show(graph, None, path.stem)
        self.document.message.emit(
            f"Demo “{graph.title or path.stem}” opened as an untitled copy; "
            "Save asks where to keep your version.")
        return True

    def open_default_demo(self) -> bool:
        """The demo chosen in Preferences, else the index's default."""
        chosen = self.settings.default_demo()
        path = DEMO_DIR / chosen if chosen else None
        if path is None or not path.is_file() or path.parent != DEMO_DIR:
            path = default_demo()
        return self.open_demo(path, ask=False)

    def open_default_demo_asking(self) -> bool:
        """The neuron demo, asking first about unsaved changes (the welcome's button)."""
        return self.open_demo(default_demo())

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._write(self.document.path)

    def save_as(self, path: Path | str | None = None) -> bool:
        if path is None:
            path = self.ask_save_path()
            if path is None:
                return False
        path = Path(path)
        if not self._write(path):
            return False
        self.demo_name = None
        self.document.set_path(path)
        self.origin_changed.emit(path, None)
        self.recent.add(path)
        self.settings.set_last_directory(path.resolve().parent)
        self.recent_changed.emit()
        return True

    # --------------------------------------------------------- helpers

    def _read_or_report(self, path: Path) -> Graph | None:
        try:
            return read_graph(path)
        except TooManyCards as exc:
            return self.offer_grouped(exc)
        except ChainruleError as exc:
            self.show_error("Cannot open file", f"{path.name} could not be opened.", str(exc))
        except OSError as exc:
            self.show_error("Cannot open file", f"{path.name} could not be opened.",
                            describe_os_error(exc))
        return None

    def open_too_big(self) -> bool:
        """The file named on the command line was too big to draw: offer it now the
        window shows (grouped, or the headless commands).  True if it opened."""
        exc, self.too_big = self.too_big, None
        if exc is None:
            return False
        graph = self.offer_grouped(exc)
        if graph is None:
            return False
        self.adopt(graph, exc.path)
        return True

    def offer_grouped(self, exc: TooManyCards) -> Graph | None:
        """A graph too big to draw: the graph grouped to fit, if the user asks for
        that (and it fits), else None after showing the headless commands or nothing."""
        from chainrule.core.group_bands import group_to_fit
        graph, path = exc.graph, exc.path
        can_group = len(graph) <= MAX_GROUPED_NODES
        answer = self.ask_too_many(path, graph, can_group)
        if answer == "Headless":
            self.show_headless_commands(path)
            return None
        if answer != "Grouped":
            return None
        grouping = group_to_fit(graph, MAX_CARDS)
        if grouping is None:
            self.show_error("Cannot open file", f"{path.name} could not be opened grouped.",
                            f"even grouped, it would take more than {MAX_CARDS:,} cards")
            return None
        self.grouping_note = (f"{grouping.sentence()} Saving writes the groups into "
                              f"{path.name}.")
        return graph

    def _write(self, path: Path) -> bool:
        same = self.document.path is not None and path.exists() and \
            self.document.path.resolve() == path.resolve()
        if same and self.disk.state() == CHANGED and not self.ask_overwrite_changed(path):
            return False
        try:
            write_graph(self.document.graph, path)
        except ReadOnlyFileError as exc:
            answer = self.ask_read_only(path, exc.strerror)
            if answer == "Save As":
                return self.save_as()
            if answer != "Replace":
                self.document.message.emit(f"Not saved: {exc.strerror}.")
                return False
            try:
                write_graph(self.document.graph, path, replace_read_only=True)
            except (OSError, ChainruleError) as again:
                return self._write_failed(path, again)
        except (OSError, ChainruleError) as exc:
            return self._write_failed(path, exc)
        self.disk.watch(path)             # what is on disk is ours now
        self.open_lock.hold(path)
        self.document.undo_stack.setClean()
        self.document.message.emit(f"Saved {path.name}.")
        return True

    def _write_failed(self, path: Path, exc: Exception) -> bool:
        detail = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
        self.show_error("Cannot save file", f"{path.name} could not be saved.", detail)
        return False

    def _show(self, graph: Graph, path: Path | None, demo: str | None) -> None:
        self.demo_name = demo
        self.document.set_graph(graph, path)
        self.disk.watch(path)
        self.open_lock.hold(path)
        self.origin_changed.emit(path, demo)

    def close(self) -> None:
        """The window closes: stop watching and let go of the file."""
        self.disk.watch(None)
        self.open_lock.release()

    def _start_dir(self) -> str:
        if self.document.path is not None:
            return str(self.document.path.parent)
        last = self.settings.last_directory()
        return last if last and Path(last).is_dir() else str(Path.home())


# ------------------------------------------------------------ demo browser

class DemoBrowser(QDialog):
    """Help ▸ Demos…: every demo with its description; Open loads the chosen one."""

    def __init__(self, demos: list[Demo], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Demos")
        self.demos = demos
        self.chosen: Demo | None = None
        self.list = QListWidget()
        self.list.setObjectName("demoList")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for number, demo in enumerate(demos, 1):
            item = QListWidgetItem(f"{number}. {demo.title}")
            item.setToolTip(demo.path.name)
            self.list.addItem(item)
        self.text = SafeTextBrowser()          # the demos' own pages: web links open outside
        self.text.setOpenLinks(True)
        self.text.setOpenExternalLinks(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.list.currentRowChanged.connect(self._show_description)
        self.list.itemActivated.connect(lambda _item: self._accept())

        row = QHBoxLayout()
        row.addWidget(self.list, 2)
        row.addWidget(self.text, 3)
        layout = QVBoxLayout(self)
        hint = QLabel("Each demo opens as an untitled copy: change it freely, "
                      "the original stays as it is.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addLayout(row, 1)
        layout.addWidget(self.buttons)
        self.resize(860, 480)
        if demos:
            self.list.setCurrentRow(0)

    def _show_description(self, row: int) -> None:
        if not 0 <= row < len(self.demos):
            self.text.clear()
            return
        demo = self.demos[row]
        self.text.setMarkdown(f"## {demo.title}\n\n{demo.description}\n\n"
                              f"*File: {demo.path.name}*")

    def _accept(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.demos):
            self.chosen = self.demos[row]
            self.accept()
