"""The front desk's day: the today board and the waitlist, hooked onto a window.

``install(window)`` adds a Front desk menu with "Today panel" (Ctrl+Shift+T: the
board, docked beside the schedule, open or closed as this PC last left it) and
"Waitlist…" (Ctrl+Shift+W). The board, the waitlist and the schedule each redraw
from the clinic's change events (``ui/events.py``), whoever saved the change: this
desk, the CLI or another PC. A slot freed anywhere (a cancel, a no-show, a drag away,
the CLI, sync) is offered by the core's reaction (``receptionist.schedule.reactions``)
and shown here with who on the waitlist fits it. From the waitlist an entry is edited
(the add dialog, filled in) or booked: the window's booking dialog opens filled in with
the patient, the service, the provider and the freed time; once booked, the entry
leaves the list (as booked, audited). The dialogs are children of the window, so its
lock hides them.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction

from receptionist.ops import catalog, settings, waitlist
from receptionist.ops.catalog import Choices
from receptionist.ops.events import WaitlistOffer
from receptionist.ops.waitlist import Candidate, FreedSlot, WaitlistRow, Wishes
from receptionist.settings.desk import TODAY_PANEL
from receptionist.store import lookcopy

from .. import messages
from ..actions import menu_holding, window_action
from ..events import Refresh
from ..tasks import DbOp
from .board import TodayBoard
from .entrydialog import EntryDialog
from .panel import TodayDock
from .waitlistview import WaitlistView

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

__all__ = ["FrontDesk", "TodayBoard", "TodayDock", "WaitlistView", "install"]

WAITLIST_ENTITIES = ("waitlist_entry", "patient", "service", "provider")


class FrontDesk(QObject):
    """Opens the board and the waitlist and carries their work to the worker."""

    freedShown = Signal(object)  # FreedSlot, once the waitlist shows who fits
    waitlistLoaded = Signal()
    bookingOpened = Signal(object)  # the BookingDialog, filled in from an entry
    candidateBooked = Signal(str, bool)  # entry id, taken off the list

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.desk = window.desk
        self.board: TodayBoard | None = None
        self.dock: TodayDock | None = None
        self.panel_action: QAction | None = None
        self.waitlist: WaitlistView | None = None
        self.entry: EntryDialog | None = None
        self.desk.events.offered.connect(self._offered)
        Refresh(self.desk.events, WAITLIST_ENTITIES, self._waitlist_changed, self)

    def forget(self) -> None:
        """Another user signed in: none of the previous user's windows stay (the
        panel stays as this PC keeps it, and loads again for the new user)."""
        for dialog in (self.waitlist, self.entry):
            if dialog is not None:
                dialog.deleteLater()
        self.waitlist = None
        self.entry = None
        if self.board is not None:  # nothing of what the previous user saw stays shown
            self.board.model.set_rows([])
            if self.board.isVisible():
                self.board.reload()

    # --- the panel ---------------------------------------------------------------------
    def show_board(self, *, remember: bool = True) -> TodayBoard:
        """Open the today panel and put the keyboard on it; ``remember`` keeps it open
        at the next start (this PC's preference)."""
        board = self._dock().board
        if remember:
            self._set_panel(True)
        else:
            self._dock().show()
        board.present()
        return board

    def _dock(self) -> TodayDock:
        if self.dock is None:
            self.board = TodayBoard(self.desk, self.window)
            self.dock = TodayDock(self.board, self.window)
            self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.hide()
            self.dock.closedByUser.connect(lambda: self._set_panel(False))
        return self.dock

    def toggle_board(self, shown: bool) -> None:
        """Front desk > Today panel: open it (the keyboard on it) or close it."""
        if shown:
            self.show_board()
        else:
            self._set_panel(False)
            self.window.schedule.setFocus()

    def _set_panel(self, shown: bool) -> None:
        """Show or hide the panel, and keep this PC's preference as the desk left it."""
        dock = self._dock()
        dock.setVisible(shown)
        if self.panel_action is not None:
            self.panel_action.setChecked(shown)
        if settings.preference(TODAY_PANEL.key) != shown:
            self.desk.tasks.run(lambda: settings.set_preference(TODAY_PANEL.key, shown))

    def restore_panel(self) -> None:
        """At start: the panel open if this PC left it open."""
        if settings.preference(TODAY_PANEL.key) is True:
            self._dock().show()
            if self.panel_action is not None:
                self.panel_action.setChecked(True)

    # --- the waitlist ------------------------------------------------------------------
    def show_waitlist(self) -> WaitlistView:
        view = self._waitlist_view()
        view.present()
        self.reload_waitlist()
        return view

    def _waitlist_view(self) -> WaitlistView:
        if self.waitlist is None:
            self.waitlist = WaitlistView(self.desk, self.window)
            self.waitlist.addRequested.connect(self.ask_entry)
            self.waitlist.editRequested.connect(self.ask_entry)
            self.waitlist.bookRequested.connect(self.book_candidate)
            self.waitlist.removeRequested.connect(self.remove_entry)
        return self.waitlist

    def reload_waitlist(self) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: waitlist.listing(db, ctx), self)
        op.success(self._show_waitlist).run()

    def _show_waitlist(self, rows: list[WaitlistRow]) -> None:
        self._waitlist_view().show_rows(rows)
        self.waitlistLoaded.emit()

    def ask_entry(self, entry: WaitlistRow | None = None) -> None:
        """Open the entry dialog: empty to add, filled in with ``entry`` to edit it.
        In a copy restored to look at none opens: the status bar says why."""
        refused = lookcopy.refused_write(self.desk.root)
        if refused is not None:
            messages.report_exception(refused)
            return
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: catalog.choices(db, ctx), self)
        op.success(lambda choices: self._open_entry(choices, entry)).run()

    def _open_entry(self, choices: Choices, entry: WaitlistRow | None = None) -> None:
        if self.entry is not None:
            self.entry.deleteLater()
        self.entry = EntryDialog(self.desk, choices, self._waitlist_view(), entry=entry)
        self.entry.submitted.connect(self.add_entry)
        self.entry.open()
        self.entry.focus_first()

    def add_entry(self, entry: Wishes) -> None:
        """Save what the entry dialog collected: a new entry, or the one it edits."""
        ctx, dialog = self.desk.ctx(), self.entry
        editing = dialog.editing if dialog is not None else None
        if editing is None:
            op = DbOp(self.desk.tasks, lambda db: waitlist.add(db, ctx, entry).id, self)
        else:
            entry_id = editing.id
            op = DbOp(
                self.desk.tasks, lambda db: waitlist.change(db, ctx, entry_id, entry).id, self
            )
        op.success(lambda _: self._added(dialog, editing is not None))
        if dialog is not None:
            op.failure(lambda exc: dialog.show_error(messages.user_text(exc)))
        op.run()

    def _added(self, dialog: EntryDialog | None, edited: bool = False) -> None:
        if dialog is not None:
            dialog.accept()
        if edited:
            messages.info(self.tr("Waitlist entry saved."))
        else:
            messages.info(self.tr("Added to the waitlist."))
        self.reload_waitlist()

    # --- booking a patient from the list -------------------------------------------------
    def book_candidate(self, entry_id: str, slot: FreedSlot | None = None) -> None:
        """Open the booking dialog filled in from the entry (and the freed ``slot``)."""
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: waitlist.candidate(db, ctx, entry_id), self)
        op.success(lambda found: self._open_booking(found, slot))
        op.failure(self._not_bookable).run()

    def _not_bookable(self, exc: BaseException) -> None:
        messages.report_exception(exc)
        self.reload_waitlist()  # the entry may have left the list meanwhile

    def _open_booking(self, found: Candidate, slot: FreedSlot | None) -> None:
        entry, search_from = found.entry, None
        if slot is not None:  # the freed time itself, offered first
            provider_id: str | None = slot.provider_id or None
            start: datetime | None = slot.start_utc
        else:
            provider_id, start = entry.provider_id, None
            if entry.earliest_date is not None and entry.earliest_date > self.desk.today():
                search_from = datetime.combine(entry.earliest_date, time(), self.desk.clinic.tz)
        dialog = self.window.booking.open(
            provider_id=provider_id,
            start=start,
            patient=found.patient,
            service_id=entry.service_id,
            search_from=search_from,
        )
        if dialog is None:  # a copy restored to look at: no bookings (said)
            return
        dialog.setWindowTitle(self.tr("Book from the waitlist"))
        dialog.booked.connect(lambda appointment_id: self._booked(entry.id, appointment_id, slot))
        self.bookingOpened.emit(dialog)

    def _booked(self, entry_id: str, appointment_id: str, slot: FreedSlot | None) -> None:
        ctx = self.desk.ctx()
        op = DbOp(
            self.desk.tasks,
            lambda db: waitlist.mark_booked(db, ctx, entry_id, appointment_id),
            self,
        )
        op.success(lambda taken: self._marked(entry_id, taken, slot)).run()

    def _marked(self, entry_id: str, taken: bool, slot: FreedSlot | None) -> None:
        view = self._waitlist_view()
        if slot is not None and view.slot is slot:
            view.clear_freed()  # the freed time is taken now
        if taken:
            messages.info(self.tr("Booked and taken off the waitlist."))
        else:
            messages.info(
                self.tr("Booked. The waitlist entry stays: the appointment is for another patient.")
            )
        self.reload_waitlist()
        self.candidateBooked.emit(entry_id, taken)

    def remove_entry(self, entry_id: str, booked: bool) -> None:
        ctx = self.desk.ctx()
        op = DbOp(
            self.desk.tasks,
            lambda db: waitlist.remove(db, ctx, entry_id, booked=booked).id,
            self,
        )
        op.success(lambda _: self._removed(booked)).run()

    def _removed(self, booked: bool) -> None:
        if booked:
            messages.info(self.tr("Marked as booked: taken off the waitlist."))
        else:
            messages.info(self.tr("Taken off the waitlist."))
        self.reload_waitlist()

    def _offered(self, offer: WaitlistOffer) -> None:
        """The core found who on the waitlist fits a freed slot: show them."""
        if self.desk.actor.may("patient.read"):
            self._show_freed(offer.slot)

    def _waitlist_changed(self) -> None:
        if self.waitlist is not None and self.waitlist.isVisible():
            self.reload_waitlist()

    def _show_freed(self, slot: FreedSlot) -> None:
        if not slot.candidates:
            return
        view = self._waitlist_view()
        view.show_freed(slot)
        view.present()
        self.reload_waitlist()
        messages.info(
            self.tr("A slot was freed: %n patient(s) on the waitlist fit it.", "",
                    len(slot.candidates))
        )  # fmt: skip
        self.freedShown.emit(slot)


def install(window: MainWindow) -> None:
    """Add the Front desk menu and shortcuts to ``window`` (find the controller with
    ``window.findChild(FrontDesk)``). Installing twice changes nothing."""
    if window.findChild(FrontDesk) is not None:
        return
    desk = FrontDesk(window)
    window.userChanged.connect(desk.forget)
    tr = desk.tr
    board = window_action(window, "todayBoard", tr("&Today panel"), "Ctrl+Shift+T",
                          tr("Arrivals, waiting times and rooms of today"))  # fmt: skip
    board.setCheckable(True)
    desk.panel_action = board
    waiting = window_action(window, "waitlist", tr("&Waitlist…"), "Ctrl+Shift+W",
                            tr("Patients who want an earlier slot"))  # fmt: skip
    board.triggered.connect(desk.toggle_board)
    waiting.triggered.connect(desk.show_waitlist)
    bar = window.menuBar()
    menu = bar.addMenu(tr("Front &desk"))
    menu.addActions([board, waiting])
    help_menu = menu_holding(window, "action_about")
    if help_menu is not None:  # Help stays last
        bar.insertMenu(help_menu.menuAction(), menu)
    desk.restore_panel()
