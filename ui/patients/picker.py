"""A search field over a table of patients, driven from the keyboard.

Type to search (through ``PatientFinder``); Down moves into the results, Up on the
first row goes back to the field; Enter on the field or a row emits ``chosen`` with
the patient id (from the field: the highlighted row, else the first).

The columns are sized once, for typical contents, and the name takes the rest: results
that change with every keystroke neither cost a measuring pass nor make the columns jump.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops.patients import PatientRow

from ..desk import Desk
from ..rowsmodel import rows_table
from .finder import PatientFinder
from .table import ID_ROLE, PatientTableModel, short_date

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
NAME_COLUMN = 1
_PADDING = 24


def _samples() -> dict[int, str]:
    """What the other columns are sized for: a long number, phone and birth date."""
    return {0: "A-000000", 2: "+90 500 000 00 00", 3: short_date(date(2000, 9, 30))}


class PatientPicker(QWidget):
    chosen = Signal(str)  # patient id
    shown = Signal(str)  # the query whose results are on screen

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.finder = PatientFinder(desk, self)
        self._shown_query = ""
        self._enter_pending = False
        self.model = PatientTableModel(self)
        self.field = QLineEdit(self)
        self.field.setObjectName("patientQuery")
        self.field.setClearButtonEnabled(True)
        self.field.setPlaceholderText(self.tr("Name, phone, ID or patient number"))
        self.field.setAccessibleName(self.tr("Find a patient"))
        self.table = self._make_table()
        self.note = QLabel(self)
        self.note.setObjectName("pickerNote")
        self.note.setAccessibleName(self.tr("Search result"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.field.textChanged.connect(self.finder.set_query)
        self.finder.found.connect(self._show)
        self.field.textChanged.connect(self._searching)
        self.table.activated.connect(self._activated)
        self.field.installEventFilter(self)
        self.table.installEventFilter(self)
        self._show("", [])

    def _make_table(self) -> QTableView:
        table = rows_table(
            self,
            self.model,
            self.tr("Patients found"),
            name="patientResults",
            stretch_column=NAME_COLUMN,
        )
        table.setAlternatingRowColors(True)
        header = table.horizontalHeader()
        metrics = header.fontMetrics()
        for column, sample in _samples().items():
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            wide = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, wide + _PADDING)
        return table

    def _show(self, query: str, rows: list[PatientRow]) -> None:
        self.model.region = self.desk.clinic.phone_region
        self.model.set_rows(rows)
        self._shown_query = query
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 0))
        if not query:
            self.note.setText(self.tr("Type at least part of a name, a phone or a number."))
        elif not rows:
            self.note.setText(self.tr("No patient found for “{0}”.").format(query))
        else:
            self.note.setText(self.tr("Patients found: %n", "", len(rows)))
        self.shown.emit(query)
        if self._enter_pending and query == self.finder.query:
            self._enter_pending = False
            self.choose_current()

    def _searching(self, text: str) -> None:
        if text.strip():
            self.note.setText(self.tr("Searching…"))

    def shown_query(self) -> str:
        """The query whose results are on screen."""
        return self._shown_query

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.chosen.emit(str(index.data(ID_ROLE)))

    def current_row(self) -> PatientRow | None:
        """The highlighted patient (the first found, if none is highlighted)."""
        index = self.table.currentIndex()
        if not index.isValid() and self.model.rowCount() > 0:
            index = self.model.index(0, 0)
        return self.model.row_at(index.row()) if index.isValid() else None

    def choose_current(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() and self.model.rowCount() > 0:
            index = self.model.index(0, 0)
        self._activated(index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if watched is self.field:
            return self._field_key(key)
        if watched is self.table and key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
            self.field.setFocus()
            return True
        if watched is self.table and key in _ENTER:
            self.choose_current()
            return True
        return False

    def _field_key(self, key: int) -> bool:
        if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.model.rowCount() > 0:
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, 0))
            return True
        if key in _ENTER:
            if self.finder.query != self._shown_query:  # results behind the typing
                self._enter_pending = True
                self.finder.search_now()
            else:
                self.choose_current()
            return True
        return False
