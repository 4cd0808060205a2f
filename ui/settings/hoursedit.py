"""Weekly hours: per weekday, a row of from–to spans picked as times, with add and remove.

An unticked "limit" box means "not set" (stored as ``{}``); ticked, a day without spans
is a day off (it says so). Each day is checked by the core's rule
(``receptionist.schedule.hours``) as it is changed and again when it is read for saving;
a problem is shown under that day's row. A span that ends at 00:00 ends at midnight
(stored as "24:00"). The spans of a day sit side by side, so the week keeps seven rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.errors import ValidationError
from receptionist.schedule import hours

from ..coretext import exception_text

MIDNIGHT = "24:00"
DAY_END = 24 * 60
FORMAT = "HH:mm"
SPANS_SHOWN = 3  # "Add" goes here: three spans a day fit the row (more stored still show)
FIRST = (QTime(9, 0), QTime(17, 0))  # a new day's first span


def _stored(time: QTime, *, end: bool) -> str:
    text = time.toString(FORMAT)
    return MIDNIGHT if end and text == "00:00" else text


def _minutes(time: QTime, *, end: bool) -> int:
    """Minutes since the day began; an end at 00:00 is midnight, the day's last minute."""
    found = time.hour() * 60 + time.minute()
    return DAY_END if end and found == 0 else found


