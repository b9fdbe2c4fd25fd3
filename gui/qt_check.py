"""Check, before the editor starts, that Qt will be able to open a window.

Run it as ``python -m chainrule.gui.qt_check`` (``make run`` does). On Linux the
PySide6 wheels draw through Qt's ``xcb`` platform plugin, which links
against a set of X11/xcb system libraries that a minimal or server install
of Debian or Ubuntu does not have. When one is missing, Qt only says
"Could not load the Qt platform plugin "xcb"" and aborts the interpreter.
This module finds out first, and prints one message that names the
packages to install.

It never imports PySide6 (it has to work precisely when Qt cannot load),
and it only ``dlopen``\\ s a few libraries, so it takes a few milliseconds.

Exit status: 0 when nothing stands in the way (or the check does not apply:
another operating system, or another Qt platform such as ``offscreen``),
1 with a message on stderr otherwise.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from pathlib import Path

# Every system library the xcb platform plugin of the PySide6 wheels needs,
# directly or through libQt6XcbQpa, libQt6Gui, libQt6DBus and the xcb GL
# integration plugins (read off their ELF NEEDED entries), with the
# Debian/Ubuntu package that ships it. Libraries every system has (libc,
# libstdc++, zlib) are left out.
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb.so.1", "libxcb1"),
    ("libX11.so.6", "libx11-6"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxcb-glx.so.0", "libxcb-glx0"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libEGL.so.1", "libegl1"),
    ("libGL.so.1", "libgl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libfreetype.so.6", "libfreetype6"),
    ("libglib-2.0.so.0", "libglib2.0-0"),
    ("libgthread-2.0.so.0", "libglib2.0-0"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)

HEADLESS_HINT = (
    "To run without a screen, use a virtual X server "
    "(sudo apt-get install xvfb, then: xvfb-run make run), "
    "or run the tests headless with: make test "
    "(they use QT_QPA_PLATFORM=offscreen)."
)


def _can_load(soname: str) -> bool:
    """True when the dynamic loader can load the library ``soname``."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries() -> list[tuple[str, str]]:
    """The (library, Debian package) pairs of :data:`XCB_LIBRARIES` that
    cannot be loaded on this machine, in table order."""
    return [(lib, pkg) for lib, pkg in XCB_LIBRARIES if not _can_load(lib)]


def _plugin_load_error() -> str | None:
    """Try to load the xcb plugin of the installed PySide6 itself.

    This catches a missing library the table above does not know about.
    Returns the loader's message, or None when it loads (or when PySide6 or
    the plugin cannot be found, which is not this check's business).
    """
    try:
        spec = importlib.util.find_spec("PySide6")  # does not import it
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        plugin = Path(location, "Qt", "plugins", "platforms", "libqxcb.so")
        if plugin.is_file():
            try:
                ctypes.CDLL(str(plugin))
            except OSError as exc:
                return str(exc)
            return None
    return None


def _uses_xcb(env: dict[str, str]) -> bool:
    """Whether Qt may pick the xcb plugin under these environment variables.

    ``QT_QPA_PLATFORM`` is unset (xcb is the default on X11), or names xcb,
    possibly in a fallback list such as ``wayland;xcb``.
    """
    value = env.get("QT_QPA_PLATFORM", "").strip()
    if not value:
        return True
    names = [part.split(":", 1)[0].strip() for part in value.split(";")]
    return "xcb" in names


def _install_message(missing: list[tuple[str, str]]) -> str:
    packages = list(dict.fromkeys(pkg for _, pkg in missing))
    libs = ", ".join(lib for lib, _ in missing)
    return (
        f"Qt cannot open a window: the system libraries of its xcb platform "
        f"plugin are missing ({libs}). On Debian or Ubuntu install them with:\n"
        f"    sudo apt-get install {' '.join(packages)}\n"
        f"(on other distributions, install the packages that provide "
        f"these libraries)."
    )


def diagnose(env: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """The one message to show, or None when the editor can start."""
    env = dict(os.environ if env is None else env)
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or not _uses_xcb(env):
        return None

    has_x11 = bool(env.get("DISPLAY"))
    has_wayland = bool(env.get("WAYLAND_DISPLAY"))
    explicit_xcb = bool(env.get("QT_QPA_PLATFORM", "").strip())

    if not has_x11 and has_wayland and not explicit_xcb:
        # Qt will use its wayland plugin; xcb libraries do not matter.
        return None

    missing = missing_libraries()
    parts: list[str] = []
    if not has_x11:
        if explicit_xcb and has_wayland:
            parts.append(
                "QT_QPA_PLATFORM asks for xcb (X11), but DISPLAY is not set, "
                "so there is no X server to open the editor's window on. "
                + HEADLESS_HINT
            )
        else:
            parts.append(
                "There is no display: neither DISPLAY nor WAYLAND_DISPLAY is "
                "set, so the editor has no screen to open its window on. "
                "Start it from a desktop session (or over ssh -X). "
                + HEADLESS_HINT
            )
    if missing:
        parts.append(_install_message(missing))
    elif has_x11:
        error = _plugin_load_error()
        if error:
            parts.append(
                "Qt's xcb platform plugin cannot be loaded:\n    "
                + error
                + "\nInstall the package that provides the library named "
                "above (on Debian or Ubuntu: apt-file search LIBRARY)."
            )
    return "\n\n".join(parts) or None


def main(argv: list[str] | None = None) -> int:
    message = diagnose()
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
