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
    "open": (S.Open,),
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
    "find_op": (S.Find,),                 # focus the palette's filter box
    "fit_all": ("F", "Ctrl+0"),
    "zoom_in": (S.ZoomIn, "Ctrl+="),
    "zoom_out": (S.ZoomOut,),
    "run_program": ("Ctrl+Return", "Ctrl+Enter"),
    "demos": (S.HelpContents,),
    # Learning with the graph (gui.learning).
    "check_gradients": ("Ctrl+G",),
    "check_all_nodes": ("Ctrl+Shift+G",),
    "flow_view": ("Ctrl+Shift+F",),
    "train_step": ("Ctrl+T",),
    "export_python": ("Ctrl+Shift+E",),
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

#: Keys the canvas reads itself (not actions): Enter opens the selected group
#: full-screen, Escape goes back out one level (when nothing else wants Escape).
CANVAS_KEYS: dict[str, str] = {
    "open_group": "Return",
    "close_group": "Escape",
}

#: Keys kept for stepping through the backward pass: no other action may take them.
RESERVED: tuple[str, ...] = ("Right", "Left", "Space", "Home", "End", "F11")
#: The actions that own the reserved keys.
STEPPER_ACTIONS: tuple[str, ...] = ("step_next", "step_back", "play", "step_reset",
                                    "backward_all", "presentation", "leave_presentation")


def keys_for(name: str) -> list[QKeySequence]:
    """The key sequences of one action, standard keys expanded for this platform."""
    keys: list[QKeySequence] = []
    for key in SHORTCUTS[name]:
        if isinstance(key, str):
            keys.append(QKeySequence(key))
        else:
            keys.extend(QKeySequence.keyBindings(key))
    return [k for k in keys if not k.isEmpty()]


def key_text(name: str) -> str:
    """The first key of an action as the user reads it (for tooltips)."""
    keys = keys_for(name)
    return keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
