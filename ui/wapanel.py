"""The WhatsApp part of the templates dialog: no text to edit (Meta sends only the
template approved in WhatsApp Manager), but the approved template's name for the
chosen kind, Meta's language code for the chosen language, and the six values a
message fills in, in their order ({{1}}..{{6}}), as a long case would send them.

A manager edits the name and code (``receptionist.ops.wanames``); anyone else reads
them. Its fields are read as typed; the dialog saves them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from receptionist.ops.wanames import WhatsAppRow


class WhatsAppPanel(QWidget):
    edited = Signal()

    def __init__(self, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templateWhatsApp")
        self.explain = QLabel(
            self.tr(
                "WhatsApp sends only a template that Meta approved, never a text written "
                "here. Write the template and have it approved in WhatsApp Manager, then "
                "give its name and language code here, exactly as they are there."
            ),
            self,
        )
        self.explain.setWordWrap(True)
        self.name = self._line("templateWaName", self.tr("WhatsApp template name"), editable)
        # An example, said as one: a bare name in grey read as a name already saved.
        self.name.setPlaceholderText(self.tr("e.g. appointment_reminder"))
        self.code = self._line("templateWaCode", self.tr("Meta's language code"), editable)
        self.values = QLabel(self)
        self.values.setObjectName("templateWaValues")
        self.values.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.missing = QLabel(
            self.tr(
                "No template named: this message is not sent by WhatsApp; the next channel "
                "the patient agreed to is used."
            ),
            self,
        )
        self.missing.setObjectName("templateWaMissing")
        self.missing.setWordWrap(True)
        self.name.textEdited.connect(lambda text: self.missing.setVisible(not text.strip()))
        self._lay_out()

    def _line(self, name: str, said: str, editable: bool) -> QLineEdit:
        line = QLineEdit(self)
        line.setObjectName(name)
        line.setAccessibleName(said)
        line.setReadOnly(not editable)
        line.textEdited.connect(lambda _: self.edited.emit())
        return line

    def _lay_out(self) -> None:
        form = QFormLayout()
        for text, line in (
            (self.tr("Template &name:"), self.name),
            (self.tr("Language co&de:"), self.code),
        ):
            label = QLabel(text, self)
            label.setBuddy(line)
            form.addRow(label, line)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.explain)
        layout.addLayout(form)
        layout.addWidget(self.missing)
        layout.addWidget(self.values)
        layout.addStretch(1)

    def show_row(self, row: WhatsAppRow) -> None:
        self.name.setText(row.name)
        self.code.setText(row.code)
        self.code.setPlaceholderText(row.language)
        self.missing.setVisible(not row.name)
        said = [self.tr("Sent with it, in this order (a long example):")]
        for at, (label, value) in enumerate(zip(self._labels(), row.parameters, strict=True)):
            said.append(f"{{{{{at + 1}}}}}  {label}: {value}")
        self.values.setText("\n".join(said))

    def _labels(self) -> tuple[str, ...]:
        return (
            self.tr("first name"),
            self.tr("date"),
            self.tr("time"),
            self.tr("provider"),
            self.tr("clinic"),
            self.tr("address"),
        )

    def typed(self) -> tuple[str, str]:
        """(name, code) as typed."""
        return self.name.text().strip(), self.code.text().strip()

    def differs(self, row: WhatsAppRow) -> bool:
        """The fields hold other than ``row`` (an empty code is the language's own)."""
        name, code = self.typed()
        return name != row.name or (code or row.language) != row.code
