"""Weekly hours: a line per weekday holding one or more spans ("09:00-12:30, 13:30-18:00").

An unticked "limit" box means "not set" (stored as ``{}``); ticked, an empty day is a
day off. Each day is checked by the core's rule as it is read, and a problem is shown
on that day's line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from receptionist.errors import ValidationError
from receptionist.schedule import hours

from ..coretext import exception_text

_SPLIT = re.compile(r"[,;]")


class HoursEditor(QWidget):
    edited = Signal()

    def __init__(self, field: str, limit_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.limited = QCheckBox(limit_text, self)
        self.limited.setObjectName(f"{field}_limited")
        self.limited.toggled.connect(self._limit_toggled)
        self.days: dict[str, QLineEdit] = {}
        self.day_errors: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        for row, (day, name) in enumerate(zip(hours.DAYS, self._day_names(), strict=True)):
            self._add_day(grid, row, day, name)
        # The days' lines take the room (up to their widest); what is left goes to their
        # right, not between the names of the days and their lines.
        grid.setColumnStretch(1, 100)
        grid.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.limited)
        layout.addLayout(grid)
        self._limit_toggled(False)

    def _day_names(self) -> list[str]:
        return [
            self.tr("Monday"),
            self.tr("Tuesday"),
            self.tr("Wednesday"),
            self.tr("Thursday"),
            self.tr("Friday"),
            self.tr("Saturday"),
            self.tr("Sunday"),
        ]

    def _add_day(self, grid: QGridLayout, row: int, day: str, name: str) -> None:
        editor = QLineEdit(self)
        editor.setObjectName(f"hours_{day}")
        editor.setPlaceholderText(self.tr("closed"))
        editor.setMaximumWidth(420)
        editor.setToolTip(self.tr("Spans like 09:00-12:30, 13:30-18:00; empty for a day off"))
        editor.setAccessibleName(self.tr("{0} hours").format(name.replace("&", "")))
        editor.textEdited.connect(lambda _t: self._touched(day))
        error = QLabel(self)
        error.setObjectName("formError")
        error.setWordWrap(True)
        error.setAccessibleName(self.tr("Problem with {0}").format(name.replace("&", "")))
        error.hide()
        label = QLabel(name, self)
        label.setBuddy(editor)
        grid.addWidget(label, 2 * row, 0)
        grid.addWidget(editor, 2 * row, 1)
        grid.addWidget(error, 2 * row + 1, 1)
        self.days[day], self.day_errors[day] = editor, error

    def _limit_toggled(self, on: bool) -> None:
        for editor in self.days.values():
            editor.setEnabled(on)
        self.edited.emit()

    def _touched(self, day: str) -> None:
        self.day_errors[day].hide()
        self.edited.emit()

    def set_hours(self, value: Mapping[str, Any]) -> None:
        self.limited.setChecked(bool(value))
        for day, editor in self.days.items():
            spans = value.get(day) or []
            editor.setText(", ".join(f"{start}-{end}" for start, end in spans))
            self.day_errors[day].hide()
        self._limit_toggled(bool(value))

    def hours(self) -> dict[str, list[list[str]]] | None:
        """The hours as stored, or None after showing a problem on the first bad day."""
        if not self.limited.isChecked():
            return {}
        result: dict[str, list[list[str]]] = {}
        for day, editor in self.days.items():
            try:
                result[day] = self._read_day(day, editor.text())
            except ValidationError as exc:
                self.show_day_error(day, exception_text(exc))
                return None
        return result

    def _read_day(self, day: str, text: str) -> list[list[str]]:
        spans: list[list[str]] = []
        for part in (p.strip() for p in _SPLIT.split(text.replace("–", "-"))):
            ends = [e.strip() for e in part.split("-")] if part else []
            if part and len(ends) != 2:
                message = self.tr("Write each span as 09:00-17:00, with commas between spans.")
                raise ValidationError(self.field, message)
            if ends:
                spans.append(ends)
        return hours.validate_hours({day: spans}, self.field)[day]

    def show_day_error(self, day: str, text: str) -> None:
        self.day_errors[day].setText(text)
        self.day_errors[day].show()
        self.days[day].setFocus()
        self.days[day].selectAll()

    def clear_errors(self) -> None:
        for error in self.day_errors.values():
            error.hide()
