"""Noticing that the open file changed on disk, and who else has it open.

:class:`DiskWatch` remembers the bytes of the file as this window last read or
wrote them (a SHA-256), and watches the file and its folder with
:class:`QFileSystemWatcher`.  Editors that save by writing a new file and
renaming it over the old one (vim, git checkout, Chainrule itself) replace the
watched inode, and the watcher silently drops the path: the folder's change
signal puts it back.  A change is announced only when the bytes differ from
the remembered ones, so a ``touch`` or our own save says nothing.

:class:`OpenLock` is a lock file per open path (in the per-user data folder),
held while a window has that file open: another Chainrule process opening the
same file sees the lock, with the holder's process id, and warns.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QLockFile, QObject, QTimer, Signal

from chainrule.gui.recovery import data_dir

MISSING = "missing"
CHANGED = "changed"
SETTLE_MS = 150        # a rename-over-save fires several signals: look once they settle


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class DiskWatch(QObject):
    """The open file of one window, as last read or written by it."""

    #: CHANGED (other bytes) or MISSING (deleted or moved away).
    changed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.path: Path | None = None
        self.known: str | None = None
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._poke)
        self.watcher.directoryChanged.connect(self._poke)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.check)
        self._announced: str | None = None

    def watch(self, path: Path | None) -> None:
        """Follow ``path`` (None: nothing) and remember its bytes as they are now."""
        for old in self.watcher.files() + self.watcher.directories():
            self.watcher.removePath(old)
        self.path = None if path is None else Path(path).resolve()
        self.remember()
        if self.path is not None:
            self.watcher.addPath(str(self.path.parent))
            self._rewatch()

    def remember(self) -> None:
        """The file on disk is ours now (just read or saved)."""
        self.known = digest(self.path) if self.path is not None else None
        self._announced = None

    def state(self) -> str | None:
        """CHANGED, MISSING or None (as we left it)."""
        if self.path is None:
            return None
        now = digest(self.path)
        if now is None:
            return MISSING if self.known is not None else None
        return None if now == self.known else CHANGED

    def check(self) -> None:
        self._rewatch()
        state = self.state()
        if state is not None and state != self._announced:
            self._announced = state
            self.changed.emit(state)
        elif state is None:
            self._announced = None

    def _poke(self, _path: str = "") -> None:
        self._settle.start()

    def _rewatch(self) -> None:
        if self.path is not None and self.path.exists() and \
                str(self.path) not in self.watcher.files():
            self.watcher.addPath(str(self.path))


class OpenLock:
    """A lock file saying "this file is open in Chainrule process N"."""

    def __init__(self):
        self.lock: QLockFile | None = None

    @staticmethod
    def _file(path: Path) -> Path:
        name = hashlib.sha1(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:20]
        return data_dir() / "open" / f"{name}.lock"

    @classmethod
    def holder(cls, path: Path) -> int | None:
        """The process id of another live Chainrule that has ``path`` open, or None."""
        file = cls._file(path)
        if not file.exists():
            return None
        probe = QLockFile(str(file))
        probe.setStaleLockTime(0)
        if probe.tryLock(0):
            probe.unlock()                     # stale: its process is gone
            return None
        pid, _host, _app = probe.getLockInfo()
        return int(pid) if pid else None

    def hold(self, path: Path | None) -> None:
        self.release()
        if path is None:
            return
        file = self._file(path)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        lock = QLockFile(str(file))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            self.lock = lock

    def release(self) -> None:
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None
