"""Schedule cards: the whole name first; service and time in the tooltip and the menu."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QAction, QFont
from pytestqt.qtbot import QtBot
from uiseed import DAY, Seeded

from receptionist.clock import FixedClock
from receptionist.models import Appointment
from receptionist.schedule.cards import AgendaItem
from receptionist.store import vault
from ui.mainwindow import MainWindow
from ui.schedule import look
from ui.schedule.cardtext import card_text, pill_width, tooltip
from ui.schedule.frame import CardFonts

NAME = "Hannah Thompson-Whitaker"


def _item(status: str = "booked") -> AgendaItem:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return AgendaItem("x", NAME, start, start, "p", None, "s", "Root canal", "#4a90d9", status)


def test_a_short_card_shows_the_whole_name_and_no_pill_over_it(qtbot: QtBot) -> None:
    fonts = CardFonts(QFont())
    name_w = fonts.fm_bold.horizontalAdvance(NAME)
    one_line = fonts.fm_bold.height() + 2
    # Room for the name but not for the name and the pill: the pill gives way.
    said = card_text(_item(), "09:00–09:15", name_w + 16, one_line, fonts)
    assert said.first == NAME and said.second is None  # no service squeezed in
    assert said.badge == "dot"
    said = card_text(_item(), "09:00–09:15", name_w + 4, one_line, fonts)
    assert said.badge == "bar"  # not even a dot: a bar along the bottom edge
    two = fonts.fm_bold.height() + fonts.fm.height() + 2
    said = card_text(_item(), "09:00–09:45", name_w + 16, two, fonts)
    assert said.badge == "pill_below" and said.second == "Root canal · 09:00–09:45"
    wide = name_w + pill_width("booked", fonts) + 10
    assert card_text(_item(), "09:00–09:45", wide, two, fonts).badge == "pill"


def _card_point(window: MainWindow, key: str, seeded: Seeded) -> QPoint:
    view = window.schedule
    found = window.model.find(seeded.ids[key])
    assert found is not None
    col, card = found
    view.set_cursor(col, card.top // view.geo.slot_minutes)
    return view.port().to_viewport(view.geo.card_rect(col, card).center())


def test_the_tooltip_and_the_menu_say_service_and_time(window: MainWindow, seeded: Seeded) -> None:
    view = window.schedule
    point = _card_point(window, "a2", seeded)
    tip = view.tooltip_at(point)
    assert tip.splitlines() == ["Mehmet Öztürk", "Cleaning · 10:00–10:45", "Arrived"]
    card = view.card_at_cursor()
    assert card is not None
    menu = view.open_card_menu(card, QPoint(0, 0))
    detail = menu.findChild(QAction, "cardMenuDetail")
    assert detail is not None and detail.text() == "Cleaning · 10:00–10:45"
    assert not detail.isEnabled()
    menu.close()
    assert view.tooltip_at(QPoint(view.geo.gutter + 2, view.geo.header + 2)) == ""


def test_the_now_line_runs_under_cards_not_through_their_text(
    window: MainWindow, seeded: Seeded, clock: FixedClock
) -> None:
    view = window.schedule
    clock.advance(minutes=20)  # 10:20: through Mehmet's cleaning (10:00-10:45), by Ayşe
    vp = view.viewport()
    vp.repaint()
    image = vp.grab().toImage()
    y = int(view.port().to_viewport(QPointF(0, view.geo.y(10 * 60 + 20))).y())
    found = window.model.find(seeded.ids["a2"])
    assert found is not None
    col, card = found
    rect = view.geo.card_rect(col, card)
    inside = view.port().to_viewport(QPointF(rect.center().x(), 0)).x()
    omar = window.model.columns.index(next(c for c in window.model.columns if not c.cards_at(620)))
    free = view.port().to_viewport(QPointF((omar + 0.5) * view.geo.col_width, 0)).x()
    red = look.NOW_LINE.rgb()
    assert any(image.pixel(free, y + d) == red for d in (-1, 0, 1))  # on the free grid
    assert all(image.pixel(inside, y + d) != red for d in (-1, 0, 1))  # hidden by the card


def test_the_rooms_view_has_a_no_room_column_naming_the_provider(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    db = vault.open_clinic(seeded.root)
    try:
        with db.write() as s:  # Mehmet's cleaning: booked without a room
            s.get(Appointment, seeded.ids["a2"]).room_id = None  # type: ignore[union-attr]
    finally:
        db.close()
    with qtbot.waitSignal(window.model.loaded):
        window.actions_.by_room.trigger()
    columns = window.model.columns
    assert [look.column_name(c.column) for c in columns] == ["Room 1", "Room 2", "No room"]
    assert [c.item.id for c in columns[2].cards] == [seeded.ids["a2"]]
    assert seeded.ids["a1"] in {c.item.id for c in columns[0].cards}
    point = _card_point(window, "a2", seeded)
    assert window.schedule.tooltip_at(point).splitlines()[1] == (
        "Dr. Ayşe Demir · Cleaning · 10:00–10:45"
    )
    booked: list[tuple[str, object]] = []
    window.schedule.roomBookRequested.connect(lambda room, start: booked.append((room, start)))
    window.schedule.set_cursor(2, 14 * 4)  # No room, 14:00: free
    window.schedule.activate_cursor()
    assert booked and booked[0][0] == ""  # books without a room (the launcher: room None)


def test_a_closed_day_says_so_and_goes_to_the_next_open_day(
    qtbot: QtBot, window: MainWindow
) -> None:
    notice = window.schedule.closed
    assert notice.isHidden()  # Monday: open
    sunday = DAY + timedelta(days=6)
    with qtbot.waitSignal(window.model.loaded):
        window.model.set_day(sunday)
    assert notice.isVisible()
    assert notice.label.text() == "The clinic is closed on Sunday 8 March."
    body = window.schedule.viewport().geometry()
    assert body.contains(notice.geometry())  # on the grid, not off screen
    assert notice.button.isVisible() and "Mon 9 Mar" in notice.button.text()
    with qtbot.waitSignal(window.model.loaded):
        notice.button.click()
    assert window.model.day == sunday + timedelta(days=1)
    assert notice.isHidden()


def test_the_week_shows_the_focused_providers_days_and_a_status_legend(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    model, view = window.model, window.schedule
    view.set_cursor(1, 10 * 4)  # on Dr. Omar Haddad's column
    with qtbot.waitSignal(model.loaded):
        window.actions_.week_view.trigger()
    assert len(model.columns) == 7  # his seven days, not 7 × every provider
    assert {c.column.id for c in model.columns} == {seeded.ids["omar"]}
    assert [c.day for c in model.columns] == [DAY + timedelta(days=i) for i in range(7)]
    assert view.geo.col_width * 7 <= view.viewport().width() - view.geo.gutter  # no scrolling
    assert window.navbar.column_filter.text() == "Dr. Omar Haddad"
    with qtbot.waitSignal(model.loaded):  # a chosen few: both, day by day
        model.set_filter(frozenset({seeded.ids["omar"], seeded.ids["ayse"]}))
    assert len(model.columns) == 14 and model.columns[0].day == model.columns[1].day
    with qtbot.waitSignal(model.loaded):
        window.actions_.day_view.trigger()
    assert len(model.columns) == 2  # the day still shows everyone
    legend = view.legend
    assert legend.isVisible() and legend.height() > 0
    assert legend.labels() == [
        "Booked", "Confirmed", "Late", "Not marked", "Arrived", "In room", "Completed", "No-show",
    ]  # fmt: skip
    assert legend.geometry().top() > view.viewport().geometry().bottom()  # under the grid


def test_rooms_chosen_in_the_week_show_one_rooms_week(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    model = window.model
    with qtbot.waitSignal(model.loaded):
        window.actions_.week_view.trigger()
    with qtbot.waitSignal(model.loaded):
        window.actions_.by_room.trigger()
    assert {c.column.id for c in model.columns} == {seeded.ids["room1"]}
    assert len(model.columns) == 7


def test_a_narrow_card_keeps_its_details_line_rather_than_the_pill(qtbot: QtBot) -> None:
    fonts = CardFonts(QFont())
    two = fonts.fm_bold.height() + fonts.fm.height() + 2
    short = AgendaItem("x", "Al Li", *[_item()[i] for i in range(2, 10)])
    narrow = pill_width("booked", fonts) + 20  # the pill would leave the details 16 px
    said = card_text(short, "09:00–09:45", narrow, two, fonts, who="Dr. Omar Farouk")
    assert said.badge == "dot" and said.second is not None


def test_an_anonymised_patient_s_card_says_anonymised(qtbot: QtBot) -> None:
    """Issue #14: her row keeps no name (the sweep anonymised her), her visit stays."""
    gone = AgendaItem("x", "", *[_item("completed")[i] for i in range(2, 10)])
    fonts = CardFonts(QFont())
    assert card_text(gone, "09:00–09:30", 400, 60, fonts).first == "anonymised"
    assert tooltip(gone, "09:00–09:30").startswith("anonymised\nRoot canal")
    assert card_text(_item(), "09:00–09:30", 400, 60, fonts).first == NAME
