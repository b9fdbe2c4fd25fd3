"""Take docs/screenshot.png: the real editor window on the default demo.

Run it as ``make screenshot`` (or ``python tests/tools/screenshot.py [OUT.png]``).
Without a display it starts a virtual X server (``Xvfb :97``, or the next free display) for itself and
stops it afterwards.  The window uses a throw-away settings folder, so the
picture shows the default layout, not yours.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshot.png"
SIZE = (1360, 860)
XVFB_DISPLAY = ":97"


def start_xvfb() -> subprocess.Popen | None:
    """A virtual screen when there is no display; None when one is there already."""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    if shutil.which("Xvfb") is None:
        sys.exit("screenshot: no display and no Xvfb; install xvfb or run under a desktop")
    number = int(XVFB_DISPLAY[1:])
    while Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
        number += 1                     # someone else's server: never draw on it
    display = f":{number}"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten",
                             "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{number}")
    for _ in range(100):
        if socket.exists():
            break
        if proc.poll() is not None:
            sys.exit(f"screenshot: Xvfb {display} did not start")
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    return proc


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    xvfb = start_xvfb()
    os.environ.pop("QT_QPA_PLATFORM", None)          # the real platform, not offscreen

    try:
        with tempfile.TemporaryDirectory() as settings_dir:
            from PySide6.QtTest import QTest

            from chainrule.gui.app import application, create_window
            from chainrule.gui.settings import Settings

            from chainrule.gui import theme

            app = application()
            theme.apply("light", theme.DEFAULT_PAIR)     # the same picture on every desktop
            window, problem = create_window(None, Settings(settings_dir))
            window.resize(*SIZE)
            window.show()
            QTest.qWaitForWindowExposed(window, 5000)
            window.canvas.fit_all()
            for _ in range(20):                        # let layouts and labels settle
                app.processEvents()
                QTest.qWait(25)
            out.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(out), "PNG"):
                print(f"screenshot: could not write {out}", file=sys.stderr)
                return 1
            window.document.undo_stack.setClean()
            window.close()
            print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
            return 0
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
