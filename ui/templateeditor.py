"""The reminder templates dialog (Settings > Reminders > Message templates…): pick a
language, channel and kind; edit the subject (e-mail) and the text; see its SMS size
as you type; insert placeholders; save the clinic's own text or go back to the
built-in one.

The size line is ``receptionist.ops.templates.measure`` (pure, no database) on every
edit; a text the core refuses is shown under the editor, as the core words it, both
while typing (``templates.check``) and when saving. Reads and writes go through
``receptionist.ops.templates`` on the worker.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.errors import UserError
from receptionist.ops import templates
from receptionist.ops.templates import TemplateRow
from receptionist.store.storage import Database

from .coretext import exception_text
from .desk import Desk
from .tasks import DbOp

Key = tuple[str, str, str]


class TemplatesDialog(QDialog):
    loaded = Signal()  # the templates were read (after opening, a save or a reset)
    saved = Signal()

    def __init__(self, desk: Desk, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.editable = desk, editable
        self.rows: dict[Key, TemplateRow] = {}
        self._filling = False
        self.setObjectName("templatesDialog")
        self.setWindowTitle(self.tr("Message templates"))
        self.language = self._choice(
            "templateLanguage",
            self.tr("Language"),
            [("en", self.tr("English")), ("tr", self.tr("Turkish")), ("ar", self.tr("Arabic"))],
        )
        self.channel = self._choice(
            "templateChannel",
            self.tr("Channel"),
            [
                ("sms", self.tr("SMS")),
                ("whatsapp", self.tr("WhatsApp")),
                ("email", self.tr("E-mail")),
            ],
        )
        self.kind = self._choice(
            "templateKind",
            self.tr("Message"),
            [
                ("reminder", self.tr("Reminder")),
                ("confirmation", self.tr("Booking confirmation")),
                ("reschedule", self.tr("Reschedule")),
                ("cancellation", self.tr("Cancellation")),
            ],
        )
        self.origin = QLabel(self)
        self.origin.setObjectName("templateOrigin")
        self.subject = QLineEdit(self)
        self.subject.setObjectName("templateSubject")
        self.subject.setAccessibleName(self.tr("Subject"))
        self.subject.setMaxLength(templates.SUBJECT_LIMIT)
        self.subject.textEdited.connect(self._edited)
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("templateBody")
        self.body.setAccessibleName(self.tr("Message text"))
        self.body.setTabChangesFocus(True)
        self.body.textChanged.connect(self._edited)
        self.size_line = QLabel(self)
        self.size_line.setObjectName("templateSize")
        self.size_line.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setObjectName("templateError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.note = QLabel(self)
        self.note.setObjectName("templateNote")
        self._lay_out()
        self.resize(720, 520)

    # --- building --------------------------------------------------------------------
    def _choice(self, name: str, said: str, items: list[tuple[str, str]]) -> QComboBox:
        box = QComboBox(self)
        box.setObjectName(name)
        box.setAccessibleName(said)
        for key, label in items:
            box.addItem(label, key)
        box.currentIndexChanged.connect(lambda _: self._show_chosen())
        return box

    def _placeholders(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Insert:"), self))
        for name in templates.PLACEHOLDERS:
            button = QPushButton("{" + name + "}", self)
            button.setObjectName(f"insert_{name}")
            button.setAutoDefault(False)
            button.setToolTip(self.tr("Insert {0} where the cursor is").format("{" + name + "}"))
            button.clicked.connect(lambda _=False, n=name: self.insert(n))
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _lay_out(self) -> None:
        pick = QHBoxLayout()
        for text, box in (
            (self.tr("&Language:"), self.language),
            (self.tr("C&hannel:"), self.channel),
            (self.tr("&Message:"), self.kind),
        ):
            label = QLabel(text, self)
            label.setBuddy(box)
            pick.addWidget(label)
            pick.addWidget(box, 1)
        form = QFormLayout()
        self.subject_label = QLabel(self.tr("S&ubject:"), self)
        self.subject_label.setBuddy(self.subject)
        form.addRow(self.subject_label, self.subject)
        body_label = QLabel(self.tr("&Text:"), self)
        body_label.setBuddy(self.body)
        form.addRow(body_label, self.body)
        self.save_button = QPushButton(self.tr("&Save"), self)
        self.save_button.setObjectName("templateSave")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.reset_button = QPushButton(self.tr("&Reset to built-in"), self)
        self.reset_button.setObjectName("templateReset")
        self.reset_button.setAutoDefault(False)
        self.reset_button.clicked.connect(self.reset)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.reset_button)
        bottom.addWidget(self.save_button)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(self.origin)
        layout.addLayout(form, 1)
        layout.addLayout(self._placeholders())
        layout.addWidget(self.size_line)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        for widget in (self.subject, self.body, self.save_button, self.reset_button):
            widget.setEnabled(self.editable)

    # --- reading ---------------------------------------------------------------------
    def chosen(self) -> Key:
        return (
            str(self.language.currentData()),
            str(self.channel.currentData()),
            str(self.kind.currentData()),
        )

    def load(self) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: templates.listing(db, ctx), self)
        op.success(self._loaded).failure(self._failed).run()

    def _loaded(self, rows: list[TemplateRow]) -> None:
        self.rows = {(r.language, r.channel, r.kind): r for r in rows}
        self._show_chosen()
        self.loaded.emit()

    def _show_chosen(self) -> None:
        row = self.rows.get(self.chosen())
        if row is None:
            return
        self._filling = True
        try:
            self.subject.setText(row.subject)
            self.body.setPlainText(row.body)
        finally:
            self._filling = False
        email = row.channel == "email"
        self.subject.setVisible(email)
        self.subject_label.setVisible(email)
        self.origin.setText(
            self.tr("The clinic's own text.") if row.overridden else self.tr("The built-in text.")
        )
        self.reset_button.setEnabled(self.editable and row.overridden)
        self.note.clear()
        self._edited()

    # --- editing ---------------------------------------------------------------------
    def insert(self, name: str) -> None:
        """Put ``{name}`` where the cursor is in the text."""
        cursor = self.body.textCursor()
        cursor.insertText("{" + name + "}")
        self.body.setTextCursor(cursor)
        self.body.setFocus()

    def _edited(self) -> None:
        if self._filling:
            return
        language, channel, _ = self.chosen()
        subject, body = self.subject.text(), self.body.toPlainText()
        try:
            templates.check(channel, subject if channel == "email" else "", body)
        except UserError as exc:
            self.error.setText(exception_text(exc))
            self.error.show()
        else:
            self.error.hide()
        self.size_line.setVisible(channel == "sms")  # parts and encodings are an SMS's
        if channel == "sms":
            self.size_line.setText(self.size_text(language, body))

    def size_text(self, language: str, body: str) -> str:
        row = self.rows.get(self.chosen())
        clinic, address = (row.clinic, row.address) if row else ("", "")
        size = templates.measure(body, language, clinic, address)
        encoding = "GSM-7" if size.encoding == "gsm7" else "UCS-2"
        said = self.tr("SMS: %n part(s) (%1, %2 of %3 characters)", "", size.parts)
        said = said.replace("%1", encoding).replace("%2", str(size.units))
        said = said.replace("%3", str(size.capacity))
        if size.forcing and size.from_values:
            said += " — " + self.tr(
                "'%1' in a filled-in value (a name, a date, the clinic's name or address) "
                "makes the message UCS-2"
            ).replace("%1", size.forcing)
        elif size.forcing:
            said += " — " + self.tr("'%1' in the text makes the message UCS-2").replace(
                "%1", size.forcing
            )
        return said

    # --- saving ----------------------------------------------------------------------
    def save(self) -> None:
        language, channel, kind = self.chosen()
        subject = self.subject.text() if channel == "email" else ""
        body, ctx = self.body.toPlainText(), self.desk.ctx()
        self.save_button.setEnabled(False)

        def write(db: Database) -> TemplateRow:
            return templates.set_template(db, ctx, language, channel, kind, body, subject=subject)

        op = DbOp(self.desk.tasks, write, self)
        op.success(lambda row: self._done(row, self.tr("Saved."))).failure(self._failed).run()

    def reset(self) -> None:
        language, channel, kind = self.chosen()
        ctx = self.desk.ctx()
        self.reset_button.setEnabled(False)
        op = DbOp(
            self.desk.tasks, lambda db: templates.reset(db, ctx, language, channel, kind), self
        )
        op.success(lambda row: self._done(row, self.tr("Back to the built-in text."))).failure(
            self._failed
        ).run()

    def _done(self, row: TemplateRow, said: str) -> None:
        self.save_button.setEnabled(self.editable)
        self.rows[(row.language, row.channel, row.kind)] = row
        if (row.language, row.channel, row.kind) == self.chosen():
            self._show_chosen()
        self.note.setText(said)
        self.saved.emit()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(self.editable)
        self.error.setText(exception_text(exc))
        self.error.show()
        self.note.setText(self.tr("Not saved."))


def open_templates(desk: Desk, editable: bool, parent: QWidget) -> TemplatesDialog:
    """The dialog over ``parent``, reading the templates."""
    dialog = TemplatesDialog(desk, editable, parent)
    dialog.show()
    dialog.load()
    return dialog
