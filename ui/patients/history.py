"""The patient's appointments, upcoming and past: a table model and the page showing it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops.patients import Visit

from ..rowsmodel import RowsModel, rows_table
from ..schedule.look import status_label
from .table import short_datetime


class HistoryModel(RowsModel[Visit]):
    def __init__(self, tz: ZoneInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self._headers = (self.tr("When"), self.tr("Service"), self.tr("Provider"),
                         self.tr("Status"))  # fmt: skip

    def set_visits(self, visits: Sequence[Visit]) -> None:
        self.set_rows(visits)

    def visit_at(self, row: int) -> Visit:
        return self.row_at(row)

    def cell(self, row: Visit, column: int) -> str:
        values = (self._when(row), row.service, row.provider, status_label(row.status))
        return values[column] if 0 <= column < len(values) else ""

    def _when(self, visit: Visit) -> str:
        return short_datetime(visit.start_utc, self.tz)


class HistoryPage(QWidget):
    """Upcoming appointments (soonest first) above past ones (latest first)."""

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.upcoming = HistoryModel(tz, self)
        self.past = HistoryModel(tz, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.upcoming_label = QLabel(self)
        self.past_label = QLabel(self)
        for label, model, name in (
            (self.upcoming_label, self.upcoming, self.tr("Upcoming appointments")),
            (self.past_label, self.past, self.tr("Past appointments")),
        ):
            label.setObjectName("sectionLabel")
            layout.addWidget(label)
            layout.addWidget(self._table(model, name), 1)

    def _table(self, model: HistoryModel, name: str) -> QTableView:
        return rows_table(self, model, name)

    def show_visits(self, visits: Sequence[Visit], now: datetime) -> None:
        ahead = [v for v in visits if v.end_utc > now]
        behind = sorted((v for v in visits if v.end_utc <= now), key=lambda v: v.start_utc)
        self.upcoming.set_visits(ahead)
        self.past.set_visits(behind[::-1])
        self.upcoming_label.setText(self.tr("Upcoming (%n)", "", len(ahead)))
        self.past_label.setText(self.tr("Past (%n)", "", len(behind)))
