"""The demographics form: one editor per patient field, each with its own error line.

The form edits text; the core cleans and checks it. ``changes`` is what differs from
the record as loaded, and ``show_error(field, text)`` puts the core's
ValidationError under the field it names.

Values are shown as a person reads them and sent back as the core stores them: the
phone in the clinic's national format (``display_phone``), the birth date as lists
show dates ("23 Jul 1996", which is sent as ISO; ISO typed is taken too), the
preferred language by its name ("Türkçe", kept as its code "tr").
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
from receptionist.patients.phones import display_phone

from ..fielderrors import FieldErrors, add_row, error_line
from .languages import language_choices, language_name
from .table import date_examples, parse_date, short_date

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
        self._hints: dict[str, str] = {}  # a field's example, shown while it is empty
        self.region = "ZZ"  # the clinic's phone region: its numbers show in national form
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(12, 12, 12, 12)
        self.layout_.setVerticalSpacing(6)
        self._line("given_name", self.tr("&Given name"))
        self._line("family_name", self.tr("&Family name"))
        self._line("phone", self.tr("&Phone"), self.tr("e.g. 0532 123 45 67"))
        self._line("email", self.tr("&E-mail"))
        self._line("national_id", self.tr("N&ational ID"))
        # The core's own list of the forms it takes (its error names the same ones).
        hint = self.tr("e.g. {0}").format(date_examples())
        self._line("birth_date", self.tr("Birt&h date"), hint)
        self._choice("gender", self.tr("Ge&nder"), self._genders())
        self._line("address", self.tr("Addre&ss"))
        languages = [("", self.tr("Not recorded")), *language_choices()]
        self._choice("preferred_language", self.tr("&Language"), languages)
        self._choice("preferred_channel", self.tr("&Reminders by"), self._channels())
        self._line("alert", self.tr("Front-des&k alert"), self.tr("e.g. needs wheelchair access"))
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
        self._hints[field] = hint
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

    def set_read_only(self, read_only: bool) -> None:
        """Shown, not edited (an anonymised patient's record: ``anonymised.py``): text
        can still be selected and copied, a choice is shown greyed, and no example
        ("e.g. 0532 ...") invites typing."""
        for field, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                editor.setEnabled(not read_only)
                continue
            editor.setReadOnly(read_only)
            if isinstance(editor, QLineEdit):
                editor.setPlaceholderText("" if read_only else self._hints.get(field, ""))

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
        text, editor = self._shown(field, value), self.editors[field]
        if isinstance(editor, QComboBox):
            found = editor.findData(text)
            if found < 0 and text and field == "preferred_language":  # not among the usual
                editor.addItem(language_name(text), text)
                found = editor.count() - 1
            editor.setCurrentIndex(max(found, 0))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(text)
        else:
            editor.setText(text)
        self._loaded[field] = self.value(field)

    def _shown(self, field: str, value: object) -> str:
        if field == "phone":
            return display_phone(value if isinstance(value, str) else None, self.region)
        if field == "birth_date" and isinstance(value, date):
            return short_date(value)
        return printable(as_text(value))

    def load(self, fields: Mapping[str, object], only: tuple[str, ...] | None = None) -> None:
        for field in only or tuple(self.editors):
            self.set_value(field, fields.get(field))
            self.errors[field].hide()

    def changes(self) -> dict[str, str]:
        """Fields whose text differs from the record as loaded."""
        now = {f: self.value(f) for f in self.editors}
        changed = {f: v for f, v in now.items() if v != self._loaded.get(f)}
        typed = parse_date(changed.get("birth_date", ""))
        if typed is not None:  # as the core takes it; other text goes as typed, to be refused
            changed["birth_date"] = typed.isoformat()
        return changed
