"""Guard against the PySide6 release that corrupts the reference count of None.

PySide6 6.12.0 on CPython 3.11 drops a reference to ``None`` on every call
of a C++ method that returns ``void`` (``QLabel.setText``, ``QWidget.update``,
``QGraphicsItem.setPos`` ...). CPython 3.11 still counts references to
``None``, so the count falls with every such call; an editor makes such calls on
every mouse move and repaint, and after a few thousand of them the
interpreter aborts with
``Fatal Python error: none_dealloc: deallocating None``. Python 3.12 made
``None`` immortal (PEP 683), so there the bug is harmless.

pyproject.toml therefore pins ``PySide6-Essentials<6.12`` for Python < 3.12.
These tests fail loudly if a broken combination gets installed anyway,
instead of letting the editor crash minutes into a session.
"""
from __future__ import annotations

import sys

import pytest


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = ""
        for ch in piece:  # leading digits only: "0a1" -> 0, "0rc2" -> 0
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def test_void_calls_keep_the_reference_count_of_none(qtbot):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    text = "chain rule"
    for _ in range(20):  # warm-up: let caches and lazy signatures settle
        label.setText(text)

    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText(text)
    after = sys.getrefcount(None)

    assert after == before, (
        f"1000 calls of QLabel.setText changed the reference count of None "
        f"by {after - before}: this PySide6 build leaks references to None "
        f"and will abort the interpreter (Fatal Python error: none_dealloc)."
    )


@pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None is immortal on Python 3.12+, every PySide6 version is safe there",
)
def test_pyside6_is_older_than_6_12_on_python_3_11():
    import PySide6

    assert _version_tuple(PySide6.__version__) < (6, 12), (
        f"PySide6 {PySide6.__version__} is installed on Python "
        f"{sys.version.split()[0]}; 6.12 leaks references to None there. "
        f"Reinstall with: pip install 'PySide6-Essentials<6.12'"
    )


def test_version_tuple_parsing():
    assert _version_tuple("6.11.3") == (6, 11, 3)
    assert _version_tuple("6.12.0") == (6, 12, 0)
    assert _version_tuple("6.12.0a1") == (6, 12, 0)
    assert _version_tuple("6.10") == (6, 10)
