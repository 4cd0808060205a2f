"""The waitlist (``waitlist``): who wants an earlier slot, and who fits the one just freed.

Keys: Insert adds, Delete removes, B marks the highlighted patient as booked. After
a cancellation the lower table lists the patients the freed time suits, best first.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.waitlist import FreedSlot, WaitlistRow

from ..actions import local_action
from ..desk import Desk
from ..patients.table import short_datetime
from ..rowsmodel import rows_table
from .listmodel import ID_ROLE, WaitlistModel


def _table(parent: QWidget, name: str, accessible: str, model: WaitlistModel) -> QTableView:
    return rows_table(parent, model, accessible, name=name)


class WaitlistView(QDialog):
    """Modeless. Asks its controller through signals; shows what it is given."""

    addRequested = Signal()
    removeRequested = Signal(str, bool)  # entry id, booked

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitlist")
        self.setWindowTitle(self.tr("Waitlist"))
        self.setAccessibleName(self.tr("Waitlist"))
        self.desk = desk
        self.model = WaitlistModel(self)
        self.fits = WaitlistModel(self)
        heading = QLabel(self.tr("Patients who want an earlier appointment"), self)
        heading.setObjectName("dialogHeading")
        self.table = _table(self, "waitlistTable", self.tr("Waitlist"), self.model)
        self.add_action = self._action(self.tr("Add…  [Ins]"), "Ins", self.tr("Add a patient"))
        self.remove_action = self._action(
            self.tr("Remove  [Del]"), "Del", self.tr("Take the highlighted patient off the list")
        )
        self.booked_action = self._action(
            self.tr("Booked  [B]"), "B", self.tr("The highlighted patient got an appointment")
        )
        self.add_action.triggered.connect(self.addRequested)
        self.remove_action.triggered.connect(lambda: self._remove(booked=False))
        self.booked_action.triggered.connect(lambda: self._remove(booked=True))
        self.freed = QGroupBox(self.tr("Fits the slot just freed"), self)
        self.freed.setObjectName("freedSlot")
        self.freed_label = QLabel(self.freed)
        self.freed_label.setObjectName("freedSlotLabel")
        self.fits_table = _table(self.freed, "candidatesTable", self.tr("Who fits"), self.fits)
        inner = QVBoxLayout(self.freed)
        inner.addWidget(self.freed_label)
        inner.addWidget(self.fits_table)
        self.freed.hide()
        self.empty = QLabel(self.tr("Nobody is on the waitlist."), self)
        self.empty.setObjectName("waitlistEmpty")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addWidget(heading)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.empty)
        layout.addLayout(self._buttons())
        layout.addWidget(self.freed, 1)
        self.show_rows([])
        self.resize(820, 520)

    def _action(self, text: str, key: str, tip: str) -> QAction:
        return local_action(self, text, key, tip)

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for action in (self.add_action, self.remove_action, self.booked_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _remove(self, booked: bool) -> None:
        table = self.fits_table if self.fits_table.hasFocus() else self.table
        index = table.currentIndex()
        if index.isValid():
            self.removeRequested.emit(str(index.data(ID_ROLE)), booked)

    def show_rows(self, rows: list[WaitlistRow]) -> None:
        self.model.set_rows(rows)
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.empty.setVisible(not rows)
        for action in (self.remove_action, self.booked_action):
            action.setEnabled(bool(rows))
        gone = {r.id for r in self.fits.rows()} - {r.id for r in rows}
        if gone:  # someone who fitted was booked or removed
            self.fits.set_rows([r for r in self.fits.rows() if r.id not in gone])

    def show_freed(self, slot: FreedSlot) -> None:
        when = short_datetime(slot.start_utc, self.desk.clinic.tz)
        self.freed_label.setText(
            self.tr("{0} with {1} ({2}) was cancelled. On the waitlist, these fit: %n", "",
                    len(slot.candidates)).format(
                when, slot.provider_name, slot.service_name
            )
        )  # fmt: skip
        self.fits.set_rows(slot.candidates)
        if slot.candidates:
            self.fits_table.setCurrentIndex(self.fits.index(0, 0))
        self.freed.show()

    def present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()
