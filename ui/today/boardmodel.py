"""The today board as a table: time, patient, provider, room, status, waiting time.

The rows come from the worker; the clock only moves ``now``, which redraws the
waiting column and turns rows amber once a patient has waited longer than the
threshold - no database work on a tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from receptionist.schedule.today import BoardRow

from ..rowsmodel import RowsModel
from ..schedule import look

ID_ROLE = Qt.ItemDataRole.UserRole + 1
AMBER_ROLE = Qt.ItemDataRole.UserRole + 2
AMBER = QColor("#fcd9a0")
LATE_TEXT = QColor("#b42318")
DEFAULT_THRESHOLD_MINUTES = 15
WAITING_COLUMN = 5


class BoardModel(RowsModel[BoardRow]):
    """Rows of ``BoardRow``; ``ID_ROLE`` gives the appointment id, ``AMBER_ROLE`` the alarm."""

    def __init__(
        self,
        tz: ZoneInfo,
        now: datetime,
        threshold_minutes: int = DEFAULT_THRESHOLD_MINUTES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tz = tz
        self.now = now
        self.threshold = timedelta(minutes=threshold_minutes)
        self._headers = (
            self.tr("Time"),
            self.tr("Patient"),
            self.tr("Provider"),
            self.tr("Room"),
            self.tr("Status"),
            self.tr("Waiting"),
        )

    def set_now(self, now: datetime) -> None:
        """Move the clock: waiting times, amber rows and late marks follow."""
        self.now = now
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self._headers) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def row_of(self, appointment_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == appointment_id), -1)

    def is_amber(self, row: BoardRow) -> bool:
        waiting = row.waiting_minutes(self.now) is not None
        return waiting and row.arrived_at is not None and self.now - row.arrived_at > self.threshold

    def role_data(self, row: BoardRow, column: int, role: int) -> Any:
        if role == ID_ROLE:
            return row.id
        if role == AMBER_ROLE:
            return self.is_amber(row)
        if role == Qt.ItemDataRole.BackgroundRole and self.is_amber(row):
            return AMBER
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return LATE_TEXT if row.is_late(self.now) else look.status_colour(row.status)
        return None

    def cell(self, row: BoardRow, column: int) -> str:
        if column == 0:
            return row.start_utc.astimezone(self.tz).strftime("%H:%M")
        if column == 4:
            return self._status(row)
        if column == WAITING_COLUMN:
            waited = row.waiting_minutes(self.now)
            return "" if waited is None else self.tr("%n min", "", waited)
        values = ("", row.patient_name, row.provider_name, row.room_name)
        return values[column] if 0 <= column < len(values) else ""

    def _status(self, row: BoardRow) -> str:
        label = look.status_label(row.status)
        return self.tr("{0} – late").format(label) if row.is_late(self.now) else label
