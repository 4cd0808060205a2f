"""The Reminders view: queued, sent and failed messages, and Resend."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from pytestqt.qtbot import QtBot
from uiseed import Seeded

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import Appointment, Reminder
from receptionist.ops import settings
from receptionist.reminders import dispatch, halt
from sync import reminderlease
from ui.app import stylesheet
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients
from ui.patients.table import short_datetime
from ui.reminders import Reminders, RemindersModel, RemindersView
from ui.reminderstatus import ReminderStatusFeed
from ui.screenshots import composite

M = RemindersModel


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def plant(desk: Desk, seeded: Seeded, clock: FixedClock) -> dict[str, str]:
    """Three messages of the seeded clinic's first appointment: queued, sent, failed."""
    now = clock.now()

    def write(db: Any) -> dict[str, str]:
        made = {}
        with db.write() as s:
            for state, rule in (("pending", "2h"), ("sent", "confirmation"), ("failed", "24h")):
                r = Reminder(
                    appointment_id="a1", patient_id="p1",
                    kind="reminder" if rule.endswith("h") else rule, rule=rule,
                    scheduled_for=now + timedelta(hours=1), send_at=now + timedelta(hours=1),
                    appointment_start=now + timedelta(hours=3), state=state,
                    channel="sms" if state != "pending" else "",
                    reason="permanent:invalid_number" if state == "failed" else "",
                    provider_id="", digest="", attempts=0, created_at=now, updated_at=now,
                    sent_to="+905550001122" if state == "failed" else "",
                )  # fmt: skip
                s.add(r)
                s.flush()
                made[state] = r.id
        return made

    return on_worker(desk, write)  # type: ignore[no-any-return]


