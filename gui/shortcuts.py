"""Every keyboard shortcut of the editor, in one table.

Actions look their keys up here by name (:func:`keys_for`), so two actions
can never be bound to the same key without the test over this table (and
over the live window) noticing — Qt fires neither action when two share a
key.  Standard operations use :class:`QKeySequence.StandardKey`, so they
follow the platform (Ctrl+Z / Cmd+Z ...).
"""
from __future__ import annotations

from PySide6.QtGui import QKeySequence

S = QKeySequence.StandardKey

#: action name → its keys (StandardKey or portable text), first one shown in menus.
SHORTCUTS: dict[str, tuple[S | str, ...]] = {
    "new": (S.New,),
    "new_window": ("Ctrl+Shift+N",),
    "open": (S.Open,),
    "close_window": (S.Close,),
    "save": (S.Save,),
    "save_as": ("Ctrl+Shift+S",),        # StandardKey.SaveAs is empty on some platforms
    "export_image": ("Ctrl+E",),
    "quit": ("Ctrl+Q",),                  # StandardKey.Quit is empty on Windows
    "undo": (S.Undo,),
    "redo": (S.Redo,),
    "cut": (S.Cut,),
    "copy": (S.Copy,),
    "paste": (S.Paste,),
    "duplicate": ("Ctrl+D",),
    "delete": (S.Delete, "Backspace"),
    "select_all": (S.SelectAll,),
    "set_output": ("Ctrl+Shift+O",),
    "find_node": (S.Find,),               # find a node by id or label
    "find_op": ("Ctrl+Shift+A",),         # focus the palette's filter box ("add")
    # Building from the keyboard (gui.keyboard_build): canvas keys, like cut/copy.
    "rename": ("F2",),
    "edit_node": ("Return", "Enter"),     # into the inspector: the value, else the id
    "select_next": ("]",),
    "select_previous": ("[",),
    "wire": ("W",),
    "unwire": ("Shift+W",),
    "tidy_layout": ("Ctrl+Shift+L",),
    "fit_all": ("F", "Ctrl+0"),
    "zoom_in": (S.ZoomIn, "Ctrl+="),
    "zoom_out": (S.ZoomOut,),
    "demos": (S.HelpContents,),
    "keyboard_shortcuts": ("Ctrl+/",),
    "getting_started": (),
    "preferences": (S.Preferences, "Ctrl+,"),   # StandardKey.Preferences is empty on Linux
    # Learning with the graph (gui.learning).
    "check_gradients": ("Ctrl+G",),
    "check_all_nodes": ("Ctrl+Shift+G",),
    "flow_view": ("Ctrl+Shift+F",),
    "train_step": ("Ctrl+T",),
    "export_python": ("Ctrl+Shift+E",),
    "forward_mode": ("Ctrl+Shift+T",),    # gui.forward_tools: tangents on the wires
    # Groups, composite gates (gui.group_tools).  Ctrl+G is Check Gradients.
    "group": ("Ctrl+Alt+G",),
    "ungroup": ("Ctrl+Alt+Shift+G",),
    "toggle_collapse": ("Ctrl+Alt+C",),
    "group_by_layer": ("Ctrl+Alt+L",),
    # The step-through (gui.step_controls, gui.presentation).  The canvas also
    # reads ← → (nudge) and Space (hold to pan); gui.step_keys settles it:
    # ← → nudge the selected cards only while no step-through is under way
    # (Shift+arrows always nudge), a tap of Space plays, Space held while
    # dragging pans.
    "step_next": ("Right",),
    "step_back": ("Left",),
    "step_into": ("F7",),                 # into a collapsed group's gates (→ steps over it)
    "play": ("Space",),
    "step_reset": ("Home",),
    "backward_all": ("End",),
    "presentation": ("F11",),
    "leave_presentation": ("Escape",),   # enabled only in presentation mode
}

#: Keys that act only inside one text editor (``Qt.WidgetShortcut`` on that editor):
#: each editor's own "run" key.  Ctrl+Enter runs the program in the program bar and
#: checks the answer in the Your Backward Pass panel — whichever has the focus — so
#: a key here may serve several editors, but never a window action of SHORTCUTS.
EDITOR_SHORTCUTS: dict[str, tuple[S | str, ...]] = {
    "run_program": ("Ctrl+Return", "Ctrl+Enter"),
    "check_answer": ("Ctrl+Return", "Ctrl+Enter"),
}

