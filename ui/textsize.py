"""Larger text (Settings > This PC > Larger text, ``desk.larger_text``): the app's font
and the stylesheet's point sizes a quarter larger, at once, in every window.

The schedule grows its rows and columns with its font (``ScheduleView.text_scale``).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from .app import stylesheet

LARGER = 1.25
_BASE = "receptionistBasePoints"  # the app's own size, kept on the app
_POINTS = re.compile(r"(\d+(?:\.\d+)?)pt\b")


def scaled_stylesheet(sheet: str, factor: float) -> str:
    """``sheet`` with every size in points multiplied by ``factor``."""
    return _POINTS.sub(lambda m: f"{float(m.group(1)) * factor:g}pt", sheet)


def is_larger() -> bool:
    """Whether the app's text is larger now (:func:`apply` chose it)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return False
    base = app.property(_BASE)
    return isinstance(base, float) and app.font().pointSizeF() > base * 1.01


def apply(app: QApplication, larger: bool) -> None:
    """The app's text at its usual size, or ``LARGER`` times it."""
    base = app.property(_BASE)
    if not isinstance(base, float):
        base = app.font().pointSizeF()
        app.setProperty(_BASE, base)
    factor = LARGER if larger else 1.0
    font = QFont(app.font())
    font.setPointSizeF(base * factor)
    app.setFont(font)
    # Qt tells the windows only while its event loop runs; tell them now either way.
    for window in app.topLevelWidgets():
        QApplication.sendEvent(window, QEvent(QEvent.Type.ApplicationFontChange))
    sheet = stylesheet()
    if app.styleSheet():  # the app's style is in use (not in tests): its sizes too
        app.setStyleSheet(scaled_stylesheet(sheet, factor))
