"""A queue waiting to be tried again is said, not silent (#14): the status bar names
what the last try met (the network, the e-mail server's "later", the provider's limit)
and on which channels (by their names: "SMS", not ``sms``, since session 18), its
tooltip what the try met in full, and the Reminders view explains the waiting
message's reason."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
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


# Each case: the messages waiting (channel, the last try's code), the status bar's label,
# words of its tooltip, and words of the Reminders view's reason for the first row.
CASES = {
    "network": (
        [("sms", "unreachable")],
        "Reminders: waiting for the network (SMS), queued 1, failed 0",
        "SMS: waiting for the network: the last try could not reach the provider",
        "check this PC's network connection",
    ),
    "mail-server": (
        [("email", "smtp_451")],
        "Reminders: waiting for the e-mail server (E-mail), queued 1, failed 0",
        "E-mail: waiting for the e-mail server: the last try was deferred by the e-mail "
        "server (SMTP 451",
        "ask whoever runs the e-mail server",
    ),
    "provider-limit": (
        [("sms", "twilio_63038")],
        "Reminders: held back by the provider (SMS), queued 1, failed 0",
        "SMS: held back by the provider: the last try was turned away by the SMS provider: "
        "the account reached its daily message limit (Twilio error 63038)",
        "the provider's hold lifts by itself",
    ),
    "mixed": (
        [("whatsapp", "spam_rate_limited"), ("email", "smtp_421"), ("sms", "connection_lost")],
        "Reminders: waiting for the network (SMS); waiting for the e-mail server (E-mail); "
        "held back by the provider (WhatsApp), queued 3, failed 0",
        "WhatsApp: held back by the provider: the last try was turned away for now by Meta",
        "Waiting to be tried again",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_messages_waiting_to_be_tried_again_say_what_for_in_the_status_bar(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock, case: str
) -> None:
    """The label says what the last try met: the network, the e-mail server's "later"
    or the provider's limit (before, "waiting for the network" for every code), in the
    core's words, the same its tooltip's sentences begin with."""
    retrying, said, tip, why = CASES[case]
    now = clock.now()

    def write(db: Any) -> None:
        with db.write() as s:
            for n, (channel, code) in enumerate(retrying):
                s.add(
                    Reminder(
                        appointment_id=f"a{n}", patient_id="p1", kind="reminder", rule="2h",
                        scheduled_for=now, send_at=now + timedelta(seconds=n),
                        appointment_start=now + timedelta(hours=2), state="pending",
                        channel=channel, reason=f"retry:{code}", attempts=3,
                        next_try_at=now + timedelta(minutes=4), provider_id="", digest="",
                        created_at=now, updated_at=now, sent_to="",
                    )
                )  # fmt: skip

    on_worker(desk, write)
    label = window.sync_status.reminders
    feed = window.findChild(ReminderStatusFeed)
    assert feed is not None
    ctx = Ctx(Actor("u1", "manager", "ui"), clock)
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        on_worker(desk, lambda db: settings.set_many(db, ctx, {"reminders.enabled": True}))
    assert label.text() == said
    assert label.property("state") == "alert"
    assert tip in label.toolTip()
    assert len(label.toolTip().splitlines()) == len(retrying)
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    assert why in view.model.cell(view.model.rows()[0], view.model.WHY)
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = composite(window, view)
    name = "reminders-waiting.png" if case == "network" else f"reminders-waiting-{case}.png"
    assert picture.save(str(seeded.root.parent / name))
    if os.environ.get("REMINDER_SHOTS"):
        picture.save(str(Path(os.environ["REMINDER_SHOTS"]) / name))
    window.setStyleSheet("")


def test_a_waiting_queue_with_no_channel_named_says_no_empty_brackets(qtbot: QtBot) -> None:
    """A message waiting before its channel was chosen read "waiting for the network
    (), queued 1": the brackets only hold channels."""
    from ui.syncstate import SyncState
    from ui.syncstatus import SyncStatus

    state = SyncState()
    widget = SyncStatus(state)
    qtbot.addWidget(widget)
    state.update_reminders("here", queued=1, waiting_for=(("waiting for the network", ()),))
    assert widget.reminders.text() == "Reminders: waiting for the network, queued 1, failed 0"
