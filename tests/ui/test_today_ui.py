"""The today board and the waitlist: seeded rows, the clock turning a row amber, keyboard
marking, adding to the waitlist and who fits after a cancel."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from uiseed import DAY, Seeded, at

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import Appointment, Patient, Service
from receptionist.ops import waitlist
from receptionist.schedule import catalog
from receptionist.schedule.today import BoardRow
from receptionist.schedule.waitlist import WaitlistRow
from ui.app import stylesheet
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.today import FrontDesk, TodayBoard, WaitlistView, install
from ui.today.boardmodel import AMBER_ROLE, WAITING_COLUMN, BoardModel
from ui.today.entrydialog import EntryDialog
from ui.today.listmodel import WaitlistModel


def shot(widget: QWidget, name: str) -> None:
    """Saved only when TODAY_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("TODAY_SHOTS")
    if folder:
        widget.setStyleSheet(stylesheet())
        widget.grab().save(str(Path(folder) / f"{name}.png"))
        widget.setStyleSheet("")


@pytest.fixture
def front(window: MainWindow) -> FrontDesk:
    install(window)
    install(window)  # twice changes nothing
    found = window.findChildren(FrontDesk)
    assert len(found) == 1
    return found[0]


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, f"action_{name}")
    assert found is not None
    return found


def _board(qtbot: QtBot, window: MainWindow, front: FrontDesk) -> TodayBoard:
    action(window, "todayBoard").trigger()
    board = front.board
    assert board is not None
    qtbot.waitUntil(lambda: board.model.rowCount() > 0, timeout=10_000)
    assert window.findChild(QWidget, "todayBoard") is board
    return board


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def appointment(desk: Desk, appointment_id: str) -> tuple[str, datetime | None]:
    def read(db: Any) -> tuple[str, datetime | None]:
        with db.read() as s:
            appt = s.get(Appointment, appointment_id)
            return appt.status, appt.arrived_at

    return on_worker(desk, read)  # type: ignore[no-any-return]


def select(board: TodayBoard, appointment_id: str) -> int:
    row = board.model.row_of(appointment_id)
    assert row >= 0
    board.table.setCurrentIndex(board.model.index(row, 0))
    board.table.setFocus()
    return row


def test_board_shows_the_seeded_day(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, seeded: Seeded
) -> None:
    board = _board(qtbot, window, front)
    ids = seeded.ids
    model = board.model
    # The late first (09:00, 09:45), then who waits, who is in a room, who is to come.
    assert [r.id for r in model.rows()] == [ids[k] for k in ("a1", "o2", "a2", "o1", "a3")]
    a1 = model.row_of(ids["a1"])
    cells = [model.index(a1, c).data() for c in range(model.columnCount())]
    assert cells == ["09:00", "Zeynep Kaya", "Dr. Ayşe Demir", "Room 1", "Late", ""]
    assert model.index(model.row_of(ids["o1"]), 4).data() == "In room"
    assert "Late: 2" in board.summary.text()
    shot(board, "today-board")


def test_marking_arrived_by_keyboard_saves(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, seeded: Seeded, clock: FixedClock
) -> None:
    board = _board(qtbot, window, front)
    a3 = seeded.ids["a3"]
    select(board, a3)
    assert not board.marks["completed"].isEnabled()  # booked cannot jump to completed
    loaded = qtbot.waitSignal(board.loaded, timeout=10_000)
    with loaded, qtbot.waitSignal(board.changed, timeout=10_000) as saved:
        qtbot.keyClick(board.table, Qt.Key.Key_A)
    assert saved.args == [a3, "arrived"]
    assert appointment(window.desk, a3) == ("arrived", clock.now())
    row = board.model.row_of(a3)
    assert board.model.index(row, 4).data() == "Arrived"
    assert board.table.currentIndex().row() == row  # the cursor stays on the patient
    with qtbot.waitSignal(board.changed, timeout=10_000):
        qtbot.keyClick(board.table, Qt.Key.Key_R)
    assert appointment(window.desk, a3)[0] == "in_room"


