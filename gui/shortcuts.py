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
}

#: Keys kept free for stepping through the backward pass.
RESERVED: tuple[str, ...] = ("Right", "Left", "Space", "Home", "End", "F11")


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
