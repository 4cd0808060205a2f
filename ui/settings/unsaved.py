"""Unsaved edits on a settings page: what the form holds, and asking Save / Discard / Cancel.

A page notes what its form held when it was filled (``form_state``); it has unsaved
changes while the form holds something else. Before those would be lost (another row,
another tab, closing) the page asks through a ``Confirm`` function: the real one is a
small modal box; tests pass one that answers at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QWidget,
)

from ..asksave import CANCEL, DISCARD, SAVE, ask_save

__all__ = [
    "CANCEL",
    "DISCARD",
    "SAVE",
    "Confirm",
    "State",
    "TracksEdits",
    "ask_unsaved",
    "form_state",
]

# (parent, the page's name) -> SAVE, DISCARD or CANCEL
Confirm = Callable[[QWidget, str], str]

State = tuple[object, ...]


class _Page(Protocol):
    @property
    def form(self) -> QWidget: ...
    @property
    def editable(self) -> bool: ...

    _baseline: State | None


class TracksEdits:
    """Mixed into a settings page that has ``form``, ``editable`` and ``_baseline``:
    it has unsaved edits while an editable form holds other than its baseline."""

    _baseline: State | None = None

    def unsaved(self: _Page) -> bool:
        """The form holds edits that were not saved."""
        return (
            self.editable and self._baseline is not None and form_state(self.form) != self._baseline
        )

    def mark_clean(self: _Page) -> None:
        """What the form holds now counts as saved."""
        self._baseline = form_state(self.form)


def form_state(root: QWidget) -> State:
    """What every editor under ``root`` holds, in a fixed order; reading changes nothing."""
    found: list[object] = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QComboBox):
            found.append(widget.currentText())
        elif isinstance(widget, QAbstractSpinBox):
            found.append(widget.text())
        elif isinstance(widget, QLineEdit):
            if not isinstance(widget.parent(), QComboBox | QAbstractSpinBox):
                found.append(widget.text())
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            found.append(widget.isChecked())
        elif isinstance(widget, QListWidget):  # a list ticked and ordered (the channels)
            items = [widget.item(i) for i in range(widget.count())]
            found.append(tuple((item.text(), item.checkState().value) for item in items))
    return tuple(found)


def ask_unsaved(parent: QWidget, page: str) -> str:
    """Ask whether to save the changes on ``page`` (page names, comma-separated when
    several): SAVE, DISCARD or CANCEL."""
    if ", " in page:
        question = QCoreApplication.translate(
            "SettingsDialog", "The changes on these pages are not saved: {0}. Save them now?"
        )
    else:
        question = QCoreApplication.translate(
            "SettingsDialog", "The changes on the {0} page are not saved. Save them now?"
        )
    return ask_save(parent, question.format(page))