def test_the_clock_turns_a_long_wait_amber(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, seeded: Seeded, clock: FixedClock
) -> None:
    board = _board(qtbot, window, front)
    a3 = seeded.ids["a3"]
    select(board, a3)
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        qtbot.keyClick(board.table, Qt.Key.Key_A)
    row = board.model.row_of(a3)
    waiting = board.model.index(row, WAITING_COLUMN)
    assert board.timer.isActive() and board.timer.interval() == 30_000
    assert waiting.data() == "0 min" and not waiting.data(AMBER_ROLE)
    board.timer.setInterval(10)  # the real timer, faster; the clock is the fake one
    clock.advance(minutes=15)
    qtbot.waitUntil(lambda: waiting.data() == "15 min", timeout=15_000)
    assert not waiting.data(AMBER_ROLE)  # 15 minutes is not longer than 15
    clock.advance(minutes=1)
    qtbot.waitUntil(lambda: bool(waiting.data(AMBER_ROLE)), timeout=15_000)
    assert waiting.data() == "16 min"
    assert board.model.index(row, 1).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "too long: 1" in board.summary.text()
    select(board, seeded.ids["a1"])  # off the row, so the amber shows in the picture
    shot(board, "today-board-amber")
    # The clinic allows 20 minutes (Settings > Clinic): the board follows at its next tick.
    window.desk.clinic = replace(window.desk.clinic, wait_alert_minutes=20)
    qtbot.waitUntil(lambda: not waiting.data(AMBER_ROLE), timeout=15_000)
    clock.advance(minutes=5)
    qtbot.waitUntil(lambda: bool(waiting.data(AMBER_ROLE)), timeout=15_000)
    assert waiting.data() == "21 min"


def test_a_status_saved_on_the_schedule_reaches_the_board(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, seeded: Seeded
) -> None:
    board = _board(qtbot, window, front)
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        window.status_ops.set_status(seeded.ids["o2"], "no_show")
    assert board.model.index(board.model.row_of(seeded.ids["o2"]), 4).data() == "No-show"


def add_entry(qtbot: QtBot, front: FrontDesk, name: str) -> EntryDialog:
    view = front.waitlist
    assert view is not None
    count = view.model.rowCount()
    qtbot.keyClick(view.table, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: front.entry is not None and front.entry.isVisible(), timeout=10_000)
    dialog = front.entry
    assert dialog is not None
    qtbot.keyClicks(dialog.picker.field, name)
    qtbot.waitUntil(lambda: dialog.picker.shown_query() == name, timeout=10_000)
    qtbot.keyClick(dialog.picker.field, Qt.Key.Key_Return)
    assert dialog.patient_id is not None
    assert dialog.service.hasFocus()
    dialog.service.setCurrentIndex(dialog.service.findText("Check-up"))
    dialog.parts["morning"].setChecked(True)
    shot(dialog, "waitlist-add")
    dialog.ok.click()
    # A reload the change feed started may land before the save's: wait for the state.
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    # A reload started before the save (the change feed's) may be the one just loaded.
    qtbot.waitUntil(lambda: view.model.rowCount() == count + 1, timeout=10_000)
    return dialog


def test_waitlist_add_then_who_fits_after_a_cancel(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, seeded: Seeded
) -> None:
    with qtbot.waitSignal(front.waitlistLoaded, timeout=10_000):
        action(window, "waitlist").trigger()
    view = front.waitlist
    assert view is not None and window.findChild(QWidget, "waitlist") is view
    assert view.empty.isVisible()
    add_entry(qtbot, front, "Smith")
    assert [r.patient_name for r in view.model.rows()] == ["John Smith"]
    assert view.model.index(0, 4).data() == "Morning"
    view.hide()
    loaded = qtbot.waitSignal(front.waitlistLoaded, timeout=10_000)
    with loaded, qtbot.waitSignal(front.freedShown, timeout=10_000) as freed:
        window.status_ops.cancel(seeded.ids["a3"], "The patient asked to cancel")
    assert [c.patient_name for c in freed.args[0].candidates] == ["John Smith"]
    assert view.isVisible() and view.freed.isVisible()
    assert view.fits.rowCount() == 1
    assert "Dr. Ayşe Demir" in view.freed_label.text()
    shot(view, "waitlist-fits")
    with qtbot.waitSignal(front.waitlistLoaded, timeout=10_000):
        view.fits_table.setFocus()
        qtbot.keyClick(view.fits_table, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: view.model.rowCount() == 0 and view.fits.rowCount() == 0)


