"""Autosave and crash recovery: unsaved changes survive a crash or a ``kill -9``.

Each window keeps one recovery file, ``recovery/session-….json`` in the
per-user data folder (``QStandardPaths.AppDataLocation``; ``$CHAINRULE_DATA_DIR``
instead when set), beside a :class:`QLockFile` the window holds while it is open.
The file holds the graph's ``.cgraph`` text, the file it belongs to and the time.

When it is written (always atomically, never the user's file):

* an edit that comes :data:`QUIET_S` or more after the one before (a lone edit,
  or the first after a pause) is written at once, at the end of that
  event-loop turn — so a ``kill -9`` a second after it loses nothing;
* except on a graph so big that writing it takes longer than :data:`SLOW_WRITE_S`
  (about 10,000 nodes: some 0.2 s): there a lone edit, too, waits until the edits
  pause for :data:`BURST_PAUSE_S`, so that clicking through separate edits never
  stalls between them, and a ``kill -9`` a second after still loses nothing;
* edits in a burst (each less than a second after the last: a slider drag,
  typing) are gathered and written :data:`BURST_PAUSE_S` after the last of
  them — so a ``kill -9`` a second after the end of a burst loses nothing
  either — and, while the burst goes on, every ``autosave_interval_s`` (the
  Preferences' autosave interval, at most :data:`MAX_WAIT_S`);
* when the graph is clean again (saved, undone to the saved state, another file
  opened) or the window closes normally the file is removed.

At the next start, a recovery file whose lock is free (its process is gone:
``QLockFile`` sees that the lock's process no longer runs) is offered:
"Recover unsaved changes to neuron.cgraph from 14:02?" with Restore, Discard
and Show in a New Window.  Closing the question without an answer keeps the
file for the next start.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from chainrule.core import fileformat
from chainrule.core.errors import ChainruleError

MAX_WAIT_S = 30.0
#: An edit this long after the one before is not part of a burst: written at once.
QUIET_S = 1.0
#: A burst is written once the edits pause this long.
BURST_PAUSE_S = 0.4
#: A write that took longer than this (a big graph) makes lone edits wait for a pause too.
SLOW_WRITE_S = 0.05
FORMAT = "chainrule-recovery"
PREFIX = "session-"


def data_dir() -> Path:
    """The per-user data folder (recovery files, open-file locks)."""
    chosen = os.environ.get("CHAINRULE_DATA_DIR")
    if not chosen and "PYTEST_CURRENT_TEST" in os.environ:
        chosen = _scratch()           # a test never touches the user's recovery files
    if not chosen:
        chosen = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.AppDataLocation) or \
            str(Path.home() / ".local" / "share" / "Chainrule")
    return Path(chosen)


def recovery_dir() -> Path:
    return data_dir() / "recovery"


class Autosave(QObject):
    """The recovery file of one window's document."""

    written = Signal(str)         # the recovery file's path, after each write
    removed = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.folder = recovery_dir()
        self.path = self.folder / f"{PREFIX}{uuid.uuid4().hex[:12]}.json"
        self._lock: QLockFile | None = None
        self._last_edit = float("-inf")
        self._slow = False            # the last write took longer than SLOW_WRITE_S
        self._idle = QTimer(self, singleShot=True)
        self._idle.timeout.connect(self.write_now)
        self._cap = QTimer(self, singleShot=True)
        self._cap.setInterval(int(MAX_WAIT_S * 1000))
        self._cap.timeout.connect(self.write_now)
        stack = self.document.undo_stack
        stack.indexChanged.connect(self._edited)
        stack.cleanChanged.connect(self._edited)
        self.document.graph_replaced.connect(self._edited)

    def interval_s(self) -> float:
        return self.window.settings.autosave_interval_s

    def _edited(self, *_args) -> None:
        try:
            modified = self.document.modified
        except RuntimeError:
            return                              # the window is being destroyed
        if not modified:
            self.remove()
            return
        if self._idle.isActive() and self._idle.interval() == 0:
            return                              # already to be written this turn
        now = time.monotonic()
        quiet = now - self._last_edit >= QUIET_S
        self._last_edit = now
        if quiet and not self._slow:
            self._idle.start(0)                 # a lone edit: written this turn
        else:
            self._idle.start(int(BURST_PAUSE_S * 1000))
        if not self._cap.isActive():
            self._cap.start(int(min(self.interval_s(), MAX_WAIT_S) * 1000))

    def write_now(self) -> None:
        """Write the recovery file now (if there is anything unsaved)."""
        self._idle.stop()
        self._cap.stop()
        if not self.document.modified:
            self.remove()
            return
        files = self.window.files
        start = time.perf_counter()
        payload = {"format": FORMAT, "version": 1, "saved": time.time(), "pid": os.getpid(),
                   "path": str(self.document.path.resolve()) if self.document.path else None,
                   "demo": files.demo_name, "name": files.display_name(),
                   "graph": fileformat.dumps(self.document.graph)}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._hold_lock()
            fileformat.write_atomically(str(self.path), json.dumps(payload).encode("utf-8"),
                                        new_mode=0o600)
        except OSError as exc:
            self.document.message.emit(f"Could not write the recovery file {self.path}: "
                                       f"{exc.strerror or exc}.")
            return
        self._slow = time.perf_counter() - start > SLOW_WRITE_S
        self.written.emit(str(self.path))

    def remove(self) -> None:
        """Nothing unsaved (or a clean close): the recovery file goes."""
        self._idle.stop()
        self._cap.stop()
        existed = self.path.exists()
        try:
            self.path.unlink()
        except OSError:
            pass
        if existed:
            self.removed.emit()

    def close(self) -> None:
        self.remove()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def _hold_lock(self) -> None:
        if self._lock is None:
            lock = QLockFile(str(self.path) + ".lock")
            lock.setStaleLockTime(0)            # stale only when its process is gone
            if lock.tryLock(0):
                self._lock = lock


