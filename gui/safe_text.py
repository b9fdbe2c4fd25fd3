"""Text from a file is data: shown as plain text, never as markup or a resource.

A graph file can come from anyone, so its ids, labels, title and description
must not make Qt load anything.  Qt treats a string as rich text when it
looks like markup (tooltips, message boxes and labels guess by default), and
rich text loads the images it names: ``<img src=/dev/zero>`` would read
``/dev/zero`` until memory runs out.  This module holds the three defences:

* :func:`plain_tooltip` turns any text into a tooltip that shows it literally
  (escaped, inside markup of our own, so Qt's guess cannot matter);
* :class:`SafeTextBrowser` and :class:`SafeTextDocument` render markup we
  generate (or the Markdown description) but load **no** external resource:
  only images shipped in ``chainrule.resources`` by name, never a path on
  disk, a URL, a device or a FIFO;
* :func:`bundled_resource` is the one rule both use.
"""
from __future__ import annotations

import html
import os
import stat

from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser

from chainrule.resources import path as resource_path

#: Image suffixes a description may name from the shipped resources.
BUNDLED_IMAGE_SUFFIXES = (".svg", ".png")
#: The largest shipped image loaded (they are icons; nothing bigger is shipped).
BUNDLED_IMAGE_MAX_BYTES = 1024 * 1024


#: The most characters a tooltip shows; longer text ends with a note saying so.
MAX_TOOLTIP_CHARS = 2000


def plain_tooltip(text: str | None) -> str:
    """A tooltip that shows ``text`` exactly as written, whatever it contains.

    Text longer than :data:`MAX_TOOLTIP_CHARS` is shown up to there, followed
    by a note giving its whole length (a million-character label would make
    every hover slow); the inspector shows the whole text.
    """
    if not text:
        return ""
    note = ""
    if len(text) > MAX_TOOLTIP_CHARS:
        note = f"… ({len(text):,} characters in all; the inspector shows them)"
        text = text[:MAX_TOOLTIP_CHARS]
    body = html.escape(text + note, quote=False).replace("\n", "<br>")
    return f"<p style='white-space:pre-wrap'>{body}</p>"


def plain_message_box(box) -> None:
    """Show a message box's text and informative text as plain text (both quote files)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel
    box.setTextFormat(Qt.TextFormat.PlainText)
    for label in box.findChildren(QLabel):
        if label.objectName() in ("qt_msgbox_label", "qt_msgbox_informativelabel"):
            label.setTextFormat(Qt.TextFormat.PlainText)


def bundled_resource(kind: int, url: QUrl):
    """A shipped image named by ``url``; a blank 1×1 image or empty bytes for anything else.

    Never nothing: when a loader returns no value, or an image that does not
    decode, Qt loads the named file itself (``QImage(name)``), which is what
    must not happen.  So an image request always gets a valid image.
    """
    data = _bundled_bytes(kind, url)
    if int(kind) != _IMAGE:
        return QByteArray(b"")
    image = QImage()
    if data is not None:
        image.loadFromData(data)
    return image if not image.isNull() else _blank()


def _blank() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(0)
    return image


def _bundled_bytes(kind: int, url: QUrl) -> bytes | None:
    if int(kind) != _IMAGE:
        return None
    if url.scheme() not in ("", "chainrule") or url.host():
        return None
    name = url.path()
    if not name or name.startswith(("/", "\\")) or ":" in name or "\\" in name:
        return None
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts) or not name.lower().endswith(
            BUNDLED_IMAGE_SUFFIXES):
        return None
    root = os.path.realpath(str(resource_path()))
    target = os.path.realpath(os.path.join(root, *parts))
    if not target.startswith(root + os.sep):
        return None
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > BUNDLED_IMAGE_MAX_BYTES:
            return None
        return f.read(BUNDLED_IMAGE_MAX_BYTES)


#: How a description's Markdown is read: GitHub's dialect, raw HTML shown as text.
MARKDOWN_NO_HTML = (QTextDocument.MarkdownFeature.MarkdownDialectGitHub
                    | QTextDocument.MarkdownFeature.MarkdownNoHTML)

_IMAGE = int(QTextDocument.ResourceType.ImageResource.value)


class SafeTextDocument(QTextDocument):
    """A text document that loads no resource but the shipped images."""

    def loadResource(self, kind: int, url: QUrl):   # noqa: N802 (Qt's name)
        return bundled_resource(kind, url)


class SafeTextBrowser(QTextBrowser):
    """A read-only rich-text view that loads no resource but the shipped images.

    Links are not followed (a click only emits ``anchorClicked``), there are no
    search paths, and ``setSource`` is refused: the page is what we set.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])

    def loadResource(self, kind: int, url: QUrl):   # noqa: N802 (Qt's name)
        return bundled_resource(kind, url)

    def doSetSource(self, name, type=None):        # noqa: N802,A002 (Qt's names)
        return None
