"""The pinboard: carry an appointment to another day, by keyboard or by drag and drop."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from uiseed import DAY, Seeded, at

from receptionist.models import Appointment
from receptionist.store import vault
from ui.mainwindow import MainWindow
from ui.pinboard import PIN_WIDTH, Pinboard, PinModel, install
from ui.schedule.dragger import mime_for
from ui.schedule.frame import CardFonts
from ui.schedule.override import OverrideDialog

TUESDAY = DAY + timedelta(days=1)


def when(seeded: Seeded, key: str) -> tuple[datetime, datetime]:
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            a = s.scalars(select(Appointment).where(Appointment.id == seeded.ids[key])).one()
            return a.start_utc, a.end_utc
    finally:
        db.close()


@pytest.fixture
def board(window: MainWindow) -> Pinboard:
    return install(window)


def next_day(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        window.actions_.next.trigger()
    assert window.model.day == TUESDAY


def test_install_twice_gives_one_board(window: MainWindow, board: Pinboard) -> None:
    assert install(window) is board
    assert board.ops is not None and board.ops.override_factory is OverrideDialog
    assert window.findChildren(Pinboard) == [board]
    assert board.objectName() == "pinboard" and board.isHidden()


def test_move_pins_then_enter_on_another_day_places_it(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    view = window.schedule
    view.set_cursor(0, 11 * 4)  # Layla's 11:00 check-up
    window.findChild(QAction, "action_move").trigger()
    assert board.isVisible() and board.model.ids() == [seeded.ids["a3"]]
    assert view.carrying == seeded.ids["a3"] and seeded.ids["a3"] in view.frame().pinned
    next_day(qtbot, window)
    view.set_cursor(1, 10 * 4)  # Omar, Tuesday 10:00, free
    ghost = view.frame().ghost
    assert ghost is not None and (ghost.top, ghost.bottom) == (600, 630)
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert when(seeded, "a3") == (at("10:00", TUESDAY), at("10:30", TUESDAY))
    assert board.model.ids() == [] and view.carrying is None
    assert window.model.find(seeded.ids["a3"]) is not None


def test_enter_on_a_card_still_opens_it_while_carrying(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    view = window.schedule
    view.set_cursor(0, 11 * 4)
    view.pin_selected()
    view.set_cursor(0, 9 * 4)  # Zeynep's card: Enter opens, it does not drop
    assert view.frame().ghost is None
    with qtbot.waitSignal(view.appointmentActivated) as opened:
        view.activate_cursor()
    assert opened.args == [seeded.ids["a1"]]
    assert window.schedule.menu is not None
    window.schedule.menu.close()


def test_reschedule_in_the_menu_pins_and_a_drop_places_it(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    view = window.schedule
    view.set_cursor(1, 9 * 4 + 2)  # Omar, 09:30: John's cleaning, in room
    card = view.card_at_cursor()
    assert card is not None
    view.open_card_menu(card, QPoint(0, 0)).findChild(QAction, "reschedule").trigger()
    pinned = board.model.ids()
    assert pinned == [card.item.id]
    next_day(qtbot, window)
    view.verticalScrollBar().setValue(int(view.geo.y(12 * 60)))
    g = view.geo
    target = view.port().to_viewport(QPointF(g.col_width * 1.5, g.y(14 * 60) + 3))
    data = mime_for(card.item.id)
    copy = Qt.DropAction.CopyAction
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(target, copy, data, left, none)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    ghost = view.frame().ghost
    assert ghost is not None and (ghost.col, ghost.top, ghost.bottom) == (1, 840, 885)
    drop = QDropEvent(QPointF(target), copy, data, left, none)
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        QApplication.sendEvent(view.viewport(), drop)
    assert drop.isAccepted() and drop.dropAction() == copy
    assert when(seeded, "o1") == (at("14:00", TUESDAY), at("14:45", TUESDAY))
    assert board.model.ids() == []


def test_a_drop_that_is_not_pinned_is_ignored(
    window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    view = window.schedule
    target = view.viewport_point(0, 14 * 4)
    data = mime_for(seeded.ids["a1"])  # the event does not own it: keep it alive
    enter = QDragEnterEvent(
        target,
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted() and view.frame().ghost is None


def test_unpin_leaves_the_appointment_where_it_was(
    window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    view = window.schedule
    view.set_cursor(0, 9 * 4)
    view.pin_selected()
    assert board.model.ids() == [seeded.ids["a1"]]
    board.unpin_button.click()
    assert board.model.ids() == [] and view.pinned == {} and view.carrying is None
    assert when(seeded, "a1") == (at("09:00"), at("09:30"))


def test_pin_model_passes_the_model_tester(
    qtmodeltester: Any, window: MainWindow, board: Pinboard
) -> None:
    window.schedule.set_cursor(0, 9 * 4)
    window.schedule.pin_selected()
    window.schedule.set_cursor(0, 11 * 4)
    window.schedule.pin_selected()
    qtmodeltester.check(board.model)
    assert board.model.rowCount() == 2
    text = board.model.data(board.model.index(0))
    assert isinstance(text, str) and text.startswith("Zeynep Kaya · Check-up\n")
    qtmodeltester.check(PinModel())


def test_opening_the_board_leaves_the_schedule_room_for_names(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    before = window.schedule.viewport().width()
    board.pin_id(seeded.ids["a3"])
    qtbot.waitUntil(board.isVisible)
    QApplication.processEvents()
    assert board.width() <= PIN_WIDTH + 12  # not as wide as its hint's one long line
    assert before - window.schedule.viewport().width() <= PIN_WIDTH + 12
    fonts = CardFonts(window.schedule.font())
    for index, column in enumerate(window.model.columns):  # every name is whole
        for card in column.cards:
            inner = window.schedule.geo.card_rect(index, card).adjusted(8, 2, -4, -2)
            name = card.item.patient_name
            assert fonts.fm_bold.horizontalAdvance(name) <= inner.width(), name