def test_the_view_filters_and_resends_a_failed_message(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    made = plant(desk, seeded, clock)
    action = window.findChild(QAction, "action_reminders")
    assert action is not None and action.shortcut().toString() == "Ctrl+Shift+R"
    menus = [m for m in window.menuBar().findChildren(QMenu) if action in m.actions()]
    assert menus and window.named_action("waitlist") in menus[0].actions()
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        action.trigger()
    view = controller.view
    assert isinstance(view, RemindersView)
    assert [r.id for r in view.model.rows()] == [made["pending"]]
    assert view.model.cell(view.model.rows()[0], M.MESSAGE) == "Reminder, 2h before"
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert not view.resend.isEnabled(), "a queued message is not resent"
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.filter.setCurrentIndex(view.filter.findData("failed"))
    assert [r.id for r in view.model.rows()] == [made["failed"]]
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert view.resend.isEnabled()
    why = view.model.index(0, M.WHY)
    assert "Correct the phone number in the patient's record" in why.data()
    assert why.data(Qt.ItemDataRole.ToolTipRole) == "permanent:invalid_number"
    went = view.model.index(0, M.CHANNEL).data(Qt.ItemDataRole.ToolTipRole)
    assert went == "Went to +905550001122", "the address it went to, not the patient's now"
    assert "+905550001122" in view.resend.toolTip()
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.resend.click()
    assert view.model.rows() == []

    def state(db: Any) -> str:
        with db.read() as s:
            return str(s.get(Reminder, made["failed"]).state)

    assert on_worker(desk, state) == "pending"


def set_reminders(desk: Desk, clock: FixedClock, **values: object) -> None:
    """As a manager would in Settings > Clinic (a write on the worker: a change-feed
    event the window hears)."""
    ctx = Ctx(Actor("u1", "manager", "ui"), clock)
    chosen = {f"reminders.{k}": v for k, v in values.items()}
    on_worker(desk, lambda db: settings.set_many(db, ctx, chosen))


def test_the_status_bar_says_what_the_reminders_do(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    label = window.sync_status.reminders
    feed = window.findChild(ReminderStatusFeed)
    assert feed is not None
    qtbot.waitUntil(lambda: desk.sync.snapshot.reminders_mode == "" and not feed._loading)
    assert label.text() == "Reminders: not set up"
    plant(desk, seeded, clock)
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        set_reminders(desk, clock, enabled=True)  # heard from the change feed
    due = (clock.now() + timedelta(hours=1)).astimezone(desk.clinic.tz)  # the clinic's clock
    assert label.text() == f"This PC sends reminders: next {due:%H:%M}, queued 1, failed 1"
    assert label.property("state") == "alert"
    # The status bar's layout makes room for the longer text: the field is not cut off.
    qtbot.waitUntil(lambda: label.width() >= label.sizeHint().width(), timeout=5_000)
    window.grab().save(str(seeded.root.parent / "status-here.png"))
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        set_reminders(desk, clock, station="C")
    assert label.text() == "Reminders sent by PC C"
    assert label.property("state") == ""
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        set_reminders(desk, clock, enabled=False)
    assert label.text() == "Reminders: not set up"


def test_a_template_refusal_is_explained_in_the_view_and_stand_by_in_the_status_bar(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    made = plant(desk, seeded, clock)

    def refused(db: Any) -> None:
        with db.write() as s:
            row = s.get(Reminder, made["failed"])
            row.channel, row.reason = "whatsapp", "permanent:template_missing"

    on_worker(desk, refused)
    controller = window.findChild(Reminders)
    assert controller is not None
    view = controller.show()
    view.filter.setCurrentIndex(view.filter.findData("failed"))
    qtbot.waitUntil(lambda: [r.state for r in view.model.rows()] == ["failed"], timeout=10_000)
    row = view.model.rows()[0]
    why = view.model.index(0, M.WHY)
    assert "no approved template" in view.model.cell(row, M.WHY) and "132001" in why.data()
    assert why.data(Qt.ItemDataRole.ToolTipRole) == "permanent:template_missing"
    desk.sync.update_reminders("standby", station="A", queued=2)
    assert window.sync_status.reminders.text() == "Reminders: stand-by for PC A"


def test_a_channel_whose_credentials_were_refused_needs_attention(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    made = plant(desk, seeded, clock)

    def stopped(db: Any) -> None:
        with db.write() as s:
            row = s.get(Reminder, made["pending"])
            row.channel, row.reason = "sms", halt.HALTED

    on_worker(desk, stopped)
    label = window.sync_status.reminders
    feed = window.findChild(ReminderStatusFeed)
    assert feed is not None
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        set_reminders(desk, clock, enabled=True)
    assert label.text() == "Reminders: needs attention (sms), queued 1"
    assert label.property("state") == "alert"
    assert "needs attention: the provider refused the credentials" in label.toolTip()
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    assert not view.attention.isHidden()
    assert "receptionist channels set sms" in view.attention.text()
    assert [r.reason for r in view.model.rows()] == [halt.HALTED]
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = composite(window, view)
    assert picture.save(str(seeded.root.parent / "reminders-attention.png"))
    if os.environ.get("REMINDER_SHOTS"):
        picture.save(str(Path(os.environ["REMINDER_SHOTS"]) / "reminders-attention.png"))
    window.setStyleSheet("")
    assert "refused the clinic's credentials" in view.model.cell(view.model.rows()[0], M.WHY)
    ctx = Ctx(Actor("u1", "admin", "ui"), clock)
    on_worker(desk, lambda db: settings.set_many(db, ctx, {"channels.sms_token": "new"}))
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        feed.load()  # as each minute, or after the jobs ran
    assert label.text().startswith("This PC sends reminders: next")
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.reload()
    assert view.attention.isHidden()


def test_the_status_bar_names_the_pc_holding_the_lease(
    qtbot: QtBot, window: MainWindow, desk: Desk, clock: FixedClock, monkeypatch: Any
) -> None:
    """What the dispatch job last heard from the cloud endpoint (no network here)."""
    heard = reminderlease.Seen("B", "Front desk", False, clock.now())
    monkeypatch.setattr(reminderlease, "seen", lambda _db: heard)
    feed = window.findChild(ReminderStatusFeed)
    assert feed is not None
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        set_reminders(desk, clock, enabled=True)
    assert window.sync_status.reminders.text() == "Reminders sent by PC Front desk"
    heard = reminderlease.Seen("A", "Desk 1", True, clock.now())
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        feed.load()
    assert window.sync_status.reminders.text().startswith("This PC sends reminders: next")


def test_the_attention_line_follows_the_status_feed_without_reloading_the_rows(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    made = plant(desk, seeded, clock)
    controller = window.findChild(Reminders)
    feed = window.findChild(ReminderStatusFeed)
    assert controller is not None and feed is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    assert view.attention.isHidden()
    view.table.setCurrentIndex(view.model.index(0, 0))

    def stopped(db: Any) -> None:  # as the dispatch job does: no change-feed event
        with db.write() as s:
            row = s.get(Reminder, made["pending"])
            row.channel, row.reason = "whatsapp", halt.HALTED

    on_worker(desk, stopped)
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        feed.load()  # as after the jobs ran
    assert not view.attention.isHidden() and "whatsapp" in view.attention.text()
    assert view.table.currentIndex().row() == 0, "the selection stays"


def plant_whose(desk: Desk, seeded: Seeded, clock: FixedClock) -> dict[str, str]:
    """Messages of two seeded patients' appointments (A-1 Zeynep Kaya's 09:00 with Dr.
    Ayşe Demir, A-2 Mehmet Öztürk's 10:00) and one of a patient no longer on file."""
    now = clock.now()

    def write(db: Any) -> dict[str, str]:
        made = {}
        with db.write() as s:
            plan = (
                ("zeynep_failed", seeded.ids["a1"], "failed", "permanent:invalid_number", 2),
                ("zeynep_queued", seeded.ids["a1"], "pending", "", -1),
                ("mehmet_unknown", seeded.ids["a2"], "unknown", "no_answer", 1),
                ("gone_failed", "purged-appointment", "failed", "permanent:smtp_550", 3),
            )
            for key, appointment_id, state, reason, hours_ago in plan:
                appt = s.get(Appointment, appointment_id)
                r = Reminder(
                    appointment_id=appointment_id,
                    patient_id=appt.patient_id if appt is not None else "purged-patient",
                    kind="reminder", rule="24h",
                    scheduled_for=now - timedelta(hours=hours_ago),
                    send_at=now - timedelta(hours=hours_ago),
                    appointment_start=appt.start_utc if appt is not None else now,
                    state=state, channel="sms" if state != "pending" else "", reason=reason,
                    provider_id="", digest="", attempts=1, created_at=now, updated_at=now,
                )  # fmt: skip
                s.add(r)
                s.flush()
                made[key] = r.id
                made[f"{key}_patient"] = r.patient_id
        return made

    return on_worker(desk, write)  # type: ignore[no-any-return]


def test_the_view_names_whose_message_it_is_and_opens_the_patient(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    made = plant_whose(desk, seeded, clock)
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.filter.setCurrentIndex(view.filter.findData("attention"))
    # What waits for a person, newest first.
    ids = {v: k for k, v in made.items()}
    assert [ids[r.id] for r in view.model.rows()] == [
        "mehmet_unknown", "zeynep_failed", "gone_failed",
    ]  # fmt: skip
    m = view.model
    first = [m.index(1, c).data() for c in (M.NUMBER, M.PATIENT, M.APPOINTMENT, M.STATE)]
    assert first[:2] == ["A-1", "Zeynep Kaya"] and first[3] == "Failed"
    assert first[2].endswith("09:00, Dr. Ayşe Demir"), first[2]  # the clinic's time
    assert "Correct the phone number" in m.index(1, M.WHY).data()
    gone = [m.index(2, c).data() for c in (M.NUMBER, M.PATIENT)]
    assert gone == ["-", "Not on file any more"]
    assert m.index(2, M.PATIENT).data(Qt.ItemDataRole.ToolTipRole).startswith("Erased")
    # The chosen row's reason, whole, under the list.
    view.table.setCurrentIndex(m.index(1, 0))
    assert view.why.isVisibleTo(view) and "(permanent:invalid_number)" in view.why.text()
    assert view.why.text().startswith("Failed: the SMS provider says")
    # Double-click, the button and the context menu open the patient's window.
    patients = window.findChild(Patients)
    assert patients is not None
    view.present()
    QApplication.processEvents()
    rect = view.table.visualRect(m.index(1, M.PATIENT))
    with qtbot.waitSignal(patients.opened, timeout=10_000) as opened:
        # As a hand does it: the first click's press, then the double-click.
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args is not None
    assert opened.args[0].patient_id == made["zeynep_failed_patient"]
    view.table.setCurrentIndex(m.index(0, 0))
    with qtbot.waitSignal(patients.opened, timeout=10_000) as opened:
        view.open_patient.click()
    assert opened.args is not None
    assert opened.args[0].patient_id == made["mehmet_unknown_patient"]
    # A right click chooses the row it presses, and its menu offers the row's actions.
    rect = view.table.visualRect(m.index(1, M.STATE))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.RightButton, pos=rect.center())
    assert view.current() is not None and view.current().id == made["zeynep_failed"]
    view.table.customContextMenuRequested.emit(rect.center())
    popped = view.findChild(QMenu, "remindersMenu")
    qtbot.waitUntil(lambda: popped is not None and popped.isVisible(), timeout=5_000)
    assert popped is not None
    popped.close()
    view.table.setCurrentIndex(m.index(0, 0))
    menu = view.context_menu()
    acts = {a.objectName(): a for a in menu.actions()}
    assert acts["remindersMenuOpenPatient"].isEnabled() and acts["remindersMenuResend"].isEnabled()
    with qtbot.waitSignal(patients.opened, timeout=10_000):
        acts["remindersMenuOpenPatient"].trigger()
    # No record is left to open for a patient no longer on file.
    view.table.setCurrentIndex(m.index(2, 0))
    assert not view.open_patient.isEnabled()
    assert not view.context_menu().actions()[0].isEnabled()
    with qtbot.assertNotEmitted(view.openPatientRequested):
        view.table.doubleClicked.emit(m.index(2, 0))


def test_the_filters_and_the_patient_box_narrow_the_list(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """The patient box asks the core (session 17: it narrowed only the rows already
    read, so its answers now land a moment after the typing, and the test waits for
    them): by number, or a name as the patient search folds it."""
    made = plant_whose(desk, seeded, clock)
    ids = {v: k for k, v in made.items()}
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()

    def shown() -> list[str]:
        return [ids[r.id] for r in view.model.rows()]

    assert shown() == ["zeynep_queued"]
    for key, expected in (
        ("unknown", ["mehmet_unknown"]),
        ("failed", ["zeynep_failed", "gone_failed"]),
        ("all", ["mehmet_unknown", "zeynep_failed", "gone_failed", "zeynep_queued"]),
    ):
        with qtbot.waitSignal(controller.loaded, timeout=10_000):
            view.filter.setCurrentIndex(view.filter.findData(key))
        assert shown() == expected, key
    view.table.setCurrentIndex(view.model.index(1, 0))
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.search.setText("kaya")
    chosen = view.current()
    assert chosen is not None and ids[chosen.id] == "zeynep_failed", "the choice stays"
    for typed, expected in (
        ("kaya", ["zeynep_failed", "zeynep_queued"]),
        ("ZEYNEP", ["zeynep_failed", "zeynep_queued"]),
        ("ozturk", ["mehmet_unknown"]),  # as the patient search folds: Ö is o
        ("A-2", ["mehmet_unknown"]),
        ("nobody", []),
        ("", ["mehmet_unknown", "zeynep_failed", "gone_failed", "zeynep_queued"]),
    ):
        if view.search.text() != typed:
            with qtbot.waitSignal(controller.loaded, timeout=10_000):
                view.search.setText(typed)
        assert shown() == expected, typed
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.search.setText("nobody")
    assert view.empty.isVisibleTo(view) and "nobody" in view.empty.text()


def test_the_patient_box_finds_messages_past_the_first_thousand_rows(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """1,100 newer sent messages of Zeynep fill the view's page (1,000 rows); Mehmet's
    older one is not among them, and typing his number or name finds it all the same.
    Typing on while an answer is on its way: only the last text's rows show."""
    made = plant_whose(desk, seeded, clock)
    now = clock.now()

    def many(db: Any) -> None:
        with db.write() as s:
            s.execute(Reminder.__table__.insert(), [
                {"id": f"z{n}", "appointment_id": seeded.ids["a1"],
                 "patient_id": made["zeynep_failed_patient"], "kind": "reminder",
                 "rule": "1h", "scheduled_for": now - timedelta(minutes=n),
                 "send_at": now - timedelta(minutes=n), "appointment_start": now,
                 "state": "sent", "channel": "sms", "reason": "", "provider_id": f"SM{n}",
                 "digest": "", "attempts": 1, "created_at": now, "updated_at": now}
                for n in range(1100)
            ])  # fmt: skip
            s.get(Reminder, made["mehmet_unknown"]).state = "sent"  # type: ignore[union-attr]
            s.get(Reminder, made["mehmet_unknown"]).send_at = now - timedelta(days=30)  # type: ignore[union-attr]

    on_worker(desk, many)
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.filter.setCurrentIndex(view.filter.findData("sent"))
    assert view.model.rowCount() == 1000
    assert made["mehmet_unknown"] not in {r.id for r in view.model.rows()}
    for typed in ("A-2", "mehmet"):
        with qtbot.waitSignal(controller.loaded, timeout=10_000):
            view.search.setText(typed)
        assert [r.id for r in view.model.rows()] == [made["mehmet_unknown"]], typed
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.search.setText("kaya")
        controller.load(("sent",), "mehmet")  # an older ask, landing late: dropped
    assert view.model.rowCount() == 1000
    assert {r.patient_number for r in view.model.rows()} == {"A-1"}


def test_a_message_waiting_to_be_tried_again_shows_its_next_try(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """The When column of a queued message a try failed for now says its next try (the
    tooltip its planned time and the tries so far); a queued message not tried yet its
    planned time."""
    made = plant_whose(desk, seeded, clock)
    retry_at = clock.now() + timedelta(minutes=8)

    def retried(db: Any) -> None:
        with db.write() as s:
            r = s.get(Reminder, made["zeynep_queued"])
            r.reason, r.next_try_at, r.attempts = "retry:unreachable", retry_at, 4

    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    [row] = view.model.rows()
    assert row.next_try_at is None
    planned = view.model.index(0, M.WHEN).data()
    assert "next try" not in planned
    on_worker(desk, retried)
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.reload()
    when = view.model.index(0, M.WHEN)
    assert when.data() == f"next try {short_datetime(retry_at, desk.clinic.tz)}"
    assert when.data(Qt.ItemDataRole.ToolTipRole) == f"Planned for {planned}; tried 4 times so far"
    assert "Waiting to be tried again" in view.model.index(0, M.WHY).data()


def test_a_screenshot_of_the_view(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    made = plant_whose(desk, seeded, clock)

    def retried(db: Any) -> None:  # the queued one waits for its next try
        with db.write() as s:
            r = s.get(Reminder, made["zeynep_queued"])
            r.reason, r.next_try_at, r.attempts = "retry:unreachable", clock.now(), 3

    on_worker(desk, retried)
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.filter.setCurrentIndex(view.filter.findData("all"))
    view.table.setCurrentIndex(view.model.index(1, 0))
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = composite(window, view)
    assert picture.save(str(seeded.root.parent / "reminders-view.png"))
    if os.environ.get("REMINDER_SHOTS"):
        picture.save(str(Path(os.environ["REMINDER_SHOTS"]) / "reminders-view.png"))
    window.setStyleSheet("")


def test_a_failed_message_in_the_communication_log_says_what_to_do(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """Opened from the Reminders view, the patient's Communication tab shows the entry
    the dispatcher logged for the failed message, with its reason's sentence."""
    made = plant_whose(desk, seeded, clock)

    def logged(db: Any) -> None:
        with db.write() as s:
            r = s.get(Reminder, made["zeynep_failed"])
            dispatch._log(s, r, clock.now(), None)

    on_worker(desk, logged)
    patients = window.findChild(Patients)
    controller = window.findChild(Reminders)
    assert patients is not None and controller is not None
    with qtbot.waitSignal(patients.opened, timeout=10_000) as opened:
        controller.open_patient(made["zeynep_failed_patient"])
    shown = opened.args[0] if opened.args else None
    assert shown is not None
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    page = shown.commlog
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        shown.tabs.setCurrentWidget(page)
    summary = page.model.index(0, 3)
    # It led with the code "(status: failed; permanent:invalid_number)." (session 17:
    # the code is in the tooltip); it names the visit and the channel as people do.
    start = f"{seeded_start(desk, made['zeynep_failed']).astimezone(desk.clinic.tz):%a %d %b %H:%M}"
    assert "permanent:" not in summary.data() and "status: failed" not in summary.data()
    assert summary.data().startswith(f"Appointment reminder (24h before) for {start} not sent")
    assert " not sent by SMS. Failed: " in summary.data()
    assert "Correct the phone number in the patient's record" in summary.data()
    tip = summary.data(Qt.ItemDataRole.ToolTipRole)
    assert "Correct the phone number" in tip and "permanent:invalid_number" in tip
    # the chosen entry, whole, under the list: the advice is never cut off
    page.table.setCurrentIndex(page.model.index(0, 0))
    assert not page.chosen.isHidden()
    assert "then resend" in page.chosen.text() and start in page.chosen.text()
    shown.resize(1000, 600)
    shown.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = shown.grab()
    assert picture.save(str(seeded.root.parent / "commlog-failed.png"))
    if os.environ.get("REMINDER_SHOTS"):
        picture.save(str(Path(os.environ["REMINDER_SHOTS"]) / "commlog-failed.png"))


def seeded_start(desk: Desk, reminder_id: str) -> Any:
    def read(db: Any) -> Any:
        with db.read() as s:
            return s.get(Reminder, reminder_id).appointment_start

    return on_worker(desk, read)


def test_a_channel_whose_token_is_not_on_this_pc_needs_attention_before_anything_is_due(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """SMS set up (as synced from the PC where its token was typed), no token here: the
    status bar and the Reminders view say so before any message is due."""
    from receptionist.ops import reminders

    ctx = Ctx(Actor("u1", "admin", "ui"), clock)
    values = {"base_url": "https://api.twilio.com", "account": "AC1", "sender": "+15005550006"}
    on_worker(desk, lambda db: reminders.set_channel(db, ctx, "sms", values, None))
    label = window.sync_status.reminders
    feed = window.findChild(ReminderStatusFeed)
    assert feed is not None
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        set_reminders(desk, clock, enabled=True)
    assert label.text() == "Reminders: needs attention (sms), queued 0"
    assert label.property("state") == "alert"
    assert "sms: needs attention: the SMS token is not on this PC" in label.toolTip()
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    assert "receptionist settings set channels.sms_token" in view.attention.text()
    window.resize(1366, 768)
    window.setStyleSheet(stylesheet())
    QApplication.processEvents()
    picture = composite(window, view)
    assert picture.save(str(seeded.root.parent / "reminders-no-token.png"))
    if os.environ.get("REMINDER_SHOTS"):
        picture.save(str(Path(os.environ["REMINDER_SHOTS"]) / "reminders-no-token.png"))
    window.setStyleSheet("")
    on_worker(desk, lambda db: settings.set_many(db, ctx, {"channels.sms_token": "typed"}))
    with qtbot.waitSignal(feed.loaded, timeout=10_000):
        feed.load()
    assert label.text().startswith("This PC sends reminders: next")


def test_the_channel_column_names_the_channel_for_people(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """The column said the code ("sms") beside the log's "SMS"."""
    made = plant(desk, seeded, clock)
    controller = window.findChild(Reminders)
    assert controller is not None
    view = controller.show()
    view.filter.setCurrentIndex(view.filter.findData("failed"))
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == [made["failed"]], timeout=10_000)
    row = view.model.rows()[0]
    assert view.model.cell(row, M.CHANNEL) == "SMS"
    assert view.model.cell(replace(row, channel="email"), M.CHANNEL) == "E-mail"
    assert view.model.cell(replace(row, channel="whatsapp"), M.CHANNEL) == "WhatsApp"
    assert view.model.cell(replace(row, channel=""), M.CHANNEL) == "-"


def test_resending_to_a_number_that_opted_out_asks_first_saying_why_it_will_fail(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """Only the patient can undo an opt-out (START): Resend asks, naming that; no
    sends nothing again; yes queues it."""
    made = plant(desk, seeded, clock)

    def opted_out(db: Any) -> None:
        with db.write() as s:
            s.get(Reminder, made["failed"]).reason = "permanent:opted_out"

    on_worker(desk, opted_out)
    controller = window.findChild(Reminders)
    assert controller is not None
    view = controller.show()
    view.filter.setCurrentIndex(view.filter.findData("failed"))
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == [made["failed"]], timeout=10_000)
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert view.resend.isEnabled()
    asked: list[str] = []
    view.resendRequested.connect(asked.append)
    view.resend.click()
    box = view.box
    assert box is not None and box.isVisible(), "Resend went without asking"
    assert "opted out" in box.text() and "START" in box.text()
    assert "will fail" in box.text()
    if os.environ.get("REMINDER_SHOTS"):
        box.grab().save(str(Path(os.environ["REMINDER_SHOTS"]) / "resend-opted-out.png"))
    box.reject()
    assert asked == []
    view.resend.click()
    assert view.box is not None
    view.box.done(QMessageBox.StandardButton.Yes)
    assert asked == [made["failed"]]


def test_resending_an_unknown_message_asks_first_and_then_queues_it(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """An unknown message may have arrived: Resend asks (ask the patient); Cancel sends
    nothing, Resend anyway queues it through the core's confirmed resend."""
    made = plant_whose(desk, seeded, clock)
    controller = window.findChild(Reminders)
    assert controller is not None
    view = controller.show()
    view.filter.setCurrentIndex(view.filter.findData("unknown"))
    qtbot.waitUntil(
        lambda: [r.id for r in view.model.rows()] == [made["mehmet_unknown"]], timeout=10_000
    )
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert view.resend.isEnabled()
    view.resend.click()
    box = view.box
    assert box is not None and box.isVisible(), "Resend of an unknown went without asking"
    assert "may have arrived" in box.text() and "twice" in box.text(), box.text()
    if os.environ.get("REMINDER_SHOTS"):
        box.grab().save(str(Path(os.environ["REMINDER_SHOTS"]) / "resend-unknown.png"))
    box.reject()

    def state(db: Any) -> str:
        with db.read() as s:
            return str(s.get(Reminder, made["mehmet_unknown"]).state)

    assert on_worker(desk, state) == "unknown"
    view.resend.click()
    assert view.box is not None
    with qtbot.waitSignal(controller.resent, timeout=10_000):
        view.box.done(QMessageBox.StandardButton.Yes)
    assert on_worker(desk, state) == "pending"


def test_another_failure_is_resent_without_a_question(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    made = plant(desk, seeded, clock)
    controller = window.findChild(Reminders)
    assert controller is not None
    view = controller.show()
    view.filter.setCurrentIndex(view.filter.findData("failed"))
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == [made["failed"]], timeout=10_000)
    view.table.setCurrentIndex(view.model.index(0, 0))
    asked: list[str] = []
    view.resendRequested.connect(asked.append)
    view.resend.click()
    assert asked == [made["failed"]] and view.box is None


def test_a_role_that_may_not_resend_is_not_offered_resend(
    qtbot: QtBot, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """A provider (who may read patients, not write) had Resend on a failed message,
    then a box: "Your role cannot resend reminders." Resend (button and menu) is off
    for that role, its tooltip the core's sentence."""
    made = plant(desk, seeded, clock)
    provider = replace(desk, actor=Actor(user_id="u1", role="provider", source="ui"))
    window = MainWindow(provider)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        window.start()
    controller = window.findChild(Reminders)
    assert controller is not None
    view = controller.show()
    view.filter.setCurrentIndex(view.filter.findData("failed"))
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == [made["failed"]], timeout=10_000)
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert not view.resend.isEnabled(), "Resend offered to a role the core refuses"
    assert view.resend.toolTip() == "Your role cannot resend reminders."
    assert not view.context_menu().findChild(QAction, "remindersMenuResend").isEnabled()


def test_dates_read_left_to_right_in_a_right_to_left_layout(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """Arabic lays the desk out right to left: the When and Appointment cells keep their
    date in a left-to-right isolate (else "2 Mar 2026 09:00" shows as "Mar 2026 09:00
    2"); laid out left to right, the same text has no marks."""
    plant_whose(desk, seeded, clock)
    controller = window.findChild(Reminders)
    assert controller is not None
    view = controller.show()
    view.filter.setCurrentIndex(view.filter.findData("unknown"))
    qtbot.waitUntil(lambda: len(view.model.rows()) == 1, timeout=10_000)
    row = view.model.rows()[0]
    plain = view.model.cell(row, M.WHEN)
    assert "\u2066" not in plain and "\u2069" not in plain
    QApplication.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    try:
        when = view.model.cell(row, M.WHEN)
        appointment = view.model.cell(row, M.APPOINTMENT)
    finally:
        QApplication.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    assert when == "\u2066" + plain + "\u2069", when
    assert appointment.startswith("\u2066") and "\u2069" in appointment, appointment


def test_a_pc_that_is_not_the_station_says_who_sends_and_whose_list_this_is(
    qtbot: QtBot, window: MainWindow, desk: Desk, seeded: Seeded, clock: FixedClock
) -> None:
    """Reminder rows are never synced: on a PC another one sends for, the view names the
    station, says the list is this PC's own and where what was sent shows; on the
    station itself it says nothing of it."""
    set_reminders(desk, clock, enabled=True)
    plant_whose(desk, seeded, clock)
    controller = window.findChild(Reminders)
    assert controller is not None
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view = controller.show()
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.filter.setCurrentIndex(view.filter.findData("failed"))
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert view.elsewhere.isHidden() and view.resend.isEnabled()
    set_reminders(desk, clock, station="FR01")
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        view.reload()
    assert not view.elsewhere.isHidden()
    said = view.elsewhere.text()
    assert "reminder station, FR01" in said and "only this PC's own" in said, said
    assert "Communication tab" in said
    assert not view.resend.isEnabled(), "Resend is the station's: it would never go here"
    assert "reminder station (FR01)" in view.resend.toolTip()
    if os.environ.get("REMINDER_SHOTS"):
        view.resize(1160, 500)
        view.grab().save(str(Path(os.environ["REMINDER_SHOTS"]) / "reminders-elsewhere.png"))
