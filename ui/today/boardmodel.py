"""The today board as a table: time, patient, provider, room, status, waiting time.

The rows come from the worker; the clock only moves ``now``, which redraws the
waiting column and turns rows amber once a patient has waited longer than the
threshold - no database work on a tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from receptionist.today import BoardRow

from ..schedule import look

Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1
AMBER_ROLE = Qt.ItemDataRole.UserRole + 2
AMBER = QColor("#fcd9a0")
LATE_TEXT = QColor("#b42318")
DEFAULT_THRESHOLD_MINUTES = 15
WAITING_COLUMN = 5


class BoardModel(QAbstractTableModel):
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
        self._rows: list[BoardRow] = []
        self._headers = (
            self.tr("Time"),
            self.tr("Patient"),
            self.tr("Provider"),
            self.tr("Room"),
            self.tr("Status"),
            self.tr("Waiting"),
        )

    def set_rows(self, rows: Sequence[BoardRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        """Move the clock: waiting times, amber rows and late marks follow."""
        self.now = now
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self._headers) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def rows(self) -> list[BoardRow]:
        return list(self._rows)

    def row_at(self, row: int) -> BoardRow:
        return self._rows[row]

    def row_of(self, appointment_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == appointment_id), -1)

    def is_amber(self, row: BoardRow) -> bool:
        waiting = row.waiting_minutes(self.now) is not None
        return waiting and row.arrived_at is not None and self.now - row.arrived_at > self.threshold

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ID_ROLE:
            return row.id
        if role == AMBER_ROLE:
            return self.is_amber(row)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._cell(row, index.column())
        if role == Qt.ItemDataRole.BackgroundRole and self.is_amber(row):
            return AMBER
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 4:
            return LATE_TEXT if row.is_late(self.now) else look.status_colour(row.status)
        return None

    def _cell(self, row: BoardRow, column: int) -> str:
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

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        return None