#: What each action does, for Help ▸ Keyboard Shortcuts: (section, text).
HELP: dict[str, tuple[str, str]] = {
    "new": ("Files", "New graph"),
    "new_window": ("Files", "New window"),
    "open": ("Files", "Open a file"),
    "close_window": ("Files", "Close this window"),
    "save": ("Files", "Save"),
    "save_as": ("Files", "Save under a new name"),
    "export_image": ("Files", "Export the canvas as an image"),
    "quit": ("Files", "Quit"),
    "undo": ("Editing", "Undo"),
    "redo": ("Editing", "Redo"),
    "cut": ("Editing", "Cut the selected nodes"),
    "copy": ("Editing", "Copy the selected nodes"),
    "paste": ("Editing", "Paste nodes"),
    "duplicate": ("Editing", "Duplicate the selection"),
    "delete": ("Editing", "Delete the selection"),
    "select_all": ("Editing", "Select every node"),
    "set_output": ("Editing", "Make the selected node the output"),
    "find_node": ("Editing", "Find a node by id or label"),
    "find_op": ("Editing", "Filter the palette"),
    "rename": ("Building from the keyboard", "Rename the selected card in place"),
    "edit_node": ("Building from the keyboard",
                  "Edit the selected node in the inspector (Enter or Escape: back to the canvas)"),
    "select_next": ("Building from the keyboard", "Select the next node"),
    "select_previous": ("Building from the keyboard", "Select the previous node"),
    "wire": ("Building from the keyboard", "Wire the selected node: pick a port"),
    "unwire": ("Building from the keyboard", "Remove a wire of the selected node"),
    "tidy_layout": ("View", "Tidy the layout (layers, one undo step)"),
    "fit_all": ("View", "Fit the whole graph in the view"),
    "zoom_in": ("View", "Zoom in"),
    "zoom_out": ("View", "Zoom out"),
    "run_program": ("Editing", "Run the program bar (replace the graph)"),
    "check_answer": ("Learn", "Check your backward pass (in its panel)"),
    "forward_mode": ("Learn", "Forward mode: tangents on the wires"),
    "preferences": ("Editing", "Preferences"),
    "demos": ("Help", "Demos"),
    "keyboard_shortcuts": ("Help", "This list of keys"),
    "getting_started": ("Help", "Getting started"),
    "check_gradients": ("Learn", "Check the gradients of the selection"),
    "check_all_nodes": ("Learn", "Check the gradients of every node"),
    "flow_view": ("Learn", "Gradient flow view"),
    "train_step": ("Learn", "One training step"),
    "export_python": ("Learn", "Export as Python"),
    "group": ("Groups", "Group the selected cards into one gate"),
    "ungroup": ("Groups", "Ungroup the selected group"),
    "toggle_collapse": ("Groups", "Collapse or expand the selected group"),
    "group_by_layer": ("Groups", "One collapsed group per layer"),
    "step_into": ("Stepping through", "Step into a collapsed group: one node"),
    "step_next": ("Stepping through", "Next step"),
    "step_back": ("Stepping through", "Undo the last step"),
    "play": ("Stepping through", "Play / pause (a tap)"),
    "step_reset": ("Stepping through", "Reset: nothing computed"),
    "backward_all": ("Stepping through", "Run everything"),
    "presentation": ("Stepping through", "Presentation mode"),
    "leave_presentation": ("Stepping through", "Leave presentation mode"),
}

#: Keys the canvas and its popups read themselves (no action owns them).
CANVAS_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Building from the keyboard", "Tab", "Quick-add an op at the pointer"),
    ("Building from the keyboard", "Arrows, Shift+Arrows",
     "Move the selected nodes (plain ← → only while no step-through runs)"),
    ("Building from the keyboard", "Type, ↑ ↓, Enter", "In a popup: filter, choose, confirm"),
    ("Building from the keyboard", "Escape", "Cancel the gesture or popup, or clear the selection"),
    ("View", "Space held + drag", "Pan"),
    ("Groups", "Enter (a group selected)", "Open the group full-screen, breadcrumbs above"),
    ("Groups", "Escape (in a group)", "Back out of the group opened full-screen"),
)

#: Keys kept for stepping through the backward pass: no other action may take them.
RESERVED: tuple[str, ...] = ("Right", "Left", "Space", "Home", "End", "F11")
#: The actions that own the reserved keys.
STEPPER_ACTIONS: tuple[str, ...] = ("step_next", "step_back", "play", "step_reset",
                                    "backward_all", "presentation", "leave_presentation")


def keys_for(name: str) -> list[QKeySequence]:
    """The key sequences of one action, standard keys expanded for this platform."""
    keys: list[QKeySequence] = []
    for key in SHORTCUTS[name] if name in SHORTCUTS else EDITOR_SHORTCUTS[name]:
        if isinstance(key, str):
            keys.append(QKeySequence(key))
        else:
            keys.extend(QKeySequence.keyBindings(key))
    unique: dict[str, QKeySequence] = {}
    for k in keys:                      # a standard key may equal a written one (macOS)
        if not k.isEmpty():
            unique.setdefault(k.toString(), k)
    return list(unique.values())


def key_text(name: str) -> str:
    """The first key of an action as the user reads it (for tooltips)."""
    keys = keys_for(name)
    return keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
