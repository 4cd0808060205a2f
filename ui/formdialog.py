"""What the unlock and sign-in dialogs share: an inline error line and a busy state.

The dialog never does the work itself: Enter emits ``submitted``, the caller runs
the check on the database worker and answers with :meth:`show_error` or ``accept``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class FormDialog(QDialog):
    """A small dialog with a message, fields, an error line and Submit/Quit buttons.

    It never closes itself on Quit or Escape: it emits ``quitRequested`` and the app
    decides. ``escape_quits`` False makes Escape and the close button do nothing.
    """

    quitRequested = Signal()

    def __init__(self, parent: QWidget | None, submit_text: str) -> None:
        super().__init__(parent)
        self.setModal(True)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(22, 20, 22, 16)
        self.layout_.setSpacing(10)
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(self.tr("Problem"))
        self.error.hide()
        self.buttons = QDialogButtonBox(self)
        self.submit = QPushButton(submit_text, self)
        self.submit.setDefault(True)
        self.quit = QPushButton(self.tr("Quit"), self)
        self.quit.setAutoDefault(False)
        self.buttons.addButton(self.submit, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.quit, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._on_submit)
        self.buttons.rejected.connect(self.quitRequested)
        self.escape_quits = True
        self._submit_text = submit_text
        self._busy = False

    def add_heading(self, text: str, detail: str) -> QLabel:
        heading = QLabel(text, self)
        heading.setObjectName("dialogHeading")
        body = QLabel(detail, self)
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.PlainText)
        self.layout_.addWidget(heading)
        self.layout_.addWidget(body)
        return body

    def add_field(self, label: str, field: QLineEdit) -> None:
        caption = QLabel(label, self)
        caption.setBuddy(field)
        field.setAccessibleName(label.replace("&", ""))
        self.layout_.addWidget(caption)
        self.layout_.addWidget(field)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.error)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.fit()

    def reject(self) -> None:
        if self.escape_quits:
            self.quitRequested.emit()

    def fit(self) -> None:
        """Grow to fit wrapped text now (a word-wrapped label knows its height late)."""
        self.layout_.activate()
        shown = self.isVisible()
        width = max(self.width(), self.minimumWidth()) if shown else self.minimumWidth()
        height = self.layout_.totalHeightForWidth(width)
        self.resize(width, max(self.height(), height) if shown else height)

    def fields(self) -> list[QLineEdit]:
        return self.findChildren(QLineEdit)

    def is_busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for field in self.fields():
            field.setEnabled(not busy)
        self.submit.setEnabled(not busy)
        self.submit.setText(self.tr("Checking…") if busy else self._submit_text)

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.error.show()
        self.fit()
        target = self.first_field_for_error()
        target.setFocus()
        target.selectAll()

    def first_field_for_error(self) -> QLineEdit:
        return self.fields()[-1]

    def _on_submit(self) -> None:
        if not self._busy:
            self.error.hide()
            self.submitted_values()

    def submitted_values(self) -> None:
        raise NotImplementedError
