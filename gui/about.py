"""Help ▸ About: the version, the libraries with their licences, where recovery files live."""
from __future__ import annotations

from html import escape
from importlib import metadata

from PySide6.QtCore import QStandardPaths, qVersion
from PySide6.QtWidgets import QMessageBox

#: The libraries the editor runs on, with the licence each is distributed under.
LIBRARIES = (
    ("PySide6", "PySide6-Essentials", "LGPL-3.0 (Qt for Python; Qt itself LGPL-3.0)"),
    ("NumPy", "numpy", "BSD-3-Clause"),
    ("NetworkX", "networkx", "BSD-3-Clause"),
    ("pyqtgraph", "pyqtgraph", "MIT"),
)


def version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def recovery_dir() -> str:
    """The folder of the recovery files: the per-user data folder + "/recovery"."""
    return QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation) + "/recovery"


def about_html() -> str:
    rows = "".join(f"<tr><td>{escape(name)}</td><td>{escape(version_of(dist))}</td>"
                   f"<td>{escape(licence)}</td></tr>" for name, dist, licence in LIBRARIES)
    return (f"<h3>Chainrule {escape(version_of('chainrule'))}</h3>"
            "<p>A desktop lab for backpropagation: build a computational graph, and watch "
            "forward values (above each wire) and gradients (below, marked ∇) flow "
            "through it.</p>"
            f"<p><b>Libraries</b> (Qt {escape(qVersion())}):</p>"
            f"<table cellspacing='6'><tr><th align='left'>library</th>"
            f"<th align='left'>version</th><th align='left'>licence</th></tr>{rows}</table>"
            "<p><b>Recovery files</b> (unsaved changes kept in case of a crash) live in<br>"
            f"<code>{escape(recovery_dir())}</code></p>")


def show_about(parent) -> None:
    QMessageBox.about(parent, "About Chainrule", about_html())
