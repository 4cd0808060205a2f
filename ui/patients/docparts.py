"""The documents tab's parts: its table model and the dialogs it opens.

The dialogs are made by factories the tab takes (tests pass their own, never a native
dialog); each is opened with ``open()``, so nothing blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDir, QLocale, QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from receptionist.ops.documents import DocumentInfo

from ..rowsmodel import RowsModel
from .table import ID_ROLE, short_datetime

OpenDialogFactory = Callable[[QWidget], QFileDialog]
SaveDialogFactory = Callable[[QWidget, str], QFileDialog]
ConfirmFactory = Callable[[QWidget, str], QMessageBox]


def open_dialog(parent: QWidget) -> QFileDialog:
    dialog = QFileDialog(parent, parent.tr("Attach a document"), QDir.homePath())
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return dialog


def save_dialog(parent: QWidget, suggested: str) -> QFileDialog:
    dialog = QFileDialog(parent, parent.tr("Save a copy of the document"), suggested)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    return dialog


def confirm_box(parent: QWidget, text: str) -> QMessageBox:
    answers = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    title = parent.tr("Remove the document")
    box = QMessageBox(QMessageBox.Icon.Question, title, text, answers, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box


def size_text(size: int) -> str:
    """A size as people write it: "250 KB", "1.2 MB"."""
    traditional = QLocale.DataSizeFormat.DataSizeTraditionalFormat
    mb = 1024 * 1024
    decimals = 1 if size >= mb and size % mb else 0
    return str(QLocale().formattedDataSize(size, decimals, traditional))


class DocumentsModel(RowsModel[DocumentInfo]):
    """Rows of ``DocumentInfo``; ``ID_ROLE`` gives a row's document id."""

    def __init__(self, tz: ZoneInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self._headers = (self.tr("Name"), self.tr("Type"), self.tr("Size"), self.tr("Added"))

    def cell(self, row: DocumentInfo, column: int) -> str:
        values = (row.file_name, self.kind(row.media_type),
                  size_text(row.size_bytes),
                  short_datetime(row.added_at, self.tz))  # fmt: skip
        return values[column] if 0 <= column < len(values) else ""

    def role_data(self, row: DocumentInfo, column: int, role: int) -> Any:
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.note or row.media_type
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def kind(self, media_type: str) -> str:
        known = {
            "application/pdf": self.tr("PDF"),
            "text/plain": self.tr("Text"),
            "application/msword": self.tr("Word document"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": self.tr(
                "Word document"
            ),
        }
        if media_type in known:
            return known[media_type]
        major, _, minor = media_type.partition("/")
        if major == "image":
            return self.tr("Image ({0})").format(minor.upper())
        return media_type
