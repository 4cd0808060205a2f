"""The patient's consents: one check box per purpose, with when it was last decided.

Toggling a box asks for the decision to be recorded (``decided``); the box stays
disabled until the saved state comes back (``show``), so what is ticked is what is
on file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QWidget

from receptionist.ops.patients import CONSENT_PURPOSES as PURPOSES

from .table import short_datetime


class ConsentBox(QWidget):
    decided = Signal(str, bool)  # purpose, granted

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self.boxes: dict[str, QCheckBox] = {}
        self.dates: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 12, 12, 12)
        grid.setColumnStretch(1, 1)
        names = self._names()
        for row, purpose in enumerate(PURPOSES):
            box = QCheckBox(names[purpose], self)
            box.setObjectName(f"consent_{purpose}")
            box.setAccessibleName(names[purpose])
            box.toggled.connect(lambda on, p=purpose: self._toggled(p, on))
            when = QLabel(self)
            when.setObjectName("consentDate")
            when.setAccessibleName(self.tr("When {0} was decided").format(names[purpose]))
            grid.addWidget(box, row, 0)
            grid.addWidget(when, row, 1)
            self.boxes[purpose], self.dates[purpose] = box, when
        note = QLabel(
            self.tr("Withdrawing the optional data consent erases the birth date and gender."),
            self,
        )
        note.setWordWrap(True)
        note.setObjectName("hintLabel")
        grid.addWidget(note, len(PURPOSES), 0, 1, 2)
        self.below = len(PURPOSES) + 1  # the row ``add_below`` fills next
        grid.setRowStretch(self.below, 1)
        self.grid = grid

    def add_below(self, widget: QWidget) -> None:
        """Show ``widget`` under the consents and what was added before (the restriction
        of processing, then the hold); the room left over stays below them."""
        row = self.below
        self.grid.setRowStretch(row, 0)
        self.grid.addWidget(widget, row, 0, 1, 2)
        self.below = row + 1
        self.grid.setRowStretch(self.below, 1)

    def _names(self) -> dict[str, str]:
        return {
            "reminder_sms": self.tr("Reminders by &SMS"),
            "reminder_whatsapp": self.tr("Reminders by &WhatsApp"),
            "reminder_email": self.tr("Reminders by &e-mail"),
            "marketing": self.tr("Mar&keting messages"),
            "optional_data": self.tr("O&ptional data (birth date, gender)"),
        }

    def _toggled(self, purpose: str, granted: bool) -> None:
        self.boxes[purpose].setEnabled(False)
        self.dates[purpose].setText(self.tr("Saving…"))
        self.decided.emit(purpose, granted)

    def show_state(self, state: Mapping[str, bool], dates: Mapping[str, datetime]) -> None:
        for purpose, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(state.get(purpose, False))
            box.blockSignals(False)
            box.setEnabled(True)
            self.dates[purpose].setText(self._when(purpose, state, dates))

    def _when(self, purpose: str, state: Mapping[str, bool], dates: Mapping[str, datetime]) -> str:
        at = dates.get(purpose)
        if at is None:
            return self.tr("No decision on file")
        stamp = short_datetime(at, self.tz)
        if state.get(purpose, False):
            return self.tr("Given {0}").format(stamp)
        return self.tr("Withdrawn {0}").format(stamp)
