"""The editor's main window: canvas in the middle, docks around it, menus on top.

The window only wires things together.  The canvas draws and edits the
graph, the palette offers ops, the inspector edits the selection, the
program bar turns text into graphs, :class:`chainrule.gui.files.FileController` does
everything with files; every edit of any of them goes through the
document's undo stack, so the title's ``*`` is simply "the stack is not
clean".  Actions take their keys from the single table in
:mod:`chainrule.gui.shortcuts`.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QEvent, QObject, QPointF, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel,
                               QMainWindow, QMessageBox, QStyle, QToolBar, QUndoView,
                               QVBoxLayout, QWidget)

from chainrule.gui import theme
from chainrule.gui.icons import recolour_actions, set_standard_icon
from chainrule.gui.commands import SetOutput
from chainrule.gui.evaluation_status import status_text
from chainrule.gui.change_bar import ChangeBar
from chainrule.gui.files import DemoBrowser, FileController, list_demos
from chainrule.gui.keyboard_build import KeyboardBuilding
from chainrule.gui.recovery import Autosave
from chainrule.gui.inspector import Inspector
from chainrule.gui.forward_tools import ForwardModeTools
from chainrule.gui.group_tools import GroupTools
from chainrule.gui.learning import LearningTools
from chainrule.gui.palette import Palette
from chainrule.gui.program_bar import ProgramBar
from chainrule.gui.settings import PRECISIONS, Settings
from chainrule.gui.shortcuts import SHORTCUTS, keys_for
from chainrule.gui.step_through import StepThrough
from chainrule.gui.safe_text import plain_tooltip

APP_NAME = "Chainrule"
MESSAGE_MS = 8000
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


def make_canvas(document, parent: QWidget | None = None):
    """The canvas view over ``document`` (kept behind a function so tests can swap it)."""
    from chainrule.gui.canvas.view import CanvasView
    return CanvasView(document, parent)


def free_spot(scene, centre: QPointF) -> QPointF:
    """The point nearest ``centre``, on a ring of card-sized steps, where a new card
    overlaps no other (a palette double-click never drops a card on top of one)."""
    from chainrule.gui.canvas import style
    w, h = style.NODE_W, style.NODE_H
    step_x, step_y = w + 40, h + 30
    rings = 12
    # the cards round the rings (the scene's card grid: a big graph's waiting cards
    # get no items for it)
    reach = QRectF(centre.x() - rings * step_x - w, centre.y() - rings * step_y - h,
                   2 * (rings * step_x + w), 2 * (rings * step_y + h))
    cards = [room.adjusted(-12, -12, 12, 12) for room in scene.card_rooms(reach)]

    def free(p: QPointF) -> bool:
        rect = QRectF(p.x() - w / 2, p.y() - h / 2, w, h)
        return not any(rect.intersects(c) for c in cards)

    for ring in range(0, rings):
        for dx in range(-ring, ring + 1):
            for dy in range(-ring, ring + 1):
                if max(abs(dx), abs(dy)) != ring:
                    continue
                p = QPointF(centre.x() + dx * step_x, centre.y() + dy * step_y)
                if free(p):
                    return p
    return QPointF(centre)


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        from chainrule.gui.document import Document
        self.settings = settings or Settings()
        self.document = Document(parent=self)
        self.digits = self.settings.precision()
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)

        self.canvas = make_canvas(self.document, self)
        self.canvas.setObjectName("canvas")
        # A file dragged over the canvas is the window's business, not the scene's.
        self.canvas.viewport().installEventFilter(self)

        self.files = FileController(self.document, self.settings, self)
        # The canvas with, above it, the bar that says the file changed on disk.
        self.change_bar = ChangeBar(self.files)
        centre = QWidget(self)
        centre.setObjectName("centre")
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.change_bar)
        column.addWidget(self.canvas, 1)
        self.setCentralWidget(centre)
        self.autosave = Autosave(self)
        self.keyboard = KeyboardBuilding(self.canvas, self.document, self)
        self.closed = False
        self.palette = Palette()
        self.inspector = Inspector(self.document)
        self.undo_view = QUndoView(self.document.undo_stack)
        self.undo_view.setEmptyLabel("<opened>")
        self.program_bar = ProgramBar(self.document)
        # the program's graph is shown whole, wherever the view was
        self.program_bar.applied.connect(lambda _how: self.canvas.fit_all(readable=True))
        self.docks: dict[str, QDockWidget] = {}
        self.add_dock("palette", "Palette", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.add_dock("inspector", "Inspector", self.inspector,
                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.add_dock("history", "Undo History", self.undo_view,
                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.add_dock("program", "Program", self.program_bar,
                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["inspector"], self.docks["history"])
        self.docks["inspector"].raise_()
        self.resizeDocks([self.docks["palette"], self.docks["inspector"]], [190, 330],
                         Qt.Orientation.Horizontal)

        self.actions: dict[str, QAction] = {}
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        # Step controls, chain-rule dock, presentation mode, Export Steps.
        self.step_through = StepThrough(self)
        # Train panel, gradient check, flow view, misconception, quiz, Export as Python.
        self.learning = LearningTools(self, self.step_through.controller)
        # Your Backward Pass: the learner's own backward pass, checked (beside Chain Rule).
        from chainrule.gui.answer_tools import AnswerTools
        self.answer = AnswerTools(self, self.step_through)
        # Forward mode: the toggle, the tangent seeds, the Modes dock (gui.forward_tools).
        self.forward_tools = ForwardModeTools(self)
        # Export as PyTorch / TikZ, Import from PyTorch, after Export as Python.
        from chainrule.gui.bridge import Bridge
        self.bridge = Bridge(self, self.learning.actions["export_python"])
        # Groups: composite gates, equivalence, expand to scalars.
        self.group_tools = GroupTools(self)
        self._connect()
        self._apply_precision(self.digits)
        self._restore_layout()
        self._update_title()

    # ============================================================ building

    def add_dock(self, name: str, title: str, widget: QWidget, area) -> QDockWidget:
        """Put ``widget`` in a dock called ``name`` (``window.docks[name]``) and return it."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}Dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    def _action(self, name: str, text: str, slot, tip: str = "", icon=None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"action_{name}")
        if name in SHORTCUTS:
            action.setShortcuts(keys_for(name))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if icon is not None:
            set_standard_icon(action, self.style(), icon)
        action.triggered.connect(lambda _checked=False: slot())
        self.actions[name] = action
        self.addAction(action)      # shortcuts work even while the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        SP = QStyle.StandardPixmap
        c, f = self.canvas, self.files
        self._action("new", "&New", f.new, "Start an empty graph", SP.SP_FileIcon)
        self._action("new_window", "New &Window", self.new_window,
                     "Open another editor window with an empty graph")
        self._action("open", "&Open…", f.open, "Open a .cgraph file", SP.SP_DirOpenIcon)
        self._action("close_window", "&Close", self.close, "Close this window")
        self._action("save", "&Save", f.save, "Save the graph", SP.SP_DialogSaveButton)
        self._action("save_as", "Save &As…", f.save_as, "Save the graph under a new name")
        self._action("export_image", "&Export Image…", self.export_image,
                     "Write the canvas as a PNG or SVG image")
        self._action("quit", "&Quit", QApplication.closeAllWindows, "Close every editor window")

        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        stack = self.document.undo_stack
        stack.undoTextChanged.connect(self._undo_text_changed)
        stack.redoTextChanged.connect(self._redo_text_changed)
        for name, action, icon in (("undo", undo, SP.SP_ArrowBack),
                                   ("redo", redo, SP.SP_ArrowForward)):
            # The menu says what will be undone; the toolbar button keeps a steady width.
            action.setIconText(name.title())
            action.setObjectName(f"action_{name}")
            action.setShortcuts(keys_for(name))
            set_standard_icon(action, self.style(), icon)
            self.actions[name] = action
            self.addAction(action)
        self._action("cut", "Cu&t", c.cut_selection, "Copy the selection and delete it")
        self._action("copy", "&Copy", c.copy_selection, "Copy the selected nodes")
        self._action("paste", "&Paste", c.paste, "Paste nodes")
        self._action("duplicate", "D&uplicate", c.duplicate_selection,
                     "Duplicate the selected nodes")
        self._action("delete", "&Delete", c.delete_selection, "Delete the selection",
                     SP.SP_TrashIcon)
        self._action("select_all", "Select &All", c.select_all, "Select every node")
        k = self.keyboard
        self._action("rename", "&Rename", lambda: c.inline_rename.start(),
                     "Rename the selected card where it stands")
        self._action("select_next", "Select &Next Node", lambda: k.select_step(1),
                     "Select the next node (left to right)")
        self._action("select_previous", "Select &Previous Node", lambda: k.select_step(-1),
                     "Select the previous node")
        self._action("edit_node", "&Edit Node", lambda: k.edit_in(self.inspector,
                                                                 self._node_activated),
                     "Edit the selected node in the inspector")
        self._action("wire", "&Wire…", k.wire, "Connect the selected node: pick a port")
        self._action("unwire", "&Unwire…", k.unwire, "Remove a wire of the selected node")
        self._action("find_node", "Find &Node…", k.find_node, "Find a node by id or label")
        self._action("tidy_layout", "&Tidy Layout", k.tidy,
                     "Lay the graph out in layers (one undo step)")
        # The keys of these act on the canvas only while it has the focus: in a table, a
        # list or a text field, Backspace, Ctrl+C or Ctrl+A belong to that widget.  The
        # menu items and toolbar buttons work wherever the focus is.
        for name in ("cut", "copy", "paste", "duplicate", "delete", "select_all", "rename",
                     "edit_node", "select_next", "select_previous", "wire", "unwire"):
            action = self.actions[name]
            self.removeAction(action)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            c.addAction(action)
        self._action("set_output", "Set as &Output", self.set_output_from_selection,
                     "Make the selected node the output: the backward pass starts there")
        self._action("find_op", "&Find Operation", self.palette.focus_filter,
                     "Filter the palette")

        self._action("fit_all", "&Fit All", c.fit_all, "Show the whole graph")
        self._action("zoom_in", "Zoom &In", c.zoom_in, "Zoom in")
        self._action("zoom_out", "Zoom &Out", c.zoom_out, "Zoom out")
        self.precision_group = QActionGroup(self)
        self.precision_actions: dict[int, QAction] = {}
        for digits in PRECISIONS:
            action = QAction(f"{digits} significant digits", self, checkable=True)
            action.setObjectName(f"action_precision_{digits}")
            action.triggered.connect(lambda _c=False, d=digits: self.set_precision(d))
            self.precision_group.addAction(action)
            self.precision_actions[digits] = action

        self._action("demos", "&Demos…", self.show_demo_browser,
                     "Browse the demo graphs with their explanations")
        self._action("about", "&About Chainrule", self.show_about)
        self._action("keyboard_shortcuts", "&Keyboard Shortcuts", self.show_shortcuts,
                     "Every key of the editor")
        self._action("getting_started", "&Getting Started", self.show_welcome,
                     "What Chainrule is and the keys that matter")
        self._action("preferences", "Pre&ferences…", self.show_preferences,
                     "Theme, label colours, precision, autosave, presentation, start demo")
        # The canvas's right-click menu offers these same actions (gui/canvas/context_menu).
        c.context_actions = {name: self.actions[name] for name in (
            "set_output", "cut", "copy", "paste", "duplicate", "delete", "select_all", "fit_all")}

    def _build_menus(self) -> None:
        a = self.actions
        bar = self.menuBar()
        self.file_menu = file_menu = bar.addMenu("&File")
        file_menu.addActions([a["new"], a["new_window"], a["open"]])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.demo_menu = file_menu.addMenu("Open &Demo")
        self.demo_menu.setObjectName("demoMenu")
        for demo in list_demos():
            action = self.demo_menu.addAction(demo.title)
            action.setStatusTip(demo.path.name)
            action.triggered.connect(lambda _c=False, p=demo.path: self.files.open_demo(p))
        file_menu.addSeparator()
        file_menu.addActions([a["save"], a["save_as"]])
        file_menu.addSeparator()
        file_menu.addAction(a["export_image"])
        file_menu.addSeparator()
        file_menu.addActions([a["close_window"], a["quit"]])
        self._fill_recent_menu()

        self.edit_menu = edit = bar.addMenu("&Edit")
        edit.addActions([a["undo"], a["redo"]])
        edit.addSeparator()
        edit.addActions([a["cut"], a["copy"], a["paste"], a["duplicate"], a["delete"]])
        edit.addSeparator()
        edit.addActions([a["select_all"], a["select_next"], a["select_previous"],
                         a["set_output"]])
        edit.addSeparator()
        edit.addActions([a["rename"], a["edit_node"], a["wire"], a["unwire"]])
        edit.addSeparator()
        edit.addActions([a["find_node"], a["find_op"]])
        edit.addAction(a["find_op"])
        edit.addSeparator()
        edit.addAction(a["preferences"])

        view = bar.addMenu("&View")
        view.addActions([a["fit_all"], a["zoom_in"], a["zoom_out"], a["tidy_layout"]])
        view.addSeparator()
        precision = view.addMenu("&Precision")
        precision.addActions(list(self.precision_actions.values()))
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        self.view_menu = view

        self.help_menu = help_menu = bar.addMenu("&Help")
        help_menu.addActions([a["getting_started"], a["keyboard_shortcuts"], a["demos"],
                              a["about"]])

    def _build_toolbar(self) -> None:
        a = self.actions
        bar = QToolBar("Toolbar", self)
        bar.setObjectName("mainToolbar")
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setMovable(False)
        bar.addActions([a["new"], a["open"], a["save"]])
        bar.addSeparator()
        bar.addActions([a["undo"], a["redo"]])
        bar.addSeparator()
        bar.addActions([a["delete"], a["duplicate"], a["set_output"]])
        bar.addSeparator()
        bar.addActions([a["fit_all"], a["zoom_in"], a["zoom_out"]])
        bar.addSeparator()
        bar.addAction(a["demos"])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar
        self.view_menu.addAction(bar.toggleViewAction())

    def _build_status_bar(self) -> None:
        self.evaluation_label = QLabel()
        self.evaluation_label.setTextFormat(Qt.TextFormat.PlainText)
        self.evaluation_label.setObjectName("evaluationState")
        self.evaluation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(self.evaluation_label)

    def _connect(self) -> None:
        doc = self.document
        # Bound methods, not lambdas: Qt drops them when the window goes away.
        doc.message.connect(self.show_message)
        doc.current_evaluation_changed.connect(self._show_evaluation)
        doc.path_changed.connect(self._update_title)
        doc.graph_replaced.connect(self._update_title)
        doc.undo_stack.cleanChanged.connect(self._update_title)
        self.files.origin_changed.connect(self._update_title)
        self.files.recent_changed.connect(self._fill_recent_menu)
        self.palette.op_activated.connect(self.add_op_at_centre)
        self.canvas.selection_changed_to.connect(self._selection_changed)
        self.canvas.node_activated.connect(self._node_activated)
        self._selection_changed([], [])
        theme.current.changed.connect(self._theme_changed)
        from chainrule.gui.toolbar_overflow import mark_overflow
        for bar in self.findChildren(QToolBar):
            mark_overflow(bar)

    # ============================================================ behaviour

    def _theme_changed(self) -> None:
        """Repaint everything the theme colours (the widgets follow the stylesheet)."""
        self.canvas.resetCachedContent()
        for item in self.canvas.scene().items():
            item.update()
        self.canvas.viewport().update()
        from chainrule.gui.toolbar_overflow import mark_overflow
        for bar in self.findChildren(QToolBar):
            mark_overflow(bar)            # the » in the new text colour
        recolour_actions(self)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, MESSAGE_MS)

    def _undo_text_changed(self, text: str) -> None:
        self.actions["undo"].setToolTip(plain_tooltip(f"Undo {text}".strip()))

    def _redo_text_changed(self, text: str) -> None:
        self.actions["redo"].setToolTip(plain_tooltip(f"Redo {text}".strip()))

    def _update_title(self, *_args) -> None:
        self.setWindowTitle(f"{self.files.display_name()}[*] — {APP_NAME}")
        self.setWindowModified(self.document.modified)

    def _show_evaluation(self, evaluation) -> None:
        """The status bar's line: the current evaluation's (a step-through's so far)."""
        text, kind = status_text(evaluation, self.digits)
        self.evaluation_label.setText(text)
        if self.evaluation_label.property("kind") != kind:     # repolish on a change only
            self.evaluation_label.setProperty("kind", kind)
            self.evaluation_label.style().unpolish(self.evaluation_label)
            self.evaluation_label.style().polish(self.evaluation_label)

    def _selection_changed(self, nodes: list, edges: list) -> None:
        self.inspector.show_selection(list(nodes), list(edges))
        has = bool(nodes) or bool(edges)
        for name in ("cut", "copy", "duplicate"):
            self.actions[name].setEnabled(bool(nodes))
        self.actions["delete"].setEnabled(has)
        self.actions["set_output"].setEnabled(len(nodes) == 1)

    def _node_activated(self, node_id: str) -> None:
        dock = self.docks["inspector"]
        dock.show()
        dock.raise_()
        self.inspector.show_node(node_id)

    def set_output_from_selection(self) -> None:
        nodes = self.canvas.selected_nodes()
        if len(nodes) != 1:
            self.document.message.emit("Select exactly one node to make it the output.")
            return
        if self.document.graph.output != nodes[0]:
            self.document.push(SetOutput(self.document, nodes[0]))

    def add_op_at_centre(self, op: str) -> str:
        """Add a node of ``op`` at the centre of the visible canvas (palette double-click)."""
        centre = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        node_id = self.canvas.add_node_at(op, free_spot(self.canvas.graph_scene, centre))
        self.document.message.emit(f"Added {op} node {node_id}.")
        return node_id

    def set_precision(self, digits: int) -> None:
        self.settings.set_precision(digits)
        self._apply_precision(digits)

    def _apply_precision(self, digits: int) -> None:
        self.digits = digits
        self.precision_actions[digits].setChecked(True)
        self.canvas.set_precision(digits)
        self.inspector.set_precision(digits)
        self._show_evaluation(self.document.current_evaluation())

    # -------------------------------------------------------------- menus

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.files.recent.paths()
        for i, path in enumerate(paths, 1):
            p = Path(path)
            action = menu.addAction(f"&{i % 10} {p.name}" if i <= 10 else p.name)
            action.setStatusTip(path)
            action.setToolTip(plain_tooltip(path))
            action.triggered.connect(lambda _c=False, p=path: self.open_recent(p))
        if paths:
            menu.addSeparator()
            menu.addAction("Clear Menu", self._clear_recent)
        else:
            empty = menu.addAction("No recent files")
            empty.setEnabled(False)

    def open_recent(self, path: str) -> bool:
        return self.files.open_recent(path)

    def _clear_recent(self) -> None:
        self.files.recent.clear()
        self._fill_recent_menu()

    def show_demo_browser(self) -> None:
        dialog = DemoBrowser(list_demos(), self)
        if dialog.exec() and dialog.chosen is not None:
            self.files.open_demo(dialog.chosen.path)

    def new_window(self):
        from chainrule.gui.windows import new_window
        return new_window(self.settings, beside=self)

    def show_shortcuts(self):
        from chainrule.gui.help_dialogs import ShortcutsDialog
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_welcome(self):
        """The welcome (Help ▸ Getting Started; at the first start until dismissed)."""
        from chainrule.gui.help_dialogs import WelcomeDialog
        dialog = WelcomeDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_demo.connect(lambda: self.files.open_default_demo_asking())
        dialog.show()
        self.welcome = dialog
        return dialog

    def show_about(self) -> None:
        from chainrule.gui.about import show_about
        show_about(self)

    def show_preferences(self) -> None:
        from chainrule.gui.preferences import PreferencesDialog
        dialog = PreferencesDialog(self)
        self.preferences_dialog = dialog
        dialog.exec()

    # ------------------------------------------------------------- export

    def ask_export_path(self) -> str | None:
        start = self.files._start_dir()
        name = (self.document.path.stem if self.document.path else
                self.files.demo_name or "graph") + ".png"
        path, chosen = QFileDialog.getSaveFileName(self, "Export image", str(Path(start) / name),
                                                   IMAGE_FILTER)
        if not path:
            return None
        if Path(path).suffix.lower() not in (".png", ".svg"):
            path += ".svg" if "svg" in chosen.lower() else ".png"
        return path

    def export_image(self, path: str | None = None) -> bool:
        from chainrule.gui.canvas.export import render_image
        path = path or self.ask_export_path()
        if not path:
            return False
        try:
            render_image(self.canvas.graph_scene, path)
        except (OSError, ValueError) as exc:
            self.files.show_error("Cannot export image", f"{Path(path).name} could not be "
                                  "written.", str(exc))
            return False
        self.document.message.emit(f"Exported {Path(path).name}.")
        return True

    # ------------------------------------------------------ dropped files

    @staticmethod
    def _dropped_files(mime) -> list[Path] | None:
        if not mime.hasUrls():
            return None
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] or None

    def _accepts(self, event) -> bool:
        """Accept a drag of one .cgraph file; say why anything else is refused."""
        files = self._dropped_files(event.mimeData())
        if files is None:
            return False
        if len(files) == 1 and files[0].suffix.lower() == ".cgraph":
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            return True
        if event.type() == QEvent.Type.DragEnter:
            what = files[0].name if len(files) == 1 else f"{len(files)} files"
            self.document.message.emit(f"Chainrule opens one .cgraph file at a time; "
                                       f"{what} cannot be dropped here.")
        event.ignore()
        return True       # handled (refused): the canvas must not take it either

    def dragEnterEvent(self, event) -> None:
        if not self._accepts(event):
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if not self._accepts(event):
            event.ignore()

    def dropEvent(self, event) -> None:
        self._drop(event)

    def _drop(self, event) -> bool:
        files = self._dropped_files(event.mimeData())
        if not files or len(files) != 1 or files[0].suffix.lower() != ".cgraph":
            event.ignore()
            return False
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.files.open(files[0])
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.canvas.viewport() and kind in (QEvent.Type.DragEnter,
                                                         QEvent.Type.DragMove,
                                                         QEvent.Type.Drop):
            if self._dropped_files(event.mimeData()) is not None:
                if kind == QEvent.Type.Drop:
                    self._drop(event)
                else:
                    self._accepts(event)
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------- layout

    def _restore_layout(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            # First start: most of the screen, so a demo fits at a zoom where
            # the numbers on the wires are readable.
            screen = QGuiApplication.primaryScreen()
            area = screen.availableGeometry() if screen is not None else None
            if area is None or area.width() < 800:
                self.resize(1280, 800)
            else:
                self.resize(int(area.width() * 0.94), int(area.height() * 0.92))
                self.move(area.center() - self.rect().center())
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)

    def save_layout(self) -> None:
        self.settings.set_window_layout(self.saveGeometry(), self.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.save_layout()
        self.autosave.close()          # a clean close: nothing to recover
        self.files.close()
        self.closed = True
        event.accept()

