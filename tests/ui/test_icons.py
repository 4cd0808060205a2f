"""The icon set: every name draws, the window's actions carry icons, and without the
font the app carries on with none."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QTransform
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from ui import icons
from ui.desk import Desk
from ui.lockscreen import LockScreen
from ui.mainwindow import MainWindow
from ui.syncstate import SyncState
from ui.syncstatus import SyncStatus

# The actions a receptionist reaches for all day; each must show an icon.
KEY_ACTIONS = (
    "newAppointment",
    "today",
    "previous",
    "next",
    "goto",
    "patients",
    "quickFind",
    "todayBoard",
    "waitlist",
    "settings",
    "lock",
    "move",
    "pinboard",
)


@pytest.fixture(autouse=True)
def fresh_icons() -> Iterator[None]:
    """Each test starts from an unloaded font and leaves none of its patches behind."""
    icons.reset()
    yield
    icons.reset()


def painted(image: QImage) -> list[QColor]:
    """The colours of the pixels that are not transparent."""
    return [
        image.pixelColor(x, y)
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 0
    ]


def picture(made: QIcon, side: int = 24, mode: QIcon.Mode = QIcon.Mode.Normal) -> QImage:
    return made.pixmap(QSize(side, side), 1.0, mode).toImage()


def test_every_name_draws_a_glyph(qtbot: QtBot) -> None:
    assert icons.available()
    for name in icons.ICONS:
        made = icons.icon(name)
        assert not made.isNull(), name
        ink = painted(picture(made))
        # A real glyph covers some of the square, never none of it, never all of it.
        assert 10 < len(ink) < 24 * 24 * 0.8, name


def test_glyphs_are_the_named_ones(qtbot: QtBot) -> None:
    """Not one shape for all (a missing glyph box, or the wrong code point)."""
    shapes = {name: picture(icons.icon(name)) for name in ("previous", "next", "lock", "save")}
    left, right = shapes["previous"], shapes["next"]
    mirrored = right.transformed(QTransform().scale(-1, 1))
    # "<" is ">" mirrored (give or take anti-aliasing), and not ">" itself.
    assert distance(left, mirrored) < 4
    assert distance(left, right) > 16
    assert len({bytes(image.constBits()) for image in shapes.values()}) == len(shapes)


def distance(a: QImage, b: QImage) -> float:
    """The mean difference of two pictures' coverage, 0 (same) to 255."""
    diffs = [
        abs(a.pixelColor(x, y).alpha() - b.pixelColor(x, y).alpha())
        for y in range(a.height())
        for x in range(a.width())
    ]
    return sum(diffs) / len(diffs)


def test_an_unknown_name_is_no_icon_and_no_crash(qtbot: QtBot) -> None:
    assert icons.icon("noSuchAction").isNull()
    action = QAction("x")
    icons.set_icon(action, "noSuchAction")
    assert action.icon().isNull()


def test_icons_follow_the_palette_by_mode(qtbot: QtBot) -> None:
    made = icons.icon("lock")

    def darkest(mode: QIcon.Mode) -> str:
        ink = painted(picture(made, 32, mode))
        return max(ink, key=lambda c: c.alpha()).name()

    assert darkest(QIcon.Mode.Normal) == icons.CALM.normal
    assert darkest(QIcon.Mode.Disabled) == icons.CALM.disabled
    assert darkest(QIcon.Mode.Active) == icons.CALM.active


def test_drawn_for_the_screens_pixels_at_150_percent(qtbot: QtBot) -> None:
    """Drawn at 27 device pixels for an 18 px icon at 150 %, not 18 scaled up (blurred)."""
    made = icons.icon("today")
    sharp = made.pixmap(QSize(18, 18), 1.5)
    assert sharp.devicePixelRatio() == 1.5
    assert sharp.size() == QSize(27, 27)
    # Fully opaque pixels inside the strokes: a drawn outline, not an upscaled blur.
    assert any(c.alpha() == 255 for c in painted(sharp.toImage()))