def _open_waitlist(qtbot: QtBot, window: MainWindow, front: FrontDesk) -> WaitlistView:
    with qtbot.waitSignal(front.waitlistLoaded, timeout=10_000):
        action(window, "waitlist").trigger()
    view = front.waitlist
    assert view is not None
    return view


def test_enter_on_an_entry_edits_it(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, told: list[Any]
) -> None:
    view = _open_waitlist(qtbot, window, front)
    add_entry(qtbot, front, "Smith")
    (before,) = view.model.rows()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: front.entry is not None and front.entry.editing is not None, timeout=10_000
    )
    dialog = front.entry
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Edit waitlist entry" and dialog.ok.text() == "Save changes"
    assert dialog.patient_id == before.patient_id and "John Smith" in dialog.patient_label.text()
    assert dialog.service.currentText() == "Check-up" and dialog.service.hasFocus()
    assert dialog.parts["morning"].isChecked() and not dialog.parts["evening"].isChecked()
    assert dialog.latest.text() == "No limit"
    dialog.parts["evening"].setChecked(True)
    dialog.priority.setCurrentIndex(dialog.priority.findData(2))
    dialog.note.setFocus()
    qtbot.keyClicks(dialog.note, "Call after 5")
    shot(dialog, "waitlist-edit")
    dialog.ok.click()
    # A reload the change feed started may land before the save's: wait for the state.
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: [r.note for r in view.model.rows()] == ["Call after 5"])
    (after,) = view.model.rows()  # the same entry, changed; not a second one
    assert after.id == before.id
    assert (after.times_of_day, after.priority, after.note) == (
        ("morning", "evening"), 2, "Call after 5",
    )  # fmt: skip
    assert after.earliest_date == before.earliest_date  # untouched, saved unchanged
    assert "Waitlist entry saved." in [m.text for m in told]


def test_editing_keeps_a_service_made_inactive_since(
    qtbot: QtBot, window: MainWindow, front: FrontDesk
) -> None:
    """The entry's service was switched off after it was added: the edit dialog shows it
    (marked) instead of quietly choosing the first active one, and saving keeps it."""
    view = _open_waitlist(qtbot, window, front)
    add_entry(qtbot, front, "Smith")
    (before,) = view.model.rows()
    desk = window.desk

    def switch_off(db: Any) -> None:
        with db.write() as s:
            admin = Ctx(Actor(None, "admin", "ui"), desk.clock)  # a manager, elsewhere
            catalog.update_service(s, admin, before.service_id, active=False)

    on_worker(desk, switch_off)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: front.entry is not None and front.entry.editing is not None, timeout=10_000
    )
    dialog = front.entry
    assert dialog is not None
    assert dialog.service.currentText() == "Check-up (inactive)"
    assert dialog.service.currentData() == before.service_id
    dialog.priority.setCurrentIndex(dialog.priority.findData(2))
    with qtbot.waitSignal(front.waitlistLoaded, timeout=10_000):
        dialog.ok.click()
    qtbot.waitUntil(lambda: [r.priority for r in view.model.rows()] == [2])
    (after,) = view.model.rows()
    assert (after.service_id, after.priority) == (before.service_id, 2)


