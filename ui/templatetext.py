"""The text part of the templates dialog (SMS and e-mail): the subject (e-mail only),
the text, buttons that insert a placeholder, and the SMS size line, worded from
``receptionist.ops.templates.measure`` (pure, no database) on every edit.

Read-only (no "clinic.configure"): the fields can be read and copied, not changed, and
the insert buttons are hidden. The dialog fills the fields and saves what they hold.

The size line measures the text filled in with long example values (a 12-letter name,
the longest date); when the text has placeholders it says so, with its length as typed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from receptionist.ops import templates
from receptionist.ops.templates import TemplateRow


class TextPanel(QWidget):
    edited = Signal()  # the subject or the text changed (also when filled in)

    def __init__(self, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templateText")
        self.subject = QLineEdit(self)
        self.subject.setObjectName("templateSubject")
        self.subject.setAccessibleName(self.tr("Subject"))
        self.subject.setMaxLength(templates.SUBJECT_LIMIT)
        self.subject.setReadOnly(not editable)
        self.subject.textEdited.connect(lambda _: self.edited.emit())
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("templateBody")
        self.body.setAccessibleName(self.tr("Message text"))
        self.body.setTabChangesFocus(True)
        self.body.setReadOnly(not editable)
        self.body.textChanged.connect(self.edited)
        self.size_line = QLabel(self)
        self.size_line.setObjectName("templateSize")
        self.size_line.setWordWrap(True)
        self._lay_out(editable)

    def _placeholders(self) -> QWidget:
        row = QWidget(self)
        row.setObjectName("templateInsert")
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(QLabel(self.tr("Insert:"), row))
        for name in templates.PLACEHOLDERS:
            button = QPushButton("{" + name + "}", row)
            button.setObjectName(f"insert_{name}")
            button.setAutoDefault(False)
            button.setToolTip(self.tr("Insert {0} where the cursor is").format("{" + name + "}"))
            button.clicked.connect(lambda _=False, n=name: self.insert(n))
            line.addWidget(button)
        line.addStretch(1)
        return row

    def _lay_out(self, editable: bool) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.subject_label = QLabel(self.tr("S&ubject:"), self)
        self.subject_label.setBuddy(self.subject)
        form.addRow(self.subject_label, self.subject)
        body_label = QLabel(self.tr("&Text:"), self)
        body_label.setBuddy(self.body)
        form.addRow(body_label, self.body)
        insert = self._placeholders()
        insert.setVisible(editable)
        form.addRow(insert)
        form.addRow(self.size_line)

    def show_row(self, row: TemplateRow) -> None:
        """Fill in ``row``'s subject (shown for e-mail only) and text."""
        self.subject.setText(row.subject)
        self.body.setPlainText(row.body)
        email = row.channel == "email"
        self.subject.setVisible(email)
        self.subject_label.setVisible(email)

    def typed(self, channel: str) -> tuple[str, str]:
        """(subject, text) as typed; the subject is e-mail's only."""
        return (self.subject.text() if channel == "email" else ""), self.body.toPlainText()

    def differs(self, row: TemplateRow) -> bool:
        """The fields hold other than ``row`` (the subject counts for e-mail only)."""
        subject, body = self.typed(row.channel)
        return body != row.body or (row.channel == "email" and subject != row.subject)

    def insert(self, name: str) -> None:
        """Put ``{name}`` where the cursor is in the text."""
        cursor = self.body.textCursor()
        cursor.insertText("{" + name + "}")
        self.body.setTextCursor(cursor)
        self.body.setFocus()

    def show_size(self, row: TemplateRow) -> None:
        """The SMS size line of the text as typed (shown for SMS only: parts and
        encodings are an SMS's), measured with ``row``'s clinic name and address."""
        sms = row.channel == "sms"
        self.size_line.setVisible(sms)
        if sms:
            self.size_line.setText(self.size_text(row, self.body.toPlainText()))

    def size_text(self, row: TemplateRow, body: str) -> str:
        """The size as a long case would send it; with placeholders, said so, and the
        length as typed beside it (a short text in 3 parts looked wrong unexplained)."""
        size = templates.measure(body, row.language, row.clinic, row.address)
        encoding = "GSM-7" if size.encoding == "gsm7" else "UCS-2"
        if not templates.has_placeholders(body):
            said = self.tr("SMS: %n part(s) (%1, %2 of %3 characters)", "", size.parts)
        else:
            said = self.tr(
                "SMS: about %n part(s) with long example names and dates "
                "(%1, %2 of %3 characters; %4 as typed)",
                "",
                size.parts,
            ).replace("%4", str(len(body)))
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
