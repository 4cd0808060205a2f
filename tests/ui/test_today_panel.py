"""Issue #16, the today board and the card menu: the board as a panel beside the schedule
(open or closed as this PC left it), the rows that need the desk first and the finished
ones folded, Undo (Ctrl+Z and the status bar's button) through the core, one "late" for
the board and the cards, a completed visit's menu, and the cancel dialog."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from uiseed import Seeded

from receptionist.clock import FixedClock
from receptionist.models import Appointment, AuditEvent
from receptionist.ops import appointments
from ui import messages
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients
from ui.schedule import look
from ui.schedule.layout import Placed
from ui.tasks import DbOp
from ui.today import FrontDesk, TodayBoard, TodayDock
from ui.today.boardmodel import STATUS_COLUMN
from ui.undo import UNDO_SECONDS, UndoKeeper
from ui.visitops import VisitOps


def front_desk(window: MainWindow) -> FrontDesk:
    found = window.findChild(FrontDesk)
    assert isinstance(found, FrontDesk)
    return found


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, f"action_{name}")
    assert isinstance(found, QAction)
    return found


def open_panel(qtbot: QtBot, window: MainWindow) -> TodayBoard:
    action(window, "todayBoard").trigger()
    board = front_desk(window).board
    assert board is not None
    qtbot.waitUntil(lambda: board.model.rowCount() > 0, timeout=10_000)
    return board


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def status(desk: Desk, appointment_id: str) -> str:
    def read(db: Any) -> str:
        with db.read() as s:
            return str(s.scalar(select(Appointment.status).where(Appointment.id == appointment_id)))

    return str(on_worker(desk, read))


def last_action(desk: Desk) -> str:
    def read(db: Any) -> str:
        with db.read() as s:
            found = s.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1))
            return str(found)

    return str(on_worker(desk, read))


def set_status(desk: Desk, appointment_id: str, new: str) -> None:
    ctx = desk.ctx()
    on_worker(desk, lambda db: appointments.set_status(db, ctx, appointment_id, new))


def preference(folder: Path) -> object:
    path = folder / "preferences.json"
    return json.loads(path.read_text("utf-8")).get("desk.today_panel") if path.exists() else None


def card(window: MainWindow, appointment_id: str) -> Placed:
    found = window.model.find(appointment_id)
    assert found is not None
    return found[1]


def keeper(window: MainWindow) -> UndoKeeper:
    found = window.findChild(UndoKeeper)
    assert isinstance(found, UndoKeeper)
    return found


# --- the panel ---------------------------------------------------------------------------


def test_the_board_is_a_panel_beside_the_schedule_remembered_by_this_pc(
    qtbot: QtBot, window: MainWindow, desk: Desk, pc_preferences: Path
) -> None:
    board = open_panel(qtbot, window)
    dock = front_desk(window).dock
    assert isinstance(dock, TodayDock) and dock.widget() is board
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert window.schedule.isVisible() and dock.isVisible()  # both: beside, not over
    assert action(window, "todayBoard").isChecked()
    qtbot.waitUntil(lambda: preference(pc_preferences) is True, timeout=10_000)
    # The next start on this PC opens it again, without a click.
    again = MainWindow(desk)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: front_desk(again).dock is not None, timeout=10_000)
    reopened = front_desk(again).dock
    assert reopened is not None and reopened.isVisible()
    assert action(again, "todayBoard").isChecked()
    again.close()
    # Closed by its own button: closed at the next start too.
    dock.close()
    assert not dock.isVisible() and not action(window, "todayBoard").isChecked()
    qtbot.waitUntil(lambda: preference(pc_preferences) is False, timeout=10_000)


def test_the_lock_hides_the_panel_and_gives_it_back(qtbot: QtBot, window: MainWindow) -> None:
    open_panel(qtbot, window)
    dock = front_desk(window).dock
    assert dock is not None
    window.lock()
    assert not dock.isVisible()  # patients' names never show on the lock screen
    window.unlock()
    assert dock.isVisible()


# --- what comes first, what is folded -----------------------------------------------------


def test_rows_needing_action_first_the_finished_folded(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, clock: FixedClock
) -> None:
    ids = seeded.ids
    set_status(window.desk, ids["o1"], "completed")  # in the room since 09:30: done
    board = open_panel(qtbot, window)
    model = board.model
    order = [r.id for r in model.rows()]
    # late (09:00, 09:45), waiting (10:00), to come (11:00); the finished last
    assert order == [ids[k] for k in ("a1", "o2", "a2", "a3", "o1")]
    done = model.row_of(ids["o1"])
    assert board.table.isRowHidden(done)
    assert board.fold.isVisible() and board.fold.text() == "Completed (1)"
    board.fold.click()
    qtbot.waitUntil(lambda: not board.table.isRowHidden(done))
    board.fold.click()
    qtbot.waitUntil(lambda: board.table.isRowHidden(done))
    # The clock passes 11:00: Layla is late now, and her row moves up among the late.
    clock.advance(minutes=61)
    board.tick()
    order = [r.id for r in model.rows()]
    assert order[:3] == [ids["a1"], ids["o2"], ids["a3"]]
    assert board.table.isRowHidden(model.row_of(ids["o1"]))  # still folded after the move
    assert "Late: 3" in board.summary.text()


# --- one "late" for the board and the cards -------------------------------------------------


def test_the_board_and_the_cards_say_late_alike(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, clock: FixedClock
) -> None:
    board = open_panel(qtbot, window)
    now, tz = clock.now(), window.desk.clinic.tz
    late_on_cards = {
        p.item.id
        for p in window.model.items()
        if look.shown_item(p.item, (now, tz)).status == "late"
    }
    late_on_board = {r.id for r in board.model.rows() if r.is_late(now, tz)}
    assert late_on_cards == late_on_board == {seeded.ids["a1"], seeded.ids["o2"]}
    assert "Late: 2" in board.summary.text()
    row = board.model.row_of(seeded.ids["a1"])
    assert board.model.index(row, STATUS_COLUMN).data() == "Late"
    a1 = card(window, seeded.ids["a1"])
    center = window.schedule.viewport_point(0, a1.top // window.schedule.geo.slot_minutes)
    assert window.schedule.tooltip_at(center).endswith("\nLate")
    menu = window.schedule.open_card_menu(a1, QPoint(0, 0))
    assert menu.title().endswith(": Late")
    menu.close()


# --- Undo ------------------------------------------------------------------------------------


def test_a_mark_on_the_board_is_undone_by_ctrl_z(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, told: list[messages.Message]
) -> None:
    board = open_panel(qtbot, window)
    a3, undo = seeded.ids["a3"], keeper(window)
    board.table.setCurrentIndex(board.model.index(board.model.row_of(a3), 0))
    board.table.setFocus()
    qtbot.keyClick(board.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: undo.bar.isVisible(), timeout=10_000)
    assert status(window.desk, a3) == "arrived"
    assert undo.action.isEnabled() and undo.bar.button.isVisible()
    assert undo.bar.label.text() == "Saved: Layla Haddad is now Arrived."  # whose: the Undo's
    assert window.statusBar().currentMessage() == ""  # the message is the one with the button
    qtbot.keyClick(board.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: status(window.desk, a3) == "booked", timeout=10_000)
    assert last_action(window.desk) == "undo_status"
    again = "Undone: Layla Haddad is Booked again, as before."
    qtbot.waitUntil(lambda: any(m.text == again for m in told), timeout=10_000)
    assert not undo.bar.isVisible() and not undo.action.isEnabled()  # one press, one undo
    model = board.model
    qtbot.waitUntil(lambda: model.index(model.row_of(a3), STATUS_COLUMN).data() == "Booked")


def test_the_undo_stays_ten_seconds_and_more_by_the_clock(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, clock: FixedClock
) -> None:
    undo = keeper(window)
    window.status_ops.set_status(seeded.ids["a3"], "confirmed")
    qtbot.waitUntil(lambda: undo.bar.isVisible(), timeout=10_000)
    assert undo.timer.isActive()
    clock.advance(seconds=10)
    undo.tick()
    assert undo.bar.isVisible() and undo.action.isEnabled()
    clock.advance(seconds=UNDO_SECONDS - 10)
    undo.tick()
    assert not undo.bar.isVisible() and not undo.action.isEnabled()
    assert status(window.desk, seeded.ids["a3"]) == "confirmed"


def test_a_ctrl_z_while_the_next_change_is_saved_never_undoes_the_one_before(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, told: list[messages.Message]
) -> None:
    undo, a1, a3 = keeper(window), seeded.ids["a1"], seeded.ids["a3"]
    window.status_ops.set_status(a3, "confirmed")
    qtbot.waitUntil(lambda: undo.bar.isVisible(), timeout=10_000)
    window.status_ops.set_status(a1, "arrived")  # on its way to the worker
    assert not undo.action.isEnabled() and not undo.bar.isVisible()
    undo.action.trigger()  # Ctrl+Z at once: nothing to take back yet
    qtbot.waitUntil(lambda: undo.bar.isVisible(), timeout=10_000)
    assert undo.bar.label.text() == "Saved: Zeynep Kaya is now Arrived."
    undo.action.trigger()
    qtbot.waitUntil(lambda: status(window.desk, a1) == "confirmed", timeout=10_000)
    assert status(window.desk, a3) == "confirmed"  # the change before stays


def test_a_cancel_is_undone_from_the_status_bar_button(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    a3, undo = seeded.ids["a3"], keeper(window)
    window.status_ops.cancel(a3, "The patient asked to cancel")
    qtbot.waitUntil(lambda: undo.bar.isVisible(), timeout=10_000)
    assert status(window.desk, a3) == "cancelled"
    undo.bar.button.click()
    qtbot.waitUntil(lambda: status(window.desk, a3) == "booked", timeout=10_000)
    assert last_action(window.desk) == "undo_cancel"
    qtbot.waitUntil(lambda: window.model.find(a3) is not None, timeout=10_000)  # back on the grid


def test_a_move_is_undone(qtbot: QtBot, window: MainWindow, seeded: Seeded) -> None:
    from ui.pinboard import Pinboard
    from ui.schedule.drag import Move

    board = window.findChild(Pinboard, "pinboard")
    assert isinstance(board, Pinboard) and board.ops is not None
    a3, undo = seeded.ids["a3"], keeper(window)
    before = card(window, a3).item
    later = timedelta(hours=4)  # 15:00, Dr. Ayşe is free
    board.ops.move(
        Move(
            before, "provider", seeded.ids["ayse"], before.start_utc + later, before.end_utc + later
        )
    )
    qtbot.waitUntil(lambda: undo.bar.isVisible(), timeout=10_000)
    assert undo.bar.label.text() == "Moved."
    undo.action.trigger()
    qtbot.waitUntil(lambda: last_action(window.desk) == "undo_move", timeout=10_000)
    qtbot.waitUntil(
        lambda: (
            window.model.find(a3) is not None
            and card(window, a3).item.start_utc == before.start_utc
        ),
        timeout=10_000,
    )


def test_an_undo_the_core_refuses_is_told(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, told: list[messages.Message]
) -> None:
    a3, undo = seeded.ids["a3"], keeper(window)
    window.status_ops.set_status(a3, "arrived")
    qtbot.waitUntil(lambda: undo.bar.isVisible(), timeout=10_000)
    set_status(window.desk, a3, "in_room")  # another desk moved it on meanwhile
    undo.action.trigger()
    qtbot.waitUntil(lambda: any("changed again since" in m.text for m in told), timeout=10_000)
    assert status(window.desk, a3) == "in_room"


def test_a_change_saved_after_the_lock_offers_no_undo_on_the_lock_screen(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    undo = keeper(window)
    with qtbot.waitSignal(window.status_ops.saved, timeout=10_000):
        window.status_ops.set_status(seeded.ids["a3"], "confirmed")
        window.lock()  # Ctrl+L before the worker answered
    assert not undo.bar.isVisible() and not undo.action.isEnabled()
    assert "Layla" not in undo.bar.label.text()  # no name behind the lock either
    window.unlock()
    assert not undo.action.isEnabled()


def test_the_lock_drops_the_undo(qtbot: QtBot, window: MainWindow, seeded: Seeded) -> None:
    undo = keeper(window)
    window.status_ops.set_status(seeded.ids["a3"], "confirmed")
    qtbot.waitUntil(lambda: undo.bar.isVisible(), timeout=10_000)
    window.lock()
    window.unlock()
    assert not undo.bar.isVisible() and not undo.action.isEnabled()


def test_open_patient_or_book_next_answered_after_the_lock_opens_nothing(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    visits, patients = window.findChild(VisitOps), window.findChild(Patients)
    assert isinstance(visits, VisitOps) and isinstance(patients, Patients)
    opened: list[object] = []
    visits.bookingOpened.connect(opened.append)
    patients.opened.connect(opened.append)
    visits.open_patient(seeded.ids["a3"])
    visits.book_next(seeded.ids["a3"])
    window.lock()  # before the worker answered
    after: list[object] = []
    DbOp(window.desk.tasks, lambda db: None, window).success(after.append).run()
    qtbot.waitUntil(lambda: bool(after), timeout=10_000)  # the answers before it came too
    assert opened == [] and not patients.windows


# --- the card menu of a finished visit; the cancel dialog ------------------------------------


def finished_menu(
    qtbot: QtBot, window: MainWindow, clock: FixedClock, appointment_id: str, new: str
) -> Any:
    clock.advance(minutes=1)  # marked a little after the morning's bookings
    set_status(window.desk, appointment_id, new)
    window.model.reload()
    qtbot.waitUntil(
        lambda: (
            window.model.find(appointment_id) is not None
            and card(window, appointment_id).item.status == new
        ),
        timeout=10_000,
    )
    return window.schedule.open_card_menu(card(window, appointment_id), QPoint(0, 0))


def test_a_completed_visit_offers_its_patient_and_the_next_visit_not_a_cancel(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, clock: FixedClock
) -> None:
    o1 = seeded.ids["o1"]
    menu = finished_menu(qtbot, window, clock, o1, "completed")
    names = {a.objectName() for a in menu.actions()}
    assert "status_cancel" not in names and "reschedule" not in names
    enabled = {a.objectName() for a in menu.actions() if a.isEnabled() and a.objectName()}
    assert {"openPatient", "bookNext"} <= enabled
    visits = window.findChild(VisitOps)
    assert isinstance(visits, VisitOps)
    with qtbot.waitSignal(visits.bookingOpened, timeout=10_000) as opened:
        menu.findChild(QAction, "bookNext").trigger()
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.picker.patient is not None, timeout=10_000)
    assert dialog.picker.patient.display_name == "John Smith"
    qtbot.waitUntil(lambda: dialog.provider.currentData() == seeded.ids["omar"], timeout=10_000)
    dialog.close()
    patients = window.findChild(Patients)
    assert isinstance(patients, Patients)
    with qtbot.waitSignal(patients.opened, timeout=10_000) as shown:
        menu.findChild(QAction, "openPatient").trigger()
    assert shown.args[0].patient_id == dialog.picker.patient.id
    shown.args[0].close()


def test_a_no_show_is_taken_back_from_its_card(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, clock: FixedClock
) -> None:
    o2 = seeded.ids["o2"]
    menu = finished_menu(qtbot, window, clock, o2, "no_show")
    back = menu.findChild(QAction, "status_take_back")
    assert back is not None and back.isEnabled()
    back.trigger()
    qtbot.waitUntil(lambda: status(window.desk, o2) == "booked", timeout=10_000)
    assert last_action(window.desk) == "take_back"
    # o1 overlapped it all along (two lanes): only a booking made since would refuse it.


def test_a_no_show_of_a_day_gone_by_is_not_offered_for_taking_back(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, clock: FixedClock
) -> None:
    o2 = seeded.ids["o2"]
    finished_menu(qtbot, window, clock, o2, "no_show").close()
    clock.advance(days=1)  # the schedule still shows that day
    menu = window.schedule.open_card_menu(card(window, o2), QPoint(0, 0))
    back = menu.findChild(QAction, "status_take_back")
    assert back is not None and not back.isEnabled()


def test_the_cancel_dialog_names_the_visit_and_keeps_it_by_default(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    a3 = seeded.ids["a3"]
    window.status_ops.ask_cancel(a3)
    dialog = window.status_ops.dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.question.text()
    assert "Layla Haddad" in text and "2026" in text and "11:00–11:30" in text
    assert dialog.keep.text() == "Keep appointment" and dialog.keep.isDefault()
    assert not dialog.ok.isDefault()
    dialog.activateWindow()  # as the window manager does with a new dialog
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.reason.lineEdit(), "Asked to")
    qtbot.keyClick(dialog.reason.lineEdit(), Qt.Key.Key_Return)  # Enter: the safe answer
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert status(window.desk, a3) == "booked"
