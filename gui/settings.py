"""What the editor remembers between runs: layout, recent files, precision, folders.

A thin typed wrapper over :class:`QSettings`.  Where the values live:

* ``Settings(directory)`` — an INI file in that folder (tests, screenshots);
* else ``$CHAINRULE_SETTINGS_DIR`` when it is set — the same, for a whole run;
* else, inside a test run, a scratch folder of this process;
* else the platform's usual place for organisation "Chainrule", app "Chainrule".

Lists are stored as JSON text: QSettings turns a one-element list into a
plain string in INI files, and an empty list into nothing at all.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10
PRECISIONS = (2, 3, 4, 6)
DEFAULT_PRECISION = 4
DEFAULT_AUTOSAVE_S = 5
AUTOSAVE_RANGE = (1, 600)
DEFAULT_PRESENTATION_PCT = 160
PRESENTATION_RANGE = (100, 300)


class Settings:
    def __init__(self, directory: Path | str | None = None):
        directory = directory or os.environ.get("CHAINRULE_SETTINGS_DIR") or None
        if directory is None and "PYTEST_CURRENT_TEST" in os.environ:
            # A test that forgot to choose a folder must still not touch the user's settings.
            directory = _scratch_dir()
        if directory:
            path = Path(directory) / "chainrule.ini"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self.qsettings = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                                       "Chainrule", "Chainrule")

    # ------------------------------------------------------------ layout

    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def set_window_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    # ------------------------------------------------------------- files

    def recent_files(self) -> list[str]:
        raw = self.qsettings.value("files/recent", "[]")
        try:
            items = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            items = []
        return [p for p in items if isinstance(p, str)][:MAX_RECENT]

    def set_recent_files(self, paths: list[str]) -> None:
        self.qsettings.setValue("files/recent", json.dumps(list(paths)[:MAX_RECENT]))

    def last_directory(self) -> str:
        value = self.qsettings.value("files/last_directory", "")
        return value if isinstance(value, str) else ""

    def set_last_directory(self, directory: Path | str) -> None:
        self.qsettings.setValue("files/last_directory", str(directory))

    # ---------------------------------------------------------- display

    def precision(self) -> int:
        try:
            digits = int(self.qsettings.value("view/precision", DEFAULT_PRECISION))
        except (TypeError, ValueError):
            return DEFAULT_PRECISION
        return digits if digits in PRECISIONS else DEFAULT_PRECISION

    def set_precision(self, digits: int) -> None:
        self.qsettings.setValue("view/precision", int(digits))

    # ------------------------------------------------------- preferences

    def theme(self) -> str:
        from chainrule.gui.theme import DEFAULT_THEME, THEME_NAMES
        return self._choice("view/theme", THEME_NAMES, DEFAULT_THEME)

    def set_theme(self, name: str) -> None:
        self.qsettings.setValue("view/theme", name)

    def label_pair(self) -> str:
        from chainrule.gui.theme import DEFAULT_PAIR, PAIR_NAMES
        return self._choice("view/label_pair", PAIR_NAMES, DEFAULT_PAIR)

    def set_label_pair(self, name: str) -> None:
        self.qsettings.setValue("view/label_pair", name)
    # ----------------------------------------------------------- autosave

    @property
    def autosave_interval_s(self) -> int:
        """How often unsaved changes go to the recovery file while edits come without a pause."""
        return self._int("files/autosave_interval_s", DEFAULT_AUTOSAVE_S, AUTOSAVE_RANGE)

    @autosave_interval_s.setter
    def autosave_interval_s(self, seconds: int) -> None:
        self.qsettings.setValue("files/autosave_interval_s", int(seconds))

    def presentation_scale_pct(self) -> int:
        """The chain-rule panel's text size in presentation mode, in % of its usual size."""
        return self._int("view/presentation_scale_pct", DEFAULT_PRESENTATION_PCT,
                         PRESENTATION_RANGE)

    def set_presentation_scale_pct(self, pct: int) -> None:
        self.qsettings.setValue("view/presentation_scale_pct", int(pct))

    def default_demo(self) -> str:
        """The demo file name opened at start ("" : the index's default)."""
        value = self.qsettings.value("files/default_demo", "")
        return value if isinstance(value, str) else ""

    def set_default_demo(self, name: str) -> None:
        self.qsettings.setValue("files/default_demo", name)

    def _choice(self, key: str, names, default: str) -> str:
        value = self.qsettings.value(key, default)
        return value if value in names else default

    def _int(self, key: str, default: int, bounds: tuple[int, int]) -> int:
        try:
            value = int(self.qsettings.value(key, default))
        except (TypeError, ValueError):
            return default
        return value if bounds[0] <= value <= bounds[1] else default

    def welcome_dismissed(self) -> bool:
        return str(self.qsettings.value("help/welcome_dismissed", "false")).lower() == "true"

    def set_welcome_dismissed(self, dismissed: bool) -> None:
        self.qsettings.setValue("help/welcome_dismissed", "true" if dismissed else "false")

    # -------------------------------------------------------------------

    def sync(self) -> None:
        self.qsettings.sync()

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None


_SCRATCH: list[str] = []


def _scratch_dir() -> str:
    if not _SCRATCH:
        _SCRATCH.append(tempfile.mkdtemp(prefix="chainrule-settings-"))
    return _SCRATCH[0]
