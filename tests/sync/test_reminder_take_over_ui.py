"""Settings > Clinic > Reminders: "The old reminder station is off: take over now" on
the PC the clinic named (B), with the endpoint on loopback and the old station (A)
holding the lease: asked first (Cancel takes nothing), then B holds the lease, the page
says from which PC, and the takeover is audited; another role sees it disabled."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from test_reminder_forced_takeover import an_admin, named_b, taken_over
from test_reminder_lease import pcs, provider, round_of
from test_reminder_takeover import sent_by
from test_two_pcs import Pc, settle

from receptionist.clock import FixedClock
from receptionist.context import Actor
from receptionist.schedule.agenda import ClinicInfo
from sync.client import Client
from ui.app import stylesheet
from ui.desk import Desk
from ui.settings.clinicpage import ClinicPage
from ui.settings.dialog import SettingsDialog
from ui.settings.takeover import ask_take_over
from ui.settings.unsaved import DISCARD
from ui.tasks import DbOp, TaskManager

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them
STATION = "reminders.station"


@pytest.fixture
def on_b(pcs: tuple[Pc, Pc], clock: FixedClock) -> Iterator[Desk]:
    """B's desk, its administrator signed in."""
    _a, b = pcs
    tasks = TaskManager()
    tasks.db = b.db
    actor = an_admin(b, clock).actor
    yield Desk(b.db.path.parent, tasks, ClinicInfo("Clinic", "Europe/Istanbul", 15),
               Actor(actor.user_id, "admin", "ui"), clock)  # fmt: skip
    tasks.db = None  # the fixture closes it
    tasks.shutdown()


def open_page(qtbot: QtBot, desk: Desk) -> ClinicPage:
    dialog = SettingsDialog(desk, confirm=lambda _parent, _page: DISCARD)
    qtbot.addWidget(dialog)
    dialog.resize(1280, 720)
    dialog.show()
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.load()
    page = dialog.clinic
    page.sections.reveal(STATION)
    return page


def shot(widget: QWidget, name: str) -> None:
    """Saved only when SETTINGS_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("SETTINGS_SHOTS")
    if folder:
        widget.setStyleSheet(stylesheet())
        for _ in range(3):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def test_an_administrator_on_the_named_station_takes_over_after_the_question(
    qtbot: QtBot, pcs: tuple[Pc, Pc], provider, clock: FixedClock, on_b: Desk
) -> None:
    a, b = pcs
    sender, server = provider
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    named_b(a, b, clock)
    page = open_page(qtbot, on_b)
    button = page.take_over_button
    assert button.isVisible() and button.isEnabled()
    shot(page.window(), "take_over_button")

    said: list[str] = []

    def answer_cancel() -> None:  # the real question, read and cancelled
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        said.append(f"{box.text()} {box.informativeText()}")
        shot(box, "take_over_question")
        box.reject()

    QTimer.singleShot(0, answer_cancel)
    page.confirm_take_over = ask_take_over
    button.click()
    assert "really switched off" in said[0] and "messages twice" in said[0]
    assert taken_over(b) == [] and round_of(b, sender).holder == "A", "cancelled: nothing"

    page.confirm_take_over = lambda _parent: True
    with qtbot.waitSignal(page.takenOver, timeout=15_000) as taken:
        button.click()
    assert taken.args[0].from_code == "A"
    assert f"PC {taken.args[0].from_name}'s turn was ended" in page.note.text()
    shot(page.window(), "take_over_done")
    [event] = taken_over(b)
    assert event.entity_id == "A"
    assert round_of(b, sender).active
    assert server.messages == []


def test_another_role_sees_it_disabled_and_cannot_take_over(
    qtbot: QtBot, pcs: tuple[Pc, Pc], provider, clock: FixedClock, on_b: Desk
) -> None:
    a, b = pcs
    sender, _server = provider
    assert sent_by(a, sender) == []
    settle(a, b)
    named_b(a, b, clock)
    manager = dataclasses.replace(on_b, actor=Actor(None, "manager", "ui"))
    page = open_page(qtbot, manager)
    asked: list[bool] = []
    page.confirm_take_over = lambda _parent: asked.append(True) or True
    assert not page.take_over_button.isEnabled()
    assert "administrator" in page.take_over_button.toolTip()
    page.take_over()  # as a click that got through would
    assert asked == [] and taken_over(b) == []


def test_a_slow_endpoint_holds_no_other_database_work_while_taking_over(
    qtbot: QtBot, pcs: tuple[Pc, Pc], provider, clock: FixedClock, on_b: Desk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The endpoint takes its time to answer the take-over (a slow network, until the
    client's timeout): meanwhile the desk's other database work is done at once, for
    the endpoint is asked off the database worker; the audit is written once it
    answers."""
    a, b = pcs
    sender, _server = provider
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    named_b(a, b, clock)
    page = open_page(qtbot, on_b)
    page.confirm_take_over = lambda _parent: True
    answer, asked_on = threading.Event(), []
    real = Client.lease

    def slow(self: Client, *args: Any, **kwargs: Any) -> Any:
        asked_on.append(threading.current_thread().name)
        answer.wait(timeout=30)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Client, "lease", slow)
    try:
        page.take_over_button.click()
        qtbot.waitUntil(lambda: bool(asked_on), timeout=10_000)
        done: list[int] = []
        DbOp(on_b.tasks, lambda db: len(taken_over(b)), page).success(done.append).run()
        qtbot.waitUntil(lambda: bool(done), timeout=5_000)  # not behind the endpoint
        assert done == [0], "not audited before the endpoint answered"
        assert not asked_on[0].startswith("receptionist-db"), asked_on
    finally:
        answer.set()
    with qtbot.waitSignal(page.takenOver, timeout=15_000) as taken:
        pass
    assert taken.args[0].from_code == "A"
    [event] = taken_over(b)
    assert event.entity_id == "A"
