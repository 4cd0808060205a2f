"""The waitlist (``waitlist``): who wants an earlier slot, and who fits the one just freed.

Keys: Insert adds; Enter or F2 edits the highlighted entry; Ctrl+B books the highlighted
patient (the booking dialog opens filled in); Delete removes; B marks a patient who
already got an appointment as booked. After a cancellation the lower table lists the
patients the freed time suits, best first; there Enter books the freed time.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
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

from receptionist.freetext import printable
from receptionist.schedule.waitlist import FreedSlot, WaitlistRow

from ..actions import local_action
from ..desk import Desk
from ..patients.table import short_datetime
from ..rowsmodel import rows_table
from .listmodel import ID_ROLE, WaitlistModel

WAITLIST_ICONS = {
    "waitlistAdd": "add",
    "waitlistEdit": "edit",
    "waitlistBook": "newAppointment",
    "waitlistRemove": "remove",
    "waitlistBooked": "completed",
}
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _table(parent: QWidget, name: str, accessible: str, model: WaitlistModel) -> QTableView:
    return rows_table(parent, model, accessible, name=name)


class WaitlistView(QDialog):
    """Modeless. Asks its controller through signals; shows what it is given."""

    addRequested = Signal()
    editRequested = Signal(object)  # WaitlistRow
    bookRequested = Signal(str, object)  # entry id, the FreedSlot it is for (or None)
    removeRequested = Signal(str, bool)  # entry id, booked

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitlist")
        self.setWindowTitle(self.tr("Waitlist"))
        self.setAccessibleName(self.tr("Waitlist"))
        self.desk = desk
        self.slot: FreedSlot | None = None
        self.model = WaitlistModel(self)
        self.fits = WaitlistModel(self)
        heading = QLabel(self.tr("Patients who want an earlier appointment"), self)
        heading.setObjectName("dialogHeading")
        self.table = _table(self, "waitlistTable", self.tr("Waitlist"), self.model)
        self._make_actions()
        self.freed = QGroupBox(self.tr("Fits the slot just freed"), self)
        self.freed.setObjectName("freedSlot")
        self.freed_label = QLabel(self.freed)
        self.freed_label.setObjectName("freedSlotLabel")
        self.freed_label.setWordWrap(True)
        self.fits_table = _table(self.freed, "candidatesTable", self.tr("Who fits"), self.fits)
        hint = QLabel(self.tr("Enter or Ctrl+B books the freed time for the highlighted patient."))
        hint.setObjectName("keyHint")
        inner = QVBoxLayout(self.freed)
        inner.addWidget(self.freed_label)
        inner.addWidget(self.fits_table)
        inner.addWidget(hint)
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
        for table in (self.table, self.fits_table):
            table.installEventFilter(self)
            table.doubleClicked.connect(lambda _index, t=table: self._enter(t))
        self.show_rows([])
        self.resize(860, 540)

    def _make_actions(self) -> None:
        tr = self.tr
        self.add_action = self._action("waitlistAdd", tr("Add…  [Ins]"), "Ins", tr("Add a patient"))
        self.edit_action = self._action(
            "waitlistEdit", tr("Edit…  [Enter]"), "F2", tr("Change the highlighted entry")
        )
        self.book_action = self._action(
            "waitlistBook",
            tr("Book…  [Ctrl+B]"),
            "Ctrl+B",
            tr("Book an appointment for the highlighted patient"),
        )
        self.remove_action = self._action(
            "waitlistRemove",
            tr("Remove  [Del]"),
            "Del",
            tr("Take the highlighted patient off the list"),
        )
        self.booked_action = self._action(
            "waitlistBooked",
            tr("Already booked  [B]"),
            "B",
            tr("The highlighted patient got an appointment: take them off the list"),
        )
        self.add_action.triggered.connect(self.addRequested)
        self.edit_action.triggered.connect(self._edit)
        self.book_action.triggered.connect(self._book)
        self.remove_action.triggered.connect(lambda: self._remove(booked=False))
        self.booked_action.triggered.connect(lambda: self._remove(booked=True))

    def _action(self, name: str, text: str, key: str, tip: str) -> QAction:
        action = local_action(self, text, key, tip, WAITLIST_ICONS.get(name))
        action.setObjectName(f"action_{name}")
        return action

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        actions = (
            self.add_action,
            self.edit_action,
            self.book_action,
            self.remove_action,
            self.booked_action,
        )
        for action in actions:
            button = QToolButton(self)
            button.setObjectName(f"{action.objectName().removeprefix('action_')}Button")
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAccessibleName(action.text().split("  [")[0].rstrip("…"))
            row.addWidget(button)
        row.addStretch(1)
        return row

    # --- which row -----------------------------------------------------------------------
    def _focused_table(self) -> QTableView:
        return self.fits_table if self.fits_table.hasFocus() else self.table

    def current(self) -> tuple[WaitlistRow | None, bool]:
        """The highlighted entry of the table with the focus, and whether that is the
        table of who fits the freed slot."""
        table = self._focused_table()
        model = self.fits if table is self.fits_table else self.model
        index = table.currentIndex()
        if not index.isValid() or not 0 <= index.row() < model.rowCount():
            return None, table is self.fits_table
        return model.row_at(index.row()), table is self.fits_table

    def _edit(self) -> None:
        row, _fits = self.current()
        if row is not None:
            self.editRequested.emit(row)

    def _book(self) -> None:
        row, fits = self.current()
        if row is not None:
            self.bookRequested.emit(row.id, self.slot if fits else None)

    def _remove(self, booked: bool) -> None:
        index = self._focused_table().currentIndex()
        if index.isValid():
            self.removeRequested.emit(str(index.data(ID_ROLE)), booked)

    def _enter(self, table: QTableView) -> None:
        """Enter (or a double click): edit an entry of the list; book a patient who fits."""
        table.setFocus()
        if table is self.fits_table:
            self._book()
        else:
            self._edit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched in (self.table, self.fits_table)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _ENTER
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            assert isinstance(watched, QTableView)
            self._enter(watched)
            return True
        return super().eventFilter(watched, event)

    # --- what is shown -------------------------------------------------------------------
    def show_rows(self, rows: list[WaitlistRow]) -> None:
        current, _fits = self.current()
        self.model.set_rows(rows)
        if rows:
            keep = [i for i, r in enumerate(rows) if current is not None and r.id == current.id]
            self.table.setCurrentIndex(self.model.index(keep[0] if keep else 0, 0))
        self.empty.setVisible(not rows)
        for action in (self.edit_action, self.book_action, self.remove_action, self.booked_action):
            action.setEnabled(bool(rows))
        gone = {r.id for r in self.fits.rows()} - {r.id for r in rows}
        if gone:  # someone who fitted was booked or removed
            self.fits.set_rows([r for r in self.fits.rows() if r.id not in gone])
            if self.fits.rowCount():
                self.fits_table.setCurrentIndex(self.fits.index(0, 0))

    def show_freed(self, slot: FreedSlot) -> None:
        self.slot = slot
        when = short_datetime(slot.start_utc, self.desk.clinic.tz)
        self.freed_label.setText(
            self.tr("{0} with {1} ({2}) was cancelled. On the waitlist, these fit: %n", "",
                    len(slot.candidates)).format(
                when, printable(slot.provider_name, lines=False),
                printable(slot.service_name, lines=False)
            )
        )  # fmt: skip
        self.fits.set_rows(slot.candidates)
        if slot.candidates:
            self.fits_table.setCurrentIndex(self.fits.index(0, 0))
        self.freed.show()

    def clear_freed(self) -> None:
        """The freed time is taken: nobody fits it any more."""
        self.slot = None
        self.fits.set_rows([])
        self.freed.hide()
        self.table.setFocus()

    def present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()
