"""The today board as a table: time, patient, provider, room, status, waiting time.

The rows come from the worker; the clock only moves ``now``, which redraws the
waiting column and turns rows amber once a patient has waited longer than the
threshold - no database work on a tick.

Rows that need the desk come first - the late (``lifecycle.is_late``, the same
definition and the same word as the schedule's cards) and, on a day that is over,
those nobody marked (``lifecycle.is_unrecorded``: "Not marked"), then who waits, who is in a
room, who is still to come - and the finished ones (completed, no-shows) last, where
the board folds them. A tick that makes a patient late moves their row up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from receptionist.schedule import lifecycle
from receptionist.schedule.today import BoardRow

from ..coretext import patient_name
from ..rowsmodel import RowsModel
from ..schedule import look

ID_ROLE = Qt.ItemDataRole.UserRole + 1
AMBER_ROLE = Qt.ItemDataRole.UserRole + 2
AMBER = QColor("#fcd9a0")
DEFAULT_THRESHOLD_MINUTES = 15
WAITING_COLUMN = 5
STATUS_COLUMN = 4
# The board's groups, in the order it shows them.
LATE, WAITING, IN_ROOM, COMING, FINISHED = range(5)


def group(row: BoardRow, now: datetime, tz: tzinfo) -> int:
    """Which of the board's groups ``row`` is in at ``now`` (the clinic in ``tz``)."""
    if row.is_late(now, tz) or row.is_unrecorded(now, tz):
        return LATE
    if row.status == "arrived":
        return WAITING
    if row.status == "in_room":
        return IN_ROOM
    return FINISHED if row.status in lifecycle.FINAL else COMING


def ordered(rows: Sequence[BoardRow], now: datetime, tz: tzinfo) -> list[BoardRow]:
    """Those that need the desk first, by time within each group; the finished last."""
    return sorted(rows, key=lambda r: (group(r, now, tz), r.start_utc, r.id))


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

    def set_rows(self, rows: Sequence[BoardRow]) -> None:
        super().set_rows(ordered(rows, self.now, self.tz))

    def set_now(self, now: datetime) -> None:
        """Move the clock: waiting times, amber rows and late marks follow (a row that
        became late moves up)."""
        self.now = now
        if ordered(self._rows, now, self.tz) != self._rows:
            self.set_rows(self._rows)
        elif self._rows:
            last = self.index(len(self._rows) - 1, len(self._headers) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def finished(self) -> list[BoardRow]:
        return [r for r in self._rows if group(r, self.now, self.tz) == FINISHED]

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
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS_COLUMN:
            return look.status_colour(self._shown(row))
        return None

    def cell(self, row: BoardRow, column: int) -> str:
        if column == 0:
            return row.start_utc.astimezone(self.tz).strftime("%H:%M")
        if column == STATUS_COLUMN:
            return look.status_label(self._shown(row))
        if column == WAITING_COLUMN:
            waited = row.waiting_minutes(self.now)
            return "" if waited is None else self.tr("%n min", "", waited)
        values = ("", patient_name(row.patient_name), row.provider_name, row.room_name)
        return values[column] if 0 <= column < len(values) else ""

    def _shown(self, row: BoardRow) -> str:
        return look.shown_status(row.status, row.start_utc, (self.now, self.tz))
