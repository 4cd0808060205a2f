"""Dragging cards on the schedule: moves and resizes saved through the core's rules.

Real mouse events on the viewport, at points computed from the view's own geometry.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from uiseed import Seeded, at

from receptionist.context import Actor
from receptionist.models import Appointment
from receptionist.store import vault
from ui import messages
from ui.mainwindow import MainWindow
from ui.pinboard import Pinboard, install
from ui.schedule.override import OverrideDialog
from ui.schedule.view import ScheduleView

AYSE, OMAR = 0, 1


def saved(seeded: Seeded, key: str) -> tuple[datetime, datetime, str, str]:
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            a = s.scalars(select(Appointment).where(Appointment.id == seeded.ids[key])).one()
            return a.start_utc, a.end_utc, a.provider_id, a.override_reason
    finally:
        db.close()


class Dialogs:
    """The injected override dialog factory: real dialogs, kept for the test to fill in."""

    def __init__(self) -> None:
        self.made: list[OverrideDialog] = []

    def __call__(self, reasons: list[str], parent: QWidget) -> OverrideDialog:
        self.made.append(OverrideDialog(reasons, parent))
        return self.made[-1]


@pytest.fixture
def dialogs() -> Dialogs:
    return Dialogs()


@pytest.fixture
def board(window: MainWindow, dialogs: Dialogs) -> Pinboard:
    window.schedule.verticalScrollBar().setValue(int(window.schedule.geo.y(8 * 60)))
    return install(window, override_factory=dialogs)


def point(view: ScheduleView, col: int, minute: float) -> QPoint:
    """The viewport point in the middle of ``col``, ``minute`` minutes past midnight."""
    g = view.geo
    return view.port().to_viewport(QPointF(col * g.col_width + g.col_width / 2, g.y(minute)))


def drag(
    qtbot: QtBot, view: ScheduleView, start: QPoint, end: QPoint, release: bool = True
) -> None:
    vp = view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(vp, (start + end) / 2)
    qtbot.mouseMove(vp, end)
    if release:
        qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=end)


def test_drag_to_a_free_slot_is_saved(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    view = window.schedule
    drag(qtbot, view, point(view, AYSE, 9 * 60 + 10), point(view, AYSE, 11 * 60 + 40), False)
    ghost = view.frame().ghost
    assert ghost is not None and (ghost.col, ghost.top, ghost.bottom) == (AYSE, 690, 720)
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=point(view, 0, 700))
    assert saved(seeded, "a1")[:2] == (at("11:30"), at("12:00"))
    assert view.frame().ghost is None
    card = window.model.find(seeded.ids["a1"])
    assert card is not None and (card[1].top, card[1].bottom) == (690, 720)


def test_drag_to_another_provider_is_saved(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    view = window.schedule
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        drag(qtbot, view, point(view, AYSE, 11 * 60 + 5), point(view, OMAR, 11 * 60 + 5))
    start, end, provider, _ = saved(seeded, "a3")
    assert (start, end, provider) == (at("11:00"), at("11:30"), seeded.ids["omar"])


def test_drag_to_a_conflicting_slot_is_refused(
    qtbot: QtBot,
    window: MainWindow,
    board: Pinboard,
    seeded: Seeded,
    told: list[messages.Message],
    dialogs: Dialogs,
) -> None:
    view = window.schedule
    before = saved(seeded, "a1")
    target = point(view, AYSE, 10 * 60 + 5)
    drag(qtbot, view, point(view, AYSE, 9 * 60 + 5), target, release=False)

    def ghost_clash() -> str:
        ghost = view.frame().ghost
        return ghost.clash if ghost is not None else ""

    qtbot.waitUntil(lambda: bool(ghost_clash()))  # a dry run paints the ghost red, saying why
    assert "Mehmet" not in ghost_clash() and ghost_clash().endswith(".")
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=target)
    assert view.dragger.pending is not None  # the ghost waits for the worker
    qtbot.waitUntil(lambda: any(m.level == messages.Level.ERROR for m in told))
    error = next(m for m in told if m.level == messages.Level.ERROR)
    assert error.text.startswith("Not moved: ")
    assert "Pick another time, or ask a manager to override." in error.text
    assert "\n" not in error.text and "Traceback" not in error.text
    assert view.dragger.pending is None and view.frame().ghost is None  # snapped back
    assert dialogs.made == []  # a receptionist is not offered the override
    assert saved(seeded, "a1") == before
    box = window.dialogs.current
    assert box is not None and box.isVisible()
    box.close()


def test_resize_by_the_bottom_edge_is_saved(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded
) -> None:
    view = window.schedule
    found = window.model.find(seeded.ids["a3"])
    assert found is not None
    rect = view.geo.card_rect(*found)
    edge = view.port().to_viewport(QPointF(rect.center().x(), rect.bottom() - 2))
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        drag(qtbot, view, edge, point(view, AYSE, 12 * 60 + 4))
    assert saved(seeded, "a3")[:2] == (at("11:00"), at("12:00"))


def test_a_manager_moves_anyway_with_a_reason(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded, dialogs: Dialogs
) -> None:
    window.desk.actor = Actor(user_id="u1", role="manager", source="ui")
    view = window.schedule
    drag(qtbot, view, point(view, AYSE, 9 * 60 + 5), point(view, AYSE, 10 * 60 + 5))
    qtbot.waitUntil(lambda: bool(dialogs.made))
    dialog = dialogs.made[0]
    assert dialog.isVisible() and view.frame().ghost is not None
    dialog.ok.click()
    assert dialog.error.isVisible() and dialog.isVisible()  # no reason, no move
    qtbot.keyClicks(dialog.reason, "Patient in pain, seen between")
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        dialog.ok.click()
    start, end, _, reason = saved(seeded, "a1")
    assert (start, end, reason) == (at("10:00"), at("10:30"), "Patient in pain, seen between")


def test_a_manager_who_keeps_it_snaps_back(
    qtbot: QtBot, window: MainWindow, board: Pinboard, seeded: Seeded, dialogs: Dialogs
) -> None:
    window.desk.actor = Actor(user_id="u1", role="manager", source="ui")
    view, before = window.schedule, saved(seeded, "a1")
    drag(qtbot, view, point(view, AYSE, 9 * 60 + 5), point(view, AYSE, 10 * 60 + 5))
    qtbot.waitUntil(lambda: bool(dialogs.made))
    dialogs.made[0].reject()
    assert view.frame().ghost is None and saved(seeded, "a1") == before


def test_escape_cancels_a_drag(qtbot: QtBot, window: MainWindow, board: Pinboard) -> None:
    view = window.schedule
    drag(qtbot, view, point(view, AYSE, 9 * 60 + 5), point(view, AYSE, 11 * 60 + 35), False)
    assert view.frame().ghost is not None
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.frame().ghost is None
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=point(view, 0, 695))
    assert view.dragger.pending is None


def test_the_drag_check_finds_the_patients_own_clash(window: MainWindow, seeded: Seeded) -> None:
    """A card does not carry its patient's id; the check before a drop reads it from
    the appointment. At 09:30 Dr Ayşe is free, but Zeynep (a1's patient) sees Dr Omar
    at 09:45: only the patient clashes."""
    from ui.schedule.drag import Move
    from ui.schedule.moves import dry_run

    item = next(c.item for c in window.model.items() if c.item.id == seeded.ids["a1"])
    tasks, ctx = window.desk.tasks, window.desk.ctx()

    def check(start: str, end: str) -> list[str]:
        move = Move(item, "provider", seeded.ids["ayse"], at(start), at(end))
        reasons = tasks.run(lambda: dry_run(tasks.database(), ctx, move)).result(timeout=30)
        return [str(r) for r in reasons]

    found = check("09:30", "10:00")
    assert len(found) == 1 and "patient has another appointment" in found[0], found
    assert check("12:00", "12:30") == []
