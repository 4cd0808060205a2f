"""Issue #16's last items: Undo in the Appointment menu, a past day's unmarked
appointments, and the rest of what a new receptionist tripped on."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import QLocale, QPoint
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMenu, QScrollArea
from pytestqt.qtbot import QtBot
from uiseed import DAY, Seeded

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import ValidationError
from receptionist.ops.undo import Done, Undo
from receptionist.patients import validation
from receptionist.schedule import blocked
from receptionist.schedule.agenda import day_window
from receptionist.schedule.today import BoardRow
from receptionist.schedule.undo import Before
from receptionist.store.storage import Database
from ui import textsize, undo
from ui.actions import menu_holding
from ui.app import stylesheet
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients.form import DemographicsForm
from ui.patients.table import parse_date
from ui.schedule.layout import Placed
from ui.schedule.model import LaidOut, fetch_laid_out
from ui.settings import SettingsDialog
from ui.tasks import TaskManager
from ui.today.boardmodel import STATUS_COLUMN, BoardModel


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def card(window: MainWindow, appointment_id: str) -> Placed:
    found = window.model.find(appointment_id)
    assert found is not None
    return found[1]


# --- a past day's unmarked appointments ----------------------------------------------------


def test_a_past_days_unmarked_appointment_asks_to_be_marked_not_late(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, clock: FixedClock, tmp_path: Path
) -> None:
    a1 = seeded.ids["a1"]  # confirmed for 09:00 on Monday; it is 10:00: late
    tip, view = window.schedule.tooltip_at, window.schedule
    point = view.viewport_point(0, card(window, a1).top // view.geo.slot_minutes)
    assert tip(point).endswith("\nLate")
    clock.advance(days=1)  # Tuesday: Monday is over and nobody marked her
    window.schedule.viewport().update()
    assert tip(point).endswith("\nNot marked")
    menu = window.schedule.open_card_menu(card(window, a1), QPoint(0, 0))
    assert menu.title().endswith(": Not marked")
    menu.close()
    assert window.grab().save(str(tmp_path / "past-day-not-marked.png"))


def test_the_board_says_not_marked_for_a_day_that_is_over(
    window: MainWindow, clock: FixedClock
) -> None:
    tz = window.desk.clinic.tz
    now = clock.now()
    start = now - timedelta(hours=1)
    row = BoardRow("x", start, start + timedelta(minutes=30), "p", "A B", "Dr", "Room 1",
                   "Check-up", "booked", None)  # fmt: skip
    board = BoardModel(tz, now)
    board.set_rows([row])
    assert board.index(0, STATUS_COLUMN).data() == "Late"
    board.set_now(now + timedelta(days=1))
    assert board.index(0, STATUS_COLUMN).data() == "Not marked"


# --- Undo in the Appointment menu ----------------------------------------------------------


def appointment_menu(window: MainWindow) -> QMenu:
    found = menu_holding(window, "action_cardMenu")
    assert found is not None and found.title() == "&Appointment"
    return found


def test_undo_sits_in_the_appointment_menu_named_for_what_it_takes_back(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, tmp_path: Path
) -> None:
    a3, keeper = seeded.ids["a3"], window.undo
    menu = appointment_menu(window)
    assert keeper.action in menu.actions()  # the same action as Ctrl+Z and the button
    assert keeper.action.shortcut().toString() == "Ctrl+Z"
    assert not keeper.action.isEnabled() and keeper.action.text() == "&Undo"
    window.status_ops.set_status(a3, "confirmed")
    qtbot.waitUntil(keeper.action.isEnabled, timeout=10_000)
    assert keeper.action.text() == "&Undo status change"
    button = keeper.bar.button
    assert button.defaultAction() is keeper.action
    # the status bar's button shows the whole name, not "Un…ge"
    whole = button.fontMetrics().horizontalAdvance("Undo status change")
    qtbot.waitUntil(lambda: button.isVisible() and button.contentsRect().width() >= whole)
    menu.popup(window.mapToGlobal(QPoint(40, 40)))
    qtbot.waitUntil(menu.isVisible)
    assert menu.grab().save(str(tmp_path / "appointment-menu-undo.png"))
    menu.close()
    keeper.action.trigger()
    qtbot.waitUntil(lambda: not keeper.action.isEnabled(), timeout=10_000)
    assert keeper.action.text() == "&Undo"


# --- one Undo line per desk ----------------------------------------------------------------


def test_each_desk_has_its_own_undo_line(
    qtbot: QtBot, window: MainWindow, desk: Desk, tasks: TaskManager, clock: FixedClock
) -> None:
    other = Desk(desk.root, tasks, desk.clinic, desk.actor, clock)
    assert other.undo is not desk.undo
    before = Before("booked", None, "", clock.now(), clock.now(), "p", None, None, "")
    done = Done(cast(Any, None), Undo("x", "status", before, 1))
    undo.offer(other, done, "Saved at the other desk.")
    assert not window.undo.action.isEnabled()  # not this window's desk
    undo.offer(desk, done, "Saved here.")
    assert window.undo.action.isEnabled() and window.undo.bar.label.text() == "Saved here."
    undo.starting(desk)
    assert not window.undo.action.isEnabled()


# --- the birth date's hint and the core's error name the same forms ------------------------


def test_the_birth_date_hint_names_the_forms_the_core_takes(qtbot: QtBot, tmp_path: Path) -> None:
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    try:
        form = DemographicsForm()
        qtbot.addWidget(form)
        hint = form.editors["birth_date"].placeholderText()
        with pytest.raises(ValidationError) as refused:
            validation.birth_date("23/07/1996", date(2026, 3, 2))
        offered = hint.removeprefix("e.g. ")
        assert offered == "23 Jul 1996, 23.07.1996, 1996-07-23"
        assert str(refused.value).endswith(f"{offered}.")  # the error asks for the same
        for example in offered.split(", "):  # and each is taken, by the form and the core
            assert parse_date(example) == date(1996, 7, 23), example
            assert validation.birth_date(example, date(2026, 3, 2)) == date(1996, 7, 23)
        assert parse_date("07/23/1996") is None  # no form that reads two ways
        form.resize(520, 480)
        form.show()
        assert form.grab().save(str(tmp_path / "birth-date-hint.png"))
    finally:
        QLocale.setDefault(before)


# --- the closed day's next open day: one read, holidays skipped ----------------------------


def test_the_next_open_day_skips_a_holiday_and_comes_in_the_schedules_one_read(
    qtbot: QtBot, window: MainWindow, desk: Desk, clock: FixedClock, tmp_path: Path
) -> None:
    tz = desk.clinic.tz
    sunday, monday = DAY + timedelta(days=6), DAY + timedelta(days=7)
    admin = Ctx(Actor(user_id=None, role="admin", source="cli"), clock)

    def holiday(db: Database) -> None:  # all of Monday 9 March, for the whole clinic
        with db.write() as s:
            start, end = day_window(monday, tz)
            blocked.add_blocked_time(s, admin, start=start, end=end, reason="Holiday")

    def laid_out(db: Database) -> tuple[LaidOut, int]:
        reads: list[int] = []
        real = db.read

        def read() -> Any:
            reads.append(1)
            return real()

        db.read = read  # type: ignore[method-assign]
        try:
            found = fetch_laid_out(db, [sunday], admin, day_window(sunday, tz), "provider", None)
        finally:
            del db.read
        return found, len(reads)

    on_worker(desk, holiday)
    (_fetched, _columns, reopens), reads = on_worker(desk, laid_out)
    assert reopens == monday + timedelta(days=1)  # Monday is a holiday: Tuesday
    assert reads == 1
    with qtbot.waitSignal(window.model.loaded):
        window.model.set_day(monday)  # the holiday itself says it is closed
    notice = window.schedule.closed
    assert notice.isVisible() and "Tue 10 Mar" in notice.button.text()
    assert window.grab().save(str(tmp_path / "holiday-closed.png"))


def test_a_holiday_with_bookings_left_on_it_shows_them_not_a_closed_notice_over_them(
    qtbot: QtBot, window: MainWindow, desk: Desk, clock: FixedClock, seeded: Seeded,
    tmp_path: Path,
) -> None:  # fmt: skip
    """A holiday added after patients were booked on it: the receptionist must see the
    cards to move them, so no notice covers the grid (the blocked day still shows)."""
    tz = desk.clinic.tz
    admin = Ctx(Actor(user_id=None, role="admin", source="cli"), clock)

    def holiday(db: Database) -> None:  # all of Monday 2 March, booked already
        with db.write() as s:
            start, end = day_window(DAY, tz)
            blocked.add_blocked_time(s, admin, start=start, end=end, reason="Holiday")

    on_worker(desk, holiday)
    with qtbot.waitSignal(window.model.loaded):
        window.model.set_day(DAY + timedelta(days=1))
    with qtbot.waitSignal(window.model.loaded):
        window.model.set_day(DAY)
    assert window.model.reopens is not None  # the clinic is closed on it
    assert window.model.find(seeded.ids["a1"]) is not None  # yet patients are booked
    assert window.schedule.closed.isHidden()
    assert window.grab().save(str(tmp_path / "holiday-with-bookings.png"))


# --- larger text, three spans a day: the Providers page at 1366×768 ------------------------


def test_larger_text_and_three_spans_fit_the_providers_page_on_a_small_laptop(
    qtbot: QtBot, app: QApplication, desk: Desk, tmp_path: Path
) -> None:
    app.setFont(QFont(app.font().family(), 10))  # the app's usual size (ui/app.py)
    app.setStyleSheet(stylesheet())
    textsize.apply(app, True)
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    dialog = SettingsDialog(admin, confirm=lambda _parent, _page: "discard")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.load()
    page = dialog.providers
    dialog.tabs.setCurrentWidget(page)
    view = page.view
    row = next(
        r for r in range(view.model().rowCount()) if "Ayşe" in str(view.model().index(r, 0).data())
    )
    view.setCurrentIndex(view.model().index(row, 0))
    qtbot.waitUntil(lambda: page.name.text().startswith("Dr. Ayşe"), timeout=10_000)
    monday = page.hours.days["mon"]
    monday.add_span()
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    assert len(monday.spans) == 3
    assert dialog.width() <= 1366 and dialog.height() <= 768 - 40 - 30
    assert dialog.grab().save(str(tmp_path / "providers-larger-text-three-spans.png"))
    scroll = page.findChild(QScrollArea)
    assert scroll is not None
    bars = scroll.horizontalScrollBar().maximum(), scroll.verticalScrollBar().maximum()
    assert bars == (0, 0)
    textsize.apply(app, False)  # the usual text again: the dialog's usual size
    assert (dialog.width(), dialog.height()) == (1160, 660)
