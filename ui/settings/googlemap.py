"""Settings → Google, the calendars box: each active provider and the calendar of the
connected account their appointments go to, picked from the account's calendar list
(read on the Google thread) or typed as an id (``chosen`` says so at once); "Make a
calendar" creates "Receptionist – <provider>" in the account for the selected
provider; "Stop sending to Google" removes the selected provider's mapping (the page
asks first)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sync.google.account import CalendarChoice


class CalendarsBox(QGroupBox):
    chosen = Signal(str, str)  # provider id, calendar id ("" for none)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Each provider's calendar"))
        self.providers: tuple[tuple[str, str], ...] = ()
        self.mapped: dict[str, str] = {}
        self.choices: list[CalendarChoice] = []
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("googleCalendars")
        self.table.setHorizontalHeaderLabels([self.tr("Provider"), self.tr("Google calendar")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(96)  # scrolls within itself: the page fits 1366×768
        self.load_button = self._button("googleLoadCalendars", self.tr("&Read the calendars"))
        self.create_button = self._button("googleCreateCalendar", self.tr("&Make a calendar"))
        self.create_button.setToolTip(
            self.tr('Make "Receptionist – <provider>" in the account for the selected provider')
        )
        self.unmap_button = self._button("googleUnmap", self.tr("Stop sending to Google"))
        self.unmap_button.setToolTip(
            self.tr(
                "The selected provider's appointments no longer go to Google; the events "
                "already there stay"
            )
        )
        row = QHBoxLayout()
        for button in (self.load_button, self.create_button, self.unmap_button):
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        return button

    def show_rows(self, providers: tuple[tuple[str, str], ...], mapped: dict[str, str]) -> None:
        same = providers == self.providers and self.table.rowCount() == len(providers)
        self.providers, self.mapped = providers, mapped
        self.table.setRowCount(len(providers))
        for at, (provider_id, name) in enumerate(providers):
            if not same:  # the same providers keep their boxes (and what the list holds)
                self.table.setItem(at, 0, QTableWidgetItem(name))
                self.table.setCellWidget(at, 1, self._combo(at, name))
            self._fill(self.combo(at), mapped.get(provider_id, ""))
        if providers and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def _combo(self, at: int, name: str) -> QComboBox:
        combo = QComboBox()  # the table takes it
        combo.setObjectName(f"googleCalendar_{at}")
        combo.setEditable(True)  # an id typed from Google's calendar settings works too
        combo.setAccessibleName(self.tr("{0}'s Google calendar").format(name))
        combo.activated.connect(lambda _i, at=at: self._picked(at))
        line = combo.lineEdit()
        if line is not None:  # an id typed: when the typing is done (Enter, or away)
            line.editingFinished.connect(lambda at=at: self._picked(at))
        return combo

    def _picked(self, at: int) -> None:
        if 0 <= at < len(self.providers) and self.table.cellWidget(at, 1) is not None:
            self.chosen.emit(self.providers[at][0], self.calendar_at(at))

    def show_choices(self, choices: list[CalendarChoice]) -> None:
        self.choices = choices
        for at in range(self.table.rowCount()):
            combo = self.combo(at)
            self._fill(combo, self.calendar_at(at))

    def _fill(self, combo: QComboBox, current: str) -> None:
        combo.clear()
        combo.addItem(self.tr("(not sent to Google)"), "")
        for choice in self.choices:
            label = (
                choice.summary
                if choice.summary == choice.calendar_id
                else (f"{choice.summary} — {choice.calendar_id}")
            )
            combo.addItem(label, choice.calendar_id)
        found = combo.findData(current) if current else 0
        if found < 0:
            combo.addItem(current, current)
            found = combo.count() - 1
        combo.setCurrentIndex(found)

    def combo(self, at: int) -> QComboBox:
        widget = self.table.cellWidget(at, 1)
        assert isinstance(widget, QComboBox)
        return widget

    def calendar_at(self, at: int) -> str:
        combo = self.combo(at)
        data = combo.currentData()
        if combo.currentText() == combo.itemText(combo.currentIndex()) and data is not None:
            return str(data)
        return combo.currentText().strip()  # typed by hand

    def choose(self, provider_id: str, calendar_id: str) -> None:
        """Show ``calendar_id`` as ``provider_id``'s choice (a calendar just made)."""
        for at, (pid, _name) in enumerate(self.providers):
            if pid == provider_id:
                self._fill(self.combo(at), calendar_id)

    def selected(self) -> tuple[str, str] | None:
        at = self.table.currentRow()
        return self.providers[at] if 0 <= at < len(self.providers) else None
