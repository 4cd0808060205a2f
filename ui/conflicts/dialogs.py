"""What a resolution asks before it is done: where the other booking goes (the booking
dialog's slot finder), why the others are cancelled or both kept, and the patient's
phone for a call."""

from __future__ import annotations

from datetime import tzinfo

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
from ..coretext import one_line, translated
from ..desk import Desk
from .panel import side_when


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
        who = one_line(moved.patient)
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


class CancelOthersDialog(_Asking):
    """Keep one booking, cancel every other: who and when each one is, and why (said
    for the person, changeable; each cancelled booking keeps it)."""

    reasonGiven = Signal(str)

    def __init__(
        self, conflict: ConflictView, kept: Side, tz: tzinfo, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keep one booking, cancel the others"))
        self.setObjectName("conflictCancelDialog")
        self.setMinimumWidth(460)
        others = [side for side in conflict.sides if side.label != kept.label]
        self._line(
            "conflictKept", self.tr("Keep {0}: {1}").format(kept.label, _who(self, kept, tz))
        )
        for side in others:
            self._line(
                f"conflictCancel{side.label}",
                self.tr("Cancel {0}: {1}").format(side.label, _who(self, side, tz)),
            )
        self.layout_.addWidget(QLabel(self.tr("Why (kept with each cancelled booking):"), self))
        self.reason = QLineEdit(self.tr("Booked twice while offline; the other booking was kept."))
        self.reason.setParent(self)
        self.reason.setObjectName("conflictCancelReason")
        self.reason.setAccessibleName(self.tr("Why the other bookings are cancelled"))
        self.layout_.addWidget(self.reason)
        self.finish_layout()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(
            self.tr("Cancel {0}").format(others[0].label)
            if len(others) == 1
            else self.tr("Cancel the others")
        )
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Go back"))  # "Cancel" here would read as the action
        # As the cancel dialog's (ui/cancel.py): Enter, in the reason already filled in,
        # goes back; cancelling a patient's booking takes the button itself.
        ok.setAutoDefault(False)
        cancel.setDefault(True)
        self.buttons.accepted.connect(self._given)

    def _line(self, name: str, text: str) -> None:
        line = QLabel(text, self)
        line.setObjectName(name)
        line.setWordWrap(True)
        self.layout_.addWidget(line)

    def _given(self) -> None:
        text = self.reason.text().strip()
        if not text:
            self.show_error(self.tr("Say why the other bookings are cancelled."))
            return
        self.reasonGiven.emit(text)


def _who(widget: QWidget, side: Side, tz: tzinfo) -> str:
    """A side's patient, time and PC: "Ayşe Yılmaz, Tue 03 Mar 10:00, booked on FRONT-1"."""
    who = one_line(side.patient) or widget.tr("a patient not on this PC")
    device = printable(translated(side.device), lines=False)
    when = side_when(side, tz)
    if not when:
        return widget.tr("{0}, booked on {1}").format(who, device)
    return widget.tr("{0}, {1}, booked on {2}").format(who, when, device)


class CallDialog(_Asking):
    """Call the patient: each side's patient and phone; OK notes the call (the conflict
    stays open until someone moves, cancels or keeps both)."""

    def __init__(self, conflict: ConflictView, parent: QWidget | None, region: str = "ZZ") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Call the patient"))
        self.setObjectName("conflictCallDialog")
        for side in conflict.sides:
            who = one_line(side.patient) or self.tr("a patient not on this PC")
            phone = display_phone(side.phone, region) or self.tr("no phone on file")
            line = QLabel(self.tr("{0}: {1} — {2}").format(side.label, who, phone), self)
            line.setObjectName(f"conflictPhone{side.label}")
            self.layout_.addWidget(line)
        self.finish_layout()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Note the call"))
        self.buttons.accepted.connect(self.accept)


__all__ = ["CallDialog", "CancelOthersDialog", "MoveDialog", "ReasonDialog"]
