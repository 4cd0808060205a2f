"""A queue waiting for the network is said, not silent (#14): the status bar names the
channel whose last try reached no provider, its tooltip what the try met, and the
Reminders view explains the waiting message's reason."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from uiseed import Seeded

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import Reminder
from receptionist.ops import settings
from ui.app import stylesheet
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.reminders import Reminders
from ui.reminderstatus import ReminderStatusFeed
from ui.screenshots import composite


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def test_messages_waiting_for_the_network_are_said_in_the_status_bar(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    now = clock.now()

    def retrying(db: Any) -> None:
        with db.write() as s:
            s.add(
                Reminder(
                    appointment_id="a1", patient_id="p1", kind="reminder", rule="2h",
                    scheduled_for=now, send_at=now, appointment_start=now + timedelta(hours=2),
                    state="pending", channel="sms", reason="retry:unreachable", attempts=3,
                    next_try_at=now + timedelta(minutes=4), provider_id="", digest="",
                    created_at=now, updated_at=now, sent_to="",
                )
            )  # fmt: skip

    on_worker(desk, retrying)
    label = window.sync_status.reminders
    feed = window.findChild(ReminderStatusFeed)
    assert feed is not None
    ctx = Ctx(Actor("u1", "manager", "ui"), clock)
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        on_worker(desk, lambda db: settings.set_many(db, ctx, {"reminders.enabled": True}))
    assert label.text() == "Reminders: waiting for the network (sms), queued 1, failed 0"
    assert label.property("state") == "alert"
    assert "sms: waiting for the network: the last try could not reach the provider" in (
        label.toolTip()
    )
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    assert "Waiting to be tried again" in view.model.cell(view.model.rows()[0], view.model.WHY)
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = composite(window, view)
    assert picture.save(str(seeded.root.parent / "reminders-waiting.png"))
    if os.environ.get("REMINDER_SHOTS"):
        picture.save(str(Path(os.environ["REMINDER_SHOTS"]) / "reminders-waiting.png"))
    window.setStyleSheet("")
