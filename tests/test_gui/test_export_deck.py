"""The step-through as one file: a PDF deck (a page per step, text stays text), a GIF, an APNG."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata

import pytest

from chainrule.core.fileformat import load
from chainrule.core.stepper import Stepper
from chainrule.gui.files import DEMO_DIR

NEURON = DEMO_DIR / "01-neuron.cgraph"
ADD_MUL = DEMO_DIR / "03-add-mul.cgraph"


def chainrule(*args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "chainrule", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def pdf_pages(path) -> list[str]:
    """The text of each page: pypdf reads the PDF's text objects; else pdftotext."""
    try:
        import pypdf
    except ImportError:
        if shutil.which("pdftotext") is None:
            pytest.skip("neither pypdf nor pdftotext is installed to read the PDF's text")
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        return text.split("\f")[:-1]
    # NFKC: the typesetter's ligatures (ﬁ) read as their letters.
    return [unicodedata.normalize("NFKC", " ".join(page.extract_text().split()))
            for page in pypdf.PdfReader(str(path)).pages]


@pytest.mark.parametrize("page,size", [("16:9", (720, 405)), ("a4", (842, 595))])
def test_render_steps_to_pdf_one_page_per_step_after_a_title_page(tmp_path, page, size):
    out = tmp_path / "deck.pdf"
    result = chainrule("render", str(NEURON), "--steps", "-o", str(out), "--page", page)
    assert result.returncode == 0, result.stderr
    graph = load(NEURON)
    total = Stepper(graph).total
    pages = pdf_pages(out)
    assert len(pages) == total + 2
    assert " ".join(graph.title.split())[:12] in pages[0]
    assert "A single artificial neuron" in pages[0]
    for k, text in enumerate(pages[1:]):
        assert f"Step {k} of {total}" in text, (k, text[:200])
    assert "∂f/∂w0 = −0.1966" in pages[-1]
    import pypdf
    box = pypdf.PdfReader(str(out)).pages[1].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


def test_the_format_may_be_given_instead_of_the_suffix_and_must_fit_it(tmp_path):
    out = tmp_path / "deck"
    assert chainrule("render", str(ADD_MUL), "--steps", "--format", "pdf", "-o",
                     str(out)).returncode == 0
    assert out.read_bytes().startswith(b"%PDF")
    bad = chainrule("render", str(ADD_MUL), "--steps", "--format", "gif", "-o",
                    str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and "--format gif does not fit" in bad.stderr
    anim = tmp_path / "anim"
    assert chainrule("render", str(ADD_MUL), "--steps", "--format", "gif", "-o",
                     str(anim)).returncode == 0
    assert anim.read_bytes().startswith(b"GIF89a")
    zero = chainrule("render", str(ADD_MUL), "--steps", "-o", str(tmp_path / "z.gif"),
                     "--frame-ms", "0")
    assert zero.returncode == 2 and "a frame time must be positive" in zero.stderr


def test_render_steps_to_gif_frame_count_times_and_the_last_frame_held(tmp_path):
    from PIL import Image
    out = tmp_path / "steps.gif"
    result = chainrule("render", str(ADD_MUL), "--steps", "-o", str(out), "--frame-ms", "500")
    assert result.returncode == 0, result.stderr
    total = Stepper(load(ADD_MUL)).total
    with Image.open(out) as im:
        assert im.n_frames == total + 1
        times = []
        for k in range(im.n_frames):
            im.seek(k)
            times.append(im.info["duration"])
    assert times == [500] * total + [2000]


def test_the_gif_keeps_the_green_and_red_of_the_labels_exactly(tmp_path):
    from PIL import Image

    from chainrule.gui.canvas import style
    out = tmp_path / "steps.gif"
    assert chainrule("render", str(ADD_MUL), "--steps", "-o", str(out)).returncode == 0
    green = (style.VALUE.red(), style.VALUE.green(), style.VALUE.blue())
    red = (style.GRAD.red(), style.GRAD.green(), style.GRAD.blue())
    with Image.open(out) as im:
        im.seek(im.n_frames - 1)
        colours = {rgb for _, rgb in im.convert("RGB").getcolors(1 << 20)}
    assert green in colours and red in colours


def test_apng_has_the_same_frames_with_the_default_frame_time(tmp_path):
    from PIL import Image
    out = tmp_path / "steps.apng"
    assert chainrule("render", str(ADD_MUL), "--steps", "-o", str(out)).returncode == 0
    with Image.open(out) as im:
        assert im.format == "PNG" and im.n_frames == Stepper(load(ADD_MUL)).total + 1
        im.seek(0)
        assert im.info["duration"] == 800


def test_file_export_steps_offers_pdf_and_writes_the_deck(make_window, tmp_path, qtbot):
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from chainrule.gui.export_steps_dialog import ExportStepsDialog
    window = make_window(ADD_MUL.name)
    target = tmp_path / "lecture"

    def answer():
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, ExportStepsDialog) and w.isVisible())
        dialog.folder.setText(str(target))
        qtbot.mouseClick(dialog.pdf, Qt.MouseButton.LeftButton)
        assert dialog.folder.text().endswith("lecture.pdf")
        dialog.accept()

    QTimer.singleShot(0, answer)
    window.step_through._export_clicked()
    deck = target.with_suffix(".pdf")
    assert len(pdf_pages(deck)) == Stepper(load(ADD_MUL)).total + 2
    assert "PDF deck" in window.statusBar().currentMessage()