def test_book_an_entry_from_the_list(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, told: list[Any]
) -> None:
    view = _open_waitlist(qtbot, window, front)
    add_entry(qtbot, front, "Smith")
    (entry,) = view.model.rows()
    view.present()  # shortcuts need the active window
    qtbot.waitUntil(view.isActiveWindow, timeout=10_000)
    with qtbot.waitSignal(front.bookingOpened, timeout=10_000) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = opened.args[0]
    assert dialog is window.booking.dialog and dialog.windowTitle() == "Book from the waitlist"
    qtbot.waitUntil(lambda: dialog.slot_list.count() > 0, timeout=10_000)
    assert dialog.picker.patient.display_name == "John Smith"
    assert dialog.service.currentText() == "Check-up (30 min)"
    assert dialog.provider.currentData() is None  # the entry did not ask for one
    assert dialog.slot_list.hasFocus()
    assert not dialog.unsaved()  # filled in by the app, not typed: Esc just closes
    slot = dialog.slot_list.current_slot()
    with qtbot.waitSignal(front.candidateBooked, timeout=10_000) as booked:
        qtbot.keyClick(dialog.slot_list, Qt.Key.Key_Return)
    assert booked.args == [entry.id, True]
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=10_000)
    assert "Booked and taken off the waitlist." in [m.text for m in told]

    def booked_for(db: Any) -> list[tuple[str, datetime]]:
        with db.read() as s:
            rows = s.query(Appointment).filter_by(patient_id=entry.patient_id).all()
            return [(a.service_id, a.start_utc) for a in rows if a.status == "booked"]

    assert (entry.service_id, slot.start) in on_worker(window.desk, booked_for)


def test_booking_an_entry_looks_from_its_first_date(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, seeded: Seeded
) -> None:
    first = DAY + timedelta(days=3)
    wish = waitlist.Wishes(
        patient_id=_patient_id(window.desk, "Smith"), service_id=_service_id(window.desk),
        provider_id=seeded.ids["omar"], earliest=first, latest=None, times_of_day=(),
        weekdays=(), note="", priority=0,
    )  # fmt: skip
    entry_id = on_worker(window.desk, lambda db: waitlist.add(db, window.desk.ctx(), wish).id)
    with qtbot.waitSignal(front.bookingOpened, timeout=10_000) as opened:
        front.book_candidate(entry_id)
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.slot_list.count() > 0, timeout=10_000)
    assert dialog.provider.currentData() == seeded.ids["omar"]
    assert min(s.start for s in dialog.slot_list.slots()) >= at("00:00", first)


def _patient_id(desk: Desk, family: str) -> str:
    def find(db: Any) -> str:
        with db.read() as s:
            return str(s.query(Patient.id).filter_by(family_name=family).scalar())

    return on_worker(desk, find)  # type: ignore[no-any-return]


def _service_id(desk: Desk, name: str = "Check-up") -> str:
    def find(db: Any) -> str:
        with db.read() as s:
            return str(s.query(Service.id).filter_by(name=name).scalar())

    return on_worker(desk, find)  # type: ignore[no-any-return]


def test_book_who_fits_the_freed_slot(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, seeded: Seeded
) -> None:
    view = _open_waitlist(qtbot, window, front)
    add_entry(qtbot, front, "Smith")
    (entry,) = view.model.rows()
    with qtbot.waitSignal(front.freedShown, timeout=10_000):
        window.status_ops.cancel(seeded.ids["a3"], "The patient asked to cancel")
    assert view.freed.isVisible() and view.slot is not None
    view.fits_table.setFocus()
    with qtbot.waitSignal(front.bookingOpened, timeout=10_000) as opened:
        qtbot.keyClick(view.fits_table, Qt.Key.Key_Return)
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.slot_list.count() > 0, timeout=10_000)
    slot = dialog.slot_list.current_slot()
    assert (slot.start, slot.provider_id) == (at("11:00"), seeded.ids["ayse"])  # the freed time
    assert dialog.provider.currentData() == seeded.ids["ayse"]
    assert dialog.picker.patient.id == entry.patient_id
    shot(dialog, "waitlist-book-freed")
    with qtbot.waitSignal(front.candidateBooked, timeout=10_000) as booked:
        dialog.book_button.click()
    assert booked.args == [entry.id, True]
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=10_000)
    assert not view.freed.isVisible() and view.slot is None


