"""Asking before a patient is erased (right to erasure; ``ops.patients.delete``).

The question says what goes (her appointments, waiting-list entries, consents,
documents and communication-log entries, counted from ``ops.patients.erasure_plan``)
and what stays, and asks for her number or full name typed back: Erase is enabled only
then, and "Keep the record" is the default, so Enter keeps her. A patient on legal or
medical hold is not erased: the dialog says so, with the hold's reason, and offers
only to close.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable
from receptionist.ops.patients import ErasurePlan

from ..coretext import translated


class EraseDialog(QDialog):
    """Emits ``confirmed`` once the number or name is typed back and Erase is pressed;
    opened with ``open()``, never ``exec()``."""

    confirmed = Signal()

    def __init__(self, plan: ErasurePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eraseDialog")
        self.setWindowTitle(self.tr("Erase patient"))
        self.plan = plan
        name = printable(plan.name, lines=False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        heading = QLabel(self.tr("Erase {0} ({1})?").format(name, plan.number), self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.goes = self._label("eraseGoes", self._goes_text())
        self.goes.setWordWrap(False)  # short lines, each its own: none may be cut off
        self.stays = self._label("eraseStays", self._stays_text())
        for widget in (self.goes, self.stays):
            layout.addWidget(widget)
        self.hold = self._label("eraseHold", "")
        self.hold.setVisible(plan.hold_reason is not None)
        if plan.hold_reason is not None:
            self.hold.setText(
                self.tr(
                    "This patient is on legal or medical hold ({0}), so the record cannot be "
                    "erased. Lift the hold first if the erasure may go ahead."
                ).format(printable(plan.hold_reason, lines=False))
            )
        layout.addWidget(self.hold)
        self.caption = QLabel(
            self.tr("&Type the patient's number ({0}) or full name to confirm:").format(
                plan.number
            ),
            self,
        )
        self.caption.setWordWrap(True)
        self.typed = QLineEdit(self)
        self.typed.setObjectName("eraseTyped")
        self.typed.setAccessibleName(self.tr("The patient's number or full name, typed back"))
        self.caption.setBuddy(self.typed)
        self.typed.textChanged.connect(self._typed)
        for typing in (self.caption, self.typed):
            layout.addWidget(typing)
            typing.setVisible(plan.hold_reason is None)
        layout.addWidget(self._make_buttons())
        self._typed("")
        self.setMinimumWidth(480)

    def _label(self, name: str, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def _make_buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox(self)
        self.erase = buttons.addButton(
            self.tr("&Erase for good"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.erase.setObjectName("eraseButton")
        self.erase.setAccessibleName(self.tr("Erase the patient for good"))
        self.erase.setAutoDefault(False)
        self.erase.setVisible(self.plan.hold_reason is None)
        self.keep = buttons.addButton(
            self.tr("&Keep the record"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.keep.setObjectName("keepRecord")
        self.keep.setDefault(True)  # Enter keeps her
        buttons.accepted.connect(self._on_erase)
        buttons.rejected.connect(self.reject)
        return buttons

    def _goes_text(self) -> str:
        counts = self.plan.counts
        lines = [
            self.tr("This cannot be undone. Erased here and on every PC that syncs:"),
            self.tr("• the record: name, phone, e-mail, ID, address, notes and alert"),
            self.tr("• appointments: {0}").format(counts.get("appointment", 0)),
            self.tr("• waiting-list entries: {0}").format(counts.get("waitlist_entry", 0)),
            self.tr("• consent decisions: {0}").format(counts.get("consent", 0)),
            self.tr("• documents: {0}").format(counts.get("patient_document", 0)),
            self.tr("• communication-log entries: {0}").format(
                counts.get("communication_entry", 0)
            ),
        ]
        return "\n".join(lines)

    def _stays_text(self) -> str:
        stays = self.tr(
            "What stays: the patient number on an empty record (so a paper chart or another "
            "PC can tell it was erased); the deleted appointments' times, providers and "
            "statuses, with no name or notes, until the retention sweep purges them; the "
            "audit log (who did what, when; no names); and the erasure's destruction record "
            "(what kinds, how many, when)."
        )
        # the backups and copies that may still hold her, and until when (the core's)
        return f"{stays}\n\n{translated(self.plan.copies)}" if self.plan.copies else stays

    def _typed(self, text: str) -> None:
        self.erase.setEnabled(self.plan.hold_reason is None and self.plan.typed_back(text))

    def _on_erase(self) -> None:
        if not self.erase.isEnabled():
            return
        self.confirmed.emit()
        self.accept()
