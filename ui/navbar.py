"""The toolbar over the schedule: today, previous, next, a calendar, day/week, columns;
on the right, the desk's everyday actions (new appointment, quick find, today board,
waitlist, lock) once the window has installed them."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDateEdit, QLabel, QSizePolicy, QToolBar, QToolButton, QWidget

from .actions import Actions
from .columnfilter import ColumnFilter
from .schedule.model import ScheduleModel


class NavBar(QToolBar):
    def __init__(self, model: ScheduleModel, actions: Actions, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("navigationBar")
        self.setWindowTitle(self.tr("Date navigation"))
        self.setMovable(False)
        self.setFloatable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.model = model
        self.addActions([actions.today, actions.previous, actions.next])
        self.date_edit = QDateEdit(self)
        self.date_edit.setObjectName("dateEdit")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setAccessibleName(self.tr("Date shown"))
        self.date_edit.setToolTip(self.tr("The date shown; F4 or Alt+Down opens the calendar"))
        self.date_edit.dateChanged.connect(self._on_date_edited)
        self.addWidget(self.date_edit)
        self.range_label = QLabel(self)
        self.range_label.setObjectName("rangeLabel")
        self.addWidget(self.range_label)
        self.addSeparator()
        self.addActions([actions.day_view, actions.week_view])
        self.addSeparator()
        self.addActions([actions.by_provider, actions.by_room])
        self.column_filter = ColumnFilter(model, self)
        self.addWidget(self.column_filter)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.loading = QLabel(self.tr("Loading…"), self)
        self.loading.setObjectName("loadingLabel")
        self.loading.setVisible(False)
        self.loading_action = self.addWidget(self.loading)
        self.loading_action.setVisible(False)
        actions.go_to.triggered.connect(self.focus_date)
        model.stateChanged.connect(self.sync)
        model.loadingChanged.connect(self.loading_action.setVisible)
        self.sync()

    def sync(self) -> None:
        """Show the model's day (without echoing the change back to it)."""
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(qdate(self.model.day))
        self.date_edit.blockSignals(False)
        days = self.model.days()
        if len(days) > 1:
            locale = QLocale()
            first = locale.toString(qdate(days[0]), "d MMM")
            last = locale.toString(qdate(days[-1]), "d MMM")
            self.range_label.setText(self.tr("Week: {0} – {1}").format(first, last))
        else:
            self.range_label.setText("")

    def add_desk_actions(self, *actions: QAction | None) -> None:
        """The desk's everyday actions at the right end: the first with its text, the
        others as icons (their tooltips say what they do and their shortcut). Missing
        actions (``None``) are skipped."""
        present = [a for a in actions if a is not None]
        for position, action in enumerate(present):
            self.addAction(action)
            button = self.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setObjectName(f"navButton_{action.objectName().removeprefix('action_')}")
                if position > 0 and not action.icon().isNull():
                    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
                    button.setProperty("iconOnly", True)  # style.qss: less padding
                    button.setAccessibleName(action.text().replace("&", "").rstrip("…"))

    def focus_date(self) -> None:
        self.date_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.date_edit.setSelectedSection(QDateEdit.Section.DaySection)

    def _on_date_edited(self, value: QDate) -> None:
        self.model.set_day(date(value.year(), value.month(), value.day()))


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