def test_glyphs_stay_on_the_pixel_grid_between_sizes(qtbot: QtBot) -> None:
    """A 20 px box (the toolbar at 125 %, say) holds the sharp 16 px glyph, centred,
    not a blurred 20 px one whose every edge pixel is half covered."""
    for name in ("today", "lock", "newAppointment"):
        made = icons.icon(name)
        box = picture(made, 20)
        assert box.copy(2, 2, 16, 16) == picture(made, 16), name
        ink = painted(box)
        soft = [c for c in ink if c.alpha() < 255]
        assert len(soft) < 0.5 * len(ink), name


def test_the_main_windows_key_actions_have_icons(window: MainWindow) -> None:
    for name in KEY_ACTIONS:
        action = window.findChild(QAction, f"action_{name}")
        assert isinstance(action, QAction), name
        assert not action.icon().isNull(), name


def test_the_toolbar_offers_the_desks_everyday_actions(window: MainWindow) -> None:
    nav = window.navbar
    on_bar = {a.objectName() for a in nav.actions()}
    for name in ("newAppointment", "quickFind", "todayBoard", "waitlist", "lock"):
        assert f"action_{name}" in on_bar, name
    new = nav.findChild(QToolButton, "navButton_newAppointment")
    assert new is not None and new.text() == "New appointment"
    quick = nav.findChild(QToolButton, "navButton_quickFind")
    assert quick is not None and quick.toolButtonStyle().name == "ToolButtonIconOnly"
    assert quick.accessibleName() == "Quick find" and "Ctrl+K" in quick.toolTip()
    # They fit at 1366 px: nothing went into the toolbar's overflow menu.
    window.resize(1366, 768)
    for name in ("newAppointment", "quickFind", "lock"):
        button = nav.findChild(QToolButton, f"navButton_{name}")
        assert button is not None and button.isVisible(), name


def test_the_card_menu_can_carry_icons(window: MainWindow) -> None:
    view = window.schedule
    view.set_cursor(0, 11 * 4)  # a booked appointment of the seeded day
    card = view.card_at_cursor()
    assert card is not None
    menu = view.open_card_menu(card, QPoint(0, 0))
    icons.decorate_card_menu(menu)
    for name in icons.CARD_MENU_ICONS:
        action = menu.findChild(QAction, name)
        assert isinstance(action, QAction), name
        assert not action.icon().isNull(), name
    menu.close()


def test_sync_status_icons_follow_the_state(qtbot: QtBot) -> None:
    state = SyncState()
    widget = SyncStatus(state)
    qtbot.addWidget(widget)
    widget.show()
    net = widget.pictures[widget.network]
    assert net.property("icon") == "syncNotSetUp" and net.isVisible()
    assert not widget.pictures[widget.pending].isVisible()  # hidden with its label
    state.update(online=False, pending_changes=2, open_conflicts=0)
    assert net.property("icon") == "offline"
    assert widget.pictures[widget.pending].isVisible()
    state.update(online=True)
    assert net.property("icon") == "online"


def test_without_the_font_nothing_has_an_icon_and_nothing_breaks(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> icons._Font:
        raise OSError("font file unreadable")

    monkeypatch.setattr(icons, "load_font", broken)
    with caplog.at_level(logging.INFO, logger="receptionist.ui"):
        assert icons.icon("today").isNull()
        assert not icons.available()
        win = MainWindow(desk)
        qtbot.addWidget(win)
        win.show()
    assert [r.levelno for r in caplog.records if "icons unavailable" in r.message] == [
        logging.INFO
    ]  # said once, not for each icon, and not as a warning
    assert win.actions_.today.icon().isNull() and win.actions_.today.text() == "&Today"
    assert win.navbar.findChild(QToolButton, "navButton_quickFind") is not None
    status = win.sync_status
    assert not any(p.isVisible() for p in status.pictures.values())
    screen = LockScreen("Clinic")
    qtbot.addWidget(screen)
    screen.show()
    assert not screen.picture.isVisible()


def test_without_the_package_there_are_no_icons(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(icons, "find_spec", lambda _name: None)
    assert icons.icon("lock").isNull()
    screen = LockScreen("Clinic")
    qtbot.addWidget(screen)
    assert icons.pixmap("lock", 16, screen).isNull()