def test_booking_someone_else_keeps_the_entry(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, told: list[Any]
) -> None:
    view = _open_waitlist(qtbot, window, front)
    add_entry(qtbot, front, "Smith")
    (entry,) = view.model.rows()
    view.table.setFocus()
    with qtbot.waitSignal(front.bookingOpened, timeout=10_000) as opened:
        view.book_action.trigger()
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.slot_list.count() > 0, timeout=10_000)
    dialog.picker.query.setFocus()
    dialog.picker.query.clear()
    qtbot.keyClicks(dialog.picker.query, "Kaya")
    qtbot.keyClick(dialog.picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.picker.patient is not None, timeout=10_000)
    assert dialog.picker.patient.display_name == "Zeynep Kaya"
    qtbot.waitUntil(lambda: dialog.slot_list.current_slot() is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not dialog.times.busy(), timeout=10_000)
    with qtbot.waitSignal(front.candidateBooked, timeout=10_000) as booked:
        dialog.book_button.click()
    assert booked.args == [entry.id, False]
    assert [r.id for r in view.model.rows()] == [entry.id]
    assert any("entry stays" in m.text for m in told)


def test_an_entry_gone_meanwhile_cannot_be_booked(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, told: list[Any]
) -> None:
    view = _open_waitlist(qtbot, window, front)
    add_entry(qtbot, front, "Smith")
    (entry,) = view.model.rows()
    on_worker(window.desk, lambda db: waitlist.remove(db, window.desk.ctx(), entry.id))
    with qtbot.waitSignal(front.waitlistLoaded, timeout=10_000):
        front.book_candidate(entry.id)
    assert window.booking.dialog is None
    assert view.model.rowCount() == 0
    assert any("no longer on the waitlist" in m.text for m in told)


def test_another_user_gets_none_of_the_front_desk_windows(
    qtbot: QtBot, window: MainWindow, front: FrontDesk
) -> None:
    view = _open_waitlist(qtbot, window, front)
    board = _board(qtbot, window, front)
    window.userChanged.emit()
    assert front.waitlist is None and front.entry is None
    # The panel is this PC's: it stays, emptied at once, and loads for the new user.
    assert front.board is board and board.model.rowCount() == 0
    qtbot.waitUntil(lambda: window.findChild(WaitlistView) is None, timeout=10_000)
    qtbot.waitUntil(lambda: board.model.rowCount() == 5, timeout=10_000)
    del view
    again = _open_waitlist(qtbot, window, front)  # a fresh window, loaded anew
    assert again.isVisible() and again.model.rowCount() == 0


def test_entry_dialog_needs_a_patient(qtbot: QtBot, window: MainWindow, front: FrontDesk) -> None:
    front.show_waitlist()
    front.ask_entry()
    qtbot.waitUntil(lambda: front.entry is not None and front.entry.isVisible(), timeout=10_000)
    dialog = front.entry
    assert dialog is not None
    dialog.ok.click()
    assert dialog.isVisible() and "Find the patient" in dialog.error.text()


def test_models_pass_the_model_tester(qtmodeltester: Any, clock: FixedClock) -> None:
    now = clock.now()
    row = BoardRow("x", now, now + timedelta(minutes=30), "p", "A B", "Dr", "Room 1",
                   "Check-up", "arrived", now - timedelta(minutes=20))  # fmt: skip
    board = BoardModel(ZoneInfo("Europe/Istanbul"), now)
    board.set_rows([row])
    assert board.index(0, 0).data(AMBER_ROLE)
    qtmodeltester.check(board)
    since = datetime(2026, 3, 1, tzinfo=UTC)
    entry = WaitlistRow("w", "p", "A B", "s", "Check-up", None, "", date(2026, 3, 2), None,
                        ("morning",), ("mon",), "", 2, "active", since)  # fmt: skip
    waiting = WaitlistModel()
    waiting.set_rows([entry])
    qtmodeltester.check(waiting)


def test_no_show_waits_for_the_start_and_the_clock_allows_it(
    qtbot: QtBot, window: MainWindow, front: FrontDesk, seeded: Seeded, clock: FixedClock
) -> None:
    """At 10:00 the 11:00 patient may arrive early but is no no-show yet; once the clock
    passes 11:00 the board's next tick allows it, with the same row still selected."""
    board = _board(qtbot, window, front)
    select(board, seeded.ids["a3"])
    no_show = board.marks["no_show"]
    assert board.marks["arrived"].isEnabled() and not no_show.isEnabled()
    board.timer.setInterval(10)  # the real timer, faster; the clock is the fake one
    clock.advance(minutes=65)
    qtbot.waitUntil(no_show.isEnabled, timeout=5_000)
