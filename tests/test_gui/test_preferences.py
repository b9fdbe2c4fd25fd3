"""Preferences are stored with QSettings and applied live; About says where recovery files live."""
from __future__ import annotations

from PySide6.QtCore import QStandardPaths

from chainrule.gui import theme
from chainrule.gui.about import about_html, recovery_dir
from chainrule.gui.preferences import PreferencesDialog
from chainrule.gui.settings import Settings


def test_every_choice_is_stored_and_the_theme_changes_at_once(make_window, tmp_path):
    window = make_window()
    dialog = PreferencesDialog(window)
    dialog.theme_box.setCurrentIndex(dialog.theme_box.findData("dark"))
    assert theme.current.resolved == "dark"
    dialog.pair_box.setCurrentIndex(dialog.pair_box.findData("green-red"))
    assert theme.current.colours["value"] == theme.PAIRS["green-red"]["dark"][0]
    dialog.precision_box.setCurrentIndex(dialog.precision_box.findData(6))
    assert window.digits == 6
    dialog.autosave_spin.setValue(12)
    dialog.presentation_spin.setValue(200)
    dialog.demo_box.setCurrentIndex(dialog.demo_box.findData("03-add-mul.cgraph"))
    window.settings.sync()
    again = Settings(tmp_path / "settings")
    assert (again.theme(), again.label_pair(), again.precision()) == ("dark", "green-red", 6)
    assert again.autosave_interval_s == 12
    assert again.presentation_scale_pct() == 200
    assert again.default_demo() == "03-add-mul.cgraph"
    theme.apply("light")
    other = make_window()                       # the chosen demo opens at start
    assert "03-add-mul" in (other.files.display_name() + str(other.document.graph.title)) \
        or set(other.document.graph.node_ids()) >= {"q", "f"}


def test_the_defaults(tmp_path):
    s = Settings(tmp_path)
    assert s.theme() == "system" and s.label_pair() == "blue-orange"
    assert s.autosave_interval_s == 5 and s.default_demo() == ""


def test_about_names_the_version_the_licences_and_the_recovery_folder():
    text = about_html()
    for word in ("PySide6", "LGPL", "NumPy", "BSD", "pyqtgraph", "MIT", "NetworkX"):
        assert word in text
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    assert recovery_dir() == base + "/recovery" and recovery_dir() in text
