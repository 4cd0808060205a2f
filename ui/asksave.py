"""Asking Save / Discard / Cancel before unsaved edits would be lost: one small modal
box, the same wording and buttons wherever the app asks (the settings dialog's pages,
the message templates). Callers take a ``Confirm``-like function so tests can answer
at once."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

SAVE: Final = "save"
DISCARD: Final = "discard"
CANCEL: Final = "cancel"


def ask_save(parent: QWidget, question: str) -> str:
    """Ask ``question`` (it ends "Save them now?") with Save (the default), Discard and
    Cancel (Esc): SAVE, DISCARD or CANCEL."""
    buttons = QMessageBox.StandardButton
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        QCoreApplication.translate("SettingsDialog", "Unsaved changes"),
        question,
        buttons.Save | buttons.Discard | buttons.Cancel,
        parent,
    )
    box.setObjectName("unsavedChangesBox")
    box.setDefaultButton(buttons.Save)
    box.setEscapeButton(buttons.Cancel)
    answer = box.exec()
    if answer == buttons.Save:
        return SAVE
    if answer == buttons.Discard:
        return DISCARD
    return CANCEL
