"""Start the editor: ``main(path)`` runs the application until its window closes.

The composition root (:mod:`chainrule.gui.entry`) calls :func:`main` for
``chainrule [FILE]``.  The window opens on ``path``, or on the default demo;
a file that cannot be read still gives a
window (on the default demo) with one dialog saying why.  Then the recovery
files a crash left behind are offered (:mod:`chainrule.gui.recovery`), and at
the first start the welcome is shown.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from chainrule import resources
from chainrule.core.errors import ChainruleError
from chainrule.gui import qt_check
from chainrule.gui.files import TooManyCards, describe_os_error, read_graph
from chainrule.gui.main_window import MainWindow
from chainrule.gui.settings import Settings



def application() -> QApplication:
    """The QApplication, made once, with its name, icon, style and stylesheet."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("Chainrule")
    app.setApplicationName("Chainrule")
    app.setApplicationDisplayName("Chainrule")
    app.setDesktopFileName("chainrule")
    app.setStyle("Fusion")          # the same look everywhere; the stylesheet refines it
    icon = resources.path("icons", "chainrule.svg")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    from chainrule.gui import theme
    prefs = Settings()
    theme.apply(prefs.theme(), prefs.label_pair())     # the palette and the stylesheet
    theme.follow_system()
    return app


def create_window(path: str | Path | None = None,
                  settings: Settings | None = None) -> tuple[MainWindow, str | None]:
    """A window on ``path`` (or the default demo) and the reason ``path`` failed, if it did."""
    window = MainWindow(settings or Settings())
    problem = None
    if path is not None:
        try:
            window.files.adopt(read_graph(path), path)
        except TooManyCards as exc:       # asked once the window shows (open_too_big)
            window.files.too_big = exc
            window.files.open_default_demo()
            return window, None
        except (ChainruleError, OSError) as exc:
            problem = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
    if path is None or problem is not None:
        window.files.open_default_demo()
    return window, problem


def main(path: str | Path | None = None) -> int:
    # Before Qt tries (and aborts with its plugin error): no display, or system
    # libraries the xcb plugin needs are missing -> one message naming the fix.
    problem = qt_check.diagnose()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    app = application()
    window, problem = create_window(path)
    window.show()
    window.canvas.fit_all(readable=True)
    if window.files.open_too_big():
        window.canvas.fit_all(readable=True)
    if problem is not None:
        window.files.show_error("Cannot open file", f"{Path(path).name} could not be opened; "
                                "the default demo is shown instead.", problem)
    start_session(window)
    return app.exec()


def start_session(window: MainWindow) -> None:
    """What the first window offers at start: unsaved changes a crash left behind,
    else (until dismissed for good) the welcome."""
    from chainrule.gui import recovery
    restored = recovery.offer(window)
    if not restored and not window.settings.welcome_dismissed():
        window.show_welcome()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
