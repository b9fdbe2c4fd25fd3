"""A file someone sends you is data: it can never make the window read a file.

Each crafted file is opened through the real window (File ▸ Open's route),
offscreen, in a subprocess whose address space is limited
(``tests/support/hostile_window.py``) and with a timeout: Qt reading
``/dev/zero`` would abort it, a FIFO would hang it.  The window must live,
show every text literally, and load no image the file names.
"""
from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument

from chainrule.core.graph import Graph
from chainrule.gui.safe_text import (MARKDOWN_NO_HTML, SafeTextBrowser, bundled_resource,
                                     plain_tooltip)

CHILD = Path(__file__).resolve().parents[1] / "support" / "hostile_window.py"
IMG = "<img src=/dev/zero>"


def _graph_file(folder: Path, *, description="", title="", node_id="x", label=None,
                duplicate=False) -> Path:
    node = {"id": node_id, "op": "input", "value": 1.5}
    if label is not None:
        node["label"] = label
    nodes = [node, dict(node)] if duplicate else [node]
    doc = {"format": "chainrule", "version": 1, "title": title, "description": description,
           "nodes": nodes, "edges": []}
    path = folder / "crafted.cgraph"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _open_in_window(path: Path, tmp_path: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               CHAINRULE_SETTINGS_DIR=str(tmp_path / "settings"))
    try:
        done = subprocess.run([sys.executable, str(CHILD), str(path)], capture_output=True,
                              text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("the window hung on the crafted file")
    assert done.returncode == 0, f"the window died ({done.returncode}): {done.stderr[-2000:]}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["alive"]
    return report


def test_a_description_image_of_dev_zero_is_not_read(tmp_path):
    report = _open_in_window(_graph_file(tmp_path, description="look ![zero](/dev/zero) "
                                         "and ![zero](file:///dev/zero)"), tmp_path)
    assert report["opened"] and report["dialog"] is None
    assert report["description_text"].startswith("look ")


def test_a_description_image_of_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    report = _open_in_window(_graph_file(tmp_path, description=f"![pipe]({fifo})"), tmp_path)
    assert report["opened"]


def test_a_description_image_of_a_local_file_is_not_loaded(tmp_path):
    picture = tmp_path / "secret.png"
    image = QImage(600, 600, QImage.Format.Format_RGB32)
    image.fill(0xff0000)
    assert image.save(str(picture))
    report = _open_in_window(_graph_file(tmp_path, description=f"![secret]({picture})"),
                             tmp_path)
    # A loaded 600-pixel image would make the description at least that tall.
    assert report["description_height"] < 200


def test_html_in_a_description_shows_as_written(tmp_path):
    report = _open_in_window(_graph_file(tmp_path, description=f"a {IMG} b"), tmp_path)
    assert IMG in report["description_text"]


def test_markup_in_a_label_an_id_and_a_title_shows_literally(tmp_path):
    report = _open_in_window(_graph_file(tmp_path, node_id=IMG, label=f"<b>{IMG}</b>",
                                         title=f"<i>{IMG}</i>"), tmp_path)
    assert report["title"] == f"<i>{IMG}</i>"
    (tip,) = report["tooltips"].values()
    assert tip.startswith(f"<b>{IMG}</b> ({IMG})")


def test_a_refused_file_quoting_markup_shows_it_literally_in_its_dialog(tmp_path):
    report = _open_in_window(_graph_file(tmp_path, node_id=IMG, duplicate=True), tmp_path)
    assert report["opened"] is False
    dialog = report["dialog"]
    text, fmt = dialog["qt_msgbox_informativelabel"]
    assert IMG in text and fmt == "PlainText"
    assert dialog["qt_msgbox_label"][1] == "PlainText"


# ------------------------------------------------------------ in-process rules

def test_only_shipped_images_are_resources():
    image = QTextDocument.ResourceType.ImageResource.value
    assert bundled_resource(image, QUrl("icons/chainrule.svg")).width() > 1
    for name in ("/dev/zero", "file:///dev/zero", "../../../../etc/passwd",
                 "icons/../../pyproject.toml", "http://example.com/a.png",
                 "qrc:/qt-project.org/a.png", "//host/share/a.png", "icons/chainrule.svg/.."):
        refused = bundled_resource(image, QUrl(name))
        assert (refused.width(), refused.height()) == (1, 1), name
    sheet = QTextDocument.ResourceType.StyleSheetResource.value
    assert bytes(bundled_resource(sheet, QUrl("/etc/passwd"))) == b""


markup = st.text(alphabet=st.sampled_from(list("<>&\"'/=![]()*_#`~ \nabimgsrc;")),
                 min_size=1, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=markup)
def test_any_text_in_a_tooltip_shows_literally(qtbot, text):
    doc = QTextDocument()
    doc.setHtml(plain_tooltip(text))
    assert doc.toPlainText() == text.replace("\n", "\u2028") or \
        doc.toPlainText().replace("\u2028", "\n") == text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=markup.filter(lambda s: s.strip()), description=markup)
def test_labels_and_descriptions_with_markup_display_literally(window, label, description):
    graph = Graph()
    label = " ".join(label.split())                   # a label is one line
    graph.add_node("x", "input", value=1.0, label=label)
    graph.description = f"{IMG} {description}"
    window.files._show(graph, None, "hypothesis")
    window.inspector.show_graph()
    shown = window.inspector.graph_description
    assert IMG in shown.toPlainText()                  # raw HTML is text, not a tag
    window.inspector.show_selection(["x"], [])
    assert window.inspector.label_edit.text() == label
    title = QTextDocument()
    title.setHtml(window.inspector.node_title.text())
    assert label in title.toPlainText().replace("\xa0", " ")
    item = window.canvas.graph_scene.nodes["x"]
    tip = QTextDocument()
    tip.setHtml(plain_tooltip(window.canvas.graph_scene.node_tooltip("x")))
    assert tip.toPlainText().replace("\u2028", "\n").startswith(f"{label} (x)")
    assert item is not None


def test_a_safe_browser_asks_only_its_own_loader(qtbot):
    asked = []

    class Recording(SafeTextBrowser):
        def loadResource(self, kind, url):          # noqa: N802
            asked.append(url.toString())
            return super().loadResource(kind, url)

    browser = Recording()
    qtbot.addWidget(browser)
    browser.document().setMarkdown("![a](/dev/zero) " + html.escape(IMG), MARKDOWN_NO_HTML)
    browser.show()
    qtbot.wait(10)
    assert "/dev/zero" in asked


def test_a_very_long_tooltip_says_how_long_the_text_is(qtbot):
    from chainrule.gui.safe_text import MAX_TOOLTIP_CHARS
    doc = QTextDocument()
    doc.setHtml(plain_tooltip("<" * 1_000_000))
    shown = doc.toPlainText()
    assert shown.startswith("<" * MAX_TOOLTIP_CHARS)
    assert "1,000,000 characters in all" in shown
