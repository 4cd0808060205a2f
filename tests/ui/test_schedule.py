"""The schedule: what it loads, how it moves, what it asks for, what it saves."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from threadspy import ThreadSpy
from uiseed import DAY, Seeded, at

from receptionist.clock import FixedClock
from receptionist.models import Appointment
from receptionist.store import vault
from ui import messages
from ui.mainwindow import MainWindow
from ui.schedule.layout import Placed, assign_lanes


def _ids(window: MainWindow) -> set[str]:
    return {p.item.id for p in window.model.items()}


def _status_in_db(seeded: Seeded, appointment_id: str) -> str:
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            return s.scalar(select(Appointment.status).where(Appointment.id == appointment_id))
    finally:
        db.close()


def test_day_shows_seeded_appointments(window: MainWindow, seeded: Seeded) -> None:
    model, ids = window.model, seeded.ids
    assert window.schedule.objectName() == "scheduleView"
    assert [c.column.name for c in model.columns] == ["Dr. Ayşe Demir", "Dr. Omar Haddad"]
    assert _ids(window) == {ids[k] for k in ("a1", "a2", "a3", "o1", "o2")}  # cancelled hidden
    card = next(p for p in model.items() if p.item.id == ids["a2"])
    assert (card.item.patient_name, card.item.service_name, card.item.status) == (
        "Mehmet Öztürk",
        "Cleaning",
        "arrived",
    )
    assert (card.top, card.bottom) == (10 * 60, 10 * 60 + 45)
    omar = model.columns[1]
    assert sorted((p.lane, p.lanes) for p in omar.cards) == [(0, 2), (1, 2)]
    assert omar.blocked == [(12 * 60, 13 * 60, "time_off")]
    assert model.columns[0].working == [(9 * 60, 12 * 60 + 30), (13 * 60 + 30, 18 * 60)]
    assert model.window() == (at("00:00"), at("00:00", DAY + timedelta(days=1)))


def test_navigation_loads_the_new_window(
    qtbot: QtBot, thread_spy: ThreadSpy, window: MainWindow, seeded: Seeded
) -> None:
    model, a = window.model, window.actions_
    with qtbot.waitSignal(model.loaded):
        a.next.trigger()
    assert model.day == DAY + timedelta(days=1)
    assert model.window()[0] == at("00:00", DAY + timedelta(days=1))
    assert _ids(window) == {seeded.ids["next"]}
    assert window.navbar.date_edit.date().toPython() == model.day
    with qtbot.waitSignal(model.loaded):
        a.previous.trigger()
    with qtbot.waitSignal(model.loaded):
        a.week_view.trigger()
    start, end = model.window()
    assert end - start == timedelta(days=7) and len(model.columns) == 7  # Ayşe's week
    assert seeded.ids["next"] in _ids(window)
    with qtbot.waitSignal(model.loaded):
        a.next.trigger()
    assert model.day == DAY + timedelta(days=7) and _ids(window) == set()
    with qtbot.waitSignal(model.loaded):
        a.today.trigger()
    assert model.day == DAY
    assert thread_spy.calls and thread_spy.on_gui_thread() == []


def test_quick_steps_load_once_more_not_each(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    model = window.model
    loads: list[int] = []
    model.loaded.connect(lambda: loads.append(1))
    for _ in range(3):
        model.step(+1)
    qtbot.waitUntil(lambda: not model.loading and bool(loads))
    assert model.day == DAY + timedelta(days=3) and len(loads) == 1
    assert model.columns[0].day == DAY + timedelta(days=3)


def test_calendar_date_edit_moves_the_day(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.model.loaded):
        window.navbar.date_edit.setDate(DAY + timedelta(days=2))
    assert window.model.day == DAY + timedelta(days=2)


def test_rooms_and_provider_filter(qtbot: QtBot, window: MainWindow, seeded: Seeded) -> None:
    model, ids = window.model, seeded.ids
    menu = window.navbar.column_filter.menu_
    with qtbot.waitSignal(model.loaded):
        menu.findChild(QAction, f"filter_{ids['ayse']}").trigger()  # untick Ayşe
    assert [c.column.name for c in model.columns] == ["Dr. Omar Haddad"]
    assert window.navbar.column_filter.text() == "Dr. Omar Haddad"
    menu.findChild(QAction, f"filter_{ids['omar']}").trigger()  # the last one stays
    assert model.filter() == frozenset({ids["omar"]})
    with qtbot.waitSignal(model.loaded):
        window.actions_.by_room.trigger()
    assert [c.column.kind for c in model.columns] == ["room", "room", "room"]  # + No room
    assert window.navbar.column_filter.text() == "All rooms"
    assert _ids(window) == {ids[k] for k in ("a1", "a2", "a3", "o1", "o2")}


def test_arrows_move_the_cursor_and_enter_books(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    view = window.schedule
    view.set_cursor(0, 8 * 4)  # Ayşe, 08:00
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.slot_cursor == (1, 8 * 4 + 1)
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert view.slot_cursor == (1, 9 * 4 + 1)  # 09:15 in Omar's column: free
    with qtbot.waitSignal(view.bookRequested) as booked:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert booked.args == [seeded.ids["omar"], at("09:15")]
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.slot_cursor == (1, 8 * 4)  # the start of Omar's working day


def test_double_click_on_a_free_slot_books(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    view = window.schedule
    view.verticalScrollBar().setValue(int(view.geo.y(12 * 60)))
    point = view.viewport_point(0, 14 * 4)  # Ayşe, 14:00
    with qtbot.waitSignal(view.bookRequested) as booked:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert booked.args == [seeded.ids["ayse"], at("14:00")]


def test_status_menu_saves_through_the_core(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, told: list[messages.Message]
) -> None:
    view, ids = window.schedule, seeded.ids
    view.set_cursor(0, 11 * 4)  # Layla's 11:00 check-up, booked
    card = view.card_at_cursor()
    assert card is not None and card.item.id == ids["a3"]
    menu = view.open_card_menu(card, QPoint(0, 0))
    arrived = menu.findChild(QAction, "status_arrived")
    assert arrived.isEnabled() and not menu.findChild(QAction, "status_completed").isEnabled()
    no_show = menu.findChild(QAction, "status_no_show")
    assert not no_show.isEnabled(), "at 10:00 the 11:00 patient cannot be a no-show yet"
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        arrived.trigger()
    assert _status_in_db(seeded, ids["a3"]) == "arrived"
    assert next(p for p in window.model.items() if p.item.id == ids["a3"]).item.status == "arrived"
    assert told[-1].text == "Saved: Layla Haddad is now Arrived."


def test_a_refused_move_is_told_plainly(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, told: list[messages.Message]
) -> None:
    window.schedule.statusRequested.emit(seeded.ids["a1"], "completed")  # confirmed -> completed
    qtbot.waitUntil(lambda: bool(told))
    assert told[0].level == messages.Level.ERROR
    assert told[0].text.startswith("An appointment that is confirmed cannot become completed")
    box = window.dialogs.current
    assert box is not None and box.isVisible() and box.text() == told[0].text
    box.close()
    assert _status_in_db(seeded, seeded.ids["a1"]) == "confirmed"


def test_cancel_asks_why_then_frees_the_slot(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    view = window.schedule
    view.set_cursor(0, 9 * 4)
    card = view.card_at_cursor()
    assert card is not None
    view.open_card_menu(card, QPoint(0, 0)).findChild(QAction, "status_cancel").trigger()
    dialog = window.status_ops.dialog
    assert dialog is not None and dialog.objectName() == "cancelDialog"
    dialog.ok.click()
    assert dialog.error.isVisible() and dialog.isVisible()  # no reason, no cancel
    qtbot.keyClicks(dialog.reason.lineEdit(), "The patient asked to cancel")
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        dialog.ok.click()
    assert seeded.ids["a1"] not in _ids(window)
    assert _status_in_db(seeded, seeded.ids["a1"]) == "cancelled"


def test_now_line_follows_the_injected_clock(window: MainWindow, clock: FixedClock) -> None:
    assert window.schedule.frame().now_minute == 10 * 60
    clock.advance(minutes=95)
    assert window.schedule.frame().now_minute == 11 * 60 + 35


def test_week_view_paints(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.model.loaded):
        window.actions_.week_view.trigger()
    picture = window.schedule.viewport().grab()
    assert picture.width() > 0 and window.schedule.geo.columns == 7


def test_lanes_split_overlaps_only() -> None:
    def card(top: int, bottom: int, key: str) -> Placed:
        return Placed(item=type("I", (), {"id": key})(), top=top, bottom=bottom)  # type: ignore[arg-type]

    placed = assign_lanes(
        [card(0, 30, "a"), card(15, 45, "b"), card(30, 60, "c"), card(60, 90, "d")]
    )
    assert [(p.item.id, p.lane, p.lanes) for p in placed] == [
        ("a", 0, 2),
        ("b", 1, 2),
        ("c", 0, 2),
        ("d", 0, 1),
    ]


def test_scrolling_paints_only_the_uncovered_strip_and_matches_a_full_paint(
    qtbot: QtBot, window: MainWindow
) -> None:
    """A scroll moves the pixels already drawn and paints the strip it uncovers; the
    result must be exactly what painting everything from scratch gives."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    view = window.schedule
    vp = view.viewport()
    window.actions_.week_view.trigger()
    qtbot.waitUntil(lambda: len(window.model.columns) == 7)
    window.model.set_filter(None)  # every provider's week: wider than the window
    qtbot.waitUntil(lambda: len(window.model.columns) == 14)
    vp.repaint()
    painted: list[int] = []

    class Spy(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if obj is vp and event.type() == QEvent.Type.Paint:
                for r in event.region():  # type: ignore[attr-defined]
                    painted.append(r.width() * r.height())
            return False

    spy = Spy()
    vp.installEventFilter(spy)
    for bar, step in ((view.verticalScrollBar(), 3 * view.verticalScrollBar().singleStep()),
                      (view.horizontalScrollBar(), 40)):  # fmt: skip
        for direction in (1, -1):
            painted.clear()
            bar.setValue(bar.value() + direction * step)
            QApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
            QApplication.processEvents()
            assert painted, "the scroll painted something"
            assert sum(painted) < vp.width() * vp.height(), "not the whole viewport again"
            scrolled = vp.grab().toImage()
            vp.repaint()
            assert vp.grab().toImage() == scrolled, "a scroll leaves what a full paint draws"
    vp.removeEventFilter(spy)


def test_the_grid_paints_the_same_under_a_right_to_left_language(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Arabic mirrors the window; the painted grid stays whole (not half-mirrored, with
    text flipped against badges) until the right-to-left work mirrors it on purpose."""
    from PySide6.QtWidgets import QApplication

    vp = window.schedule.viewport()
    vp.repaint()
    ltr = vp.grab().toImage()
    QApplication.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    try:
        assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft  # the window mirrors
        vp.repaint()
        assert vp.grab().toImage() == ltr
    finally:
        QApplication.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
