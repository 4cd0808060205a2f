"""The questions Settings → Google asks: the file to connect with, and yes-or-cancel
confirmations (Cancel by default). The page holds them as attributes, so tests answer
them in place."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

ChooseFile = Callable[[QWidget, str], str | None]
Confirm = Callable[[QWidget, str], bool]


def ask_for_file(parent: QWidget, caption: str) -> str | None:
    found, _filter = QFileDialog.getOpenFileName(parent, caption, "", "JSON (*.json)")
    return found or None


def ask_names(parent: QWidget, warning: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, parent.tr("Send patients' names?"), warning,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                      parent)  # fmt: skip
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def ask(parent: QWidget, question: str) -> bool:
    """A yes-or-cancel question about the providers' calendars (Cancel by default)."""
    box = QMessageBox(QMessageBox.Icon.Question, parent.tr("Google calendars"), question,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                      parent)  # fmt: skip
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes
