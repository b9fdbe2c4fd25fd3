"""File ▸ Export Steps… and ``chainrule render --steps``: one real picture per step."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from chainrule.core.fileformat import load
from chainrule.core.stepper import Stepper
from chainrule.gui.files import DEMO_DIR

DEMO = DEMO_DIR / "03-add-mul.cgraph"


def chainrule(*args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "chainrule", *args],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def window(make_window):
    return make_window(DEMO.name)


def test_export_steps_writes_one_png_per_step_and_leaves_the_canvas_alone(window, tmp_path):
    total = Stepper(load(DEMO)).total
    wire = next(iter(window.canvas.graph_scene.wires.values()))
    before = (wire.value_text(), wire.grad_text())
    paths = window.step_through.export_steps(tmp_path / "frames", ".png")
    assert [p.name for p in paths] == [f"step-{k:03d}.png" for k in range(total + 1)]
    first, last = QImage(str(paths[0])), QImage(str(paths[-1]))
    assert first.width() > 400 and first.size() == last.size()
    assert first != last                           # the labels appear step by step
    assert (wire.value_text(), wire.grad_text()) == before
    assert not window.step_through.controller.active
    assert "Exported 11 pictures" in window.statusBar().currentMessage()


def test_export_steps_as_svg_carries_the_chain_rule_under_the_graph(window, tmp_path):
    paths = window.step_through.export_steps(tmp_path / "svg", ".svg")
    last = paths[-1].read_text(encoding="utf-8")
    assert "<svg" in last and "Step 10 of 10" in last
    q_step = paths[7].read_text(encoding="utf-8")          # step 7: backward through q (add)
    assert "−4 · 1 = −4" in q_step
    bare = window.step_through.export_steps(tmp_path / "bare", ".svg", caption=False)
    assert "Step 10 of 10" not in bare[-1].read_text(encoding="utf-8")


def test_a_shorter_export_removes_the_frames_of_a_longer_one(window, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "step-011.png").write_bytes(b"old")
    (folder / "step-012.png").write_bytes(b"old")
    (folder / "notes.txt").write_text("mine")
    window.step_through.export_steps(folder, ".png")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["notes.txt"] + [f"step-{k:03d}.png" for k in range(11)]


def test_export_steps_reports_a_folder_it_cannot_write(window, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert window.step_through.export_steps(blocker / "frames") == []
    assert window.errors and "could not be written" in window.errors[0][1]


def test_render_steps_writes_the_frames(tmp_path):
    out = tmp_path / "frames"
    result = chainrule("render", str(DEMO), "--steps", "-o", str(out))
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files[0] == "step-000.png" and files[-1] == "step-010.png" and len(files) == 11
    assert QImage(str(out / "step-005.png")).width() > 400
    result = chainrule("render", str(DEMO), "--steps", "-o", str(tmp_path / "svg"),
                       "--format", "svg", "--precision", "3", "--no-caption")
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "svg").glob("step-*.svg"))) == 11


def test_render_steps_refuses_an_image_name_for_the_folder(tmp_path):
    result = chainrule("render", str(DEMO), "--steps", "-o", str(tmp_path / "x.png"))
    assert result.returncode == 2 and "names a folder" in result.stderr
