"""The demographics form: one editor per patient field, each with its own error line.

The form edits text; the core cleans and checks it. ``changes`` is what differs from
the record as loaded, and ``show_error(field, text)`` puts the core's
ValidationError under the field it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable

from ..fielderrors import FieldErrors, add_row, error_line

Editor = QLineEdit | QComboBox | QPlainTextEdit


def as_text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


class DemographicsForm(QWidget, FieldErrors):
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editors: dict[str, Editor] = {}
        self.errors: dict[str, QLabel] = {}
        self.captions: dict[str, str] = {}
        self._loaded: dict[str, str] = {}
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(12, 12, 12, 12)
        self.layout_.setVerticalSpacing(6)
        self._line("given_name", self.tr("&Given name"))
        self._line("family_name", self.tr("&Family name"))
        self._line("phone", self.tr("&Phone"), self.tr("e.g. 0532 123 45 67"))
        self._line("email", self.tr("&E-mail"))
        self._line("national_id", self.tr("N&ational ID"))
        self._line("birth_date", self.tr("&Birth date"), self.tr("YYYY-MM-DD"))
        self._choice("gender", self.tr("Ge&nder"), self._genders())
        self._line("address", self.tr("Addre&ss"))
        self._line("preferred_language", self.tr("&Language"), self.tr("e.g. tr, ar, en"))
        self._choice("preferred_channel", self.tr("&Reminders by"), self._channels())
        self.notes_page = self._notes()

    def _genders(self) -> list[tuple[str, str]]:
        return [("", self.tr("Not recorded")), ("female", self.tr("Female")),
                ("male", self.tr("Male")), ("other", self.tr("Other"))]  # fmt: skip

    def _channels(self) -> list[tuple[str, str]]:
        return [("", self.tr("No preference")), ("sms", self.tr("SMS")),
                ("whatsapp", self.tr("WhatsApp")), ("email", self.tr("E-mail"))]  # fmt: skip

    def _line(self, field: str, caption: str, hint: str = "") -> None:
        editor = QLineEdit(self)
        editor.setPlaceholderText(hint)
        editor.textEdited.connect(lambda _t: self._touched(field))
        self._add(field, caption, editor)

    def _choice(self, field: str, caption: str, options: list[tuple[str, str]]) -> None:
        editor = QComboBox(self)
        for value, text in options:
            editor.addItem(text, value)
        editor.activated.connect(lambda _i: self._touched(field))
        self._add(field, caption, editor)

    def _add(self, field: str, caption: str, editor: Editor, page: QWidget | None = None) -> None:
        editor.setObjectName(f"field_{field}")
        plain = caption.replace("&", "")
        editor.setAccessibleName(plain)
        error = error_line(page or self, self.tr("Problem with {0}").format(plain.lower()))
        self.editors[field], self.errors[field], self.captions[field] = editor, error, plain
        if page is None:
            add_row(self, self.layout_, caption, editor, error, editor)

    def _notes(self) -> QWidget:
        page = QWidget(self)
        editor = QPlainTextEdit(page)
        editor.setTabChangesFocus(True)  # Tab moves on, as in every other field
        editor.textChanged.connect(self._notes_changed)
        self._add("notes", self.tr("Notes"), editor, page)
        layout = QVBoxLayout(page)
        layout.addWidget(editor, 1)
        layout.addWidget(self.errors["notes"])
        return page

    def _notes_changed(self) -> None:
        if self.value("notes") != self._loaded.get("notes"):
            self._touched("notes")

    def _touched(self, field: str) -> None:
        self.errors[field].hide()
        self.edited.emit()

    # --- values ------------------------------------------------------------------------
    def value(self, field: str) -> str:
        editor = self.editors[field]
        if isinstance(editor, QComboBox):
            return str(editor.currentData() or "")
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        return editor.text()

    def set_value(self, field: str, value: object) -> None:
        """Show ``value`` in its editor; control characters and direction overrides saved
        before they were refused are shown as visible escapes (and saved so if edited)."""
        text, editor = printable(as_text(value)), self.editors[field]
        if isinstance(editor, QComboBox):
            found = editor.findData(text)
            editor.setCurrentIndex(max(found, 0))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(text)
        else:
            editor.setText(text)
        self._loaded[field] = self.value(field)

    def load(self, fields: Mapping[str, object], only: tuple[str, ...] | None = None) -> None:
        for field in only or tuple(self.editors):
            self.set_value(field, fields.get(field))
            self.errors[field].hide()

    def changes(self) -> dict[str, str]:
        """Fields whose text differs from the record as loaded."""
        now = {f: self.value(f) for f in self.editors}
        return {f: v for f, v in now.items() if v != self._loaded.get(f)}