def _clock(minutes: int) -> QTime:
    return QTime(0, 0) if minutes >= DAY_END else QTime(minutes // 60, minutes % 60)


def _time(text: str) -> QTime:
    return QTime(0, 0) if text == MIDNIGHT else QTime.fromString(text, FORMAT)


class Span(QWidget):
    """One span of a day: from, to, and a button taking it away."""

    changed = Signal()
    removeRequested = Signal(object)  # this span

    def __init__(self, day_name: str, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start, self.end = QTimeEdit(self), QTimeEdit(self)
        for edit, said in ((self.start, self.tr("from")), (self.end, self.tr("to"))):
            edit.setDisplayFormat(FORMAT)
            edit.setObjectName(f"span_{'start' if edit is self.start else 'end'}")
            edit.setAccessibleName(self.tr("{0}, span {1}, {2}").format(day_name, number, said))
            edit.timeChanged.connect(lambda _t: self.changed.emit())
        self.end.setToolTip(self.tr("00:00 as the end means midnight"))
        self.remove = QToolButton(self)
        self.remove.setObjectName("removeSpanButton")
        self.remove.setText("✕")
        self.remove.setToolTip(self.tr("Remove this span"))
        self.remove.setAccessibleName(self.tr("Remove span {0} on {1}").format(number, day_name))
        self.remove.clicked.connect(lambda: self.removeRequested.emit(self))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(3)
        layout.addWidget(self.start)
        layout.addWidget(QLabel("–", self))
        layout.addWidget(self.end)
        layout.addWidget(self.remove)

    def set_times(self, start: QTime, end: QTime) -> None:
        self.start.setTime(start)
        self.end.setTime(end)

    def value(self) -> list[str]:
        return [_stored(self.start.time(), end=False), _stored(self.end.time(), end=True)]


class DayHours(QWidget):
    """One weekday's spans, side by side; none: the day is off."""

    changed = Signal()

    def __init__(self, day_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.day_name = day_name
        self.spans: list[Span] = []
        self.off = QLabel(self.tr("Day off"), self)
        self.off.setObjectName("dayOffLabel")
        self.add = QToolButton(self)
        self.add.setObjectName("addSpanButton")
        self.add.setText(self.tr("+ Add"))
        self.add.setAccessibleName(self.tr("Add hours on {0}").format(day_name))
        self.add.clicked.connect(self._add_clicked)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(0)
        self.row.addWidget(self.off)
        self.row.addSpacing(8)
        self.row.addWidget(self.add)
        self.row.addStretch(1)
        self._shown()

    def set_spans(self, spans: Sequence[Sequence[str]]) -> None:
        for span in list(self.spans):
            self._drop(span)
        for start, end in spans:
            self._append().set_times(_time(start), _time(end))
        self._shown()

    def add_span(self) -> Span | None:
        """A new span after the last (09:00–17:00 on a day off); it takes the focus.
        None when the last span runs to midnight: the day has no room for another."""
        offered = self.next_span()
        if offered is None:
            return None
        span = self._append()
        span.set_times(*offered)
        self._shown()
        span.start.setFocus()
        self.changed.emit()
        return span

    def next_span(self) -> tuple[QTime, QTime] | None:
        """What "Add" offers: an hour after the span that ends last (the spans as typed
        need not be in order), four hours long, and never past midnight (the span is cut
        there, or starts right after the last when an hour later is already the next
        day); None when the day already runs to midnight."""
        if not self.spans:
            return FIRST
        last = max(_minutes(span.end.time(), end=True) for span in self.spans)
        if last >= DAY_END:
            return None
        start = last + 60 if last + 60 < DAY_END else last
        return _clock(start), _clock(min(start + 4 * 60, DAY_END))

    def remove_span(self, span: Span) -> None:
        at = self.spans.index(span)
        self._drop(span)
        self._shown()
        focus = self.spans[min(at, len(self.spans) - 1)].start if self.spans else self.add
        focus.setFocus()
        self.changed.emit()

    def value(self) -> list[list[str]]:
        return [span.value() for span in self.spans]

    def summary(self) -> str:
        """The spans as text ("09:00-12:30, 13:30-18:00"), "" on a day off."""
        return ", ".join(f"{start}-{end}" for start, end in self.value())

    def first_editor(self) -> QWidget:
        return self.spans[0].start if self.spans else self.add

    def _add_clicked(self) -> None:
        self.add_span()

    def _append(self) -> Span:
        span = Span(self.day_name, len(self.spans) + 1, self)
        span.changed.connect(self.changed)
        span.changed.connect(self._shown)  # a last span moved to or from midnight
        span.removeRequested.connect(self.remove_span)
        self.row.insertWidget(len(self.spans), span)
        span.show()  # now, not when the layout gets to it: Tab and focus need it shown
        self.spans.append(span)
        # Tab goes through the spans in order, then to "Add" (a new widget comes last in
        # the window's chain): put the span after "Add", then "Add" after the span.
        chain = (self.add, span.start, span.end, span.remove, self.add)
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        return span

    def _drop(self, span: Span) -> None:
        self.spans.remove(span)
        self.row.removeWidget(span)
        span.hide()
        span.setParent(None)  # gone at once: the page's "unsaved" check counts editors
        span.deleteLater()

    def _shown(self) -> None:
        self.off.setVisible(not self.spans)
        self.add.setVisible(len(self.spans) < SPANS_SHOWN)  # its room goes to the third
        room = self.next_span() is not None
        self.add.setEnabled(room)
        tip = (
            self.tr("Add a span of hours on {0}")
            if room
            else self.tr("{0}'s hours already run to midnight: change the last span to add another")
        )
        self.add.setToolTip(tip.format(self.day_name))
        self.setAccessibleDescription(self.summary() or self.off.text())


class HoursEditor(QWidget):
    edited = Signal()

    def __init__(self, field: str, limit_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.limited = QCheckBox(limit_text, self)
        self.limited.setObjectName(f"{field}_limited")
        self.limited.toggled.connect(self._limit_toggled)
        self.limited.clicked.connect(self._limit_clicked)
        self.days: dict[str, DayHours] = {}
        self.day_errors: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        for row, (day, name) in enumerate(zip(hours.DAYS, self._day_names(), strict=True)):
            self._add_day(grid, row, day, name)
        grid.setColumnStretch(1, 1)
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
        editor = DayHours(name, self)
        editor.setObjectName(f"hours_{day}")
        editor.setAccessibleName(self.tr("{0} hours").format(name))
        editor.changed.connect(lambda: self._touched(day))
        error = QLabel(self)
        error.setObjectName("formError")
        error.setWordWrap(True)
        error.setAccessibleName(self.tr("Problem with {0}").format(name))
        error.hide()
        label = QLabel(name, self)
        grid.addWidget(label, 2 * row, 0)
        grid.addWidget(editor, 2 * row, 1)
        grid.addWidget(error, 2 * row + 1, 1)
        self.days[day], self.day_errors[day] = editor, error

    def _limit_toggled(self, on: bool) -> None:
        for editor in self.days.values():
            editor.setEnabled(on)
        self.edited.emit()

    def _limit_clicked(self, on: bool) -> None:
        """Ticked by hand with no hours at all: start from weekdays 09:00–17:00."""
        if on and not any(d.spans for d in self.days.values()):
            for day in hours.DAYS[:5]:
                self.days[day].set_spans([[_stored(t, end=False) for t in FIRST]])

    def _touched(self, day: str) -> None:
        """Checked by the core's rule as it changes; the problem shows on its row."""
        try:
            self._read_day(day)
        except ValidationError as exc:
            self.day_errors[day].setText(exception_text(exc))
            self.day_errors[day].show()
        else:
            self.day_errors[day].hide()
        self.edited.emit()

    def set_hours(self, value: Mapping[str, Any]) -> None:
        self.limited.setChecked(bool(value))
        for day, editor in self.days.items():
            editor.set_spans(value.get(day) or [])
            self.day_errors[day].hide()
        self._limit_toggled(bool(value))

    def hours(self) -> dict[str, list[list[str]]] | None:
        """The hours as stored, or None after showing a problem on the first bad day."""
        if not self.limited.isChecked():
            return {}
        result: dict[str, list[list[str]]] = {}
        for day in self.days:
            try:
                result[day] = self._read_day(day)
            except ValidationError as exc:
                self.show_day_error(day, exception_text(exc))
                return None
        return result

    def _read_day(self, day: str) -> list[list[str]]:
        return hours.validate_hours({day: self.days[day].value()}, self.field)[day]

    def show_day_error(self, day: str, text: str) -> None:
        self.day_errors[day].setText(text)
        self.day_errors[day].show()
        self.days[day].first_editor().setFocus()

    def clear_errors(self) -> None:
        for error in self.day_errors.values():
            error.hide()
