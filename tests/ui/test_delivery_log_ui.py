"""The providers' delivery log (Reminders view > Delivery log…): each answer a provider
gave, newest first, filtered by channel and outcome; no text, no address."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from uiseed import Seeded

from receptionist.clock import FixedClock
from receptionist.models import Reminder
from receptionist.reminders import deliverylog
from receptionist.reminders.channels import Outcome
from ui.app import stylesheet
from ui.deliverylog import DeliveryLogView
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.reminders import Reminders
from ui.screenshots import composite

ANSWERS = (  # minutes ago, channel, action, outcome
    (30, "sms", "send", Outcome("permanent", code="refused_credentials", http_status=401)),
    (20, "sms", "send", Outcome("sent", provider_id="SMabc", http_status=201)),
    (10, "email", "send", Outcome("transient", code="smtp_451", http_status=451)),
    (5, "whatsapp", "lookup", None),
)


def plant(desk: Desk, clock: FixedClock) -> str:
    """One message and four provider answers about it; the appointment's id."""
    now = clock.now()

    def write(db: Any) -> str:
        with db.write() as s:
            r = Reminder(
                appointment_id="a1b2c3d4-0000-4000-8000-000000000001", patient_id="p1",
                kind="reminder", rule="24h", scheduled_for=now, send_at=now,
                appointment_start=now + timedelta(hours=24), state="sent", channel="sms",
                created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(r)
            s.flush()
            for ago, channel, action, answer in ANSWERS:
                at = now - timedelta(minutes=ago)
                deliverylog.note(s, r.id, channel, action, at, answer)
            return str(r.appointment_id)

    return desk.tasks.run(lambda: write(desk.tasks.database())).result(timeout=30)  # type: ignore[no-any-return]


def test_the_delivery_log_lists_provider_answers_newest_first_and_filters(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock,
    tmp_path: Path,
) -> None:  # fmt: skip
    appointment = plant(desk, clock)
    controller = window.findChild(Reminders)
    assert controller is not None
    reminders_view = controller.show()
    assert reminders_view.log.text() == "&Delivery log…"
    reminders_view.log.click()
    log = controller.log
    assert log is not None
    view = log.view
    assert isinstance(view, DeliveryLogView)
    qtbot.waitUntil(lambda: len(view.model.rows()) == 4, timeout=10_000)
    m = view.model
    shown = [[m.cell(row, c) for c in range(5)][1:] for row in m.rows()]
    assert shown == [
        ["WhatsApp", "-", appointment[:8], "Status lookup: No answer"],
        ["E-mail", "451 smtp_451", appointment[:8], "Try again later"],
        ["SMS", "201", appointment[:8], "Sent"],
        ["SMS", "401 refused_credentials", appointment[:8], "Refused"],
    ]
    assert "SMabc" in m.index(2, 2).data(3)  # the provider's id as the tooltip
    with qtbot.waitSignal(log.loaded, timeout=10_000):
        view.channel.setCurrentIndex(view.channel.findData("sms"))
    assert [r.outcome for r in m.rows()] == ["sent", "permanent"]
    with qtbot.waitSignal(log.loaded, timeout=10_000):
        view.outcome.setCurrentIndex(view.outcome.findData("permanent"))
    assert [r.code for r in m.rows()] == ["refused_credentials"]
    with qtbot.waitSignal(log.loaded, timeout=10_000):
        view.channel.setCurrentIndex(view.channel.findData("email"))
    assert m.rows() == [] and not view.empty.isHidden()
    with qtbot.waitSignal(log.loaded, timeout=10_000):
        view.channel.setCurrentIndex(0)
        view.outcome.setCurrentIndex(0)
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = composite(window, view)
    assert (picture.width(), picture.height()) == (1366, 768)
    assert view.width() <= 1366 and view.height() <= 768
    assert picture.save(str(tmp_path / "delivery-log.png"))
    folder = os.environ.get("REMINDER_SHOTS")
    if folder:
        picture.save(str(Path(folder) / "delivery-log.png"))
    window.setStyleSheet("")
