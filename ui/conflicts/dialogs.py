"""What a resolution asks before it is done: where the other booking goes (the booking
dialog's slot finder), why both are kept, and the patient's phone for a call."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable
from receptionist.ops.conflicts import ConflictView, Side
from receptionist.patients.phones import display_phone

from ..booking.freetimes import FreeTimes
from ..desk import Desk


class _Asking(QDialog):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.error = QLabel(self)
        self.error.setObjectName("conflictError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class MoveDialog(_Asking):
    """Keep one booking, move the other: the slot finder's next free times for it."""

    moveChosen = Signal(object)  # Slot

    def __init__(self, desk: Desk, kept: Side, moved: Side, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Move a booking"))
        self.setObjectName("conflictMoveDialog")
        self.setMinimumWidth(460)
        who = printable(moved.patient, lines=False)
        self.layout_.addWidget(
            QLabel(
                self.tr("Keep {0}. Move {1} ({2}) to:").format(kept.label, moved.label, who), self
            )
        )
        self.finder = FreeTimes(desk, None, moved.provider_id, moved.room_id, self, moved.start_utc)
        if moved.provider_id:
            self.finder.list.names[moved.provider_id] = printable(moved.provider, lines=False)
        self.layout_.addWidget(self.finder.list)
        self.layout_.addWidget(self.finder.status)
        self.finish_layout()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Move"))
        self.buttons.accepted.connect(self._chosen)
        self.finder.list.itemActivated.connect(lambda _item: self._chosen())
        self.finder.refresh(moved.service_id, moved.provider_id, moved.patient_id)

    def _chosen(self) -> None:
        slot = self.finder.list.current_slot()
        if slot is None:
            self.show_error(self.tr("Pick a free time first."))
            return
        self.moveChosen.emit(slot)


class ReasonDialog(_Asking):
    """Keep both bookings: why (an override, saved with its reason)."""

    reasonGiven = Signal(str)

    def __init__(self, conflict: ConflictView, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keep both bookings"))
        self.setObjectName("conflictReasonDialog")
        self.layout_.addWidget(
            QLabel(self.tr("Both bookings stay at the same time. Say why:"), self)
        )
        self.reason = QLineEdit(self)
        self.reason.setObjectName("conflictReason")
        self.reason.setAccessibleName(self.tr("Why both bookings are kept"))
        self.layout_.addWidget(self.reason)
        self.finish_layout()
        self.buttons.accepted.connect(self._given)

    def _given(self) -> None:
        text = self.reason.text().strip()
        if not text:
            self.show_error(self.tr("Say why both are kept."))
            return
        self.reasonGiven.emit(text)


class CallDialog(_Asking):
    """Call the patient: each side's patient and phone; OK notes the call (the conflict
    stays open until someone moves, cancels or keeps both)."""

    def __init__(self, conflict: ConflictView, parent: QWidget | None, region: str = "ZZ") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Call the patient"))
        self.setObjectName("conflictCallDialog")
        for side in conflict.sides:
            who = printable(side.patient, lines=False) or self.tr("a patient not on this PC")
            phone = display_phone(side.phone, region) or self.tr("no phone on file")
            line = QLabel(self.tr("{0}: {1} — {2}").format(side.label, who, phone), self)
            line.setObjectName(f"conflictPhone{side.label}")
            self.layout_.addWidget(line)
        self.finish_layout()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Note the call"))
        self.buttons.accepted.connect(self.accept)


__all__ = ["CallDialog", "MoveDialog", "ReasonDialog"]