# ------------------------------------------------------------------ at start

@dataclass
class Recovery:
    file: Path
    saved: float
    path: str | None
    demo: str | None
    name: str
    graph_text: str
    lock: QLockFile

    def when(self) -> str:
        stamp = time.localtime(self.saved)
        if time.strftime("%Y-%m-%d", stamp) == time.strftime("%Y-%m-%d"):
            return time.strftime("%H:%M", stamp)
        return time.strftime("%d %b %Y %H:%M", stamp)

    def question(self) -> str:
        return f"Recover unsaved changes to {self.name} from {self.when()}?"

    def graph(self):
        return fileformat.loads(self.graph_text)

    def discard(self) -> None:
        for path in (self.file, Path(str(self.file) + ".lock")):
            try:
                path.unlink()
            except OSError:
                pass
        self.lock.unlock()


def left_behind(folder: Path | None = None) -> list[Recovery]:
    """Recovery files of sessions that ended without a clean close, newest first.

    Each comes with its lock held, so a second Chainrule starting at the same
    moment does not offer it too.
    """
    folder = folder or recovery_dir()
    found = []
    for file in sorted(folder.glob(f"{PREFIX}*.json")):
        lock = QLockFile(str(file) + ".lock")
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):
            continue                       # a live window's own file
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or not isinstance(data.get("graph"), str):
                raise ValueError("not a recovery file")
            found.append(Recovery(file, float(data.get("saved") or file.stat().st_mtime),
                                  data.get("path"), data.get("demo"),
                                  str(data.get("name") or "Untitled"), data["graph"], lock))
        except (OSError, ValueError, TypeError):
            lock.unlock()                  # unreadable: left alone, never offered
    return sorted(found, key=lambda r: -r.saved)


RESTORE, DISCARD, NEW_WINDOW = "restore", "discard", "new window"


def ask(recovery: Recovery, parent) -> str | None:
    """Restore, Discard or Show in a New Window; None (closed) keeps it for next time."""
    box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved changes",
                      recovery.question(), QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("recoveryQuestion")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText("Chainrule did not close normally last time; these changes were "
                           f"kept in {recovery.file}.")
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    other = box.addButton("Show in a New Window", QMessageBox.ButtonRole.ActionRole)
    box.setDefaultButton(restore)
    box.exec()
    return {restore: RESTORE, discard: DISCARD, other: NEW_WINDOW}.get(box.clickedButton())


def offer(window, asker=ask) -> int:
    """Offer every recovery file left behind; returns how many were restored."""
    from chainrule.gui.windows import new_window
    restored = 0
    for recovery in left_behind():
        answer = asker(recovery, window)
        if answer is None:
            recovery.lock.unlock()
            continue
        if answer == DISCARD:
            recovery.discard()
            continue
        try:
            graph = recovery.graph()
        except ChainruleError as exc:
            window.files.show_error("Cannot recover", f"The changes to {recovery.name} could "
                                    "not be read back.", str(exc))
            recovery.lock.unlock()
            continue
        target = window if answer == RESTORE and not window.document.modified and \
            not restored else new_window(window.settings, beside=window)
        target.files.restore(graph, recovery.path, recovery.demo)
        recovery.discard()
        restored += 1
    return restored


_SCRATCH: list[str] = []


def _scratch() -> str:
    if not _SCRATCH:
        _SCRATCH.append(tempfile.mkdtemp(prefix="chainrule-data-"))
    return _SCRATCH[0]
